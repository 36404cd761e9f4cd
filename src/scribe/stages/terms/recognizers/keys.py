"""Keys: "the key of A" (A), "key of B flat" (Bb), "in E minor" (E minor), "an A minor key"
(A minor), and Whisper's lowercase "in a minor" (A minor).

Also keys named without "key" or "in" where the words say so: the rest of a list after a key
("in G, A and D", "in C instead of G", "flat keys like F, B flat and E flat"), "from G to A"
near "transpose", "modulate" or "key", "modulates to D", "drop it to A", "the key is G",
"borrowed from D minor" and "the same notes as C major"."""

from __future__ import annotations

from itertools import pairwise

from scribe.stages.terms.recognizers._tokens import (
    ACCIDENTAL_WORDS,
    NOTE_LETTERS,
    Found,
    Tokens,
    note_at,
    scan,
)

LABEL = "key"

_MODES = {"major": "major", "minor": "minor", "maj": "major", "min": "minor"}
_KEY_WORDS = frozenset({"key", "keys"})
# After "in <note>" (no major/minor said) one of these, or punctuation, makes it a key:
# "it's in G, so...", "in A and E", "play it in D instead".
_BARE_KEY_NEXT = frozenset(
    {"and", "or", "instead", "first", "now", "too", "here", "so", "then", "but", "because"}
    | {"that", "that's", "it", "it's", "with", "for", "would", "is", "was", "uses", "not"}
)
# Between two keys of a list: "in G, A and D", "in G major, not G minor", "C instead of G".
_LIST_LINKS = frozenset({",", "and", "or", "not", "then", "instead", "of", "in"})
# Before "to <note>" these make it a key: "modulates to D", "drop it to A".
_TO_KEY_VERBS = frozenset(
    {"modulate", "modulates", "modulated", "modulating", "transpose", "transposes"}
    | {"transposed", "transposing", "drop", "drops", "dropped", "raise", "raised", "shift"}
    | {"shifts", "jumps", "jump", "moves", "capo"}
)
# Near "from <note> to <note>" one of these makes both keys.
_FROM_TO_CUES = frozenset(
    {"transpose", "transposed", "transposing", "transposes", "key", "keys", "relative"}
    | {"modulate", "modulates", "modulating", "modulation", "parallel", "change"}
)
# Before "in <note>" these make the note a root, not a key: "the pentatonic scale in A".
_ROOTED = frozenset(
    {"scale", "scales", "pentatonic", "mode", "modes", "arpeggio", "arpeggios", "shape", "box"}
)
_CHORDAL = frozenset({"arpeggio", "arpeggios", "triad", "triads", "voicings"})
# After "<note> major|minor" these make it a chord or scale, not a key.
_NOT_KEY_NEXT = frozenset(
    {
        "chord",
        "chords",
        "shape",
        "shapes",
        "scale",
        "scales",
        "pentatonic",
        "arpeggio",
        "arpeggios",
        "triad",
        "triads",
        "seven",
        "seventh",
        "7",
        "7th",
        "nine",
        "ninth",
        "six",
        "sixth",
        "barre",
        "blues",
        "mode",
        "position",
        "voicing",
        "voicings",
        "string",
        "tuning",
    }
)


def find_keys(tokens: Tokens) -> list[Found]:
    """Every key named in the doc, left to right, normalised ("A", "Bb major", "E minor")."""
    found = scan(tokens, _key_at)
    for key in list(found):
        if tokens.lower_at(key.start - 1) == "from" and tokens.lower_at(key.end) == "to":
            second = _second_key(tokens, key.end)  # "from G to A"
            found.extend([second, *_listed_after(tokens, second.end)] if second else [])
        else:
            found.extend(_listed_after(tokens, key.end) or _relative_second(tokens, key))
    return sorted(found, key=lambda f: f.start)


def _relative_second(tokens: Tokens, key: Found) -> list[Found]:
    """The second key of a relative pair ("A minor and C major ... relative keys")."""
    if _relative_pair(tokens, key.start) is None:
        return []
    named = _note_and_mode(tokens, key.end + 1)
    if named is None or " " not in named[0]:
        return []
    return [Found(key.end + 1, named[1], LABEL, named[0])]


def _key_name(tokens: Tokens, i: int) -> tuple[str, int] | None:
    """A capital note with its mode, if said ("B flat", "G major"), and its end."""
    if i >= tokens.n or (tokens.text[i] not in NOTE_LETTERS and len(tokens.text[i]) != 2):
        return None
    named = _note_and_mode(tokens, i)
    if named is None:
        return None
    name, end = named
    if (
        end < tokens.n
        and not _bare_key_end(tokens, end)
        and tokens.lower_at(end) not in (_LIST_LINKS | {"to", "in", "since", "mostly", "so"})
    ):
        return None
    return None if tokens.lower_at(end) in _NOT_KEY_NEXT else (name, end)


