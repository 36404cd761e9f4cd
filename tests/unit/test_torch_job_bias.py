"""Which spellings a job's decoder bias favours, and that each bias is built once."""

from __future__ import annotations

from typing import Any

from scribe.lexicon import load_lexicon
from scribe.stages.transcribe.biasing.decoder import MIN_TOKENS, DecoderBiases, decoder_terms


class FakeTorch:
    """Stands in for the torch transcriber: counts the biases it is asked to build."""

    def __init__(self) -> None:
        self.built: list[tuple[list[str], dict[str, Any]]] = []

    def lexicon_bias(self, terms: list[str], **options: Any) -> object:
        self.built.append((terms, options))
        return object()


def test_chosen_terms_bring_every_form_of_the_lexicon_terms_they_name() -> None:
    lexicon = load_lexicon()
    everything = decoder_terms(lexicon)
    assert len(everything) >= len(lexicon.terms)
    term = next(t for t in lexicon.terms if len(t.forms) > 1)
    chosen = decoder_terms(lexicon, chosen=[term.forms[1].upper(), "Not A Term"])
    assert set(term.forms) <= set(chosen) and "Not A Term" in chosen
    assert len(chosen) < len(everything)


def test_a_bias_is_built_once_per_lexicon_version_terms_and_weight() -> None:
    lexicon = load_lexicon()
    biases, model = DecoderBiases(), FakeTorch()
    first = biases.get(model, lexicon, chosen=None, weight=2.0)
    assert biases.get(model, lexicon, chosen=None, weight=2.0) is first
    assert biases.get(model, lexicon, chosen=["metronome"], weight=2.0) is not first
    assert biases.get(model, lexicon, chosen=None, weight=3.0) is not first
    assert len(model.built) == 3 and model.built[0][1]["min_tokens"] == MIN_TOKENS
    assert biases.get(model, lexicon, chosen=None, weight=0.0) is None
    assert biases.get(object(), lexicon, chosen=None, weight=2.0) is None  # no decoder bias
