"""Time signatures ("four four" → 4/4, "6/8") and tempos ("ninety beats per minute" → 90 bpm)."""

from __future__ import annotations

import re

from scribe.stages.terms.recognizers._tokens import Found, Tokens, scan
from scribe.stages.terms.recognizers.numbers import (
    TEENS,
    TENS,
    UNITS,
    is_number_word,
    parse_cardinal,
)

TIME_SIGNATURE = "time_signature"
TEMPO = "tempo"

_NUMERATORS = {w: n for w, n in {**UNITS, **TEENS}.items() if 2 <= n <= 15}
_DENOMINATORS = {"two": 2, "four": 4, "eight": 8, "sixteen": 16}
_WRITTEN = re.compile(r"(?P<top>1[0-5]|[2-9])/(?P<bottom>2|4|8|16)")
# Words after a spoken pair that make it a meter: "three four time", "a six eight feel".
_METER_WORDS = frozenset(
    {"time", "feel", "meter", "metre", "signature", "groove", "waltz", "rhythm", "shuffle"}
)
# Words before a bare spoken pair that make it one: "in four four", "it's six eight".
_METER_BEFORE = frozenset(
    {
        "in",
        "is",
        "'s",
        "to",
        "into",
        "for",
        "like",
        "from",
        "of",
        "or",
        "and",
        "was",
        "be",
        "than",
        "versus",
        "vs",
    }
)
# After a written fraction these make it a fraction, not a meter: "3/4 of the way".
_FRACTION_NEXT = frozenset({"of", "size", "inch", "inches", "scale", "sized"})
_TEMPO_MIN, _TEMPO_MAX = 20, 400
_GLUED_BPM = re.compile(r"(?P<n>\d{2,3})bpm")
_GLUED_PM = re.compile(r"(?P<n>\d{2,3})pm")
# Whisper's "4.4" for "four four" (a meter only in a meter's context).
_DOTTED = re.compile(r"(?P<top>1[0-5]|[2-9])\.(?P<bottom>2|4|8|16)")
# Words that, a few tokens before "60 pm", show it is Whisper's "60 bpm".
_TEMPO_CONTEXT = frozenset({"tempo", "metronome", "bpm", "click", "speed"})
# "60 pm" is no time of day from here up: Whisper's "60 bpm".
_NO_CLOCK = 30
# Bare numbers that can be tempos ("at 70"), and the words that make one a tempo.
_BARE_MIN, _BARE_MAX = 40, 260
_NOUNS = frozenset({"NOUN", "PROPN", "NUM"})
_TEMPO_CUES = _TEMPO_CONTEXT | {
    "fast",
    "faster",
    "slow",
    "slower",
    "slowly",
    "playthrough",
    "play-through",
    "tempos",
}
_HEDGES = frozenset({"about", "around", "like", "roughly", "maybe", "say", "least"})
# After a number these make it a count, an age or a measure, not a tempo.
_NOT_TEMPO = frozenset(
    {"%", "percent", "years", "year", "degrees", "o'clock", "am", "a.m.", "hz", "cents"}
    | {"'s", "s", "-"}
)
_MONEY = frozenset({"cost", "costs", "paid", "price", "dollars", "bucks", "quid", "$", "£"})


def find_time_signatures(tokens: Tokens) -> list[Found]:
    """Written meters ("6/8") and spoken ones in a clear context ("in four four")."""
    found: list[Found] = []
    for i in range(tokens.n):
        written = _WRITTEN.fullmatch(tokens.text[i])
        if written:
            if tokens.lower_at(tokens.next_word(i + 1)) not in _FRACTION_NEXT:
                found.append(Found(i, i + 1, TIME_SIGNATURE, tokens.text[i]))
            continue
        dotted = _DOTTED.fullmatch(tokens.text[i])
        if dotted and _meter_context(tokens, i, i + 1):
            found.append(Found(i, i + 1, TIME_SIGNATURE, f"{dotted['top']}/{dotted['bottom']}"))
            continue
        spoken = _spoken_meter(tokens, i)
        if spoken is not None and (not found or found[-1].end <= i):
            found.append(spoken)
    return found


def _meter_named_before(tokens: Tokens, i: int) -> bool:
    """Whether "time signature", "meter" or "metre" was said in the ten words before ``i``."""
    return any(w in ("signature", "meter", "metre") for w in tokens.lower[max(0, i - 10) : i])


