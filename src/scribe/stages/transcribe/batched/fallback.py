"""The sequential decoder's temperature fallback, made safe for batched chunks.

Whisper decodes a window again, hotter and sampled, when its text compresses like a loop or
is improbable, unless the window is silence. On a 30-second chunk of legitimately repetitive
speech (a phrase said twice, counting) a hot sample can drop the repetition or invent words,
so a retry must also keep the first decoding's length and, when that one was confident, its
probability.
"""

from __future__ import annotations

from typing import Any

from scribe.stages.transcribe.options import DecodeOptions

# A sampled retry must keep this share of the tokens of the chunk's first decoding (or of the
# typical decoding when all fail); a first decoding this long ran away in a loop.
KEEP_SHARE = 0.85
RUNAWAY_TOKENS = 400
# ...and, when the first decoding was confident, be at most this much less probable (mean log
# probability per token).
PROBABILITY_MARGIN = 0.15


def needs_fallback(candidate: dict[str, Any], options: DecodeOptions) -> bool:
    """The sequential decoder's rule: retry text that loops or is improbable, unless the
    window is silence."""
    needs = candidate["compression_ratio"] > options.compression_ratio_threshold
    if candidate["avg_logprob"] < options.log_prob_threshold:
        needs = True
    silent = (
        candidate["no_speech_prob"] > options.no_speech_threshold
        and candidate["avg_logprob"] < options.log_prob_threshold
    )
    return needs and not silent


def _long_enough(candidate: dict[str, Any], than: int) -> bool:
    """Whether a decoding keeps at least :data:`KEEP_SHARE` of ``than`` tokens (a sampled
    retry that drops a sentence of a chunk must not replace the chunk's text)."""
    return len(candidate["tokens"]) >= KEEP_SHARE * than


def accepted(candidate: dict[str, Any], first: dict[str, Any], options: DecodeOptions) -> bool:
    """A decoding that needs no retry. A retry must also keep the words of the first
    decoding, unless that one ran away (a loop that filled the window); and when the first
    decoding was confident (it failed only because its text compresses like a loop, as
    speech said twice does) the retry must be nearly as probable, not a hot sample's guess."""
    if needs_fallback(candidate, options):
        return False
    if candidate is first or len(first["tokens"]) >= RUNAWAY_TOKENS:
        return True
    if first["avg_logprob"] >= options.log_prob_threshold and (
        candidate["avg_logprob"] < first["avg_logprob"] - PROBABILITY_MARGIN
    ):
        return False
    return _long_enough(candidate, len(first["tokens"]))


def choose(found: list[dict[str, Any]], options: DecodeOptions) -> dict[str, Any] | None:
    """The decoding kept for a chunk: the accepted one; when every temperature failed, among
    those of typical length that did not run away, the most probable of the confident ones
    (text said twice compresses like a loop), else of those that do not loop; ``None`` when
    it is silence.

    Sequential faster-whisper picks the most probable decoding that does not loop, whatever
    its length and confidence; on legitimately repetitive speech (a phrase said twice,
    counting) that is a random sample that dropped the repetition or invented words, so
    batched decoding checks length and confidence first."""
    best = found[-1]
    if not accepted(best, found[0], options):
        typical = sorted(len(c["tokens"]) for c in found)[len(found) // 2]
        pool = [
            c for c in found if _long_enough(c, typical) and len(c["tokens"]) < RUNAWAY_TOKENS
        ] or found
        confident = [c for c in pool if c["avg_logprob"] >= options.log_prob_threshold]
        usable = [c for c in pool if c["compression_ratio"] <= options.compression_ratio_threshold]
        best = max(confident or usable or pool, key=lambda c: c["avg_logprob"])
    silent = best["no_speech_prob"] > options.no_speech_threshold and not (
        best["avg_logprob"] > options.log_prob_threshold
    )
    return None if silent else best
