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

import bisect
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
    starts = [unit.start for unit in units]
    protected: set[int] = set()
    for term in terms:
        inside = []
        at = bisect.bisect_left(starts, term.start - 0.02)
        while at < len(units) and units[at].start < term.end:
            if units[at].end <= term.end + 0.02:
                inside.append(at)
            at += 1
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
        limit, off, breaks = self.profile.max_chars, self.offsets, self.breaks
        if off[j] - off[i] + (j - i - 1) <= limit:
            return 0.0, ()
        if left <= 1:
            return None
        best: tuple[float, tuple[int, ...]] | None = None
        best_cost = float("inf")
        for k in range(i + 1, j):
            first = off[k] - off[i] + (k - i - 1)
            if first > limit:
                break
            if left == 2:
                second = off[j] - off[k] + (j - k - 1)
                if second > limit:
                    continue
                rest: tuple[float, tuple[int, ...]] | None = (0.0, ())
            else:
                second = limit
                rest = self._lines(k, j, left - 1)
                if rest is None:
                    continue
            assert rest is not None
            balance = abs(first - second) / limit + (0.3 if first > second + 8 else 0.0)
            cost = breaks[k] + rest[0] + balance
            if cost < best_cost:
                best_cost, best = cost, (cost, (k, *rest[1]))
        return best

    def solve(self) -> list[Cue]:
        """The cheapest cues for every word."""
        n, p, off = len(self.units), self.profile, self.offsets
        starts = [u.start for u in self.units]
        ends = [u.end for u in self.units]
        gap, longest, shortest = p.min_gap, p.max_duration, p.min_duration
        most, cps, breaks = p.max_chars * p.max_lines, p.max_cps, self.breaks
        best = [0.0] + [float("inf")] * n
        choice: list[tuple[int, tuple[int, ...]]] = [(0, ())] * (n + 1)
        for j in range(1, n + 1):
            room = (starts[j] - gap) if j < n else float("inf")
            for i in range(j - 1, -1, -1):
                chars = off[j] - off[i] + (j - i - 1)
                single = i == j - 1
                if not single and (chars > most or ends[j - 1] - starts[i] > longest):
                    break
                layout = self.lines(i, j, p.max_lines)
                if layout is None:
                    if not single:
                        continue
                    layout = (FORBIDDEN, ())  # one word longer than a line: shown as it is
                # what it costs that the words may lack the time to be read before the next
                available = min(room - starts[i], longest)
                need = max(shortest, chars / cps)
                timing = 0.0 if available >= need else 50.0 + 100.0 * (need - available)
                cost = best[i] + layout[0] + _PER_CUE + timing
                if i > 0:
                    cost += _CUE_WEIGHT * breaks[i]
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