def _meter_context(tokens: Tokens, i: int, end: int) -> bool:
    """A meter word after (``time``, ``feel``) or a meter's verb or preposition before."""
    before = tokens.lower_at(tokens.prev_word(i))
    return tokens.lower_at(end) in _METER_WORDS or before in _METER_BEFORE


def _meter_number(word: str, words: dict[str, int]) -> int | None:
    """A numerator or denominator spoken ("four") or in digits ("4")."""
    if word.isdigit():
        return int(word) if int(word) in words.values() else None
    return words.get(word)


def _spoken_meter(tokens: Tokens, i: int) -> Found | None:
    """A spoken pair ("four four", "six-eight"), or digits joined by a hyphen ("4-4", as
    Whisper writes "four four"), in a meter's context."""
    top = _meter_number(tokens.lower_at(i), _NUMERATORS)
    if top is None:
        return None
    j = tokens.next_word(i + 1)
    comma = tokens.text[j : j + 1] == [","] and not tokens.text[i].isdigit()
    if comma:  # Whisper's "three, four time": only with a meter word after
        j += 1
        if tokens.lower_at(j + 1) not in _METER_WORDS:
            return None
    if j == i + 1 and (tokens.glued(j) or tokens.text[i].isdigit()):
        return None  # digits need the hyphen: "4 4" is too often two counts
    bottom = _meter_number(tokens.lower_at(j), _DENOMINATORS)
    if bottom is None or tokens.text[i].isdigit() != tokens.text[j].isdigit():
        return None
    before = tokens.prev_word(i)
    k = j + 1
    after = tokens.lower_at(k)
    if is_number_word(tokens.lower_at(before)) or is_number_word(
        tokens.lower_at(tokens.next_word(k))
    ):
        return None  # part of a longer run of numbers: counting
    if tokens.is_hyphen_link(k):
        return None  # "four four-bar phrases"
    if after not in _METER_WORDS:
        placed = tokens.lower_at(before) in _METER_BEFORE or tokens.sentence_start(i)
        if not placed and not _meter_named_before(tokens, i):
            return None  # "the time signature is 4.4, I mean four four" is one
        if k < tokens.n and tokens.doc[k].pos_ in ("NOUN", "PROPN", "NUM", "ADJ"):
            return None  # "two four bar phrases"
    return Found(i, j + 1, TIME_SIGNATURE, f"{top}/{bottom}")


def find_tempos(tokens: Tokens) -> list[Found]:
    """Tempos: a number then "bpm" or "beats per minute"; also "one twenty bpm" (120), and a
    bare number in a tempo's context ("the arpeggios at 70" after "90bpm")."""
    return scan(tokens, _tempo_at)


def _tempo_at(tokens: Tokens, i: int) -> Found | None:
    glued = _GLUED_BPM.fullmatch(tokens.lower_at(i))
    if glued is None:
        glued = _GLUED_PM.fullmatch(tokens.lower_at(i))  # Whisper's "60pm" for "60 bpm"
        if glued and int(glued["n"]) < _NO_CLOCK and not _tempo_context(tokens, i):
            glued = None
    if glued:
        value = int(glued["n"])
        return Found(i, i + 1, TEMPO, f"{value} bpm") if _valid_tempo(value) else None
    if is_number_word(tokens.lower_at(tokens.prev_word(i))):
        return None
    number = _colloquial_hundreds(tokens, i) or parse_cardinal(tokens.lower, i)
    if number is None:
        return None
    value, j = number
    end = _bpm_words(tokens, j)
    pm = end is None and tokens.lower_at(j) in ("pm", "p.m.")
    if pm and (value >= _NO_CLOCK or _tempo_context(tokens, i)):
        end = j + 1  # Whisper's "60pm" for "60 bpm": no clock reads 60 pm
    if end is None and _bare_tempo(tokens, i, j, value):
        end = j
    if end is None or not _valid_tempo(value):
        return None
    return Found(i, end, TEMPO, f"{value} bpm")


