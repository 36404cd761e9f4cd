"""Lexicon biasing inside the PyTorch decoder: the trie's rules, and a real lesson clip."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tokenizers import Tokenizer

from scribe.config import WhisperSettings
from scribe.lexicon import load_lexicon
from scribe.stages.extract.media import extract_audio
from scribe.stages.transcribe.torch.bias import LexiconBias
from scribe.stages.transcribe.torch.engine import TorchWhisperEngine
from tests.helpers import LESSON_MP4

EOT = 50256


@pytest.fixture(scope="module")
def tokenizer(whisper_tokenizer: Tokenizer) -> Tokenizer:
    return whisper_tokenizer


def ids(tokenizer: Tokenizer, text: str) -> list[int]:
    return list(tokenizer.encode(text, add_special_tokens=False).ids)


def test_bonus_only_inside_a_term_and_taken_back_when_abandoned(tokenizer: Tokenizer) -> None:
    bias = LexiconBias(tokenizer, ["metronome"], eot=EOT, weight=2.0)
    term = ids(tokenizer, " metronome")
    assert len(term) >= 2
    vocab = EOT + 1
    logprobs = torch.full((1, vocab), -5.0)
    generated = torch.tensor([ids(tokenizer, " the")])
    state = bias.start(1)
    ranking = bias.apply(state, logprobs, generated)
    assert ranking[0, term[0]] == pytest.approx(-3.0)  # a term may begin here
    other = ids(tokenizer, " slow")[0]
    assert ranking[0, other] == pytest.approx(-5.0)  # no bonus outside a term
    state = bias.advance(state, [term[0]], [0])
    generated = torch.cat([generated, torch.tensor([[term[0]]])], dim=1)
    ranking = bias.apply(state, logprobs, generated)
    assert ranking[0, term[1]] == pytest.approx(-3.0)  # continuing the term
    assert ranking[0, other] == pytest.approx(-7.0)  # leaving it gives the bonus back


def test_first_token_needs_a_word_start_and_some_model_belief(tokenizer: Tokenizer) -> None:
    bias = LexiconBias(tokenizer, ["Dorian"], eot=EOT, weight=2.0, start_floor=-8.0)
    bare = ids(tokenizer, "Dorian")[0]
    spaced = ids(tokenizer, " Dorian")[0]
    logprobs = torch.full((2, EOT + 1), -5.0)
    logprobs[1, spaced] = -12.0  # the model does not believe in it here
    generated = torch.tensor([ids(tokenizer, " the"), ids(tokenizer, " the")])
    ranking = bias.apply(bias.start(2), logprobs, generated)
    assert ranking[0, spaced] == pytest.approx(-3.0)
    assert ranking[1, spaced] == pytest.approx(-12.0)
    assert ranking[0, bare] == pytest.approx(-5.0)  # mid-text, a bare token is not a word start
    at_start = bias.apply(bias.start(1), logprobs[:1], torch.empty((1, 0), dtype=torch.long))
    assert at_start[0, bare] == pytest.approx(-3.0)


def test_the_bundled_lexicon_builds_a_trie(tokenizer: Tokenizer) -> None:
    bias = LexiconBias.from_lexicon(load_lexicon(), tokenizer, eot=EOT)
    assert len(bias.terms) > 100
    assert len(bias.trie.children) > len(bias.terms)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> TorchWhisperEngine:
    cache = tmp_path_factory.mktemp("models")
    return TorchWhisperEngine(WhisperSettings(cpu_threads=2, batch_size=8, cache_dir=cache))


def test_bias_raises_listed_terms_on_a_real_lesson_clip(
    engine: TorchWhisperEngine, tmp_path: Path
) -> None:
    wav = tmp_path / "lesson.wav"
    extract_audio(LESSON_MP4, wav)
    plain = engine.transcribe(wav)
    terms = ["alternate picking", "metronome", "hammer-on"]
    biased = engine.transcribe(wav, bias=engine.lexicon_bias(terms, weight=3.0))
    text = biased.text.lower()
    assert "alternate picking" in text and "metronome" in text
    assert "alternate picking" not in plain.text.lower()  # the unbiased model mishears it
    # Terms that are not said change nothing.
    unrelated = engine.transcribe(wav, bias=engine.lexicon_bias(["Phrygian dominant"], weight=3.0))
    assert unrelated.text == plain.text


def test_min_tokens_leaves_out_one_token_words(tokenizer: Tokenizer) -> None:
    assert len(ids(tokenizer, " bend")) == 1
    bias = LexiconBias(tokenizer, ["bend", "metronome"], eot=EOT, min_tokens=2)
    assert "bend" not in bias.terms and "metronome" in bias.terms
    assert ids(tokenizer, " bend")[0] not in bias.trie.children[0]


def test_continuing_one_term_takes_back_the_bonus_of_another_it_abandons(
    tokenizer: Tokenizer,
) -> None:
    # " b" opens "b.b. king" and "bb major"-like paths; after " b" "." continues only the
    # first term: a token continuing the other must give the first one's bonus back.
    bias = LexiconBias(tokenizer, ["b.b. king", "b flat minor"], eot=EOT, weight=2.0)
    first = ids(tokenizer, " b")[0]
    logprobs = torch.full((1, EOT + 1), -1.0)
    generated = torch.tensor([ids(tokenizer, " the")])
    state = bias.start(1)
    bias.apply(state, logprobs, generated)
    state = bias.advance(state, [first], [0])
    generated = torch.cat([generated, torch.tensor([[first]])], dim=1)
    ranking = bias.apply(state, logprobs, generated)
    dot = ids(tokenizer, " b.b. king")[1]
    flat = ids(tokenizer, " b flat minor")[1]
    assert dot != flat
    assert ranking[0, dot] == pytest.approx(1.0)  # continues a term: +2, nothing abandoned
    assert ranking[0, flat] == pytest.approx(1.0)
    # Two tokens in: the other path's bonus (2) is given back by a token that leaves it.
    state = bias.advance(state, [dot], [0])
    generated = torch.cat([generated, torch.tensor([[dot]])], dim=1)
    ranking = bias.apply(state, logprobs, generated)
    assert ranking[0, ids(tokenizer, " b.b. king")[2]] == pytest.approx(-1.0 + 2.0)
    assert ranking[0, ids(tokenizer, " slow")[0]] == pytest.approx(-1.0 - 4.0)


def test_a_term_starts_only_near_the_models_best_token(tokenizer: Tokenizer) -> None:
    bias = LexiconBias(tokenizer, ["metronome"], eot=EOT, weight=2.0, start_margin=3.0)
    start = ids(tokenizer, " metronome")[0]
    logprobs = torch.full((1, EOT + 1), -20.0)
    logprobs[0, EOT] = -0.1  # the model is sure the text ends here
    logprobs[0, start] = -5.0
    ranking = bias.apply(bias.start(1), logprobs, torch.tensor([ids(tokenizer, " the")]))
    assert ranking[0, start] == pytest.approx(-5.0)
