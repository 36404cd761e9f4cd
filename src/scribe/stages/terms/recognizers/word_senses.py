"""More everyday senses of lexicon terms, read from the words around a match:

- "play it by ear and see": the idiom for "decide later", not playing by ear;
- "your wrist is bending", "bent elbow": a body part bending, not a string bend;
- "the new strings are still stretching": strings settling in, not a finger stretch;
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
    if text in _BENDS and span.label_ == "articulation":
        return any(w in _BENDING_BODY for w in before)
    if text == "stretching" and span.label_ == "technique":
        window = [t.lower_ for t in doc[max(0, span.start - 6) : span.start]]
        return any(w in _STRING_WORDS for w in window)
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
