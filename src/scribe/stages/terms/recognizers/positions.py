"""Positions on the guitar and tunings: frets ("fifth fret" → fret 5), strings ("the low E
string" → low E string, "third string" → string 3) and "drop <note>" / "open <note>" tunings."""

from __future__ import annotations

from scribe.stages.terms.recognizers._tokens import NOTE_LETTERS, Found, Tokens, note_at, scan
from scribe.stages.terms.recognizers.numbers import parse_cardinal, parse_ordinal

FRET = "fret"
STRING = "string"
TUNING = "tuning"
POSITION = "position"

_MAX_FRET = 24
_MAX_STRING = 12
_REGISTERS = {"low": "low", "high": "high", "top": "high", "bottom": "low"}
# Lowercase string letters Whisper writes ("the high e string"); never "a", the article.
_LOWER_LETTERS = frozenset("bdeg")
# Before "fret five" / "string six" one of these (or a sentence start) is needed.
_BEFORE_NUMBERED = frozenset(
    {"on", "at", "to", "from", "and", "or", "then", ",", "is", "the", "past", "above"}
)
# After "open <note>" these make it a chord or a string, not a tuning: "an open E chord".
NOT_TUNING_NEXT = frozenset(
    {
        "chord",
        "chords",
        "shape",
        "shapes",
        "string",
        "strings",
        "major",
        "minor",
        "seven",
        "7",
        "position",
        "voicing",
        "voicings",
        "power",
        "sus",
        "sus2",
        "sus4",
        "note",
        "notes",
    }
)


def find_frets(tokens: Tokens) -> list[Found]:
    """An ordinal then "fret" ("fifth fret", "12th fret", "twenty-first fret", "5th-fret"),
    or "fret" then a number ("on fret five"); two ordinals sharing "frets" ("the 8th and 5th
    frets"); and a bare ordinal after a fret was named ("at the 8th fret and up to the 10th",
    "2nd fret, not 3rd")."""
    found = scan(tokens, lambda t, i: _fret_pair_at(t, i) or _position_at(t, i, FRET, _MAX_FRET))
    if not found:
        return found
    first = found[0].start
    taken = {k for f in found for k in range(f.start, f.end)}
    for i in range(first + 1, tokens.n):
        if i not in taken and _later_fret(tokens, i):
            value = parse_ordinal(tokens.lower, i)
            found.append(Found(i, i + 1, FRET, f"{FRET} {value[0] if value else ''}"))
    return sorted(found, key=_start)


def _fret_pair_at(tokens: Tokens, i: int) -> Found | None:
    """ "8th and 5th frets", "the 7th or 9th frets": two ordinals sharing "frets"."""
    first = parse_ordinal(tokens.lower, i)
    if first is None or tokens.lower_at(first[1]) not in ("and", "or", "to"):
        return None
    if tokens.lower_at(i - 1) == "," and parse_ordinal(tokens.lower, i - 2) is not None:
        return None  # "the third, fifth, seventh, ninth and twelfth frets": the frets
    second = parse_ordinal(tokens.lower, first[1] + 1)
    if second is None or tokens.lower_at(second[1]) != "frets":
        return None
    if not (1 <= first[0] <= _MAX_FRET and 1 <= second[0] <= _MAX_FRET):
        return None
    return Found(i, second[1] + 1, FRET, f"frets {first[0]} and {second[0]}")


# Before a bare ordinal after a fret: "up to the 10th", "at the 9th", "fret, not 3rd".
_LATER_FRET_BEFORE = frozenset({"at", "to", "from", "past", "around", "on"})


def _later_fret(tokens: Tokens, i: int) -> bool:
    """A one-word ordinal (1-24) at ``i`` that names a fret because one was named before it in
    the sentence: after "at/to/from the" ("up to the 10th") or right after a fret's "not" /
    "or" ("2nd fret not 3rd"); not before a noun or "of" ("the 4th string", "the 5th of
    May")."""
    number = parse_ordinal(tokens.lower, i)
    if number is None or number[1] != i + 1 or not 1 <= number[0] <= _MAX_FRET:
        return False
    after = tokens.lower_at(i + 1)
    if i + 1 < tokens.n and (tokens.doc[i + 1].pos_ in ("NOUN", "PROPN", "NUM") or after == "of"):
        return False
    if after in ("fret", "frets", "string", "strings", "position", "-"):
        return False
    before = tokens.lower_at(i - 1)
    if before in ("not", "or") and tokens.lower_at(i - 2) in ("fret", ","):
        return tokens.lower_at(i - 2) == "fret" or tokens.lower_at(i - 3) == "fret"
    if before != "the" or tokens.lower_at(i - 2) not in _LATER_FRET_BEFORE:
        return False
    k = i - 1
    while k > 0 and tokens.text[k] not in (".", "!", "?", ";"):
        if tokens.lower[k] in ("fret", "frets"):
            return True
        k -= 1
    return False


def _start(found: Found) -> int:
    return found.start


