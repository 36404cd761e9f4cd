"""Bare-letter chords in context: "play the E", "go to the C and back", "then an A.", and the
bare letters of a list of chords ("G, A minor, B minor, C, D") once one of its items is a chord.

A capital letter alone is too often something else (the article "A", a note, a string, a
shape), so it counts only after "the", "a" or "an" (or next to a chord in a list) and before
punctuation or a word such as "to", "and" or "then"; never before "string", "shape", "note".
Also: "an open G" (said of the chord, not "open G tuning"), "the IV is F" and "the five chord
is E", "the I, IV and V are A, D and E" (degree chords named), a list of two letters or more
just after "chords" ("the chords are A, D and E"), "E minor instead of C", "the change to the
C is easier" and "pulls toward C" (where a resolution goes). A list is read twice, so one that
ends in its full chord counts too ("E, A and B7").
"""

from __future__ import annotations

from scribe.stages.terms.recognizers._tokens import NOTE_LETTERS, Found, Tokens

LABEL = "chord_name"

_DETERMINERS = frozenset({"the", "a", "an"})
_NEXT = frozenset({"to", "and", "or", "then", "with", "for", "back", "again", "instead", "now"})
_PLAY_VERBS = frozenset(
    {"play", "strum", "to", "into", "hit", "try", "add", "grab", "playing", "plays", "played"}
    | {"strumming", "strums", "hold", "holding", "do", "hitting", "like"}
)
_LINKS = frozenset({",", "and", "or", "to", "then", "back", "a", "an", "the"})
_NUMERALS = frozenset({"I", "II", "III", "IV", "V", "VI", "VII", "ii", "iii", "iv", "vi", "vii"})
_DEGREE_WORDS = frozenset({"one", "two", "three", "four", "five", "six", "seven"})
_LIST_WINDOW = 8
_SPELLED = frozenset({"note", "notes", "spelled", "spell", "spells", "pitches", "tuned", "tune"})
_CHANGE_WORDS = frozenset({"change", "changes", "changing", "switch", "switching", "move"})
_GOING = frozenset({"goes", "go", "going", "went", "moves", "moving", "move"})
_RESOLVING = frozenset(
    {"resolve", "resolves", "resolving", "resolved", "pull", "pulls", "pulling", "lead", "leads"}
)
# Any of these in the next few words makes the letter a string, shape, note or key.
# After a lowercase "e minor" these make it a scale or key, not a chord.
_SCALE_NEXT = frozenset(
    {"pentatonic", "arpeggio", "arpeggios", "scale", "scales", "mode", "key", "blues", "groove"}
)
_NOT_CHORD_SOON = frozenset(
    {
        "string",
        "strings",
        "shape",
        "shapes",
        "note",
        "notes",
        "position",
        "key",
        "scale",
        "tuning",
        "standard",
        "bass",
    }
)


def with_bare_letters(tokens: Tokens, chords: list[Found]) -> list[Found]:
    """``chords`` plus the bare-letter chords the context shows, in text order."""
    taken = {k for found in chords for k in range(found.start, found.end)}
    starts = {found.start for found in chords}
    ends = {found.end for found in chords}
    added: list[Found] = []
    for letters in ("bcdefg", "a"):  # "a minor" last: it needs a chord beside it
        lowered = _lowercase_minor(tokens, taken, starts, ends, letters)
        for found in lowered:
            starts.add(found.start)
            ends.add(found.end)
            taken |= set(range(found.start, found.end))
        added.extend(lowered)
    for _ in range(2):  # twice: a list read left to right may end in its full chord
        before_pass = len(added)  # ("E, A and B7 are the three chords")
        for i in range(tokens.n):
            if i not in taken and i not in starts and _bare_chord(tokens, i, starts, ends):
                added.append(Found(i, i + 1, LABEL, tokens.text[i]))
                ends.add(i + 1)
                starts.add(i)
        if len(added) == before_pass:
            break
    added.extend(_lowercase_after_is(tokens, taken))
    return sorted([*chords, *added], key=lambda found: found.start)


