"""Strings named the short ways teachers say them, beside the "<letter> string" names of
:mod:`~scribe.stages.terms.recognizers.positions`: "the low E", "high e" without "string",
"the open G string", letter pairs ("the D and G strings"), a letter after a fret ("2nd fret
of the D", "3rd fret A") and letters listed with a string ("ring on the G, B and high e")."""

from __future__ import annotations

from scribe.stages.terms.recognizers._tokens import NOTE_LETTERS, Found, Tokens
from scribe.stages.terms.recognizers.numbers import parse_ordinal

STRING = "string"

_STRING_WORDS = frozenset({"string", "strings"})
# Lowercase letters Whisper writes for strings ("the high e"); never "a", the article.
_LOWER_LETTERS = frozenset("bdeg")
# The lowest string in standard and the drop tunings ("the low C" in drop C); "low F" is a note.
_LOW_LETTERS = frozenset("EDCBA")
# After "low E" / "high e" these make it a note or chord, not a string.
_NOT_STRING_NEXT = frozenset(
    {"note", "notes", "chord", "chords", "major", "minor", "shape", "tuning", "m", "7", "bass"}
)


def find_string_names(tokens: Tokens) -> list[Found]:
    """String names said without the "<letter> string" form: "the low E", "open G string",
    "the D and G strings", "2nd fret of the D", and letters listed next to a string ("on
    the G, B and high e")."""
    found: list[Found] = []
    i = 0
    while i < tokens.n:
        match = _pair_at(tokens, i) or _register_at(tokens, i)
        if match is None:
            match = _after_fret_at(tokens, i)
        if match is None:
            i += 1
            continue
        found.append(match)
        i = match.end
    return found + _listed(tokens, found)


def _letter(tokens: Tokens, i: int, *, lowercase: bool) -> str:
    """The string letter at ``i`` (upper case), or ``""``."""
    text = tokens.text[i] if 0 <= i < tokens.n else ""
    if text in NOTE_LETTERS or (lowercase and text in _LOWER_LETTERS):
        return text.upper()
    return ""


def _register_at(tokens: Tokens, i: int) -> Found | None:
    """ "low E", "high e", "low B", "open low E string", "the open G string", "the open A"
    (a string, not the tuning: "the" before and nothing chordal after)."""
    start = i
    opened = tokens.lower_at(i) == "open"
    if opened:
        i += 1
    register = tokens.lower_at(i)
    if register in ("low", "high"):
        letter = _letter(tokens, i + 1, lowercase=True)
        if not letter or letter not in (_LOW_LETTERS if register == "low" else "E"):
            return None  # "a high C", "the low F bass note": notes; the high string is E
        if tokens.lower_at(start - 1) in ("a", "an"):
            return None  # "hit a low E": a note
        if (
            tokens.lower_at(start - 2) in ("is", "'s")
            and "string" in tokens.lower[max(0, start - 5) : start - 2]
        ):
            return None  # "string one is the high E": the name a numbered string is given
        end = i + 2
    elif opened:
        letter = _letter(tokens, i, lowercase=True)
        if not letter or tokens.lower_at(start - 1) not in ("the", "this", "that", "your"):
            return None  # "open G" alone is the tuning
        end = i + 1
    else:
        return None
    after = tokens.lower_at(end)
    if after in _STRING_WORDS:
        if not opened:
            return None  # "low E string" is positions.py's
        end += 1
    elif after in _NOT_STRING_NEXT or (tokens.glued(end) and not tokens.is_punct(end)):
        return None  # "the low E note", "high E7"
    name = f"{register} {letter} string" if register in ("low", "high") else f"{letter} string"
    return Found(start, end, STRING, name)


def _pair_at(tokens: Tokens, i: int) -> Found | None:
    """ "the D and G strings", "the low E and A strings", "B and high E strings"."""
    if tokens.lower_at(i - 1) not in ("the", "your", "on", "both"):
        return None
    j = i + 1 if tokens.lower_at(i) in ("low", "high") else i
    if not _letter(tokens, j, lowercase=j > i):
        return None
    k = j + 1
    letters = 1
    while tokens.lower_at(k) in ("and", "or", ","):
        k += 1
        if tokens.lower_at(k) in ("low", "high"):
            k += 1
        if not _letter(tokens, k, lowercase=True):
            return None
        k += 1
        letters += 1
    if letters < 2 or tokens.lower_at(k) != "strings":
        return None
    return Found(i, k + 1, STRING, "strings " + " ".join(tokens.text[i:k]))


def _after_fret_at(tokens: Tokens, i: int) -> Found | None:
    """A letter right after "<ordinal> fret" ("2nd fret A", "3rd fret low E" is
    :func:`_register_at`'s) or after "fret of the" / "fret on the" ("2nd fret of the D")."""
    if tokens.lower_at(i) not in ("fret", "frets"):
        return None
    if parse_ordinal(tokens.lower, tokens.prev_word(i)) is None:
        return None
    j = i + 1
    if tokens.lower_at(j) in ("of", "on") and tokens.lower_at(j + 1) == "the":
        j += 2
        letter = _letter(tokens, j, lowercase=True)
    else:
        letter = _letter(tokens, j, lowercase=False)
    if not letter or tokens.lower_at(j + 1) in _STRING_WORDS | _NOT_STRING_NEXT:
        return None
    if _pair_at(tokens, j) is not None:
        return None  # "7th fret on the D and G strings": the pair
    if tokens.glued(j + 1) and not tokens.is_punct(j + 1):
        return None
    return Found(j, j + 1, STRING, f"{letter} string")


def _listed(tokens: Tokens, found: list[Found]) -> list[Found]:
    """Single letters listed with a string found here ("on the G, B and high e"): each
    letter between "the" and that string across commas and "and"."""
    listed: list[Found] = []
    for string in found:
        k = string.start - 1
        letters: list[int] = []
        while k > 0 and tokens.lower_at(k) in (",", "and", "or"):
            k -= 1
            if not _letter(tokens, k, lowercase=True):
                break
            letters.append(k)
            k -= 1
        if letters and tokens.lower_at(letters[-1] - 1) in ("the", "your"):
            listed += [Found(m, m + 1, STRING, f"{tokens.text[m].upper()} string") for m in letters]
    return listed
