"""Scale degrees and chord tones said by name: "flat seven" (b7), "the sharp four" (#4),
"natural six" (6), "b3" as written, and "the third", "the fifth" of a chord (3, 5).

"the five" and "the one" said for chords are progressions (see
:mod:`scribe.stages.terms.recognizers.progressions`); a numbered degree followed by "chord" is
too ("the flat seven chord"), and the longer match wins there.
"""

from __future__ import annotations

import re

from scribe.stages.terms.recognizers._tokens import NOTE_LETTERS, Found, Tokens, scan

LABEL = "degree"

_SIGNS = {"flat": "b", "sharp": "#", "natural": ""}
_NUMBERED = {
    **dict.fromkeys(["two", "second", "2", "2nd"], "2"),
    **dict.fromkeys(["three", "third", "3", "3rd"], "3"),
    **dict.fromkeys(["four", "fourth", "4", "4th"], "4"),
    **dict.fromkeys(["five", "fifth", "5", "5th"], "5"),
    **dict.fromkeys(["six", "sixth", "6", "6th"], "6"),
    **dict.fromkeys(["seven", "seventh", "7", "7th"], "7"),
    **dict.fromkeys(["nine", "ninth", "9", "9th"], "9"),
    **dict.fromkeys(["eleven", "eleventh", "11", "11th"], "11"),
    **dict.fromkeys(["thirteen", "thirteenth", "13", "13th"], "13"),
}
_WRITTEN = re.compile(r"[b#♭♯](?:13|11|9|7|6|5|4|3|2)")
# Ordinals that name a chord tone after "the" (strong ones on their own; "second", "fourth"
# and "sixth" only beside another degree: "the second or the fourth").
_STRONG = {"third": "3", "fifth": "5", "seventh": "7", "ninth": "9", "eleventh": "11"}
_WEAK = {"second": "2", "fourth": "4", "sixth": "6", "thirteenth": "13"}
_DETERMINERS = frozenset({"the", "its", "your"})
# Near these the ordinal is a fret, string or position: "from the fifth fret to the seventh".
_PLACES = frozenset({"fret", "frets", "string", "strings", "position", "positions"})
# After a sign and number these mean something else: "flat five times", "sharp two frets".
_NOT_DEGREE_NEXT = frozenset(
    {"times", "bars", "beats", "frets", "fret", "strings", "string", "minutes", "of", "more"}
)
# After "the third" (and the others) words that make the ordinal count something.
_COUNTED_NEXT = frozenset({"time", "times", "one", "ones", "way", "day", "week", "thing"})


def find_degrees(tokens: Tokens) -> list[Found]:
    """Every degree named in the doc, left to right, normalised ("b7", "#4", "3")."""
    found = scan(tokens, _degree_at)
    weak = scan(tokens, _weak_at)
    near = [f for f in weak if any(abs(f.start - g.start) <= 5 for g in found + weak if g != f)]
    return sorted(found + near, key=lambda f: f.start)


def _degree_at(tokens: Tokens, i: int) -> Found | None:
    word = tokens.lower_at(i)
    if word in _SIGNS:
        return _signed(tokens, i)
    if _WRITTEN.fullmatch(tokens.text[i]) and tokens.chunk_start(i) and not tokens.glued(i + 1):
        sign = "#" if tokens.text[i][0] in "#♯" else "b"
        return Found(i, i + 1, LABEL, sign + tokens.text[i][1:])
    if word in _STRONG:
        return _ordinal(tokens, i, _STRONG)
    return None


def _weak_at(tokens: Tokens, i: int) -> Found | None:
    return _ordinal(tokens, i, _WEAK) if tokens.lower_at(i) in _WEAK else None


def _signed(tokens: Tokens, i: int) -> Found | None:
    """ "flat seven", "sharp four", "natural six", "flat 3": the sign and the number."""
    before = tokens.text[tokens.prev_word(i)] if i else ""
    if before[:1] in NOTE_LETTERS and len(before) <= 2:
        return None  # "B flat", "C sharp": a note, read by the chord recogniser
    j = tokens.next_word(i + 1)
    number = _NUMBERED.get(tokens.lower_at(j))
    if number is None or tokens.lower_at(j + 1) in _NOT_DEGREE_NEXT:
        return None
    if tokens.glued(j + 1) and not tokens.is_punct(j + 1):
        return None
    return Found(i, j + 1, LABEL, _SIGNS[tokens.lower_at(i)] + number)


def _ordinal(tokens: Tokens, i: int, names: dict[str, str]) -> Found | None:
    """ "the third", "the fifth of the chord", "its seventh": a chord tone, unless a noun
    follows ("the third string", "the fifth fret", "the seventh time")."""
    if tokens.lower_at(tokens.prev_word(i)) not in _DETERMINERS:
        return None
    if any(tokens.lower_at(k) in _PLACES for k in range(max(0, i - 5), min(tokens.n, i + 7))):
        return None
    nxt = i + 1
    if nxt < tokens.n and not tokens.is_punct(nxt):
        if tokens.lower_at(nxt) in _COUNTED_NEXT or tokens.is_hyphen_link(nxt):
            return None
        if tokens.doc[nxt].pos_ in ("NOUN", "PROPN", "NUM", "ADJ"):
            return None
    return Found(i, i + 1, LABEL, names[tokens.lower_at(i)])
