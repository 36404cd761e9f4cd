"""More everyday senses of lexicon terms, read from the words around a match:

- "play it by ear and see": the idiom for "decide later", not playing by ear;
- "your wrist is bending", "bent elbow": a body part bending, not a string bend;
- "the new strings are still stretching": strings settling in, not a finger stretch;
- "bent" alone is a bent note only with a pitch after it or a note before it ("the third
  bent slightly sharp", "bent up a whole step"), not "a bent neck" or "bent over";
- "standard" alone is standard tuning only after "in", "from", "to" or "back to" with a
  tuning word in the sentence ("play it in standard", "from standard, drop the low E"), not
  "a standard pick" or "pretty standard";
- "he played left-handed, which ...": the player's hand, not a left-handed guitar (a noun
  after it keeps the gear: "a left-handed Strat");
- "dirt in the pot": dust in a part, not a dirty tone;
- "chuck it in the bin": the verb, not the percussive strum;
- "om" written in lowercase: not the OM body size;
- "strap yourself in": the verb, not a guitar strap.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

_BENDS = frozenset({"bend", "bends", "bending", "bent"})
_BENDING_BODY = frozenset(
    {"wrist", "wrists", "elbow", "elbows", "knee", "knees", "arm", "arms", "spine", "body"}
    | {"back", "legs", "leg"}
)
_STRING_WORDS = frozenset({"string", "strings"})
_STRETCH_WINDOW = 8
# After "bent": how far or how sharp ("bent up a whole step", "bent slightly sharp").
_BENT_AFTER = frozenset(
    {"up", "sharp", "flat", "slightly", "half", "whole", "step", "semitone", "tone", "into"}
    | {"to", "a", "just", "all", "quarter"}
)
# Before "bent": the pitch that bends ("the minor third bent", "that note bent").
_BENT_BEFORE = frozenset(
    {"note", "notes", "third", "fifth", "seventh", "fourth", "second", "sixth", "root"}
    | {"string", "strings", "nine", "ninth", "3rd", "5th", "7th", "4th", "2nd", "6th"}
)
_TUNING_WINDOW = 15
_TO_STANDARD = frozenset({"in", "from", "to"})
_TUNING_WORDS = frozenset(
    {"tuning", "tunings", "tuned", "tune", "retune", "drop", "string", "strings", "capo"}
    | {"seven-string", "eight-string", "baritone", "down", "low", "detune", "dadgad"}
)
_LEFT_HANDED = frozenset({"left handed", "lefty"})
_DUST_AFTER = frozenset({"in", "on", "under", "inside"})
_STRAP_AFTER = frozenset({"in", "yourself", "myself", "himself", "herself", "themselves"})


def everyday_sense(doc: Doc, span: Span) -> bool:
    """Whether the lexicon match ``span`` is, by the words around it, the everyday sense
    (see the module)."""
    text = span.text.lower().replace("-", " ").replace("  ", " ")
    before = [t.lower_ for t in doc[max(0, span.start - 3) : span.start]]
    after = doc[span.end].lower_ if span.end < len(doc) else ""
    if text == "by ear":
        return any(t.lower_ == "see" for t in doc[span.end : span.end + 3])
    if text == "bent" and span.label_ == "articulation":
        return not (after in _BENT_AFTER or (before and before[-1] in _BENT_BEFORE))
    if text in _BENDS and span.label_ == "articulation":
        return any(w in _BENDING_BODY for w in before)
    if text == "stretching" and span.label_ == "technique":
        window = [t.lower_ for t in doc[max(0, span.start - _STRETCH_WINDOW) : span.start]]
        return any(w in _STRING_WORDS for w in window)
    if text == "standard" and span.label_ == "tuning":
        return not _standard_tuning(doc, span)
    if text in _LEFT_HANDED:
        return span.end >= len(doc) or doc[span.end].pos_ not in ("NOUN", "PROPN")
    if text == "dirt":
        return after in _DUST_AFTER
    if text in ("chuck", "chucks"):
        return span[0].pos_ == "VERB" and (not before or before[-1] not in ("a", "the"))
    if text == "om":
        return span[0].text != "OM"
    if text in ("strap", "straps"):
        return after in _STRAP_AFTER or span[0].pos_ == "VERB"
    return False


def _standard_tuning(doc: Doc, span: Span) -> bool:
    """ "in standard", "from standard", "back to standard", with a tuning word within
    ``_TUNING_WINDOW`` words and no noun right after ("to standard practice")."""
    if not span.start or doc[span.start - 1].lower_ not in _TO_STANDARD:
        return False
    if span.end < len(doc) and doc[span.end].pos_ in ("NOUN", "PROPN"):
        return False
    lo, hi = max(0, span.start - _TUNING_WINDOW), min(len(doc), span.end + _TUNING_WINDOW)
    return any(doc[k].lower_ in _TUNING_WORDS for k in range(lo, hi) if k != span.start)
