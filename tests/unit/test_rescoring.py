"""CTranslate2's lexicon bias: n-best hypotheses rescored by the whole terms they spell."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from tokenizers import Tokenizer

from scribe.stages.transcribe.batched.decoder import _rescored
from scribe.stages.transcribe.biasing.rescoring import Hypothesis, TermRescorer

EOT = 50256


@pytest.fixture(scope="module")
def tokenizer(whisper_tokenizer: Tokenizer) -> Tokenizer:
    return whisper_tokenizer


def ids(tokenizer: Tokenizer, text: str) -> list[int]:
    return list(tokenizer.encode(text, add_special_tokens=False).ids)


def test_counts_the_tokens_of_whole_terms_only(tokenizer: Tokenizer) -> None:
    rescorer = TermRescorer(tokenizer, ["metronome", "palm muting"], eot=EOT)
    metronome = len(ids(tokenizer, " metronome"))
    palm = len(ids(tokenizer, " palm muting"))
    text = " Set the metronome and try palm muting."
    assert rescorer.term_tokens(ids(tokenizer, text)) == metronome + palm
    first = ids(tokenizer, "Metronome first.")
    assert rescorer.term_tokens(first) == len(ids(tokenizer, "Metronome"))
    # a term's tokens inside a longer word are not the term
    assert rescorer.term_tokens(ids(tokenizer, " metronomes")) == 0
    assert rescorer.term_tokens(ids(tokenizer, " metronomeish sound")) == 0
    assert rescorer.term_tokens(ids(tokenizer, " palm reading")) == 0


def test_min_tokens_leaves_short_spellings_out(tokenizer: Tokenizer) -> None:
    rescorer = TermRescorer(tokenizer, ["bend", "metronome"], eot=EOT, min_tokens=2)
    assert len(ids(tokenizer, " bend")) == 1
    assert rescorer.term_tokens(ids(tokenizer, " a bend")) == 0
    assert "bend" not in rescorer.terms and "metronome" in rescorer.terms


def test_the_bonus_chooses_a_close_hypothesis_but_not_a_far_one(tokenizer: Tokenizer) -> None:
    rescorer = TermRescorer(tokenizer, ["metronome"], eot=EOT, weight=1.0)
    plain = ids(tokenizer, " Set the matronome on.")
    term = ids(tokenizer, " Set the metronome on.")
    bonus = len(ids(tokenizer, " metronome")) / len(term)
    close = [Hypothesis(plain, -0.30), Hypothesis(term, -0.30 - bonus / 2)]
    far = [Hypothesis(plain, -0.30), Hypothesis(term, -0.30 - bonus * 2)]
    assert rescorer.best(close) == 1
    assert rescorer.best(far) == 0
    assert TermRescorer(tokenizer, ["metronome"], eot=EOT, weight=0.0).best(close) == 0
    assert rescorer.best([Hypothesis(plain, -0.3)]) == 0


@dataclass
class _Result:
    """The two fields of a CTranslate2 ``WhisperGenerationResult`` the choice reads."""

    sequences_ids: list[list[int]]
    scores: list[float]


def test_a_generation_result_keeps_the_beam_best_without_a_rescorer(tokenizer: Tokenizer) -> None:
    plain = ids(tokenizer, " Set the matronome on.")
    term = ids(tokenizer, " Set the metronome on.")
    result = _Result([plain, term], [-0.30, -0.31])
    assert _rescored(result, None) == 0
    assert _rescored(result, TermRescorer(tokenizer, ["metronome"], eot=EOT)) == 1
    assert _rescored(_Result([plain], [-0.3]), TermRescorer(tokenizer, ["metronome"], eot=EOT)) == 0
