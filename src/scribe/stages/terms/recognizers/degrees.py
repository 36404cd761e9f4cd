"""Scale degrees and chord tones said by name: "flat seven" (b7), "the sharp four" (#4),
"natural six" (6), "b3" as written, "the third", "the fifth" of a chord (3, 5), "the raised
seventh" and "add the nine" (9); written ordinals after a determiner or in a list of
degrees ("the 3rd", "root, 3rd and flat 7") where no fret is named; plural intervals
("stacking 4ths"). An ordinal in a list that a noun ends is not a degree ("the third, fifth
and seventh frets", "the third and fourth fingers").

"the five" and "the one" said for chords are progressions (see
:mod:`scribe.stages.terms.recognizers.progressions`); a numbered degree followed by "chord" is
too ("the flat seven chord"), and the longer match wins there.
"""

from __future__ import annotations

import re

from scribe.stages.terms.recognizers._tokens import NOTE_LETTERS, Found, Tokens, scan
from scribe.stages.terms.recognizers.numbers import parse_ordinal

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
_DIGIT_STRONG = {"3rd": "3", "5th": "5", "7th": "7", "9th": "9", "11th": "11", "13th": "13"}
_DIGIT_WEAK = {"2nd": "2", "4th": "4", "6th": "6"}
_PLURALS = {
    **dict.fromkeys(["3rds", "thirds"], "3rds"),
    **dict.fromkeys(["4ths", "fourths"], "4ths"),
    **dict.fromkeys(["6ths", "sixths"], "6ths"),
    **dict.fromkeys(["10ths", "tenths"], "10ths"),
}
# Before a plural interval: "stacking 4ths", "harmonised 6ths", "parallel thirds" (not "in":
# "chords built in fourths" names the harmony, which labellers leave unlabelled).
_PLURAL_BEFORE = frozenset(
    {"stacking", "stacked", "stack", "parallel", "harmonised", "harmonized", "using"}
)
_FRACTION_BEFORE = frozenset({"two", "three", "2", "3", "a", "few", "the"})
_ALTERED = frozenset({"raised", "lowered", "flattened", "sharpened", "flatted", "added"})
# Near these the ordinal is a fret, string or position: "from the fifth fret to the seventh".
_PLACES = frozenset({"fret", "frets", "string", "strings", "position", "positions"})
# After a sign and number these mean something else: "flat five times", "sharp two frets".
_NOT_DEGREE_NEXT = frozenset(
    {"times", "bars", "beats", "frets", "fret", "strings", "string", "minutes", "of", "more"}
)
_ADD_VERBS = frozenset({"add", "adds", "adding", "added"})
_PHRASE_END = frozenset({"and", "so", "on", "to", "then", "too", "for", "in"})
_NOTE_NOUNS = frozenset({"note", "notes", "degree", "degrees", "tone", "tones", "interval"})
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
    if word in _DIGIT_STRONG:
        return _digit_ordinal(tokens, i)
    if word in _PLURALS:
        return _plural(tokens, i)
    if word in _NUMBERED and _added(tokens, i):
        return Found(i, i + 1, LABEL, _NUMBERED[word])
    return None


def _added(tokens: Tokens, i: int) -> bool:
    """ "add the nine, so...": a number after "add the" that ends the phrase (not "add the
    two chords")."""
    the = tokens.prev_word(i)
    if tokens.lower_at(the) != "the" or tokens.lower_at(the - 1) not in _ADD_VERBS:
        return False
    return i + 1 >= tokens.n or tokens.is_punct(i + 1) or tokens.lower_at(i + 1) in _PHRASE_END


def _weak_at(tokens: Tokens, i: int) -> Found | None:
    word = tokens.lower_at(i)
    if word in _DIGIT_WEAK:
        return _digit_ordinal(tokens, i)
    return _ordinal(tokens, i, _WEAK) if word in _WEAK else None


