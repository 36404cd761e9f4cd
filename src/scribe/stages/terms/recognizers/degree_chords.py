"""Degree chords said one by one, without "chord": "the six minor" (vi), "the one, the four and
the five" (I, IV, V), "the I, IV and V", "the V7 to the I", "the flat six to the flat seven to
the one" (bVI, bVII, I), and written lists such as "I, vi, IV, V".

A degree word after "the" is too often something else ("the one I showed you", "the two of
us"), so a bare one counts only beside another: two such degrees within a few words, each
followed by punctuation or a word such as "and", "to", "then", "is" or "for". A degree with a
quality ("the six minor") or a written numeral of two letters or more ("the IV is F") counts
alone. Each item is its own chord (span without "the"), as in "go to the five".
"""

from __future__ import annotations

import re

from scribe.stages.terms.recognizers._tokens import CHORD_WORDS, Found, Tokens
from scribe.stages.terms.recognizers.counting import counted
from scribe.stages.terms.recognizers.progressions import (
    LABEL,
    degree_at,
    numeral_end,
)

_LOWER = {1: "i", 2: "ii", 3: "iii", 4: "iv", 5: "v", 6: "vi", 7: "vii"}
_UPPER = {n: numeral.upper() for n, numeral in _LOWER.items()}
_VALUES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
# After a bare degree one of these (or punctuation, or the end) lets it be a chord.
_NEXT = frozenset(
    {"and", "or", "to", "then", "is", "are", "for", "again", "really", "there", "'s", "in"}
)
_LINKS = frozenset({",", "and", "or", "then", "to"})
_PAIR_WINDOW = 8
_MULTI = re.compile(r"[b#♭♯]?(?:VII|VI|IV|III|II|vii|vi|iv|iii|ii)|.*\d.*")
# After "the six minor" these make it a scale, key or chord type, not a degree chord.
_NOT_AFTER_QUALITY = frozenset(
    {"scale", "pentatonic", "key", "mode", "third", "seventh", "sixth", "arpeggio", "shape"}
)


def find_degree_chords(tokens: Tokens) -> list[Found]:
    """Every degree chord said one by one, with the rules above, in text order."""
    candidates: list[tuple[Found, bool]] = []
    i = 0
    while i < tokens.n:
        item = _after_the(tokens, i) if tokens.lower_at(i - 1) == "the" else None
        if item is None:
            i += 1
            continue
        candidates.append(item)
        i = item[0].end
        for listed in _listed(tokens, i):
            candidates.append((listed, True))
            i = listed.end
    # "the backbeat is the two and the four": beats, not chords
    candidates = [(c, s) for c, s in candidates if s or not counted(tokens, c.start, c.end)]
    found = [
        c
        for c, strong in candidates
        if strong
        or any(o is not c and abs(o.start - c.start) <= _PAIR_WINDOW for o, _ in candidates)
    ]
    return found + _written_list(tokens) + _harmonised_scale(tokens) + _member(tokens)


def _after_the(tokens: Tokens, i: int) -> tuple[Found, bool] | None:
    """A degree chord at ``i`` (after "the") and whether it counts alone."""
    word = tokens.lower_at(i)
    value = _VALUES.get(word)
    nxt = tokens.next_word(i + 1)
    if value is not None and tokens.lower_at(nxt) in ("minor", "major"):
        end = nxt + 1
        if tokens.lower_at(end) in _NOT_AFTER_QUALITY:
            return None
        if tokens.lower_at(end) in CHORD_WORDS:
            end += 1
        numerals = _LOWER if tokens.lower_at(nxt) == "minor" else _UPPER
        return Found(i, end, LABEL, numerals[value]), True
    degree = degree_at(tokens, i)
    if degree is not None:
        numeral, _, end = degree
        return (Found(i, end, LABEL, numeral), False) if _ends(tokens, end) else None
    written_end = numeral_end(tokens, i)
    if written_end is None or not _ends(tokens, written_end):
        return None
    written = "".join(tokens.text[i:written_end])
    return Found(i, written_end, LABEL, written), bool(_MULTI.fullmatch(written))


def _listed(tokens: Tokens, k: int) -> list[Found]:
    """Degrees that follow one across links without "the": "the I, IV and V"."""
    found: list[Found] = []
    while True:
        j = k
        while j < tokens.n and tokens.lower_at(j) in _LINKS and j - k < 2:
            j += 1
        if j == k or tokens.lower_at(j) == "the":
            return found
        end = numeral_end(tokens, j)
        if end is None:
            degree = degree_at(tokens, j)
            end = degree[2] if degree else None
        if end is None or not _ends(tokens, end):
            return found
        found.append(Found(j, end, LABEL, "".join(tokens.text[j:end])))
        k = end


