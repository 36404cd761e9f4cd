"""Words the lexicon files under one category that name gear, or a part, in some contexts.

- "chorus" and "modulation" are effects when said as the effect ("chorus, the effect") or
  in a chain of effects ("then overdrive, then modulation, then delay"); elsewhere they stay
  the song section and the key change ("verse, chorus, bridge", "a quick modulation").
- "tuners" are the guitar's tuning pegs beside words about pegs and winding ("the tuning
  pegs, or tuners, you wind the string"); elsewhere they stay the electronic tuner.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

_EFFECTS = {"chorus": "chorus pedal", "modulation": "modulation effects"}
_EFFECT_WORDS = frozenset({"effect", "effects", "pedal", "pedals", "stompbox", "unit"})
_TO_EFFECT = frozenset({",", "the", "a", "an", "on", "this", "that", "my", "your", "from"})
# Between two items of a chain: "the tuner, then compressor, then wah".
_CHAIN_LINKS = frozenset({",", "then", "and", "or", "into", "the", "a", "some", "&"})
_PEG_WORDS = frozenset(
    {"peg", "pegs", "post", "posts", "wind", "winding", "wraps", "machine", "machines"}
    | {"locking"}
)
_PEG_WINDOW = 8


def gear_sense(doc: Doc, span: Span, spans: list[Span]) -> Span:
    """``span`` as gear or a part where the words around it say so (see the module), else
    ``span`` itself; ``spans`` are all the entities of ``doc``, in text order."""
    word = span.text.lower()
    effect = span.label_ in ("form", "theory") and word in _EFFECTS
    if effect and (_said_as_effect(doc, span) or _in_chain(doc, span, spans)):
        return Span(doc, span.start, span.end, label="gear", span_id=_EFFECTS[word])
    if span.label_ == "gear" and word == "tuners" and _near_pegs(doc, span):
        return Span(doc, span.start, span.end, label="anatomy", span_id="tuning pegs")
    return span


def _said_as_effect(doc: Doc, span: Span) -> bool:
    """ "chorus, the effect", "the chorus on this pedal": an effect word right after, across
    a comma, "on" and a determiner."""
    k = span.end
    while k < len(doc) and doc[k].lower_ in _TO_EFFECT and k - span.end < 3:
        k += 1
    return k < len(doc) and k > span.end and doc[k].lower_ in _EFFECT_WORDS


def _in_chain(doc: Doc, span: Span, spans: list[Span]) -> bool:
    """Whether the entity next to ``span`` on either side, with only commas, "then", "and"
    and articles between, is gear."""
    for other in spans:
        if other.label_ != "gear" or other is span:
            continue
        lo, hi = (other.end, span.start) if other.end <= span.start else (span.end, other.start)
        between = [t.lower_ for t in doc[lo:hi]]
        if 0 < len(between) <= 3 and all(w in _CHAIN_LINKS for w in between):
            return True
    return False


def _near_pegs(doc: Doc, span: Span) -> bool:
    lo, hi = max(0, span.start - _PEG_WINDOW), min(len(doc), span.end + _PEG_WINDOW)
    return any(doc[k].lower_ in _PEG_WORDS for k in range(lo, hi) if not span.start <= k < span.end)
