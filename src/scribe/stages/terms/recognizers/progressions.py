"""Scale-degree chords and progressions: "the four chord" (IV), "one four five" (I-IV-V),
"two five one" (ii-V-I), "I-vi-IV-V", "the flat seven chord" (bVII).

Spoken degrees take the major-key case: ii, iii and vi lowercase, vii°; written Roman numerals
keep the case they were written in.
"""

from __future__ import annotations

import re
from itertools import pairwise

from scribe.stages.terms.recognizers._tokens import CHORD_WORDS, Found, Tokens, scan
from scribe.stages.terms.recognizers.counting import after_a_count, counted
from scribe.stages.terms.recognizers.numbers import is_number_word

LABEL = "progression"

_DEGREE_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_DEGREE_DIGITS = {str(n): n for n in range(1, 8)}
_MAJOR_KEY = {1: "I", 2: "ii", 3: "iii", 4: "IV", 5: "V", 6: "vi", 7: "vii°"}
_UPPER = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII"}
_LOWER = {n: numeral.lower() for n, numeral in _UPPER.items()}
_MODIFIERS = {"flat": "b", "sharp": "#"}
_QUALITIES = {"minor": _LOWER, "major": _UPPER}
_NUMERAL = r"[b#♭♯]?(?:VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)(?:°|ø|\+|maj7|m7|7|dim7?)?"
_NUMERAL_RE = re.compile(_NUMERAL)
_WRITTEN_RUN = re.compile(rf"{_NUMERAL}(?:[-–—]{_NUMERAL})+")
_DIGIT_RUN = re.compile(r"[1-7](?:[-–—][1-7]){2,5}")
_MULTI_LETTER = re.compile(r"[b#♭♯]?(?:VII|VI|IV|III|II|vii|vi|iv|iii|ii)")
# A two-degree run is a progression only when one of these follows: "a two five progression".
_CONTEXT_AFTER = frozenset(
    {
        "progression",
        "progressions",
        "changes",
        "change",
        "cadence",
        "turnaround",
        "movement",
        "resolution",
        "vamp",
    }
)
_COUNTED = frozenset(
    {
        "times",
        "bars",
        "beats",
        "measures",
        "notes",
        "frets",
        "strings",
        "seconds",
        "minutes",
        "of",
        "more",
        "years",
        "days",
    }
)


def find_progressions(tokens: Tokens) -> list[Found]:
    """Every degree chord and progression in the doc, left to right, normalised."""
    return scan(tokens, _progression_at)


def _progression_at(tokens: Tokens, i: int) -> Found | None:
    return (
        _single_chord(tokens, i)
        or _written_run(tokens, i)
        or _spaced_numerals(tokens, i)
        or _listed_digits(tokens, i)
        or _spoken_run(tokens, i)
        or _to_run(tokens, i)
        or _secondary(tokens, i)
    )


def _normalise(written: str) -> str:
    return re.sub(r"[–—]", "-", written).replace("♭", "b").replace("♯", "#")


def _written_chunk(tokens: Tokens, i: int, pattern: re.Pattern[str]) -> int | None:
    """The end of a glued run at ``i`` that matches ``pattern`` (trailing punctuation aside)."""
    if not tokens.chunk_start(i):
        return None
    end = tokens.chunk_end(i)
    for k in range(end, i, -1):
        if all(tokens.is_punct(m) for m in range(k, end)) and pattern.fullmatch(
            "".join(tokens.text[i:k])
        ):
            return k
    return None


def _written_run(tokens: Tokens, i: int) -> Found | None:
    end = _written_chunk(tokens, i, _WRITTEN_RUN)
    if end is not None:
        text = "".join(tokens.text[i:end])
        if set(re.split(r"[-–—]", text)) <= {"I", "i"}:
            return None
        return Found(i, end, LABEL, _normalise(text))
    end = _written_chunk(tokens, i, _DIGIT_RUN)
    if end is not None:
        values = [int(d) for d in re.split(r"[-–—]", "".join(tokens.text[i:end]))]
        if _plausible(values) and tokens.lower_at(end) not in _COUNTED:
            return Found(i, end, LABEL, "-".join(_MAJOR_KEY[v] for v in values))
    return None


