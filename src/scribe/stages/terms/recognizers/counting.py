"""Number words said for beats or fingers, not scale degrees: "accents on the two and the
four", "the backbeat is the two and the four", "a finger exercise, one two three four, then one
three two four".

Degree words said alone ("the four") are chords only where nothing says they count something
else: a beat or finger word within a few words, with no word of harmony near, makes them
counts; a run of them ("one three two four") only a finger word.
"""

from __future__ import annotations

from itertools import pairwise

from scribe.stages.terms.recognizers._tokens import Found, Tokens
from scribe.stages.terms.recognizers.numbers import UNITS

_BEAT_WORDS = frozenset(
    {"beat", "beats", "backbeat", "backbeats", "downbeat", "downbeats", "offbeat", "offbeats"}
    | {"snare", "kick", "accent", "accents", "accented", "count", "counting", "clap", "claps"}
    | {"metronome", "click", "accenting", "push", "stress", "stressing", "emphasise"}
    | {"emphasize", "groove"}
)
_FINGER_WORDS = frozenset(
    {"finger", "fingers", "fingering", "exercise", "exercises", "spider", "permutation"}
    | {"permutations", "independence"}
)
_HARMONY_WORDS = frozenset(
    {"chord", "chords", "progression", "progressions", "key", "dominant", "tonic", "minor"}
    | {"major", "resolve", "resolves", "cadence", "numeral", "numerals", "turnaround", "degree"}
)
_WINDOW = 10


def counted(tokens: Tokens, start: int, end: int, *, beats: bool = True) -> bool:
    """Whether the degree words at ``[start, end)`` count beats (unless ``beats`` is false:
    a run such as "one six four five" is no beat, even "at ninety beats per minute") or
    fingers: such a word within a few words either side, and no word of harmony there."""
    lo, hi = max(0, start - _WINDOW), min(tokens.n, end + _WINDOW)
    near = {tokens.lower[k] for k in range(lo, hi) if not start <= k < end}
    cues = _BEAT_WORDS | _FINGER_WORDS if beats else _FINGER_WORDS
    return bool(near & cues) and not near & _HARMONY_WORDS


# The number words a count of beats or fingers is said in ("one" to "eight").
COUNT_WORDS = {word: n for word, n in UNITS.items() if 1 <= n <= 8}


def after_a_count(tokens: Tokens, i: int) -> bool:
    """Whether a count of three numbers or more ("one two three four", "four three two one")
    ends just before ``i``, across "then", "and" or a comma: "one two three four, then one three
    two four" is an exercise, not a progression ("one four five, then one six four five" is)."""
    k = i - 1
    while k >= 0 and tokens.lower[k] in (",", "then", "and") and i - k <= 3:
        k -= 1
    values: list[int] = []
    while k >= 0 and tokens.lower[k] in COUNT_WORDS:
        values.insert(0, COUNT_WORDS[tokens.lower[k]])
        k -= 1
    steps = {b - a for a, b in pairwise(values)}
    return len(values) >= 3 and steps in ({1}, {-1})


_BEAT_DIGITS = {str(n): n for n in range(1, 5)} | {
    word: n for word, n in COUNT_WORDS.items() if n <= 4
}
# The pairs of beats a backbeat or a feel is named by: "on 2 and 4", "on one and three".
_BEAT_PAIRS = frozenset({(2, 4), (1, 3)})


def find_beat_pairs(tokens: Tokens) -> list[Found]:
    """ "the snare on 2 and 4", "the click on one and three": the two beats of a backbeat
    after "on", as a rhythm; not a longer run of numbers or a count of things ("on 2 and 4
    strings", "on pages 2 and 4" has no "on" right before)."""
    found: list[Found] = []
    for i in range(1, tokens.n - 2):
        if tokens.lower[i - 1] != "on" or tokens.lower[i + 1] != "and":
            continue
        first, second = _BEAT_DIGITS.get(tokens.lower[i]), _BEAT_DIGITS.get(tokens.lower[i + 2])
        if (first, second) not in _BEAT_PAIRS:
            continue
        end = i + 3
        if end < tokens.n and (
            tokens.doc[end].pos_ in ("NOUN", "PROPN", "NUM") or tokens.lower[end] == "of"
        ):
            continue
        found.append(Found(i, end, "rhythm", f"beats {first} and {second}"))
    return found
