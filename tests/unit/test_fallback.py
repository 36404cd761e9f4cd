"""The temperature-fallback rules of batched decoding, on hand-made candidate decodings."""

from __future__ import annotations

from typing import Any

from scribe.stages.transcribe.batched.fallback import (
    RUNAWAY_TOKENS,
    accepted,
    choose,
    needs_fallback,
)
from scribe.stages.transcribe.options import DecodeOptions

OPTIONS = DecodeOptions()  # thresholds: compression 2.4, log-prob -1.0, no-speech 0.6


def decoding(
    tokens: int = 40,
    *,
    avg_logprob: float = -0.3,
    compression: float = 1.5,
    no_speech: float = 0.01,
    temperature: float = 0.0,
) -> dict[str, Any]:
    return {
        "tokens": list(range(tokens)),
        "avg_logprob": avg_logprob,
        "compression_ratio": compression,
        "no_speech_prob": no_speech,
        "temperature": temperature,
    }


def test_a_loop_or_an_improbable_text_needs_a_retry_unless_it_is_silence() -> None:
    assert not needs_fallback(decoding(), OPTIONS)
    assert needs_fallback(decoding(compression=3.1), OPTIONS)
    assert needs_fallback(decoding(avg_logprob=-1.4), OPTIONS)
    # improbable and the model thinks nobody speaks: silence, not a retry
    assert not needs_fallback(decoding(avg_logprob=-1.4, no_speech=0.9), OPTIONS)
    # probable text is kept even when the no-speech probability is high
    assert not needs_fallback(decoding(no_speech=0.9), OPTIONS)


def test_a_good_first_decoding_is_accepted_as_it_is() -> None:
    first = decoding()
    assert accepted(first, first, OPTIONS)
    assert choose([first], OPTIONS) is first


def test_a_retry_that_drops_words_is_not_accepted() -> None:
    first = decoding(100, compression=2.6)  # a phrase said twice compresses like a loop
    short = decoding(50, avg_logprob=-0.35, temperature=0.2)
    full = decoding(95, avg_logprob=-0.35, temperature=0.2)
    assert not accepted(short, first, OPTIONS)
    assert accepted(full, first, OPTIONS)


def test_a_retry_much_less_probable_than_a_confident_first_decoding_is_not_accepted() -> None:
    first = decoding(60, avg_logprob=-0.2, compression=2.5)
    guess = decoding(60, avg_logprob=-0.6, temperature=0.4)
    close = decoding(60, avg_logprob=-0.3, temperature=0.4)
    assert not accepted(guess, first, OPTIONS)
    assert accepted(close, first, OPTIONS)


def test_after_a_runaway_first_decoding_any_good_retry_is_accepted() -> None:
    runaway = decoding(RUNAWAY_TOKENS + 20, avg_logprob=-0.1, compression=8.0)
    retry = decoding(30, avg_logprob=-0.5, temperature=0.2)
    assert accepted(retry, runaway, OPTIONS)


def test_when_every_temperature_fails_a_confident_decoding_of_typical_length_wins() -> None:
    found = [
        decoding(80, avg_logprob=-0.25, compression=2.6),  # confident, said twice
        decoding(40, avg_logprob=-0.2, compression=2.0, temperature=0.2),  # dropped half
        decoding(78, avg_logprob=-0.3, compression=2.5, temperature=0.4),
        decoding(RUNAWAY_TOKENS, avg_logprob=-0.1, compression=9.0, temperature=0.6),
    ]
    assert not any(accepted(c, found[0], OPTIONS) for c in found[1:])
    assert choose(found, OPTIONS) is found[0]


def test_when_nothing_is_confident_a_decoding_that_does_not_loop_wins() -> None:
    found = [
        decoding(60, avg_logprob=-1.2, compression=2.8),
        decoding(58, avg_logprob=-1.1, compression=2.0, temperature=0.2),
        decoding(61, avg_logprob=-1.05, compression=3.0, temperature=0.4),
    ]
    assert choose(found, OPTIONS) is found[1]


def test_silence_is_dropped() -> None:
    assert choose([decoding(5, avg_logprob=-1.5, no_speech=0.95)], OPTIONS) is None
