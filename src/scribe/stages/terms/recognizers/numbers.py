"""Number words as teachers say them and Whisper writes them: cardinals and ordinals.

Parsers work on lowercased token texts (spaCy splits "twenty-four" into three tokens), take a
start index and return the value with the index just past the number, or ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

HYPHENS = frozenset({"-", "–", "—"})

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
ORDINAL_UNITS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
}
ORDINAL_TEENS = {
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
}
ORDINAL_TENS = {
    "twentieth": 20,
    "thirtieth": 30,
    "fortieth": 40,
    "fiftieth": 50,
    "sixtieth": 60,
    "seventieth": 70,
    "eightieth": 80,
    "ninetieth": 90,
}
CARDINAL_WORDS = frozenset({*UNITS, *TEENS, *TENS, "hundred"})

_DIGITS = re.compile(r"\d{1,4}")
_DIGIT_ORDINAL = re.compile(r"(\d{1,3})(?:st|nd|rd|th)")


def _after_hyphen(words: Sequence[str], i: int) -> int:
    """``i + 1`` when ``words[i]`` is a hyphen between two words, else ``i``."""
    if i + 1 < len(words) and words[i] in HYPHENS:
        return i + 1
    return i


def _below_hundred(words: Sequence[str], i: int) -> tuple[int, int] | None:
    if i >= len(words):
        return None
    word = words[i]
    if word in TENS:
        j = _after_hyphen(words, i + 1)
        if j < len(words) and words[j] in UNITS and UNITS[words[j]] > 0:
            return TENS[word] + UNITS[words[j]], j + 1
        return TENS[word], i + 1
    if word in TEENS:
        return TEENS[word], i + 1
    if word in UNITS:
        return UNITS[word], i + 1
    return None


def parse_cardinal(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """A cardinal at ``words[i]``: ``"90"``, ``"ninety"``, ``"ninety-five"``,
    ``"one hundred (and) twenty"``, ``"a hundred"``."""
    if i >= len(words):
        return None
    if _DIGITS.fullmatch(words[i]):
        return int(words[i]), i + 1
    hundreds = 0
    j = i
    if words[i] == "hundred":
        hundreds, j = 1, i + 1
    elif (
        i + 1 < len(words)
        and words[i + 1] == "hundred"
        and (words[i] == "a" or (words[i] in UNITS and UNITS[words[i]] > 0))
    ):
        hundreds, j = UNITS.get(words[i], 1), i + 2
    if hundreds:
        k = j + 1 if j < len(words) and words[j] == "and" else j
        rest = _below_hundred(words, k)
        if rest is not None:
            return hundreds * 100 + rest[0], rest[1]
        return hundreds * 100, j
    return _below_hundred(words, i)


def parse_ordinal(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """An ordinal at ``words[i]``: ``"12th"``, ``"third"``, ``"twelfth"``, ``"twenty-fourth"``."""
    if i >= len(words):
        return None
    word = words[i]
    digits = _DIGIT_ORDINAL.fullmatch(word)
    if digits:
        return int(digits.group(1)), i + 1
    if word in TENS:
        j = _after_hyphen(words, i + 1)
        if j < len(words) and words[j] in ORDINAL_UNITS:
            return TENS[word] + ORDINAL_UNITS[words[j]], j + 1
        return None
    for table in (ORDINAL_UNITS, ORDINAL_TEENS, ORDINAL_TENS):
        if word in table:
            return table[word], i + 1
    return None


def is_number_word(word: str) -> bool:
    """Whether ``word`` is a cardinal word or a number written in digits."""
    return word in CARDINAL_WORDS or bool(_DIGITS.fullmatch(word))