def _spaced_numerals(tokens: Tokens, i: int) -> Found | None:
    """Roman numerals written with spaces: "I IV V", "I vi IV V"; two after "a" / "the" /
    "over" ("over a ii V")."""
    items: list[str] = []
    k = i
    while k < tokens.n and tokens.chunk_start(k) and _NUMERAL_RE.fullmatch(tokens.text[k]):
        if k + 1 < tokens.n and tokens.glued(k + 1) and not tokens.is_punct(k + 1):
            break
        items.append(tokens.text[k])
        k += 1
    if not any(_MULTI_LETTER.fullmatch(item) for item in items):
        return None
    if len(items) == 2 and tokens.lower_at(tokens.prev_word(i)) not in _PAIR_BEFORE:
        return None  # "a ii V", "over the ii V"; else three numerals or more
    if len(items) < 2:
        return None
    return Found(i, k, LABEL, _normalise("-".join(items)))


_PAIR_BEFORE = frozenset({"a", "the", "over", "each", "every", "minor", "major"})


def _listed_digits(tokens: Tokens, i: int) -> Found | None:
    """Degrees Whisper writes as a list of digits: "1, 6, 4, 5" or "1 4 5" (three to six)."""
    if tokens.text[i] not in _DEGREE_DIGITS:
        return None
    before = tokens.prev_word(i)
    if tokens.text[before : before + 1] == [","]:
        before -= 1
    if is_number_word(tokens.lower_at(before)):
        return None  # inside a longer list of numbers
    values = [_DEGREE_DIGITS[tokens.text[i]]]
    k = end = i + 1
    while True:
        if tokens.text[k : k + 1] == [","]:
            k += 1
        if tokens.text[k : k + 1] and tokens.text[k] in _DEGREE_DIGITS and not tokens.glued(k):
            values.append(_DEGREE_DIGITS[tokens.text[k]])
            k = end = k + 1
        else:
            break
    after = tokens.lower_at(end + 1 if tokens.text[end : end + 1] == [","] else end)
    if not 3 <= len(values) <= 6 or is_number_word(after) or after in _COUNTED:
        return None
    if not _plausible(values):
        return None
    return Found(i, end, LABEL, "-".join(_MAJOR_KEY[v] for v in values))


def _degree_at(tokens: Tokens, k: int) -> tuple[str, int, int] | None:
    """A spoken degree at ``k`` ("four", "flat seven"): numeral, value (0 when altered), end."""
    word = tokens.lower_at(k)
    if word in _MODIFIERS:
        j = tokens.next_word(k + 1)
        value = _DEGREE_WORDS.get(tokens.lower_at(j)) or _DEGREE_DIGITS.get(tokens.lower_at(j))
        if value is None:
            return None
        return _MODIFIERS[word] + _UPPER[value], 0, j + 1
    value = _DEGREE_WORDS.get(word)
    return None if value is None else (_MAJOR_KEY[value], value, k + 1)


def _plausible(values: list[int]) -> bool:
    """Not counting ("one two three four"), not chord tones ("one three five"), no repeats.
    Altered degrees ("flat seven") have value 0 and take no part in the step checks."""
    if any(a == b != 0 for a, b in pairwise(values)):
        return False
    if 0 in values:
        return True
    steps = {b - a for a, b in pairwise(values)}
    return steps not in ({1}, {2})


def _spoken_run(tokens: Tokens, i: int) -> Found | None:
    if is_number_word(tokens.lower_at(tokens.prev_word(i))):
        return None
    numerals: list[str] = []
    values: list[int] = []
    k, end = i, i
    while (degree := _degree_at(tokens, k)) is not None:
        numerals.append(degree[0])
        values.append(degree[1])
        end = degree[2]
        k = tokens.next_word(end)
    after = tokens.lower_at(k)
    if not 2 <= len(numerals) <= 6 or is_number_word(after) or after in _COUNTED:
        return None
    if len(numerals) == 2 and after not in _CONTEXT_AFTER:
        return None
    if not _plausible(values) or counted(tokens, i, end, beats=False) or after_a_count(tokens, i):
        return None  # "a finger exercise, one three two four"
    return Found(i, end, LABEL, "-".join(numerals))


# Before a run of degrees joined by "to" one of these makes it a progression ("a perfect
# cadence is five to one", "it goes four to five"); three degrees or more need none.
_TO_BEFORE = frozenset({"is", "goes", "going", "go", "cadence", "like", "then", "'s"})


