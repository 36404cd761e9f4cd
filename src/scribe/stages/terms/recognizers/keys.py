"""Keys: "the key of A" (A), "key of B flat" (Bb), "in E minor" (E minor), "an A minor key"
(A minor), and Whisper's lowercase "in a minor" (A minor)."""

from __future__ import annotations

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
)
# Before "in <note>" these make the note a root, not a key: "the pentatonic scale in A".
_ROOTED = frozenset(
    {"scale", "scales", "pentatonic", "mode", "modes", "arpeggio", "arpeggios", "shape", "box"}
)
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
    return scan(tokens, _key_at)


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
    if word == "in":
        return _in_key(tokens, i)
    if i < tokens.n and tokens.text[i][:1] in NOTE_LETTERS:
        return _named_key(tokens, i)
    return None


def _key_of(tokens: Tokens, i: int) -> Found | None:
    """ "key of A", "key of B flat", "key of E minor": from "key" to the end."""
    note = note_at(tokens, i + 2)
    if note is None:
        return None
    name, end = note
    mode = _mode_at(tokens, end)
    if mode:
        end = tokens.next_word(end) + 1
        name = f"{name} {mode}"
    return Found(i, end, LABEL, name)


def _in_key(tokens: Tokens, i: int) -> Found | None:
    """ "in E minor", "in a minor", "in G" (then punctuation or "and", "instead", ...): the
    key's words without "in"."""
    j = i + 1
    if tokens.lower_at(j) == "the":
        return None  # "in the A string", "in the key of" (found at "key")
    note = _note(tokens, j, lowercase_ok=True)
    if note is None:
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
    if before not in ("of", "is", "'s"):
        return False
    return any(tokens.lower_at(k) in ("relative", "parallel") for k in range(max(0, i - 7), i))
