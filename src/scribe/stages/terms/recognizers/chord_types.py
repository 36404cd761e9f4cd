"""Chord qualities named without a root: "over a major chord", "the minor triads", "a
diminished chord".

The lexicon cannot hold these: in "an E minor chord" or "a G major triad" its "minor chord"
would overlap the chord name and hide the "triad" after it. Found here, they lose to the
chord name on such a span (it starts first and is as long), and the lexicon's "triad" is left
for the word after it.
"""

from __future__ import annotations

from scribe.stages.terms.recognizers._tokens import Found, Tokens

LABEL = "chord"

_QUALITIES = frozenset({"major", "minor", "diminished", "augmented"})
_NOUNS = {"chord": "chord", "chords": "chord", "triad": "triad", "triads": "triad"}


def find_chord_types(tokens: Tokens) -> list[Found]:
    """Every quality followed by "chord(s)" or "triad(s)", normalised ("major chord")."""
    found: list[Found] = []
    for i in range(tokens.n - 1):
        quality, noun = tokens.lower[i], tokens.lower_at(tokens.next_word(i + 1))
        if quality in _QUALITIES and noun in _NOUNS:
            end = tokens.next_word(i + 1) + 1
            found.append(Found(i, end, LABEL, f"{quality} {_NOUNS[noun]}"))
    return found