def _to_run(tokens: Tokens, i: int) -> Found | None:
    """Spoken degrees joined by "to": "five to one" (V-I), "four to five to one" (IV-V-I)."""
    numerals: list[str] = []
    values: list[int] = []
    k, end = i, i
    while (degree := _degree_at(tokens, k) or _digit_at(tokens, k)) is not None:
        numerals.append(degree[0])
        values.append(degree[1])
        end = degree[2]
        if tokens.lower_at(end) != "to":
            break
        k = end + 1
    if len(numerals) < 2 or not _plausible(values):
        return None
    if len(numerals) == 2 and tokens.lower_at(tokens.prev_word(i)) not in _TO_BEFORE:
        return None
    after = tokens.lower_at(end)
    if after in _COUNTED or is_number_word(after):
        return None
    if end < tokens.n and tokens.doc[end].pos_ in ("NOUN", "NUM"):
        return None  # "one to two weeks", "five to six frets"
    return Found(i, end, LABEL, "-".join(numerals))


def _digit_at(tokens: Tokens, k: int) -> tuple[str, int, int] | None:
    """A degree written as a digit ("5 to 1"), not glued to anything ("5:1", "5th")."""
    value = _DEGREE_DIGITS.get(tokens.text[k]) if k < tokens.n else None
    if value is None or (tokens.glued(k + 1) and not tokens.is_punct(k + 1)):
        return None
    return _MAJOR_KEY[value], value, k + 1


# A secondary dominant: "V of V", "V7 of ii", "five of five", "the seven of six".
_SECONDARY_FIRST = frozenset({"V", "V7", "vii°", "viio", "vii", "five", "seven"})


def _secondary(tokens: Tokens, i: int) -> Found | None:
    """ "V of V", "V7 of ii", "five of five": a dominant (or leading-tone chord) of another
    degree; spoken only as "five/seven of <degree>" and not before a noun ("five of six
    people")."""
    first = tokens.text[i]
    if first not in _SECONDARY_FIRST or tokens.lower_at(i + 1) != "of":
        return None
    spoken = first in ("five", "seven")
    k = i + 2
    if spoken:
        degree = _degree_at(tokens, k)
        target, end = (degree[0], degree[2]) if degree else ("", k)
    else:
        found = _written_chunk(tokens, k, _NUMERAL_RE)
        target, end = ("".join(tokens.text[k:found]), found) if found else ("", k)
    if not target or (target in ("I", "i") and not spoken):
        return None  # "V of I" is just V; "I" is the pronoun
    if (
        end < tokens.n
        and tokens.doc[end].pos_ in ("NOUN", "NUM")
        and tokens.lower_at(end) not in CHORD_WORDS
    ):
        return None
    head = _MAJOR_KEY[_DEGREE_WORDS[first]] if spoken else first
    return Found(i, end, LABEL, f"{head}/{_normalise(target)}")


def degree_at(tokens: Tokens, k: int) -> tuple[str, int, int] | None:
    """A spoken degree at ``k`` ("four", "flat seven"): numeral, value (0 when altered), end."""
    return _degree_at(tokens, k)


def numeral_end(tokens: Tokens, i: int) -> int | None:
    """The end of a written Roman numeral at ``i`` ("IV", "V7", "bVII"), or None."""
    return _written_chunk(tokens, i, _NUMERAL_RE)