def _written_list(tokens: Tokens) -> list[Found]:
    """Written numerals in a comma list of three or more, one of two letters or more:
    "I, vi, IV, V"."""
    found: list[Found] = []
    i = 0
    while i < tokens.n:
        run: list[Found] = []
        k = i
        while (end := numeral_end(tokens, k)) is not None:
            run.append(Found(k, end, LABEL, "".join(tokens.text[k:end])))
            if tokens.text[end : end + 1] != [","]:
                break
            k = end + 1
        if len(run) >= 3 and any(_MULTI.fullmatch(f.normalized) for f in run):
            found.extend(run)
            i = run[-1].end
        else:
            i += 1
    return found


_QUALITIES = frozenset({"major", "minor", "diminished", "augmented", "dominant"})
_DIGITS = {str(n): n for n in range(1, 8)}
_DIATONIC = {1: "I", 2: "ii", 3: "iii", 4: "IV", 5: "V", 6: "vi", 7: "vii°"}


def _harmonised_scale(tokens: Tokens) -> list[Found]:
    """The chords of a key recited degree by quality, three or more in a list: "1 major, 2
    minor, 3 minor, 4 major" or "one major, two minor and three minor". Each number is a
    degree chord (the span is the number, as it is labelled); "2 minor" alone or "4 major
    scales" is not such a list."""
    found: list[Found] = []
    i = 0
    while i < tokens.n:
        run: list[Found] = []
        k = i
        while (item := _degree_quality(tokens, k)) is not None:
            run.append(item)
            k = item.end + 1
            while tokens.lower_at(k) in (",", "and"):
                k += 1
        if len(run) >= 3:
            found.extend(run)
            i = k
        else:
            i += 1
    return found


def _degree_quality(tokens: Tokens, k: int) -> Found | None:
    """ "2 minor" at ``k``: the number as a degree chord, when a quality follows it and no
    scale word follows the quality."""
    value = _DIGITS.get(tokens.text[k]) if k < tokens.n else None
    value = value or _VALUES.get(tokens.lower_at(k))
    quality = tokens.lower_at(k + 1)
    if value is None or quality not in _QUALITIES:
        return None
    if tokens.lower_at(k + 2) in _NOT_AFTER_QUALITY:
        return None
    numeral = _LOWER[value] if quality in ("minor", "diminished") else _UPPER[value]
    return Found(k, k + 1, LABEL, numeral + ("°" if quality == "diminished" else ""))


# After "the 6" these make it a fret, string, bar or beat, not the progression's chord.
_NOT_MEMBER_NEXT = frozenset(
    {"fret", "frets", "string", "strings", "bar", "bars", "beat", "beats", "th", "and"}
)


def _member(tokens: Tokens) -> list[Found]:
    """ "the 6" naming a chord of a progression said in digits in the same text ("1 6 2 5,
    but make the 6 a dominant"). A count ("1 2 3 4") is no progression, and "the 6th fret",
    "the 6 string" or "the 2 and the 4" (beats) are left alone."""
    digits = _progression_digits(tokens)
    found: list[Found] = []
    for i in range(1, tokens.n):
        value = _DIGITS.get(tokens.text[i])
        if value is None or value not in digits or tokens.lower_at(i - 1) != "the":
            continue
        if tokens.glued(i + 1) or tokens.lower_at(i + 1) in _NOT_MEMBER_NEXT:
            continue
        if any(start <= i < end for start, end in digits.values()):
            continue
        found.append(Found(i, i + 1, LABEL, _DIATONIC[value]))
    return found


def _progression_digits(tokens: Tokens) -> dict[int, tuple[int, int]]:
    """The digits of the first run of three or more single digits (1 to 7) with only spaces,
    commas or dashes between, that is not a count up from 1; each with the run's span."""
    i = 0
    while i < tokens.n:
        k, values = i, []
        while k < tokens.n and tokens.text[k] in _DIGITS:
            values.append(_DIGITS[tokens.text[k]])
            k += 1
            if (
                tokens.text[k : k + 1] in ([","], ["-"])
                and tokens.text[k + 1 : k + 2][:1]
                and (tokens.text[k + 1] in _DIGITS)
            ):
                k += 1
        counted_up = values == list(range(1, len(values) + 1))
        if len(values) >= 3 and not counted_up:
            return {value: (i, k) for value in values}
        i = max(k, i + 1)
    return {}


def _ends(tokens: Tokens, end: int) -> bool:
    return end >= tokens.n or tokens.is_punct(end) or tokens.lower_at(end) in _NEXT