def _lowercase_minor(
    tokens: Tokens, taken: set[int], starts: set[int], ends: set[int], letters: str
) -> list[Found]:
    """Whisper's lowercase "e minor", "g major": a chord unless "in" / "of" makes it a key or
    a scale word follows ("e minor pentatonic"). "a minor" also needs "the" before it ("the a
    minor"), a chord change before ("the change to a minor") or a chord beside it in a list
    ("from e minor to a minor"): "a minor issue" is no chord."""
    found: list[Found] = []
    for i in range(tokens.n - 1):
        text = tokens.text[i]
        mode = tokens.lower_at(i + 1)
        if i in taken or len(text) != 1 or text not in letters or mode not in ("minor", "major"):
            continue
        before = tokens.lower_at(i - 1)
        if before in ("in", "of", "relative", "parallel") or _not_chord_soon(tokens, i + 2):
            continue
        if tokens.lower_at(i + 2) in _SCALE_NEXT:
            continue  # "the a minor pentatonic", "the e minor arpeggio"
        if text == "a" and not (
            before == "the"
            or (before == "to" and tokens.lower_at(i - 2) in _CHANGE_WORDS)
            or _after_chord(tokens, i, ends)
            or _before_chord(tokens, i + 2, starts)
        ):
            continue
        found.append(Found(i, i + 2, LABEL, text.upper() + ("m" if mode == "minor" else "")))
    return found


def _bare_chord(tokens: Tokens, i: int, starts: set[int], ends: set[int]) -> bool:
    """Whether the letter at ``i`` is a chord, given the chords that start and end where."""
    if tokens.text[i] not in NOTE_LETTERS or tokens.glued(i) or _not_chord_soon(tokens, i + 1):
        return False
    listed = _after_chord(tokens, i, ends) or _before_chord(tokens, i + 1, starts)
    listed = listed or _chords_listed(tokens, i) or _letter_list(tokens, i)
    before = tokens.lower_at(i - 1)
    opened = before == "open" and _open_chord(tokens, i)
    if not (_ends_here(tokens, i + 1) or listed or opened or _changed_to(tokens, i)):
        return False
    named = before in ("is", "'s", "are") and _names_degree(tokens, i - 2)
    played = before in _DETERMINERS and _played(tokens, i - 1)
    return before == "the" or played or listed or named or opened or _resolved(tokens, i, ends)


def _lowercase_after_is(tokens: Tokens, taken: set[int]) -> list[Found]:
    """Whisper's lowercase "the chord is a minor," / "then it's e minor.": a lowercase letter
    after "is" or "'s", then "major" or "minor", then punctuation or the end."""
    found: list[Found] = []
    for i in range(1, tokens.n - 1):
        text = tokens.text[i]
        if i in taken or len(text) != 1 or text not in "abcdefg":
            continue
        mode = tokens.lower_at(i + 1)
        if tokens.lower_at(i - 1) not in ("is", "'s") or mode not in ("minor", "major"):
            continue
        if not _ends_here(tokens, i + 2):
            continue
        found.append(Found(i, i + 2, LABEL, text.upper() + ("m" if mode == "minor" else "")))
    return found


def _open_chord(tokens: Tokens, i: int) -> bool:
    """ "an open G is one of the first chords": "a"/"an" before "open", a chord word soon
    after and no "tuning" ("an open F" alone stays the tuning)."""
    if tokens.lower_at(i - 2) not in ("a", "an"):
        return False
    after = [tokens.lower_at(k) for k in range(i + 1, min(tokens.n, i + 8))]
    return "tuning" not in after and any(w in ("chord", "chords", "shape") for w in after)


def _names_degree(tokens: Tokens, k: int) -> bool:
    """Whether a degree chord ends at ``k``: "the IV", "the five chord", "the V7"."""
    if k < 0:
        return False
    if tokens.lower_at(k) == "chord":
        return tokens.lower_at(k - 1) in _DEGREE_WORDS or tokens.text[k - 1] in _NUMERALS
    if tokens.text[k].rstrip("7") in _NUMERALS:
        return True
    return tokens.lower_at(k) in _DEGREE_WORDS and tokens.lower_at(k - 1) == "the"


def _is_link(tokens: Tokens, j: int) -> bool:
    """A word between two chords of a list (not a capital letter: "A" is a chord here), or
    "instead of" ("E minor instead of C")."""
    word = tokens.lower_at(j)
    if word == "instead" and tokens.lower_at(j + 1) == "of":
        return True
    if word == "of" and tokens.lower_at(j - 1) == "instead":
        return True
    return word in _LINKS and tokens.text[j] not in NOTE_LETTERS


