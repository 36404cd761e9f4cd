"""Note names said like chords: "the tritone is between the B and the F", "two names for the
same note, like C sharp and D flat", "skipping the G" after "from the D string to the B string".

A letter (with its accidental) and nothing else is a chord only where nothing says it is a
note or a string. Chord names found alone or in a list of such letters are dropped when:
"between" comes just before (not after a chord change: "changes between G and C"); a note
word ("note", "notes", "pitch", "enharmonic", "sharps", "one sharp") comes shortly before or
just after, with no "chord" there; or a string was named shortly before and no verb of
playing is said ("skipping the G"). A list that holds one chord with more to it ("like E
minor instead of C") keeps all its letters.
"""

from __future__ import annotations

from itertools import pairwise

from scribe.stages.terms.recognizers._tokens import Found, Tokens, note_at

_LINKS = frozenset({",", "and", "or", "the", "to", "then", "instead", "of", "a", "an"})
_NOTE_WORDS = frozenset(
    {"note", "notes", "pitch", "pitches", "enharmonic", "enharmonically", "sharps", "flats"}
)
_ONE = frozenset({"one", "a", "single"})  # "the key of E minor has one sharp, F sharp"
_CHORD_WORDS = frozenset({"chord", "chords", "triad", "triads", "progression", "changes"})
_CHANGING = frozenset({"change", "changing", "switch", "switching", "go", "move", "moving"})
_STRING_WORDS = frozenset({"string", "strings"})
_PLAYING = frozenset({"play", "playing", "plays", "played", "strum", "strumming", "hit", "fret"})
_WINDOW = 8


def without_notes(tokens: Tokens, chords: list[Found]) -> list[Found]:
    """``chords`` less the bare letters that name notes or strings (see the module)."""
    kept: list[Found] = []
    for group in _lists(tokens, chords):
        notes = _said_as_notes(tokens, group[0].start) or _notes_after(tokens, group[-1].end)
        if any(not _bare(tokens, f) for f in group) or not notes:
            kept.extend(group)
    return kept


def _notes_after(tokens: Tokens, end: int) -> bool:
    """ "F sharp and G flat are the same note": a note word just after, no chord word."""
    after = set(tokens.lower[end : end + 5])
    return bool(_NOTE_WORDS & after) and not _CHORD_WORDS & after


def _bare(tokens: Tokens, found: Found) -> bool:
    """Whether ``found`` is a note name and nothing more ("C sharp", not "C major")."""
    note = note_at(tokens, found.start)
    return note is not None and note[1] == found.end


def _lists(tokens: Tokens, chords: list[Found]) -> list[list[Found]]:
    """The chords grouped into lists: neighbours with only commas, "and", "to", articles or
    "instead of" between."""
    groups: list[list[Found]] = []
    for found in sorted(chords, key=lambda f: f.start):
        last = groups[-1][-1] if groups else None
        between = tokens.lower[last.end : found.start] if last else []
        if last and 0 < len(between) <= 3 and all(w in _LINKS for w in between):
            groups[-1].append(found)
        else:
            groups.append([found])
    return groups


def _said_as_notes(tokens: Tokens, start: int) -> bool:
    before = tokens.lower[max(0, start - _WINDOW) : start]
    if "between" in before[-3:]:  # "between the B and the F", "between C and E"
        return not (_CHORD_WORDS | _CHANGING) & set(before)  # not "changes between G and C"
    signature = any(w in ("sharp", "flat") and p in _ONE for p, w in pairwise(before))
    if (signature or _NOTE_WORDS & set(before)) and not _CHORD_WORDS & set(before):
        return True  # "two names for the same note, like C sharp and D flat"
    article = start - 1 if tokens.lower_at(start - 1) == "the" else -1
    if article < 0 or tokens.lower_at(article - 1) in _PLAYING:
        return False
    return bool(_STRING_WORDS & set(before)) and not _CHORD_WORDS & set(before)
