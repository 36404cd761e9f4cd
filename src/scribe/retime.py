"""Word times after an edit: unchanged words keep theirs, changed words follow the audio.

An edit turns a segment's words into a new list of spellings. The words the edit did not touch
(found with a word diff) keep their times exactly; a run that was replaced one for one keeps the
old words' times; every other run (words added, removed, split or merged) is placed by an
aligner (forced alignment against the segment's audio), clamped between the kept neighbours.
Without an aligner, or when it cannot place the words, a run shares its gap by length.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from difflib import SequenceMatcher

from scribe.domain.transcript import Segment, Word

# Places words in a segment: (segment, spellings) -> [(start, end, probability)] or None.
Aligner = Callable[[Segment, Sequence[str]], list[tuple[float, float, float]] | None]


def retime(segment: Segment, spellings: Sequence[str], aligner: Aligner | None = None) -> None:
    """Give ``segment`` the words ``spellings`` (in place), timed as the module says."""
    old = segment.words
    old_texts = [w.text.strip() for w in old]
    new: list[Word | None] = [None] * len(spellings)
    runs: list[tuple[int, int]] = []  # [j1, j2) of new words still to time
    matcher = SequenceMatcher(a=old_texts, b=list(spellings), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                new[j] = old[i].model_copy()
        elif tag == "replace" and i2 - i1 == j2 - j1:
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                new[j] = Word(
                    text=" " + spellings[j], start=old[i].start, end=old[i].end, probability=1.0
                )
        elif j2 > j1:
            runs.append((j1, j2))
    if runs:
        placed = aligner(segment, spellings) if aligner is not None else None
        if placed is not None and len(placed) != len(spellings):
            placed = None
        for j1, j2 in runs:
            low = _end_before(new, j1, segment.start)
            high = _start_after(new, j2, segment.end)
            if placed is not None:
                _place(new, spellings, j1, j2, placed, low, high)
            else:
                _share(new, spellings, j1, j2, low, high)
    segment.words = [w for w in new if w is not None]
    segment.text = "".join(w.text for w in segment.words) if segment.words else ""
    if segment.words:
        segment.start = min(segment.start, segment.words[0].start)
        segment.end = max(segment.end, segment.words[-1].end)


def _end_before(words: list[Word | None], j: int, default: float) -> float:
    for k in range(j - 1, -1, -1):
        if words[k] is not None:
            return words[k].end  # type: ignore[union-attr]
    return default


def _start_after(words: list[Word | None], j: int, default: float) -> float:
    for k in range(j, len(words)):
        if words[k] is not None:
            return words[k].start  # type: ignore[union-attr]
    return default


def _place(
    new: list[Word | None],
    spellings: Sequence[str],
    j1: int,
    j2: int,
    placed: list[tuple[float, float, float]],
    low: float,
    high: float,
) -> None:
    high = max(high, low)
    position = low
    for j in range(j1, j2):
        start, end, _probability = placed[j]
        start = min(max(start, position), high)
        end = min(max(end, start), high)
        new[j] = Word(
            text=" " + spellings[j], start=round(start, 3), end=round(end, 3), probability=1.0
        )
        position = end


def _share(
    new: list[Word | None], spellings: Sequence[str], j1: int, j2: int, low: float, high: float
) -> None:
    span = max(0.0, high - low)
    total = sum(len(spellings[j]) for j in range(j1, j2)) or 1
    position = low
    for j in range(j1, j2):
        length = span * len(spellings[j]) / total
        new[j] = Word(
            text=" " + spellings[j],
            start=round(position, 3),
            end=round(position + length, 3),
            probability=1.0,
        )
        position += length
