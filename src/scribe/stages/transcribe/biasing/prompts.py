"""ASR biasing: music terms from the lexicon handed to Whisper in its prompt, within a bound.

Whisper writes "alternate picking" as "you falter the picking" when it has no hint. The terms
go into the decoder's initial prompt, bounded by characters and spread across categories.

Measured here: faster-whisper's ``hotwords`` (a prompt repeated in every 30 s window) made
tiny.en drop about half the words of a 90 s plain-speech recording (258 → 137) and invent terms
at its end, while the initial prompt kept every word (258 → 259) and gave the same gain on the
lesson fixture (word error rate 0.118 → 0.088). So the lexicon feeds the initial prompt, and
``hotwords`` is only used when a job asks for it.

faster-whisper applies the initial prompt to the first 30 s window only, and a fixed list of
about thirty terms is a guess at what a lesson is about. :func:`second_pass` therefore decodes
again each window whose words sound like a term they do not spell, with those terms as its own
prompt (:func:`hint_prompt`), and keeps the new words only where they spell more terms. What
each step gave on ``bench/eval_asr.py``: ``docs/quality.md``, "Measured effect of biasing and
correction".
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import zip_longest
from pathlib import Path
from typing import Any

from scribe.domain.transcript import Segment, Transcript
from scribe.lexicon import Lexicon

MAX_BIAS_CHARS = 400
# Second pass: a term is a hint for a window when some run of its words is at least this
# alike (sound and spelling, see scribe.stages.transcribe.biasing.correction), at most
# MAX_HINTS of them.
HINT_LIKENESS = 0.65
MAX_HINTS = 15
# A window's second decoding replaces the first only if it keeps this share of the words.
MIN_KEPT_WORDS = 0.8
# Categories whose words Whisper most often misspells, in the order they get room.
PREFERRED = ("scale", "technique", "chord", "theory", "articulation", "tuning", "rhythm")


def bias_terms(lexicon: Lexicon, *, chosen: Sequence[str] | None = None) -> list[str]:
    """The terms to bias towards: ``chosen`` (a collection's own subset) or a spread of the
    lexicon's specialist terms, round-robin over :data:`PREFERRED` categories, each category's
    most written-about terms first (the most spellings and spoken forms: "barre chord",
    "alternate picking"), not the files' alphabetical order, which with a lexicon of 2,000
    terms filled the prompt with rarities ("alzapúa", "altered tensions")."""
    if chosen:
        return list(dict.fromkeys(term.strip() for term in chosen if term.strip()))
    grouped = lexicon.by_category()
    columns = [
        [
            t.canonical
            for t in sorted(grouped.get(category, []), key=lambda t: -len(t.forms))
            if _specialist(t.canonical)
        ]
        for category in PREFERRED
    ]
    return [term for row in zip_longest(*columns) for term in row if term]


def _specialist(term: str) -> bool:
    """Terms worth the prompt space: not everyday words."""
    return len(term) > 4 and not term.isdigit()


def prompt_for(
    lexicon: Lexicon,
    *,
    user_prompt: str | None = None,
    chosen: Sequence[str] | None = None,
    max_chars: int = MAX_BIAS_CHARS,
) -> str:
    """The job's own prompt first, then lexicon terms, within ``max_chars`` in all."""
    return _compose(user_prompt, bias_terms(lexicon, chosen=chosen), max_chars)


def _compose(user_prompt: str | None, candidates: Sequence[str], max_chars: int) -> str:
    head = user_prompt.strip() if user_prompt and user_prompt.strip() else "A guitar lesson."
    terms: list[str] = []
    used = len(head) + len(" Terms: .")
    for term in candidates:
        if used + len(term) + 2 > max_chars:
            break
        terms.append(term)
        used += len(term) + 2
    return f"{head} Terms: {', '.join(terms)}." if terms else head


def hint_prompt(
    segments: Sequence[Segment],
    lexicon: Lexicon,
    *,
    user_prompt: str | None = None,
    chosen: Sequence[str] | None = None,
    max_chars: int = MAX_BIAS_CHARS,
) -> str | None:
    """The second pass's prompt for a window of first-pass segments: the job's prompt, then
    the terms its words sound or spell like but do not spell (most alike first), then those
    they do spell; None when nothing sounds like a term that is not already there."""
    from scribe.stages.transcribe.biasing.correction import corrector_for

    heard, close = corrector_for(lexicon).terms_in(segments, near=HINT_LIKENESS)
    wanted = {term.strip().lower() for term in chosen or [] if term.strip()}
    suspected = {
        term: value
        for term, value in close.items()
        if term not in heard and (not wanted or term.lower() in wanted)
    }
    if not suspected:
        return None
    ranked = sorted(suspected, key=lambda term: (-suspected[term], term))[:MAX_HINTS]
    return _compose(user_prompt, [*ranked, *sorted(heard)], max_chars)


def second_pass(
    transcriber: Any,
    audio: Path,
    first: Transcript,
    lexicon: Lexicon,
    *,
    options: Any = None,
    user_prompt: str | None = None,
    chosen: Sequence[str] | None = None,
    should_stop: Any = None,
) -> Transcript:
    """Decode again the windows of ``first`` whose words sound like a term they do not spell,
    each with its own prompt of those terms (:func:`hint_prompt`), and keep a window's new
    words only where they spell more lexicon terms and keep most of the words."""
    from scribe.stages.transcribe.biasing.correction import corrector_for

    corrector = corrector_for(lexicon)

    def keep(old: list[Segment], new: list[Segment]) -> bool:
        old_words = sum(len(s.words) for s in old)
        new_words = sum(len(s.words) for s in new)
        return new_words >= MIN_KEPT_WORDS * old_words and corrector.count_terms(
            new
        ) > corrector.count_terms(old)

    result: Transcript = transcriber.redecode(
        audio,
        first,
        prompt_for=lambda window: hint_prompt(
            window, lexicon, user_prompt=user_prompt, chosen=chosen
        ),
        keep=keep,
        options=options,
        should_stop=should_stop,
    )
    return result