def _listed_after(tokens: Tokens, end: int) -> list[Found]:
    """The keys that follow a key in a list: "in B flat and F and E flat"."""
    found: list[Found] = []
    while True:
        k = end
        while k < tokens.n and tokens.lower_at(k) in _LIST_LINKS and k - end < 3:
            k += 1
        named = _key_name(tokens, k) if k > end else None
        if named is None or tokens.glued(k):
            return found
        found.append(Found(k, named[1], LABEL, named[0]))
        end = named[1]


def _note(tokens: Tokens, i: int, lowercase_ok: bool) -> tuple[str, int] | None:
    """A note name at ``i``; also a lowercase letter ("a minor") where ``lowercase_ok``."""
    text = tokens.text[i] if i < tokens.n else ""
    if not (lowercase_ok and len(text) == 1 and text in "abcdefg"):
        return note_at(tokens, i)
    k = tokens.next_word(i + 1)
    accidental = ACCIDENTAL_WORDS.get(tokens.lower_at(k))
    if accidental:
        return text.upper() + accidental, k + 1
    return text.upper(), i + 1


def _mode_at(tokens: Tokens, k: int) -> str:
    return _MODES.get(tokens.lower_at(tokens.next_word(k)), "")


def _key_at(tokens: Tokens, i: int) -> Found | None:
    word = tokens.lower_at(i)
    if word in _KEY_WORDS and tokens.lower_at(i + 1) == "of":
        return _key_of(tokens, i)
    if word in _KEY_WORDS and tokens.lower_at(i + 1) == "like":
        return _found(tokens, i + 2)  # "flat keys like F, B flat and E flat"
    if word in ("is", "'s") and _key_asked(tokens, i):
        return _found(tokens, i + 1)  # "the key is G", "what key is it in? it's D"
    if word == "from" and tokens.lower_at(i - 1) == "borrowed":
        return _found(tokens, i + 1)  # "borrowed from D minor"
    if word == "from" and _near_words(tokens, i, _FROM_TO_CUES, 20):
        return _from_to(tokens, i)
    if word in ("as", "of") and "notes" in tokens.lower[max(0, i - 3) : i]:
        return _found(tokens, i + 1)  # "the same notes as C major", "the notes of G"
    if word == "to" and _to_key(tokens, i):
        return _found(tokens, i + 1)
    if word == "in":
        return _in_key(tokens, i)
    if i < tokens.n and tokens.text[i][:1] in NOTE_LETTERS:
        return _named_key(tokens, i) or _relative_pair(tokens, i)
    return None


def _relative_pair(tokens: Tokens, i: int) -> Found | None:
    """ "A minor and C major share the same notes, they're relative keys": a note with its
    mode, then "and", with "relative keys" or "parallel keys" said later in the sentence (the
    key listed after it follows from the list)."""
    named = _note_and_mode(tokens, i)
    if named is None or " " not in named[0] or tokens.lower_at(named[1]) != "and":
        return None
    window = tokens.lower[named[1] : min(tokens.n, named[1] + 16)]
    for a, b in pairwise(window):
        if a in (".", "?", "!"):
            return None
        if a in ("relative", "parallel") and b in _KEY_WORDS:
            return Found(i, named[1], LABEL, named[0])
    return None


def _key_of(tokens: Tokens, i: int) -> Found | None:
    """ "key of A", "key of B flat", "key of E minor": from "key" to the end."""
    named = _note_and_mode(tokens, i + 2)
    return None if named is None else Found(i, named[1], LABEL, named[0])


def _note_and_mode(tokens: Tokens, i: int) -> tuple[str, int] | None:
    """A note at ``i`` with its mode when one is said ("B flat", "E minor"), and its end."""
    note = note_at(tokens, i)
    if note is None:
        return None
    name, end = note
    mode = _mode_at(tokens, end)
    if mode:
        return f"{name} {mode}", tokens.next_word(end) + 1
    return name, end