def _single_chord(tokens: Tokens, i: int) -> Found | None:
    """ "the four chord", "the flat seven chord", "the minor four chord", "the IV chord" (a
    written numeral also after "that", "this", "a": "that iv chord sound")."""
    determiner = tokens.lower_at(tokens.prev_word(i))
    if determiner in ("and", "or") and tokens.lower_at(i) in _MODIFIERS:
        degree = _degree_at(tokens, i)
        first = _degree_at(tokens, i - 3)
        if degree and first and first[2] == i - 1 and tokens.lower_at(degree[2]) == "chords":
            return Found(i, degree[2], LABEL, degree[0])  # "flat 6 and flat 7 chords": the 7
    if determiner != "the" and not (determiner in _POINTING and _written_chord(tokens, i)):
        return None
    word = tokens.lower_at(i)
    numeral: str | None = None
    k = i
    if word in _QUALITIES:
        k = tokens.next_word(i + 1)
        value = _DEGREE_WORDS.get(tokens.lower_at(k)) or _DEGREE_DIGITS.get(tokens.lower_at(k))
        numeral = None if value is None else _QUALITIES[word][value]
        k += 1
    elif word in _MODIFIERS or word in _DEGREE_WORDS:
        degree = _degree_at(tokens, i)
        if degree is not None:
            numeral, k = degree[0], degree[2]
    elif word in _DEGREE_DIGITS:
        numeral, k = _MAJOR_KEY[_DEGREE_DIGITS[word]], i + 1
    else:
        end = _written_chunk(tokens, i, _NUMERAL_RE)
        if end is not None:
            numeral, k = _normalise("".join(tokens.text[i:end])), end
    if numeral is None:
        return None
    if numeral[0] in "b#" and _shares_chords(tokens, k):
        return Found(i, k, LABEL, numeral)  # "the flat 6 and flat 7 chords": each a chord
    chord = tokens.next_word(k)
    if tokens.lower_at(chord) == "chords" and word in _DEGREE_WORDS:
        return None  # "the three chords of a blues": a count
    if tokens.lower_at(chord) not in CHORD_WORDS:
        return Found(i, k, LABEL, numeral) if _bare_degree_chord(tokens, i, k) else None
    return Found(i, chord + 1, LABEL, numeral)


_POINTING = frozenset({"that", "this", "a", "an"})


def _written_chord(tokens: Tokens, i: int) -> bool:
    """A written numeral at ``i`` with "chord" after it ("iv chord", "bVII chord")."""
    end = _written_chunk(tokens, i, _NUMERAL_RE)
    return end is not None and tokens.lower_at(tokens.next_word(end)) in CHORD_WORDS


# After "the five" (no "chord" said) one of these, or punctuation, makes it a chord:
# "resolve to the five.", "the four and the five", "the five, which is dominant".
_BARE_NEXT = frozenset({"and", "or", "then", "which", "instead", "again"})


def _bare_degree_chord(tokens: Tokens, i: int, k: int) -> bool:
    """ "the five" said for the five chord: a spoken degree (not "the one" after "on", the
    beat) that punctuation or "and", "then", ... follows."""
    word = tokens.lower_at(i)
    if word in _DEGREE_DIGITS and k == i + 1:
        return _bare_digit_chord(tokens, i, k)
    if word not in _DEGREE_WORDS or k != i + 1:
        return False
    # "from the five to the one": "to the" after the degree is fine too
    to_the = tokens.lower_at(k) == "to" and tokens.lower_at(k + 1) == "the"
    ends = k >= tokens.n or tokens.is_punct(k) or tokens.lower_at(k) in _BARE_NEXT or to_the
    if not ends or counted(tokens, i, k):
        return False  # "accents on the two and the four": beats
    if word == "one":
        return tokens.lower_at(tokens.prev_word(i) - 1) in ("to", "and", "then")
    return True


_HARMONY = frozenset({"chord", "chords", "cadence", "progression", "turnaround", "key", "verse"})


def _bare_digit_chord(tokens: Tokens, i: int, k: int) -> bool:
    """ "ends on the 5," "starts on the 1, then the 4.": a digit degree after "the" that
    punctuation or "and" follows, with a chord or cadence named in the sentence and no count
    of beats or fingers near."""
    ends = k >= tokens.n or tokens.is_punct(k) or tokens.lower_at(k) in _BARE_NEXT
    if not ends or counted(tokens, i, k):
        return False
    listed = k + 1 < tokens.n and tokens.text[k] == "," and tokens.text[k + 1].isdigit()
    if listed:
        return False  # "the 1, 3, 5 of the chord": a list of chord tones, not a chord
    return any(tokens.lower[m] in _HARMONY for m in tokens.sentence(i))


def _shares_chords(tokens: Tokens, k: int) -> bool:
    """Whether "and"/"or" and an altered degree that "chords" follows come at ``k``: "the flat
    6 and flat 7 chords" names two chords."""
    if tokens.lower_at(k) not in ("and", "or"):
        return False
    degree = _degree_at(tokens, k + 1)
    return degree is not None and tokens.lower_at(degree[2]) == "chords"
