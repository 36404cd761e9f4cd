"""Chapters from where a lesson's music terms change topic.

The topic terms (chords, scales, techniques, theory…; not gear or fret numbers) said in a
lesson are read in order; a term said fewer than ``min_mentions`` times within ``window``
seconds is a passing mention and is dropped, so "G major … G major … (hammer-on) … G major"
stays one topic; what is left is grouped in runs of the same term. A chapter starts at the
start of the segment where its topic is first said; one shorter than ``min_length`` seconds
gives its time to the one before; the lesson opens with an intro chapter when the first topic
comes later than ``min_length``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from scribe.captions.render import timestamp
from scribe.domain.terms import TermOccurrence
from scribe.domain.transcript import Transcript

TOPIC_CATEGORIES = frozenset(
    {
        "chord",
        "chord_name",
        "progression",
        "scale",
        "technique",
        "articulation",
        "theory",
        "genre",
        "tuning",
        "practice",
        "rhythm",
    }
)
"""Categories a chapter can be about."""


@dataclass(frozen=True)
class Chapter:
    """A part of a lesson about one topic."""

    start: float
    end: float
    title: str
    term: str | None
    """The canonical term it is about (None for the intro)."""
    mentions: int = 0


@dataclass
class _Run:
    term: str
    start: float
    texts: list[str]


def _runs(occurrences: Sequence[TermOccurrence], segment_starts: dict[int, float]) -> list[_Run]:
    runs: list[_Run] = []
    for o in sorted(occurrences, key=lambda o: o.start):
        key = o.term.lower()
        if runs and runs[-1].term == key:
            runs[-1].texts.append(o.text)
        else:
            start = min(o.start, segment_starts.get(o.segment, o.start))
            runs.append(_Run(key, start, [o.text]))
    return runs


def _title(texts: list[str]) -> str:
    spelled = Counter(t.strip().lower() for t in texts).most_common(1)[0][0]
    first = next(t.strip() for t in texts if t.strip().lower() == spelled)
    return first[:1].upper() + first[1:]


def find_chapters(
    transcript: Transcript,
    occurrences: Sequence[TermOccurrence],
    *,
    min_length: float = 10.0,
    min_mentions: int = 2,
    window: float = 60.0,
    intro: str = "Intro",
) -> list[Chapter]:
    """The lesson's chapters in order; empty when no topic is said often enough.

    A mention counts when its term is said at least ``min_mentions`` times within ``window``
    seconds of it; a chapter lasts ``min_length`` seconds at least.
    """
    topical = [o for o in occurrences if o.category in TOPIC_CATEGORIES]
    segment_starts = {s.index: s.start for s in transcript.segments}
    lasting = [
        o
        for o in topical
        if sum(
            1 for other in topical if other.term == o.term and abs(other.start - o.start) <= window
        )
        >= min_mentions
    ]
    runs = _runs(lasting, segment_starts)
    merged: list[_Run] = []
    for run in runs:
        if merged and merged[-1].term == run.term:
            merged[-1].texts.extend(run.texts)
        else:
            merged.append(_Run(run.term, max(run.start, merged[-1].start if merged else 0.0),
                               list(run.texts)))  # fmt: skip
    if not merged:
        return []
    end = max(transcript.duration, merged[-1].start)
    parts: list[tuple[float, str | None, list[str]]] = [(r.start, r.term, r.texts) for r in merged]
    if parts[0][0] >= min_length:
        parts.insert(0, (0.0, None, []))
    else:
        parts[0] = (0.0, parts[0][1], parts[0][2])
    changed = True
    while changed and len(parts) > 1:
        changed = False
        for n in range(1, len(parts)):
            until = parts[n + 1][0] if n + 1 < len(parts) else end
            same = parts[n][1] == parts[n - 1][1]
            if until - parts[n][0] < min_length or same:
                start, term, texts = parts[n - 1]
                parts[n - 1] = (start, term, texts + parts[n][2] if same else texts)
                del parts[n]
                changed = True
                break
    chapters = []
    for n, (start, term, texts) in enumerate(parts):
        until = parts[n + 1][0] if n + 1 < len(parts) else end
        title = _title(texts) if texts else intro
        chapters.append(Chapter(round(start, 3), round(until, 3), title, term, len(texts)))
    return chapters


def _clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def to_youtube(chapters: Sequence[Chapter]) -> str:
    """A chapter list to paste in a video's description: ``0:00 Intro`` a line."""
    return "".join(f"{_clock(c.start)} {c.title}\n" for c in chapters)


def to_vtt_chapters(chapters: Sequence[Chapter]) -> str:
    """WebVTT chapters (a ``<track kind="chapters">``): one numbered cue a chapter."""
    blocks = ["WEBVTT\n"]
    for n, c in enumerate(chapters, start=1):
        blocks.append(f"{n}\n{timestamp(c.start)} --> {timestamp(c.end)}\n{c.title}\n")
    return "\n".join(blocks)
