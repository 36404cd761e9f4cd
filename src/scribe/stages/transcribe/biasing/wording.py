"""Words as the lexicon correction compares them: plain forms, spelt-out numbers, boundaries."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scribe.domain.transcript import Word

# Words a run may not begin or end with: everyday words that Whisper hears right, which a
# sound-alike match would otherwise fold into a neighbouring term ("a standard" → "E standard").
FUNCTION_WORDS = frozenset({
    "a", "an", "the", "this", "that", "these", "those", "is", "are", "was", "were", "be", "been",
    "am", "it", "its", "it's", "i", "you", "he", "she", "we", "they", "me", "him", "her", "us",
    "them", "my", "your", "his", "our", "their", "to", "of", "in", "on", "at", "by", "for",
    "from", "with", "as", "and", "or", "but", "if", "so", "not", "no", "do", "does", "did",
    "have", "has", "had", "will", "would", "can", "could", "should", "may", "might", "must",
    "there", "here", "then", "than", "what", "which", "who", "how", "when", "where", "why", "all",
    "any", "some", "just", "very", "up", "out", "over", "into", "about"
})  # fmt: skip
EDGE_PUNCT = re.compile(r"^[^\w]+|[^\w]+$")
CLOSING = re.compile(r"[.,:;!?)\]\"`]$")
OPENING = re.compile(r"^[(\[\"`]")
VOWEL_GROUPS = re.compile(r"[aeiouy]+")
NUMBER_WORDS = {
    "0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six",
    "7": "seven", "8": "eight", "9": "nine", "10": "ten", "11": "eleven", "12": "twelve",
    "13": "thirteen", "14": "fourteen", "15": "fifteen", "16": "sixteen", "17": "seventeen",
    "18": "eighteen", "19": "nineteen", "20": "twenty", "1st": "first", "2nd": "second",
    "3rd": "third", "4th": "fourth", "5th": "fifth", "6th": "sixth", "7th": "seventh",
    "8th": "eighth", "9th": "ninth", "11th": "eleventh", "12th": "twelfth", "13th": "thirteenth",
}  # fmt: skip


def deletions(key: str) -> set[str]:
    """``key`` and every string with one of its letters removed."""
    return {key, *(key[:i] + key[i + 1 :] for i in range(len(key)))}


def normal_words(text: str) -> list[str]:
    """Lowercase words without edge punctuation; hyphens and slashes split words."""
    words = re.split(r"[\s\-–/]+", text.lower())
    return [w for w in (EDGE_PUNCT.sub("", w) for w in words) if w]


def spelt(words: Iterable[str]) -> str:
    """Letters only, numbers spelt out: the string the sound key is taken from."""
    return "".join(re.sub(r"[^a-z]", "", NUMBER_WORDS.get(w, w)) for w in words)


def inflections(words: tuple[str, ...]) -> set[tuple[str, ...]]:
    """``words`` with its last word as written, plural and singular."""
    head, last = words[:-1], words[-1]
    forms = {last, f"{last}s", f"{last}es"}
    if last.endswith("s") and len(last) > 3:
        forms.add(last[:-1])
    return {(*head, form) for form in forms}


def plain(word: str) -> bool:
    """A spoken word: letters (and an apostrophe), or a number this module spells out."""
    return word in NUMBER_WORDS or re.fullmatch(r"[a-z]+(?:'[a-z]+)?", word) is not None


def boundary(before: Word, after: Word) -> bool:
    """Punctuation between two words (a clause ends or a bracket opens): runs stop there."""
    return bool(CLOSING.search(before.text.strip()) or OPENING.match(after.text.strip()))


def syllables(letters: str) -> int:
    """How many vowel groups (about the syllables) a string of letters has."""
    return len(VOWEL_GROUPS.findall(letters))