def _digit_ordinal(tokens: Tokens, i: int) -> Found | None:
    """ "the 3rd", "the 9th", "root, 3rd and flat 7", "root 5th octave": a written ordinal
    that names a chord tone after a determiner or beside another degree, in a sentence with
    no fret, string or position ("at the 5th" near "fret" is a fret)."""
    if any(tokens.lower[k] in _PLACES for k in tokens.sentence(i)):
        return None
    before = tokens.prev_word(i)
    if tokens.lower_at(before) in _ALTERED:
        before = tokens.prev_word(before)
    word = tokens.lower_at(before)
    listed = word in (",", "and", "or", "root") and _degree_word(tokens, before - 1)
    listed = listed or word == "root"
    nxt = tokens.lower_at(i + 1)
    listed = listed or (nxt in (",", "and", "or") and _degree_word(tokens, i + 2))
    if word not in _DETERMINERS and not listed:
        return None
    if i + 1 < tokens.n and not tokens.is_punct(i + 1) and not listed:
        if nxt in _COUNTED_NEXT or nxt == "of" or tokens.is_hyphen_link(i + 1):
            return None
        if tokens.doc[i + 1].pos_ in ("NOUN", "PROPN", "NUM", "ADJ"):
            return None
    return Found(i, i + 1, LABEL, _NUMBERED[tokens.lower_at(i)])


def _degree_word(tokens: Tokens, k: int) -> bool:
    """Whether ``k`` holds a degree word: "root", an ordinal, or a sign's number ("flat 7")."""
    word = tokens.lower_at(k)
    return word in ("root", "octave") or word in _NUMBERED or word in _STRONG or word in _WEAK


def _plural(tokens: Tokens, i: int) -> Found | None:
    """Intervals stacked or played in parallel: "stacking 4ths", "parallel 6ths", ", tenths";
    not a fraction ("two thirds of the way") or a count ("the fourths of July")."""
    before = tokens.lower_at(tokens.prev_word(i))
    if before in _FRACTION_BEFORE or tokens.lower_at(i + 1) == "of":
        return None
    if before not in _PLURAL_BEFORE and not (
        before == "," and tokens.lower_at(i + 1) in ("really", ",", "")
    ):
        return None
    if i + 1 < tokens.n and tokens.doc[i + 1].pos_ in ("NOUN", "PROPN"):
        return None
    return Found(i, i + 1, LABEL, _PLURALS[tokens.lower_at(i)])


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


def _listed_before_noun(tokens: Tokens, i: int) -> bool:
    """ "the third, fifth and seventh frets", "the third and fourth fingers": the ordinal
    is one of a list that a noun ends (not one of the note words: "the third and fifth
    notes")."""
    k, others = i + 1, 0
    while k < tokens.n and (tokens.lower_at(k) in (",", "and", "or") or _is_ordinal(tokens, k)):
        others += _is_ordinal(tokens, k)
        k += 1
    if not others or k >= tokens.n or tokens.lower_at(k) in _NOTE_NOUNS:
        return False
    return bool(tokens.doc[k].pos_ in ("NOUN", "PROPN"))


def _is_ordinal(tokens: Tokens, k: int) -> bool:
    return parse_ordinal(tokens.lower, k) is not None


def _ordinal(tokens: Tokens, i: int, names: dict[str, str]) -> Found | None:
    """ "the third", "the fifth of the chord", "its seventh": a chord tone, unless a noun
    follows ("the third string", "the fifth fret", "the seventh time")."""
    before = tokens.prev_word(i)
    if tokens.lower_at(before) in _ALTERED:
        before = tokens.prev_word(before)  # "the raised seventh", "its flattened fifth"
    if tokens.lower_at(before) not in _DETERMINERS:
        return None
    if any(tokens.lower_at(k) in _PLACES for k in range(max(0, i - 5), min(tokens.n, i + 7))):
        return None
    if _listed_before_noun(tokens, i):
        return None
    nxt = i + 1
    if nxt < tokens.n and not tokens.is_punct(nxt):
        if tokens.lower_at(nxt) in _COUNTED_NEXT or tokens.is_hyphen_link(nxt):
            return None
        if tokens.doc[nxt].pos_ in ("NOUN", "PROPN", "NUM", "ADJ"):
            return None
    return Found(i, i + 1, LABEL, names[tokens.lower_at(i)])
