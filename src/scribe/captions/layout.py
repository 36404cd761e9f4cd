"""Cue and line breaking: words into cues a viewer can read, timed from the words.

The words of the whole transcript are laid out by dynamic programming over the places a cue
may end. Hard limits (characters a line, lines a cue, seconds a cue spans) are never passed;
everything else is a cost: a break after a full stop costs nothing, after other punctuation or
before a conjunction or preposition a little, elsewhere more; a break inside a music term or
right after an article is all but forbidden; a cue too short or too dense to read in the time
before the next one costs a lot. Cue times come from the first and last word, stretched (never
past the next cue less the gap) to meet the minimum duration and the reading speed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from scribe.captions.profiles import CaptionProfile
from scribe.domain.terms import TermOccurrence
from scribe.domain.transcript import Transcript

ARTICLES = frozenset({"a", "an", "the"})
CONJUNCTIONS = frozenset(
    {"and", "but", "or", "nor", "so", "yet", "because", "although", "though", "while",
     "whereas", "unless", "until", "if", "when", "whenever", "where", "since", "then", "that",
     "which", "who", "as", "than", "before", "after"}
)  # fmt: skip
PREPOSITIONS = frozenset(
    {"to", "on", "in", "at", "with", "from", "for", "of", "by", "over", "under", "into",
     "onto", "about", "across", "along", "around", "behind", "below", "between", "down",
     "during", "through", "toward", "towards", "up", "upon", "within", "without", "like"}
)  # fmt: skip
_STRIP = ".,;:!?\"'()[]…—-"
FORBIDDEN = 1000.0
"""The cost of a break inside a music term; paid only when nothing else fits."""
AFTER_ARTICLE = 600.0
"""The cost of a break between an article and what follows (when a line cannot hold both an
article and its term, the term stays whole)."""
_CUE_WEIGHT = 3.0
_PER_CUE = 2.0
LEAD_IN = 0.5
"""Seconds a cue may appear before its first word is said, when it needs the time."""


@dataclass(frozen=True)
class Unit:
    """A word as shown: Whisper's pieces of one word (``hammer`` + ``-on``) joined."""

    text: str
    start: float
    end: float
    segment: int


@dataclass(frozen=True)
class Cue:
    """One caption on screen."""

    start: float
    end: float
    lines: tuple[str, ...]
    first_word: int
    """Index (in :func:`units_of` order) of the cue's first word."""
    last_word: int
    """Index of its last word."""

    @property
    def text(self) -> str:
        """The lines joined by line breaks."""
        return "\n".join(self.lines)

    @property
    def chars(self) -> int:
        """Characters shown, spaces included, line breaks not."""
        return sum(len(line) for line in self.lines)

    @property
    def duration(self) -> float:
        """Seconds on screen."""
        return self.end - self.start


def units_of(transcript: Transcript) -> list[Unit]:
    """The transcript's words as shown, in order (a segment without word times gets its text
    spread over its span by length)."""
    units: list[Unit] = []
    for segment in transcript.segments:
        pieces = [(w.text, w.start, w.end) for w in segment.words]
        if not pieces and segment.text.strip():
            spelled = segment.text.split()
            total = sum(len(s) for s in spelled)
            at, span = segment.start, segment.end - segment.start
            for s in spelled:
                length = span * len(s) / total
                pieces.append((" " + s, at, at + length))
                at += length
        first = True
        for raw, start, end in pieces:
            shown = raw.strip()
            if not shown:
                continue
            if not first and not raw[:1].isspace() and units:
                last = units[-1]
                units[-1] = Unit(last.text + shown, last.start, max(last.end, end), last.segment)
                continue
            units.append(Unit(shown, start, max(start, end), segment.index))
            first = False
    return units


