"""Everyday senses of one-word lexicon terms: "take a break", "a panic attack", "in action",
"the tone of your voice", "cross that bridge", "my neck hurts", "keep tabs on it".

Many lexicon words are terms in a lesson and everyday words elsewhere. A one-word match is
dropped when the words around it show the everyday sense:

- a verb where the term is a noun (``NOUN_ONLY``: "fill the gap", "attack the problem", "you
  fret the note"; ``VERB_S``: "the add nine sparkles"), also in a term of several words
  ("build up slowly", "when the chord changes on the offbeat");
- a word before or after it that makes the everyday phrase (``NOT_AFTER``, ``NOT_BEFORE``:
  "panic attack", "traffic jam", "action movie", "counting on");
- "<word> of/from <noun>" where the noun is not a music word ("the tone of voice", "the
  bridge of my nose", "the crunch of the snow"; but "the attack of the note");
- body talk around "neck" and "tension" ("my neck is killing me", "tension in your
  shoulders");
- no music cue within a few words (``NEEDS_CUE``: "a little warmth goes a long way", "a
  southern twang"): a cue is another term or a word in ``MUSIC_WORDS``.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Token

# Terms as nouns only: the verb is the everyday word ("fill the gap", "attack the problem").
NOUN_ONLY = frozenset(
    {"fill", "fills", "drive", "drives", "hook", "hooks", "bite", "build", "gain", "hum"}
    | {"attack", "tone", "shuffle", "rock", "pop", "surf", "pitch", "progression", "fret"}
    | {"pulse", "pulses", "boost", "tag", "rig", "pocket", "drone", "tie"}
)
# A sound word with a verb's "s" after no article or adjective: "the add nine sparkles".
VERB_S = frozenset(
    {"sparkles", "shimmers", "pulses", "growls", "chimes", "hums", "bites", "buzzes"}
)
# The last word of a term that is also a verb: "when the chord changes on the offbeat".
_VERB_LAST = frozenset({"changes", "change", "fills", "fill"})
_ARTICLES = frozenset({"a", "an", "the", "this", "that", "my", "your", "his", "her", "our"})
_POSSESSIVE = frozenset({"my", "your", "his", "her", "their", "our"})
# The word before that makes the everyday phrase.
NOT_AFTER: dict[str, frozenset[str]] = {
    "action": frozenset(
        {"in", "take", "took", "taking", "takes", "into", "of", "legal", "picking", "wrist"}
        | {"strumming", "hand", "arm", "plucking", "pendulum", "swift", "immediate"}
    ),
    "feedback": frozenset({"your", "any", "some", "for", "me", "us", "thanks", *_POSSESSIVE}),
    "attack": frozenset({"heart", "panic", "anxiety", "shark", "terror", "asthma"}),
    "tone": frozenset({"ring", "dial", "skin", "muscle", "set", "sets", "setting", "two"}),
    "drive": frozenset({"long", "short", "hard", "external", "usb", "flash", "thumb", "test"}),
    "bite": frozenset({"quick", "mosquito", "insect", "dog", "snake", "grab"}),
    "gain": frozenset({"to", "weight", "no", "financial"}),
    "chorus": frozenset({"in", "church", "school", "dawn", "gospel", "community", "children"}),
    "jam": frozenset({"traffic", "strawberry", "raspberry", "paper", "apricot"}),
    "tonic": frozenset({"and"}),
    "nut": frozenset({"tough", "hard", "health", "fitness", "jack", "hex", "wing", "lock"}),
    "cab": frozenset({"taxi"}),
    "speaker": frozenset({"guest", "keynote", "public", "motivational", "native"}),
    # "which is dominant", "more dominant": the adjective, not the fifth degree's function
    "dominant": frozenset({"is", "'s", "are", "was", "more", "most", "very", "less", "quite"}),
    "tension": frozenset({"neck", "spring", "truss", "muscle", "hand", "wrist", "arm"}),
    "tapping": frozenset({"foot", "feet", "toe", "toes"}),
    "dynamics": frozenset({"group", "family", "power", "team", "social", "class", "band"}),
    "intervals": frozenset({"regular", "short", "long", "set", "fixed", "random"}),
    "interval": frozenset({"regular", "short", "long", "set", "fixed", "random", "time"}),
    "theory": frozenset({"my", "his", "her", "their", "conspiracy", "in", "a"}),
    "tabs": frozenset({"keep", "keeps", "kept", "keeping", "browser"}),
    "tab": frozenset({"new", "browser", "another", "next", "other"}),
    "forte": frozenset(_POSSESSIVE),
    "pitch": frozenset({"sales", "elevator", "football", "soccer", "cricket"}),
    "progression": frozenset({"career", "natural", "logical"}),
    "staff": frozenset({"hospital", "shop", "office", "school", "support", "sales"}),
    "country": frozenset({"this", "the", "that", "every", "whole", "other", "our", "own"}),
    "funk": frozenset({"a"}),
    "accent": frozenset({"thick", "british", "american", "regional", "foreign"}),
    "twang": frozenset({"southern", "texan", "slight"}),
    "setup": frozenset({"camera", "mic", "microphone", "recording", "desk", "home", "office"}),
    "shuffle": frozenset({"to", "'ll", "will"}),
    "relief": frozenset({"a", "what", "comic", "pain", "such", "huge", "big", "sigh"}),
    "tag": frozenset({"price", "name", "dog", "gamer", "hash", "laser", "luggage", "play"}),
    "rig": frozenset({"oil", "drilling", "lighting", "camera", "test"}),
    "pocket": frozenset({"back", "front", "jeans", "coat", "shirt", "trouser", *_POSSESSIVE}),
    "pot": frozenset({"tea", "coffee", "flower", "crack", "honey", "melting", "jackpot"}),
    "waist": frozenset(_POSSESSIVE),
    "drone": frozenset({"camera", "police", "military", "delivery", "spy"}),
    "tie": frozenset({"bow", "neck", "cable", "zip", "a", *_POSSESSIVE}),
}
# Two words before: "set the tone", "take a cab", "grab a bite".
NOT_TWO_AFTER: dict[str, frozenset[str]] = {
    "tone": frozenset({"set", "sets", "setting", "lower", "lowering"}),
    "cab": frozenset({"take", "took", "call", "get", "got", "grab", "hail", "book"}),
    "bite": frozenset({"grab", "grabbed", "quick", "have"}),
    "bridge": frozenset({"cross", "crossed", "crossing", "burn"}),
    "nut": frozenset({"tighten", "tightening", "tightened", "loosen", "loosening", "loosened"}),
}
# The word after that makes the everyday phrase ("action movie", "counting on you").
NOT_BEFORE: dict[str, frozenset[str]] = {
    "action": frozenset({"movie", "movies", "film", "films", "figure", "figures", "plan"}),
    "counting": frozenset({"on", "down", "sheep", "calories"}),
    "bite": frozenset({"to", "sized", "size"}),
    "fill": frozenset({"in", "out", "up", "the", "it", "them", "this", "that", "your"}),
    "swing": frozenset({"by", "round", "around", "past"}),
    "pitch": frozenset({"in", "black", "dark"}),
    "tabs": frozenset({"on"}),
    "tab": frozenset({"key", "in"}),
    "staff": frozenset({"at", "member", "members", "room", "meeting"}),
    "nut": frozenset({"allergy", "allergies", "to", "butter", "case", "job"}),
    "resolve": frozenset({"this", "that", "these", "those", "any", "issues", "conflicts"}),
    "sustain": frozenset({"an", "a", "injury", "injuries", "damage"}),
    "cab": frozenset({"driver", "ride", "fare", "home"}),
    "speaker": frozenset({"at", "said", "says", "talked"}),
    "drive": frozenset({"home", "there", "back", "over"}),
    "progression": frozenset({"as"}),
    "theory": frozenset({"that"}),
    "metal": frozenset(
        {"ruler", "plate", "bar", "part", "parts", "box", "frame", "tube", "screw", "screws"}
        | {"object", "thing", "things", "detector", "slide", "piece", "pieces", "strings"}
    ),
    "tapping": frozenset({"your", "my", "his", "her", "the", "along", "on"}),
    "dominant": frozenset({"hand", "side", "eye", "foot", "player", "force"}),
    "slide": frozenset({"the", "your", "it", "over", "in", "down"}),
    "bend": frozenset({"your", "the", "over", "down"}),
    "sweep": frozenset({"the", "up"}),
    "pop": frozenset({"in", "the", "on", "out", "up", "over", "by", "it", "quiz"}),
    "surf": frozenset({"the", "board", "web"}),
    "rock": frozenset({"the", "your", "back", "it", "bottom", "solid"}),
    "crunch": frozenset({"time"}),
    "bridge": frozenset({"between", "the", "that", "this", "over"}),
    "relief": frozenset({"from", "when", "that", "to"}),
    "fundamental": frozenset({"thing", "things", "skill", "skills", "idea", "part", "point"}),
    # "solo" as "alone": "a solo arrangement", "her solo career"
    "solo": frozenset({"arrangement", "arrangements", "piece", "pieces", "album", "albums"})
    | {"career", "artist", "artists", "act", "performance", "project", "record", "acoustic"}
    | {"guitarist", "guitarists", "version", "versions"},
    "delay": frozenset({"between"}),  # "the delay between playing and hearing it"
}
# The noun after "slide the", "bend your", "sweep the": everyday unless a string word.
_STRING_WORDS = frozenset({"string", "strings", "note", "notes", "chord", "chords", "pick"})
_DEGREE_WORDS = frozenset(
    {"third", "fifth", "seventh", "root", "minor", "major", "tension", "dominant", "tonic"}
)
# "<word> of/from <noun>": a term only when the noun is one of these.
OF_WORDS = frozenset(
    {"tone", "attack", "bridge", "presence", "crunch", "warmth", "root", "timing", "buzz"}
    | {"hum", "mud", "twang", "clarity", "bite", "tension", "pitch", "action", "sustain"}
    | {"verse", "chorus", "feedback"}
)
MUSIC_WORDS = frozenset(
    {
        "note",
        "notes",
        "song",
        "songs",
        "tune",
        "tunes",
        "guitar",
        "guitars",
        "bass",
        "amp",
        "amps",
        "string",
        "strings",
        "chord",
        "chords",
        "pick",
        "picking",
        "track",
        "pedal",
        "pedals",
        "instrument",
        "piece",
        "riff",
        "solo",
        "melody",
        "sound",
        "sounds",
        "play",
        "playing",
        "played",
        "plays",
        "strum",
        "fret",
        "frets",
        "pickup",
        "pickups",
        "knob",
        "amp's",
        "music",
        "scale",
        "band",
        "mix",
        "speaker",
        "cabinet",
        "fingers",
        "record",
        "recording",
        "neck",
        "bridge",
        "body",
        "chorus",
        "verse",
        "section",
        "part",
        "lick",
        "phrase",
        "dominant",
        "tonic",
        "chord's",
        "voicing",
        "interval",
        "key",
        "tone",
        "channel",
        "distortion",
        "overdrive",
        "fuzz",
        "volume",
        "treble",
        "eq",
        "shape",
        "shapes",
        "triad",
        "arpeggio",
        "mode",
        "lines",
        "run",
        "bend",
        "humbucker",
        "plectrum",
    }
)
# Without a music cue within this many words either side, these are everyday words.
NEEDS_CUE = frozenset(
    {"warmth", "presence", "clarity", "mud", "twang", "buzz", "crunch", "harsh", "bite"}
    | {"attack", "action", "gain", "drive", "hum", "tension", "pitch", "setup", "sustain"}
    | {"dynamics", "accent", "swing", "shuffle", "resolve", "phrase", "counting"}
    | {"staff", "cab", "speaker", "root", "fundamental", "sag", "maintenance", "boost"}
    | {
        "dominant",
        "hook",
        "hooks",
        "tag",
        "tags",
        "rig",
        "pot",
        "pots",
        "waist",
        "pocket",
        "drone",
        "tie",
        "ties",
    }
)
_CUE_WINDOW = 16
# Adjectives too: before a noun they are the everyday word ("the fundamental thing").
_ADJ_TOO = frozenset({"fundamental", "dominant"})
# Words that are cues for one term only: "the action is low", "a softer attack".
_OWN_CUES: dict[str, frozenset[str]] = {
    "action": frozenset({"low", "high", "lower", "raise", "higher", "adjust", "height"}),
    "attack": frozenset({"soft", "softer", "hard", "harder", "sharp", "percussive"}),
}
_TEMPO_FEELS = frozenset({"shuffle", "swing"})
_NOUN_BEFORE = _ARTICLES | {"little", "quick", "short", "big", "simple", "small", "drum"}
_CRITICISM = frozenset({"feedback", "criticism", "comment", "comments", "words", "fair"})
# "<word> in <noun>": "a gain in confidence".
_IN_WORDS = frozenset({"gain"})
_SAYING = frozenset({"say", "says", "said", "saying", "use", "uses", "used", "hear", "heard"})
_GENRE_NEXT = frozenset(
    {"style", "feel", "licks", "lick", "player", "players", "singer", "records", "version"}
    | {"versions", "bends", "vibe", "flavour", "flavor"}
)
_BODY = frozenset(
    {"hurts", "hurt", "hurting", "killing", "pain", "sore", "stiff", "ache", "aches"}
    | {"shoulder", "shoulders", "back", "arm", "arms", "forearm", "jaw", "body", "muscle"}
    | {"muscles", "breathe", "relax", "nose", "crane", "craning", "injury", "massage"}
)
_MAINTENANCE = frozenset(
    {"action", "relief", "intonation", "truss", "luthier", "saddle", "saddles", "nut"}
    | {"buzz", "strings", "frets", "done", "pro", "proper", "good", "basic", "full", "neck"}
)


def everyday_phrase(doc: Doc, start: int, end: int, cues: set[int]) -> bool:
    """Whether a match of several words ends in an everyday "of" phrase ("your tone of
    voice"), or is a verb phrase where the term is a noun: its first word a verb after no
    article ("build up slowly"), or its last ("when the chord changes on the offbeat")."""
    first, final = doc[start], doc[end - 1]
    before = doc[start - 1].lower_ if start else ""
    if first.lower_ in NOUN_ONLY and first.pos_ == "VERB" and before not in _ARTICLES:
        return True
    if final.lower_ in _VERB_LAST and final.pos_ == "VERB":
        return True
    after = doc[end].lower_ if end < len(doc) else ""
    return (
        final.lower_ in OF_WORDS and after in ("of", "from") and not _of_music(doc, end + 1, cues)
    )


def everyday(doc: Doc, i: int, cues: set[int]) -> bool:
    """Whether the one-word match at ``i`` is the everyday word, not the term; ``cues`` are
    the indices of tokens inside other, unambiguous terms."""
    token = doc[i]
    word = token.lower_
    stem = word[:-1] if word.endswith("s") and word[:-1] in NOT_AFTER else word
    before = doc[i - 1].lower_ if i else ""
    k = i + 2 if doc[i + 1 : i + 2].text in ("-", "–") else i + 1  # "a fill-in teacher"
    after = doc[k].lower_ if k < len(doc) else ""
    if word in NOUN_ONLY and token.pos_ in ("VERB", "AUX") and before not in _ARTICLES:
        return True
    if word in VERB_S and before not in _NOUN_BEFORE and (not i or doc[i - 1].pos_ != "ADJ"):
        return True  # "it sparkles on top", "the effect pulses the volume"
    if word == "feedback" and before == "the" and i > 1:
        before = doc[i - 2].lower_  # "thanks for the feedback"
    two_before = doc[i - 2].lower_ if i > 1 else ""
    if two_before in NOT_TWO_AFTER.get(word, ()) and before in _ARTICLES:
        return True
    noun = word in NOUN_ONLY and before in _NOUN_BEFORE and k == i + 1  # "a fill in every gap"
    if before in NOT_AFTER.get(stem, ()) or (after in NOT_BEFORE.get(word, ()) and not noun):
        return not _object_is_musical(doc, i, word)
    if word in _IN_WORDS and after == "in" and not _of_music(doc, i + 2, cues):
        return True
    if word in ("harsh", "harshness") and _near(doc, i, _CRITICISM, 6):
        return True  # "his feedback was harsh but fair"
    if word in ("accent", "twang") and i > 1 and doc[i - 1].text.istitle():
        return True  # "an Irish accent"
    if word == "phrase" and _near_after(doc, i, _SAYING, 6):
        return True  # "a phrase my teacher used to say"
    if word in _ADJ_TOO and token.pos_ == "ADJ" and doc[i + 1 : i + 2].text.isalpha():
        return doc[i + 1].pos_ == "NOUN"  # "the fundamental thing", "your dominant hand"
    if word in OF_WORDS and after in ("of", "from") and not _of_music(doc, i + 2, cues):
        return True
    if word in ("neck", "tension") and _near(doc, i, _BODY, 4):
        return True
    if word == "setup" and before in _POSSESSIVE and not _near(doc, i, _MAINTENANCE, 8):
        return True  # "my setup" is the rig
    if word in _TEMPO_FEELS and after == "at" and doc[k + 1 : k + 2].text.isdigit():
        return False  # "the shuffle at 90": a feel at a tempo
    if word in NEEDS_CUE and _near(doc, i, _OWN_CUES.get(word, frozenset()), 4):
        return False  # "the action is low"
    return word in NEEDS_CUE and not _has_cue(doc, i, cues)


def _object_is_musical(doc: Doc, i: int, word: str) -> bool:
    """ "slide the capo" is everyday, "bend the string" is the term: for the verbs whose
    everyday sense ``NOT_BEFORE`` catches by a determiner, a string word saves them; a music
    noun right after saves any word ("the country sound", "this country song")."""
    if i + 1 < len(doc) and doc[i + 1].lower_ in MUSIC_WORDS | _GENRE_NEXT:
        return True
    if word not in ("slide", "bend", "sweep", "tapping", "fill", "resolve", "sustain"):
        return False
    window = [t.lower_ for t in doc[i + 1 : i + 4]]
    return any(w in _STRING_WORDS or w in _DEGREE_WORDS for w in window)


def _of_music(doc: Doc, k: int, cues: set[int]) -> bool:
    """Whether the noun phrase from ``k`` ("the song", "a note", "my nose") names music."""
    for token in doc[k : k + 4]:
        if token.i in cues or _cue_word(token) or token.lower_ in ("one", "ones"):
            return True
        if token.pos_ in ("NOUN", "PROPN"):
            return False
    return False


def _near_after(doc: Doc, i: int, words: frozenset[str], window: int) -> bool:
    return any(t.lower_ in words for t in doc[i + 1 : i + 1 + window])


def _near(doc: Doc, i: int, words: frozenset[str], window: int) -> bool:
    lo, hi = max(0, i - window), min(len(doc), i + window + 1)
    return any(doc[k].lower_ in words for k in range(lo, hi) if k != i)


def _has_cue(doc: Doc, i: int, cues: set[int]) -> bool:
    lo, hi = max(0, i - _CUE_WINDOW), min(len(doc), i + _CUE_WINDOW + 1)
    return any(k in cues or _cue_word(doc[k]) for k in range(lo, hi) if k != i)


_CHORD_SYMBOL = re.compile(r"[A-G][#b♯♭]?(?:m|maj|min|dim|aug|sus)?\d*")


def _cue_word(token: Token) -> bool:
    """A music word, or a chord symbol or note letter ("G7", "C", "F#m")."""
    return token.lower_ in MUSIC_WORDS or bool(_CHORD_SYMBOL.fullmatch(token.text))


# Every word some rule above reads: as a cue for the others, these do not count.
AMBIGUOUS = frozenset(
    NOUN_ONLY | set(NOT_AFTER) | set(NOT_BEFORE) | set(NOT_TWO_AFTER) | OF_WORDS | NEEDS_CUE
)
