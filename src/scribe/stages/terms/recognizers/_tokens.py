"""Token helpers the structured recognisers share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc

from scribe.stages.terms.recognizers.numbers import HYPHENS

SENTENCE_END = frozenset({".", "!", "?", "…", "..."})
# Where a clause-level context ends for the context rules (a sentence, or a clause after ";").
CONTEXT_STOPS = frozenset({".", "!", "?", ";"})
OPENERS = frozenset({"(", "[", "{", '"', "“", "'", "‘"})
NOTE_LETTERS = frozenset("ABCDEFG")
SHARP_SIGNS = frozenset({"#", "♯"})
FLAT_SIGNS = frozenset({"b", "♭"})
ACCIDENTAL_WORDS = {"sharp": "#", "flat": "b"}
CHORD_WORDS = frozenset({"chord", "chords"})


@dataclass(frozen=True)
class Found:
    """A structured match: token span ``[start, end)``, entity label and normalised form."""

    start: int
    end: int
    label: str
    normalized: str


class Tokens:
    """A doc's token texts, lowercased texts and glue (no space before), read once."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.text = [t.text for t in doc]
        self.lower = [t.lower_ for t in doc]
        self._space = [bool(t.whitespace_) for t in doc]
        self.n = len(doc)

    def glued(self, i: int) -> bool:
        """Whether token ``i`` follows the previous token with no space between."""
        return 0 < i < self.n and not self._space[i - 1]

    def is_hyphen_link(self, i: int) -> bool:
        """Whether token ``i`` is a hyphen joining two words ("G-major", "twenty-four")."""
        return (
            0 < i < self.n - 1 and self.text[i] in HYPHENS and self.glued(i) and self.glued(i + 1)
        )

    def next_word(self, i: int) -> int:
        """``i``, or the index after a joining hyphen at ``i``."""
        return i + 1 if self.is_hyphen_link(i) else i

    def prev_word(self, i: int) -> int:
        """The index of the word before ``i``, skipping a joining hyphen; -1 if none."""
        j = i - 1
        if j >= 1 and self.is_hyphen_link(j):
            j -= 1
        return j

    def lower_at(self, i: int) -> str:
        """The lowercased token at ``i``, or ``""`` outside the doc."""
        return self.lower[i] if 0 <= i < self.n else ""

    def sentence_start(self, i: int) -> bool:
        """Whether ``i`` opens a sentence (start of text or after . ! ?)."""
        j = i - 1
        while j >= 0 and self.text[j] in OPENERS:
            j -= 1
        return j < 0 or self.text[j] in SENTENCE_END

    def sentence(self, i: int) -> range:
        """The token indices of the sentence (or ";" clause) around ``i``: the context the
        rules read for a cue word ("metronome", "chord", "fret")."""
        start, end = i, i
        while start > 0 and self.text[start - 1] not in CONTEXT_STOPS:
            start -= 1
        while end < self.n and self.text[end] not in CONTEXT_STOPS:
            end += 1
        return range(start, end)

    def chunk_start(self, i: int) -> bool:
        """Whether ``i`` starts a run of glued tokens (a written word such as "D/F#")."""
        return i == 0 or not self.glued(i) or self.text[i - 1] in OPENERS

    def chunk_end(self, i: int) -> int:
        """The end of the glued run that starts at ``i``."""
        j = i + 1
        while j < self.n and self.glued(j):
            j += 1
        return j

    def is_punct(self, i: int) -> bool:
        """Whether token ``i`` is punctuation (not a sharp or flat sign)."""
        return self.doc[i].is_punct and self.text[i] not in SHARP_SIGNS


def note_at(tokens: Tokens, i: int) -> tuple[str, int] | None:
    """A note name at ``i``: a capital A-G with an optional accidental, written ("F#", "Bb",
    "E♭") or spoken ("F sharp", "B-flat"). Returns the note ("F#", "Bb") and the end index."""
    if i >= tokens.n:
        return None
    text = tokens.text[i]
    if len(text) == 2 and text[0] in NOTE_LETTERS and text[1] in "#♯b♭":
        return text[0] + ("#" if text[1] in SHARP_SIGNS else "b"), i + 1
    if text not in NOTE_LETTERS:
        return None
    j = i + 1
    if j < tokens.n and tokens.glued(j) and tokens.text[j] in SHARP_SIGNS | {"♭"}:
        return text + ("#" if tokens.text[j] in SHARP_SIGNS else "b"), j + 1
    k = tokens.next_word(j)
    word = tokens.lower_at(k)
    if word in ACCIDENTAL_WORDS:
        return text + ACCIDENTAL_WORDS[word], k + 1
    return text, j


def scan(tokens: Tokens, match_at: Callable[[Tokens, int], Found | None]) -> list[Found]:
    """Try ``match_at`` at every token, left to right, resuming after each match."""
    found: list[Found] = []
    i = 0
    while i < tokens.n:
        match = match_at(tokens, i)
        if match is None:
            i += 1
        else:
            found.append(match)
            i = match.end
    return found