def protected_breaks(units: Sequence[Unit], terms: Sequence[TermOccurrence]) -> set[int]:
    """Boundaries (``b`` lies between word ``b-1`` and word ``b``) inside a music term."""
    protected: set[int] = set()
    for term in terms:
        inside = [
            i
            for i, unit in enumerate(units)
            if unit.start >= term.start - 0.02
            and unit.end <= term.end + 0.02
            and unit.start < term.end
        ]
        if len(inside) > 1:
            protected.update(range(inside[0] + 1, inside[-1] + 1))
    return protected


def _bare(text: str) -> str:
    return text.strip(_STRIP).lower()


def break_cost(units: Sequence[Unit], boundary: int, protected: set[int]) -> float:
    """What a line or cue break between word ``boundary-1`` and ``boundary`` costs."""
    before, after = units[boundary - 1], units[boundary]
    if boundary in protected:
        return FORBIDDEN
    if _bare(before.text) in ARTICLES:
        return AFTER_ARTICLE
    word, following = before.text, _bare(after.text)
    if word.endswith((".", "?", "!", "…")):
        cost = 0.0
    elif word.endswith((",", ";", ":", "—", ")")):
        cost = 1.0
    elif following in CONJUNCTIONS:
        cost = 2.0
    elif following in PREPOSITIONS:
        cost = 2.5
    else:
        cost = 6.0
        if boundary >= 2 and _bare(units[boundary - 2].text) in ARTICLES:
            cost += 3.0  # "the minor | pentatonic": keep a short noun phrase whole
    if after.start - before.end >= 0.4:
        cost = max(0.0, cost - 1.0)
    if after.segment != before.segment:
        cost = max(0.0, cost - 0.5)
    return cost


def is_good_break(units: Sequence[Unit], boundary: int) -> bool:
    """Whether a break falls after punctuation, before a conjunction or preposition, or at a
    pause: the places the guidelines prefer."""
    return break_cost(units, boundary, set()) < 6.0


def build_cues(
    transcript: Transcript,
    profile: CaptionProfile,
    terms: Sequence[TermOccurrence] = (),
) -> list[Cue]:
    """The transcript's words laid out in cues that keep ``profile``'s limits."""
    units = units_of(transcript)
    if not units:
        return []
    protected = protected_breaks(units, terms)
    return _Layout(units, protected, profile).solve()


