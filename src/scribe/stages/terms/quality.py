"""Quality figures of a transcript, and a grade a person can act on.

Grades (applied in order):

| grade | rule |
|---|---|
| `no_speech` | no words at all |
| `A` | mean word probability ≥ 0.85 and at most 5 % of words under 0.5 |
| `B` | mean word probability ≥ 0.75 and at most 12 % of words under 0.5 |
| `C` | mean word probability ≥ 0.60 |
| `D` | anything lower: worth a human check |

Term matching never changes a word's probability: these figures are read from the transcript
as the model wrote it (or as a person edited it).
"""

from __future__ import annotations

from typing import Any

from scribe.domain.terms import TermsResult
from scribe.domain.transcript import Transcript


def grade(mean_probability: float | None, share_under_half: float) -> str:
    """The grade of the rules above."""
    if mean_probability is None:
        return "no_speech"
    if mean_probability >= 0.85 and share_under_half <= 0.05:
        return "A"
    if mean_probability >= 0.75 and share_under_half <= 0.12:
        return "B"
    if mean_probability >= 0.60:
        return "C"
    return "D"


def quality_figures(
    transcript: Transcript, terms: TermsResult, audio: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Mean word probability, low-confidence shares, words per minute, speech ratio, term
    density, language, segment count and the grade."""
    words = transcript.words
    probabilities = [w.probability for w in words]
    count = len(probabilities)
    mean = round(sum(probabilities) / count, 4) if count else None
    under_half = round(sum(p < 0.5 for p in probabilities) / count, 4) if count else 0.0
    under_08 = round(sum(p < 0.8 for p in probabilities) / count, 4) if count else 0.0
    duration = float((audio or {}).get("duration") or transcript.duration or 0.0)
    speech = transcript.speech_duration
    if speech is None and audio and "silence_ratio" in audio:
        speech = duration * (1 - float(audio["silence_ratio"]))
    return {
        "words": count,
        "segments": len(transcript.segments),
        "mean_word_probability": mean,
        "share_words_under_0_5": under_half,
        "share_words_under_0_8": under_08,
        "words_per_minute": round(count / (duration / 60), 1) if duration else None,
        "speech_ratio": round(speech / duration, 4) if duration and speech is not None else None,
        "term_density_per_100_words": (
            round(100 * len(terms.occurrences) / count, 2) if count else 0.0
        ),
        "language": transcript.language,
        "language_probability": transcript.language_probability,
        "no_speech": "no_speech" in transcript.flags or count == 0,
        "grade": grade(mean, under_half),
    }
