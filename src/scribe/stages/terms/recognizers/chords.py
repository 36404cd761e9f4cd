"""Chord names, written ("C#m7", "D/F#", "E7#9") or spoken ("C sharp minor seven", "D over F
sharp"), normalised to one chord symbol spelling ("C#m7", "D/F#", "Am7b5", "Eb")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scribe.stages.terms.recognizers._tokens import (
    CHORD_WORDS,
    FLAT_SIGNS,
    NOTE_LETTERS,
    SHARP_SIGNS,
    Found,
    Tokens,
    note_at,
    scan,
)
from scribe.stages.terms.recognizers.bare_chords import with_bare_letters
from scribe.stages.terms.recognizers.keys import arpeggios_listed, relative
from scribe.stages.terms.recognizers.note_names import without_notes

LABEL = "chord_name"

_SYMBOL = re.compile(
    r"(?P<root>[A-G])(?P<acc>[#b♯♭])?"
    r"(?P<qual>maj|Maj|MAJ|M|min|mi|m|dim|°|aug|\+|ø)?"
    r"(?P<ext>6/9|13|11|9|7|6|5)?"
    r"(?P<sus>sus[24]?)?"
    r"(?P<add>\(?add(?:9|11|13|2|4)\)?)?"
    r"(?P<alt>(?:\(?[b#♭♯](?:5|9|11|13)\)?)*)"
    r"(?:/(?P<bass>[A-G][#b♯♭]?))?"
)
_SYMBOL_QUALITY = {
    "maj": "maj",
    "Maj": "maj",
    "MAJ": "maj",
    "M": "maj",
    "min": "m",
    "mi": "m",
    "m": "m",
    "dim": "dim",
    "°": "dim",
    "aug": "aug",
    "+": "aug",
    "ø": "hdim",
}
_QUALITY_WORDS = {
    "major": "maj",
    "maj": "maj",
    "minor": "m",
    "min": "m",
    "diminished": "dim",
    "dim": "dim",
    "augmented": "aug",
    "aug": "aug",
    "dominant": "dom",
    "dom": "dom",
}
_EXTENSIONS = {
    **dict.fromkeys(["six", "sixth", "6", "6th"], "6"),
    **dict.fromkeys(["seven", "seventh", "7", "7th"], "7"),
    **dict.fromkeys(["nine", "ninth", "9", "9th"], "9"),
    **dict.fromkeys(["eleven", "eleventh", "11", "11th"], "11"),
    **dict.fromkeys(["thirteen", "thirteenth", "13", "13th"], "13"),
}
_FIVES = frozenset({"five", "5"})
_ALTERED = {
    **dict.fromkeys(["five", "fifth", "5", "5th"], "5"),
    **dict.fromkeys(["nine", "ninth", "9", "9th"], "9"),
    **dict.fromkeys(["eleven", "eleventh", "11", "11th"], "11"),
    **dict.fromkeys(["thirteen", "thirteenth", "13", "13th"], "13"),
}
_SUS_DEGREES = {
    **dict.fromkeys(["two", "2", "second", "2nd"], "sus2"),
    **dict.fromkeys(["four", "4", "fourth", "4th"], "sus4"),
}
_ADD_DEGREES = {
    **dict.fromkeys(["nine", "9", "ninth", "9th"], "add9"),
    **dict.fromkeys(["eleven", "11", "eleventh", "11th"], "add11"),
    **dict.fromkeys(["two", "2", "second", "2nd"], "add2"),
    **dict.fromkeys(["four", "4", "fourth", "4th"], "add4"),
}
_WORD_TOKEN = re.compile(r"(?P<qual>maj|min|m)?(?P<ext>13|11|9|7|6)")
_ALT_TOKEN = re.compile(r"(?P<sign>[b#♭♯])(?P<degree>13|11|9|5)")
_SUS_TOKEN = re.compile(r"sus(?P<degree>[24])?")
_ADD_TOKEN = re.compile(r"add(?P<degree>13|11|9|2|4)")
# A number after a chord that counts something is not part of the chord: "G seven times".
_COUNTED = frozenset(
    {
        "times",
        "time",
        "bars",
        "bar",
        "beats",
        "beat",
        "measures",
        "measure",
        "notes",
        "note",
        "frets",
        "fret",
        "strings",
        "string",
        "seconds",
        "minutes",
        "more",
        "of",
    }
)
# A note name followed by these is a key, scale, tuning or string, not a chord.
_NOT_CHORD_NEXT = frozenset(
    {
        "scale",
        "scales",
        "pentatonic",
        "key",
        "keys",
        "mode",
        "modes",
        "tuning",
        "tunings",
        "standard",
        "string",
        "strings",
        "blues",
        "natural",
        "harmonic",
        "melodic",
        "ionian",
        "dorian",
        "phrygian",
        "lydian",
        "mixolydian",
        "aeolian",
        "locrian",
        "note",
        "notes",
    }
)


_CHORD_NOUNS = frozenset({"triad", "triads", "shape", "shapes"})


@dataclass
class _Chord:
    root: str
    quality: str = ""
    ext: str = ""
    sus: str = ""
    adds: list[str] = field(default_factory=list)
    alts: list[str] = field(default_factory=list)
    bass: str = ""

    def has_detail(self) -> bool:
        return bool(self.quality or self.ext or self.sus or self.adds or self.alts or self.bass)

    def render(self) -> str:
        quality, ext = self.quality, self.ext
        if quality == "hdim":
            body = "m7b5"
        elif quality == "maj":
            body = f"maj{ext}" if ext in ("7", "9", "11", "13") else ext
        elif quality == "m":
            body = f"m{ext}"
        elif quality == "mmaj":
            body = f"m(maj{ext or '7'})"
        elif quality == "dim":
            body = "dim7" if ext == "7" else "dim"
        elif quality == "aug":
            body = f"aug{ext}"
        elif quality == "dom":
            body = ext or "7"
        else:
            body = ext
        bass = f"/{self.bass}" if self.bass else ""
        return self.root + body + self.sus + "".join(self.adds) + "".join(self.alts) + bass


def find_chords(tokens: Tokens) -> list[Found]:
    """Every chord name in the doc, left to right, normalised, with the bare letters the
    context shows are chords ("play the E")."""
    return without_notes(tokens, with_bare_letters(tokens, scan(tokens, _chord_at)))


def _written(tokens: Tokens, i: int) -> tuple[_Chord, int] | None:
    """A chord symbol written as one word ("F#m7", "D/F#", "C7(b9)") starting at ``i``."""
    if not tokens.chunk_start(i) or tokens.text[i][:1] not in NOTE_LETTERS:
        return None
    end = tokens.chunk_end(i)
    for k in range(end, i, -1):
        if not all(tokens.is_punct(m) for m in range(k, end)):
            continue
        match = _SYMBOL.fullmatch("".join(tokens.text[i:k]))
        if match is None:
            continue
        qual, ext = match["qual"], match["ext"] or ""
        if qual == "M" and not ext:
            return None
        sign = match["acc"]
        chord = _Chord(match["root"] + ("" if not sign else "#" if sign in "#♯" else "b"))
        chord.quality = _SYMBOL_QUALITY.get(qual or "", "")
        chord.ext = "" if chord.quality == "hdim" else ext
        chord.sus = "sus4" if match["sus"] == "sus" else match["sus"] or ""
        if match["add"]:
            chord.adds.append(match["add"].strip("()"))
        for alt in re.findall(r"[b#♭♯](?:13|11|9|5)", match["alt"] or ""):
            chord.alts.append(("#" if alt[0] in "#♯" else "b") + alt[1:])
        if match["bass"]:
            bass = match["bass"]
            chord.bass = bass[0] + ("" if len(bass) == 1 else "#" if bass[1] in "#♯" else "b")
        if not (sign or chord.has_detail()):
            return None
        return chord, k
    return None


def _chord_at(tokens: Tokens, i: int) -> Found | None:
    """A chord at ``i``: a written symbol, or a note name (with its accidental) that a quality,
    number, sus, add, alteration or slash bass follows, or that "chord" follows."""
    written = _written(tokens, i)
    if written is not None:
        chord, j = written
    else:
        note = note_at(tokens, i)
        if note is None:
            return None
        chord, j = _Chord(note[0]), note[1]
    end = _tail(tokens, j, chord)
    after = tokens.lower_at(tokens.next_word(end))
    with_accidental = len(chord.root) == 2
    if not (written or with_accidental or end > j or _chord_word(tokens, tokens.next_word(end))):
        return None
    if after in _NOT_CHORD_NEXT or _names_a_key(tokens, i):
        return None
    if written is None and tokens.text[i] == "A" and tokens.sentence_start(i) and end == j:
        return None  # "A chord is…", "A flat pick…": the article
    if tokens.text[i] == "Am" and tokens.text[end : end + 1] == ["I"]:
        return None  # "Am I right?"
    return Found(i, end, LABEL, chord.render())


def _chord_word(tokens: Tokens, k: int) -> bool:
    """ "chord", "triad", "barre chord", "shapes" at ``k``: what makes a letter a chord ("the G
    triad", "the F barre chord", "a lot of F shapes"; the CAGED "E shape" is the lexicon's)."""
    word = tokens.lower_at(k)
    if word in ("barre", "bar"):
        return tokens.lower_at(k + 1) in CHORD_WORDS
    return word in CHORD_WORDS or word in _CHORD_NOUNS


def _names_a_key(tokens: Tokens, i: int) -> bool:
    """ "in the key of G major", "a song in A minor", "the relative minor of C major": a key,
    not a chord."""
    prev = tokens.prev_word(i)
    before = tokens.lower_at(prev)
    keyed = before == "of" and tokens.lower_at(prev - 1) == "key"
    if before == "in" and arpeggios_listed(tokens, i):
        return False  # "the arpeggios in A minor, G and F": chords
    return before == "in" or keyed or relative(tokens, i)


def _counted_next(tokens: Tokens, k: int) -> bool:
    return tokens.lower_at(k + 1) in _COUNTED


def _tail(tokens: Tokens, j: int, chord: _Chord) -> int:
    """Extend the chord over spoken (or split written) quality, extension, sus, add,
    alterations and slash bass; return the end index."""
    while True:
        k = tokens.next_word(j)
        step = _tail_step(tokens, k, chord)
        if step is None:
            return j
        j = step


def _tail_step(tokens: Tokens, k: int, chord: _Chord) -> int | None:
    word, text = tokens.lower_at(k), tokens.text[k] if k < tokens.n else ""
    if not word:
        return None
    nxt = tokens.next_word(k + 1)
    if not chord.quality and not chord.ext:
        if word == "half" and tokens.lower_at(nxt) == "diminished":
            chord.quality = "hdim"
            return nxt + 1
        if word in _QUALITY_WORDS:
            chord.quality = _QUALITY_WORDS[word]
            if chord.quality == "m" and tokens.lower_at(nxt) in ("major", "maj"):
                chord.quality = "mmaj"
                return nxt + 1
            return k + 1
    if not chord.ext:
        if word in _EXTENSIONS and not _counted_next(tokens, k):
            chord.ext = _EXTENSIONS[word]
            if chord.ext == "6" and tokens.lower_at(nxt) in ("nine", "9"):
                chord.ext = "6/9"
                return nxt + 1
            return k + 1
        if (
            word in _FIVES
            and not chord.quality
            and tokens.lower_at(k + 1) in {"power", *CHORD_WORDS}
        ):
            chord.ext = "5"
            return k + 1
        token = _WORD_TOKEN.fullmatch(text)
        if token and not (token["qual"] and chord.quality) and not _counted_next(tokens, k):
            chord.quality = chord.quality or _SYMBOL_QUALITY.get(token["qual"] or "", "")
            chord.ext = token["ext"]
            return k + 1
    if not chord.sus:
        sus = _SUS_TOKEN.fullmatch(word)
        if sus or word == "suspended":
            if sus and sus["degree"]:
                chord.sus = f"sus{sus['degree']}"
                return k + 1
            chord.sus = _SUS_DEGREES.get(tokens.lower_at(nxt), "")
            if chord.sus:
                return nxt + 1
            chord.sus = "sus4"
            return k + 1
    added = _ADD_TOKEN.fullmatch(word)
    if added:
        chord.adds.append(f"add{added['degree']}")
        return k + 1
    if word == "add" and tokens.lower_at(nxt) in _ADD_DEGREES:
        chord.adds.append(_ADD_DEGREES[tokens.lower_at(nxt)])
        return nxt + 1
    if chord.quality or chord.ext:
        alt = _ALT_TOKEN.fullmatch(text)
        if alt:
            sign = "#" if alt["sign"] in SHARP_SIGNS else "b"
            chord.alts.append(sign + alt["degree"])
            return k + 1
        if text == "," and chord.ext:  # Whisper's comma in "C major 7, sharp 11"
            return _spoken_alteration(tokens, k + 1, chord)
        return _spoken_alteration(tokens, k, chord) or _slash_bass(tokens, k, chord)
    return _slash_bass(tokens, k, chord)


def _spoken_alteration(tokens: Tokens, k: int, chord: _Chord) -> int | None:
    """ "sharp eleven", "flat 5", "b9" split from its chord, or "flat, 5" with Whisper's comma
    between sign and degree; the end index once added to ``chord``."""
    word, text = tokens.lower_at(k), tokens.text[k] if k < tokens.n else ""
    if not (word in ("sharp", "flat") or text in SHARP_SIGNS | FLAT_SIGNS):
        return None
    sign = "#" if word == "sharp" or text in SHARP_SIGNS else "b"
    nxt = tokens.next_word(k + 1)
    if tokens.text[nxt : nxt + 1] == [","]:
        nxt += 1
    if tokens.lower_at(nxt) not in _ALTERED:
        return None
    chord.alts.append(sign + _ALTERED[tokens.lower_at(nxt)])
    return nxt + 1


def _slash_bass(tokens: Tokens, k: int, chord: _Chord) -> int | None:
    """ "over F sharp", "slash A": the bass note, once added to ``chord``."""
    word = tokens.lower_at(k)
    if not chord.bass and word in ("over", "slash", "/"):
        bass = note_at(tokens, tokens.next_word(k + 1))
        if bass is not None:
            chord.bass = bass[0]
            return bass[1]
    return None