def _in_key(tokens: Tokens, i: int) -> Found | None:
    """ "in E minor", "in a minor", "in G" (then punctuation or "and", "instead", ...): the
    key's words without "in"."""
    j = i + 1
    if tokens.lower_at(j) == "the":
        return None  # "in the A string", "in the key of" (found at "key")
    note = _note(tokens, j, lowercase_ok=True)
    if note is None or arpeggios_listed(tokens, j):
        return None
    name, end = note
    mode = _mode_at(tokens, end)
    lowercase = tokens.text[j][:1].islower()
    if mode:
        after = tokens.next_word(end) + 1
        if tokens.lower_at(after) in _NOT_KEY_NEXT:
            return None
        if lowercase and not _bare_key_end(tokens, after):
            return None  # "in a major key", "in a minor way": the article
        if tokens.lower_at(after) in _KEY_WORDS:
            after += 1
        return Found(j, after, LABEL, f"{name} {mode}")
    if lowercase or not _bare_key_end(tokens, end) or tokens.lower_at(i - 1) in _ROOTED:
        return None  # "the minor pentatonic in A": the scale's root, said with the scale
    return Found(j, end, LABEL, name)


def arpeggios_listed(tokens: Tokens, j: int) -> bool:
    """ "the arpeggios in A minor, G, and F": after "arpeggios in" (or "triads in") a list of
    chords, not a key; ``j`` is the first name."""
    if tokens.lower_at(j - 1) != "in" or tokens.lower_at(j - 2) not in _CHORDAL:
        return False
    named = _note_and_mode(tokens, j)
    first_end = named[1] if named else j + 1
    k = first_end
    while tokens.lower_at(k) in _LIST_LINKS and tokens.lower_at(k) != "in":
        k += 1
    return k > first_end and note_at(tokens, k) is not None


def _found(tokens: Tokens, i: int) -> Found | None:
    named = _key_name(tokens, i)
    return None if named is None else Found(i, named[1], LABEL, named[0])


def _from_to(tokens: Tokens, i: int) -> Found | None:
    """ "from G to A" near "transpose" or "key": the first key (the second is listed)."""
    named = _key_name(tokens, i + 1)
    if named is None or tokens.lower_at(named[1]) != "to" or _second_key(tokens, named[1]) is None:
        return None
    return Found(i + 1, named[1], LABEL, named[0])


def _second_key(tokens: Tokens, to: int) -> Found | None:
    """The key after "from G to" at ``to``: a note (with its mode) that no chord or scale
    word follows, whatever else does ("from G to A everything goes up")."""
    named = _note_and_mode(tokens, to + 1)
    if named is None or tokens.glued(to + 1) or tokens.lower_at(named[1]) in _NOT_KEY_NEXT:
        return None
    return Found(to + 1, named[1], LABEL, named[0])


def _key_asked(tokens: Tokens, i: int) -> bool:
    """ "the key is", "what key is it in? it's": "key" just before, or a question about it."""
    if tokens.lower_at(i - 1) in _KEY_WORDS:
        return True
    if tokens.lower_at(i - 1) in _MODES and tokens.lower_at(i - 2) in ("relative", "parallel"):
        return True  # "the relative major is G"
    window = tokens.lower[max(0, i - 6) : i]
    return "?" in window and any(word in _KEY_WORDS for word in window)


def _to_key(tokens: Tokens, i: int) -> bool:
    """ "modulates to D", "drop it to A", "jumps up to G": a verb of changing key before."""
    window = [tokens.lower_at(k) for k in range(max(0, i - 3), i)]
    return any(word in _TO_KEY_VERBS for word in window)


def _near_words(tokens: Tokens, i: int, words: frozenset[str], span: int) -> bool:
    lo, hi = max(0, i - span), min(tokens.n, i + span + 1)
    return any(tokens.lower[k] in words for k in range(lo, hi))


def _bare_key_end(tokens: Tokens, end: int) -> bool:
    if end >= tokens.n:
        return True
    return tokens.is_punct(end) or tokens.lower_at(end) in _BARE_KEY_NEXT


def _named_key(tokens: Tokens, i: int) -> Found | None:
    """ "A minor key", "the E major key": note, mode and "key"."""
    note = note_at(tokens, i)
    if note is None:
        return None
    name, end = note
    mode = _mode_at(tokens, end)
    k = tokens.next_word(end) + 1 if mode else end
    if mode and relative(tokens, i) and tokens.lower_at(k) not in _NOT_KEY_NEXT:
        return Found(i, k, LABEL, f"{name} {mode}")
    if tokens.lower_at(k) not in _KEY_WORDS or tokens.lower_at(k + 1) == "signature":
        return None
    return Found(i, k + 1, LABEL, f"{name} {mode}" if mode else name)


def relative(tokens: Tokens, i: int) -> bool:
    """ "the relative minor of C major", "the parallel minor is A minor": keys named as
    each other's relative or parallel."""
    before = tokens.lower_at(i - 1)
    if before == ",":  # "goes to the relative minor, F sharp minor"
        return tokens.lower_at(i - 3) in ("relative", "parallel")
    if before not in ("of", "is", "'s"):
        return False
    return any(tokens.lower_at(k) in ("relative", "parallel") for k in range(max(0, i - 7), i))