def _bare_tempo(tokens: Tokens, i: int, j: int, value: int) -> bool:
    """A number without "bpm" that is a tempo: "at 70" or "get it to 120" with a tempo word
    in the sentence ("metronome", "bpm", "fast", "playthrough", another tempo), or "80?"
    standing alone after "metronome" / "click". Not "at 70 years old", "at 90 degrees"."""
    if not _BARE_MIN <= value <= _BARE_MAX or not tokens.text[i].isdigit():
        return False
    after = tokens.lower_at(j)
    if j < tokens.n and (tokens.doc[j].pos_ in _NOUNS or after in _NOT_TEMPO):
        return False
    if j < tokens.n and (tokens.glued(j) and not tokens.is_punct(j)):
        return False
    k = tokens.prev_word(i)
    if tokens.lower_at(k) in _HEDGES:
        k = tokens.prev_word(k)
    before = tokens.lower_at(k)
    words = _sentence_words(tokens, i)
    if words & _MONEY:
        return False  # "the metronome cost me 80"
    cue = words & _TEMPO_CUES
    if before in ("at", "to") and tokens.lower_at(k - 1) not in ("age", "aged", "up"):
        return bool(cue) or _other_tempo(tokens, i) or _tempo_climb(tokens, i)
    alone = before in (",", "on") and (j >= tokens.n or tokens.is_punct(j))
    return alone and bool(cue & {"metronome", "click"})


def _sentence_words(tokens: Tokens, i: int) -> set[str]:
    """The lowercased words of the sentence around ``i``."""
    return {tokens.lower[k] for k in tokens.sentence(i)}


def _other_tempo(tokens: Tokens, i: int) -> bool:
    """Whether the sentence says "bpm" elsewhere ("scales at 90bpm, arpeggios at 70")."""
    return any(
        word.endswith("bpm") or word in ("b.p.m.", "beats") for word in _sentence_words(tokens, i)
    )


def _tempo_climb(tokens: Tokens, i: int) -> bool:
    """Whether the number at ``i`` is one end of a practice climb in its sentence: "at 90 to
    start, then get it to 120", "from 60 up to 80": another bare number after "at" / "to",
    both in the tempo range, one after "at" (or "from") and a larger one after "to". Not "at 5
    to 7" (too slow to be tempos), nor a number followed by a noun ("at 90 degrees")."""
    numbers: list[tuple[int, str]] = []
    for k in tokens.sentence(i):
        if not tokens.text[k].isdigit():
            continue
        value, before = int(tokens.text[k]), tokens.lower_at(tokens.prev_word(k))
        nxt = tokens.doc[k + 1].pos_ if k + 1 < tokens.n else ""
        if _BARE_MIN <= value <= _BARE_MAX and before in ("at", "to", "from") and nxt not in _NOUNS:
            numbers.append((value, before))
    starts = [v for v, w in numbers if w in ("at", "from")]
    goals = [v for v, w in numbers if w == "to"]
    return any(goal > start for goal in goals for start in starts)


def _tempo_context(tokens: Tokens, i: int) -> bool:
    return any(tokens.lower_at(k) in _TEMPO_CONTEXT for k in range(max(0, i - 8), i))


def _valid_tempo(value: int) -> bool:
    return _TEMPO_MIN <= value <= _TEMPO_MAX


def _colloquial_hundreds(tokens: Tokens, i: int) -> tuple[int, int] | None:
    """ "one twenty" (120), "one forty-five" (145): how tempos are often said."""
    hundreds = UNITS.get(tokens.lower_at(i), 0)
    word = tokens.lower_at(i + 1)
    if not 1 <= hundreds <= 3 or (word not in TENS and word not in TEENS):
        return None
    rest = parse_cardinal(tokens.lower, i + 1)
    if rest is None:
        return None
    return hundreds * 100 + rest[0], rest[1]


def _bpm_words(tokens: Tokens, j: int) -> int | None:
    """The end of "bpm" / "b.p.m." / "beats per minute" / "beats a minute" at ``j``."""
    word = tokens.lower_at(j)
    if word in ("bpm", "bpms", "b.p.m.", "b.p.m"):
        return j + 1
    if word not in ("beats", "beat"):
        return None
    k = tokens.next_word(j + 1)
    if tokens.lower_at(k) not in ("per", "a"):
        return None
    k = tokens.next_word(k + 1)
    return k + 1 if tokens.lower_at(k) == "minute" else None