def _position_at(tokens: Tokens, i: int, noun: str, most: int) -> Found | None:
    """An ordinal then ``noun`` or ``noun`` then a cardinal, normalised to "<noun> <n>"."""
    number = parse_ordinal(tokens.lower, i)
    if number is not None:
        value, j = number
        k = tokens.next_word(j)
        if noun == STRING and tokens.lower_at(k) == "," and _determined(tokens, i):
            k += 1  # "the sixth, string": a comma Whisper wrote inside the name ("fret" is
            # also a verb: "the second, fret it" stays as it is)
        if tokens.lower_at(k) == noun and 1 <= value <= most:
            return Found(i, k + 1, noun, f"{noun} {value}")
        return None
    if tokens.lower_at(i) != noun:
        return None
    before = tokens.lower_at(tokens.prev_word(i))
    if before not in _BEFORE_NUMBERED and not tokens.sentence_start(i):
        return None
    number = parse_cardinal(tokens.lower, i + 1) if not tokens.glued(i + 1) else None
    if number is None or not 1 <= number[0] <= most:
        return None
    value, end = number
    if end < tokens.n and (
        tokens.is_hyphen_link(end) or tokens.doc[end].pos_ in ("NOUN", "PROPN", "NUM")
    ):
        return None  # "fret two notes", "string one fret higher"
    if tokens.lower_at(end) in ("of", "more", "times"):
        return None
    return Found(i, end, noun, f"{noun} {value}")


_SWITCH_WORDS = frozenset({"selector", "switch", "pickup", "knob", "blade", "toggle"})


def find_positions(tokens: Tokens) -> list[Found]:
    """Numbered positions on the neck: "seventh position", "5th position" (position 7,
    position 5); "open position" and the CAGED shapes are in the lexicon."""
    return scan(tokens, _numbered_position_at)


def _numbered_position_at(tokens: Tokens, i: int) -> Found | None:
    number = parse_ordinal(tokens.lower, i)
    if number is None:
        return None
    value, j = number
    k = tokens.next_word(j)
    if tokens.lower_at(k) not in (POSITION, "positions") or not 1 <= value <= _MAX_FRET:
        return None
    if tokens.lower_at(k + 1) == "of" and _SWITCH_WORDS & set(tokens.lower[k + 2 : k + 5]):
        return None  # "the 4th position of the pickup selector": the switch's setting
    return Found(i, k + 1, POSITION, f"{POSITION} {value}")


def _determined(tokens: Tokens, i: int) -> bool:
    """Whether the ordinal at ``i`` follows "the" or "your" ("the sixth, string" names a
    string; "First, string the guitar" does not)."""
    return tokens.lower_at(tokens.prev_word(i)) in ("the", "your")


def find_strings(tokens: Tokens) -> list[Found]:
    """String names: "low E string", "the B string", "high e string", "third string",
    "string six"; and "the high E" without "string" after another string ("on the B string
    and the high E")."""
    found = scan(tokens, _string_at)
    for i in range(1, tokens.n - 1):
        if tokens.lower_at(i - 1) == "the" and _listed_string(tokens, i, found):
            found.append(Found(i, i + 2, STRING, f"{_REGISTERS[tokens.lower[i]]} E string"))
    return sorted(found, key=_start)


def _listed_string(tokens: Tokens, i: int, strings: list[Found]) -> bool:
    """ "high E" or "low E" at ``i``, not followed by "string", after a string name across
    "and", "or" or a comma ("string one is the high E and string six..." is no list)."""
    if tokens.lower_at(i) not in ("high", "low") or tokens.text[i + 1] not in ("E", "e"):
        return False
    if tokens.lower_at(i + 2) in (STRING, "strings"):
        return False
    for other in strings:
        gap = tokens.lower[other.end : i - 1] if other.end < i else ["-"]
        if len(gap) <= 2 and all(w in (",", "and", "or") for w in gap):
            return True
    return False


def _string_at(tokens: Tokens, i: int) -> Found | None:
    numbered = _position_at(tokens, i, STRING, _MAX_STRING)
    if numbered is not None or parse_ordinal(tokens.lower, i) is not None:
        return numbered
    register = _REGISTERS.get(tokens.lower_at(i), "")
    j = tokens.next_word(i + 1) if register else i
    letter = tokens.text[j] if j < tokens.n else ""
    lowercase_ok = letter in _LOWER_LETTERS and (
        register or tokens.lower_at(tokens.prev_word(j)) in ("the", "your", "open")
    )
    if letter not in NOTE_LETTERS and not lowercase_ok:
        return None
    k = tokens.next_word(j + 1)
    if tokens.lower_at(k) != STRING:
        return None
    name = f"{letter.upper()} string"
    return Found(i, k + 1, STRING, f"{register} {name}" if register else name)


def find_tunings(tokens: Tokens) -> list[Found]:
    """ "drop <note>" and "open <note>" (with "minor" and "tuning" when said), normalised to
    "drop D", "open G", "open D minor"."""
    return scan(tokens, _tuning_at)


def _tuning_at(tokens: Tokens, i: int) -> Found | None:
    kind = tokens.lower_at(i)
    if kind not in ("drop", "open"):
        return None
    note = note_at(tokens, tokens.next_word(i + 1))
    if note is None:
        return None
    name, end = f"{kind} {note[0]}", note[1]
    after = tokens.lower_at(tokens.next_word(end))
    if kind == "open" and after in ("minor", "m") and tokens.lower_at(end + 1) == "tuning":
        name, end, after = f"{name} minor", end + 1, "tuning"
    if after in NOT_TUNING_NEXT:
        return None
    if after == "tuning":
        end = tokens.next_word(end) + 1
    return Found(i, end, TUNING, name)