def _changed_to(tokens: Tokens, i: int) -> bool:
    """ "the change to the C is easier": a chord change's goal, whatever follows it."""
    return tokens.lower_at(i - 1) == "the" and (
        tokens.lower_at(i - 2) in ("to", "from") and tokens.lower_at(i - 3) in _CHANGE_WORDS
    )


def _resolved(tokens: Tokens, i: int, ends: set[int]) -> bool:
    """ "that's what pulls toward C", "it resolves to F.": a letter a resolution goes to;
    also where a chord just named goes ("the G7 goes to C,"), not "the song goes to C"."""
    before = tokens.lower_at(i - 1)
    if before not in ("to", "toward", "towards", "into"):
        return False
    if tokens.lower_at(i - 2) in _RESOLVING and _ends_here(tokens, i + 1):
        return True
    return tokens.lower_at(i - 2) in _GOING and i - 2 in ends and _ends_here(tokens, i + 1)


def _chords_listed(tokens: Tokens, i: int) -> bool:
    """Whether the letter at ``i`` is in a list of two letters or more that "chords" comes
    just before: "the chords are A, D and E", "the chords: it's A, then D, then E"."""
    words = [tokens.lower_at(k) for k in range(max(0, i - _LIST_WINDOW), i)]
    if not any(word in ("chords", "changes") for word in words):
        return False
    for step in (-1, 1):
        j = i + step
        while 0 <= j < tokens.n and _is_link(tokens, j):
            j += step
        if abs(j - i) > 1 and 0 <= j < tokens.n and tokens.text[j] in NOTE_LETTERS:
            return True
    return False


def _letter_list(tokens: Tokens, i: int) -> bool:
    """Whether the letter at ``i`` is in a list of three bare capital letters or more, with
    commas and a last "and" / "or": "the song only uses G, C and D". Not when a string, note
    or tuning word follows the list ("the E, A and D strings"), nor when notes are named
    shortly before ("the notes in a C major chord are C, E and G")."""
    start = i
    while start >= 2 and tokens.text[start - 1] == "," and _lone_letter(tokens, start - 2):
        start -= 2
    end, commas, joined = i + 1, 0, False
    while end + 1 < tokens.n and not joined and _lone_letter(tokens, end + 1):
        word = tokens.lower_at(end)
        if word not in (",", "and", "or"):
            break
        commas += word == ","
        joined = word != ","
        end += 2
    letters = 1 + (i - start) // 2 + (end - i - 1) // 2
    listed = letters >= 3 and (commas > 0 or i > start) and joined
    if _SPELLED & set(tokens.lower[max(0, start - _LIST_WINDOW) : start]):
        return False
    return listed and not _not_chord_soon(tokens, end)


def _lone_letter(tokens: Tokens, k: int) -> bool:
    return 0 <= k < tokens.n and tokens.text[k] in NOTE_LETTERS and not tokens.glued(k)


def _played(tokens: Tokens, article: int) -> bool:
    """Whether "a"/"an" at ``article`` follows a verb of playing ("play an A", "go to a D"),
    not "is" ("the fifth fret is a C" names a note)."""
    return tokens.lower_at(article - 1) in _PLAY_VERBS


def _ends_here(tokens: Tokens, k: int) -> bool:
    return k >= tokens.n or tokens.is_punct(k) or tokens.lower_at(k) in _NEXT


def _not_chord_soon(tokens: Tokens, k: int) -> bool:
    """Whether a string, shape, note or key word comes in the next few words, up to a comma
    that opens another clause ("e minor, that descending bass line": the chord); across a
    comma before a note letter ("the D, G and B strings") the words still count."""
    for m in range(k, min(k + 4, tokens.n)):
        if tokens.is_punct(m) and tokens.text[m + 1 : m + 2] not in ([c] for c in NOTE_LETTERS):
            return False
        if tokens.lower_at(m) in _NOT_CHORD_SOON:
            return True
    return False


def _after_chord(tokens: Tokens, i: int, ends: set[int]) -> bool:
    """Whether a chord ends just before ``i``, across a comma, "and", "to" or "then"."""
    j = i
    while j > 0 and _is_link(tokens, j - 1):
        j -= 1
    return j < i and j in ends


def _before_chord(tokens: Tokens, k: int, starts: set[int]) -> bool:
    """Whether a chord starts just after ``k``, across a comma, "and", "to" or "then"."""
    j = k
    while j < tokens.n and _is_link(tokens, j):
        j += 1
    return j > k and j in starts