class _Layout:
    """One dynamic-programming run over a transcript's words."""

    def __init__(self, units: Sequence[Unit], protected: set[int], profile: CaptionProfile) -> None:
        self.units = units
        self.protected = protected
        self.profile = profile
        self.offsets = [0]
        for unit in units:
            self.offsets.append(self.offsets[-1] + len(unit.text))
        self.breaks = [0.0] + [break_cost(units, b, protected) for b in range(1, len(units))]
        self.lines = lru_cache(maxsize=None)(self._lines)

    def width(self, i: int, j: int) -> int:
        """Characters of words ``i..j-1`` on one line."""
        return self.offsets[j] - self.offsets[i] + (j - i - 1)

    def _lines(self, i: int, j: int, left: int) -> tuple[float, tuple[int, ...]] | None:
        """The cheapest split of words ``i..j-1`` in at most ``left`` lines: its cost and the
        boundaries where lines break; None when they do not fit."""
        limit = self.profile.max_chars
        whole = self.width(i, j)
        if whole <= limit:
            return 0.0, ()
        if left <= 1:
            return None
        best: tuple[float, tuple[int, ...]] | None = None
        for k in range(i + 1, j):
            first = self.width(i, k)
            if first > limit:
                break
            rest = (
                self._lines(k, j, left - 1)
                if left > 2
                else ((0.0, ()) if self.width(k, j) <= limit else None)
            )
            if rest is None:
                continue
            second = self.width(k, j) if left == 2 else limit
            balance = abs(first - second) / limit + (0.3 if first > second + 8 else 0.0)
            cost = self.breaks[k] + rest[0] + balance
            if best is None or cost < best[0]:
                best = (cost, (k, *rest[1]))
        return best

    def timing_cost(self, i: int, j: int) -> float:
        """What it costs that words ``i..j-1`` may lack the time to be read."""
        p, units = self.profile, self.units
        start = units[i].start
        room = (units[j].start - p.min_gap) if j < len(units) else start + p.max_duration
        available = min(room, start + p.max_duration) - start
        need = max(p.min_duration, self.width(i, j) / p.max_cps)
        return 0.0 if available >= need else 50.0 + 100.0 * (need - available)

    def solve(self) -> list[Cue]:
        """The cheapest cues for every word."""
        n, p = len(self.units), self.profile
        best = [0.0] + [float("inf")] * n
        choice: list[tuple[int, tuple[int, ...]]] = [(0, ())] * (n + 1)
        for j in range(1, n + 1):
            for i in range(j - 1, -1, -1):
                single = i == j - 1
                if not single and (
                    self.width(i, j) > p.max_chars * p.max_lines
                    or self.units[j - 1].end - self.units[i].start > p.max_duration
                ):
                    break
                layout = self.lines(i, j, p.max_lines)
                if layout is None:
                    if not single:
                        continue
                    layout = (FORBIDDEN, ())  # one word longer than a line: shown as it is
                cost = best[i] + layout[0] + _PER_CUE + self.timing_cost(i, j)
                if i > 0:
                    cost += _CUE_WEIGHT * self.breaks[i]
                if cost < best[j]:
                    best[j], choice[j] = cost, (i, layout[1])
        spans: list[tuple[int, int, tuple[int, ...]]] = []
        j = n
        while j > 0:
            i, line_breaks = choice[j]
            spans.append((i, j, line_breaks))
            j = i
        spans.reverse()
        return self.timed(spans)

    def timed(self, spans: list[tuple[int, int, tuple[int, ...]]]) -> list[Cue]:
        """Cues with their lines and times, worked out in whole milliseconds.

        A cue ends at its last word, later if its text needs more time to be read or it
        would be too short, never within the gap before the next cue nor past the longest
        duration. One that still lacks time starts up to :data:`LEAD_IN` seconds before its
        first word, taking time the cue before it does not need.
        """
        p, units = self.profile, self.units
        gap = math.ceil(p.min_gap * 1000 - 1e-6)
        longest = math.floor(p.max_duration * 1000 + 1e-6)
        starts = [round(units[i].start * 1000) for i, _, _ in spans]
        natural = [round(units[j - 1].end * 1000) for _, j, _ in spans]
        need = [
            math.ceil(max(p.min_duration, self.width(i, j) / p.max_cps) * 1000 - 1e-6)
            for i, j, _ in spans
        ]

        def end_of(n: int) -> int:
            end = min(max(natural[n], starts[n] + need[n]), starts[n] + longest)
            if n + 1 < len(spans):
                end = min(end, starts[n + 1] - gap)
            return max(end, starts[n])

        ends = [end_of(n) for n in range(len(spans))]
        lead = round(LEAD_IN * 1000)
        for n in range(len(spans)):
            short = need[n] - (ends[n] - starts[n])
            if short <= 0:
                continue
            floor = starts[n] - lead
            if n > 0:
                floor = max(floor, starts[n - 1] + need[n - 1] + gap)
            moved = max(floor, starts[n] - short, 0)
            if moved < starts[n]:
                starts[n] = moved
                ends[n] = end_of(n)
                if n > 0:
                    ends[n - 1] = min(ends[n - 1], moved - gap)
        cues: list[Cue] = []
        for n, (i, j, line_breaks) in enumerate(spans):
            edges = [i, *line_breaks, j]
            lines = tuple(
                " ".join(u.text for u in units[a:b]) for a, b in itertools.pairwise(edges)
            )
            cues.append(Cue(starts[n] / 1000, ends[n] / 1000, lines, i, j - 1))
        return cues
