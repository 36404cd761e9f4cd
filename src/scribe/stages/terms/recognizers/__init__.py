"""Structured music-term recognisers: chord names, chord qualities without a root ("a major
chord"), degree progressions, frets, strings, tunings, time signatures, tempos, keys, scale
degrees and numbered positions, found from spaCy tokens and normalised.

Each recogniser reads the tokens and returns :class:`Found` spans whose ``normalized`` form
("C#m7", "I-IV-V", "fret 5", "low E string", "drop D", "6/8", "90 bpm") becomes the entity's
id, so :class:`~scribe.stages.terms.recognizer.TermRecognizer` reports it as the
occurrence's ``term``.

The ``scribe_music_structures`` pipeline component runs after the lexicon's matcher and
merges both sets of matches: the longest span (in tokens) wins, then the one that starts first,
then the lexicon's; no two entities overlap.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.language import Language
from spacy.tokens import Doc, Span

from scribe.stages.terms.recognizers._tokens import Found, Tokens
from scribe.stages.terms.recognizers.chord_types import find_chord_types
from scribe.stages.terms.recognizers.chords import find_chords
from scribe.stages.terms.recognizers.counting import find_beat_pairs
from scribe.stages.terms.recognizers.degree_chords import find_degree_chords
from scribe.stages.terms.recognizers.degrees import find_degrees
from scribe.stages.terms.recognizers.gear_senses import gear_sense
from scribe.stages.terms.recognizers.keys import find_keys
from scribe.stages.terms.recognizers.meter import find_tempos, find_time_signatures
from scribe.stages.terms.recognizers.positions import (
    NOT_TUNING_NEXT,
    find_frets,
    find_positions,
    find_strings,
    find_tunings,
)
from scribe.stages.terms.recognizers.progressions import find_progressions
from scribe.stages.terms.recognizers.string_names import find_string_names

__all__ = [
    "COMPONENT",
    "STRUCTURED_LABELS",
    "Found",
    "find_structured",
    "merge_entities",
]

COMPONENT = "scribe_music_structures"
STRUCTURED_LABELS = (
    "chord_name",
    "chord",
    "progression",
    "fret",
    "string",
    "tuning",
    "time_signature",
    "tempo",
    "key",
    "degree",
    "position",
)
_RECOGNISERS: tuple[Callable[[Tokens], list[Found]], ...] = (
    find_chords,
    find_chord_types,
    find_progressions,
    find_degree_chords,
    find_frets,
    find_positions,
    find_strings,
    find_string_names,
    find_tunings,
    find_time_signatures,
    find_tempos,
    find_keys,
    find_degrees,
    find_beat_pairs,
)


def find_structured(doc: Doc) -> list[Found]:
    """Every structured match in ``doc``, from all recognisers; they may overlap."""
    tokens = Tokens(doc)
    return [found for recognise in _RECOGNISERS for found in recognise(tokens)]


def merge_entities(doc: Doc, lexicon: list[Span], structured: list[Found]) -> list[Span]:
    """Lexicon entities and structured matches without overlaps, in text order.

    The longest span (in tokens) wins; between spans of the same length the
    one that starts first wins ("G string bend": the string), and on the same span a string
    wins ("2nd fret of the D"), then the lexicon's entity, then a key over a chord name ("from
    G to A" near "transpose").
    A structured tuning that overlaps a lexicon tuning takes the lexicon's canonical form over
    both spans ("drop D flat tuning" → "drop C sharp"). A lexicon "open <note>" tuning followed
    by a chord or string word ("an open E chord", "the open E string"), after "a"/"an"
    with a chord word soon after ("an open G is one of the first chords"), or after "the"
    without "tuning" ("usually the open A"), is dropped.
    "bridge" may become the song's section, and "chorus", "modulation", "tuners" gear or a
    part (:func:`~scribe.stages.terms.recognizers.gear_senses.gear_sense`).
    """
    kept = [span for span in lexicon if not _chord_or_string_not_tuning(doc, span)]
    candidates: list[tuple[Span, int]] = [(span, 0) for span in kept]
    for found in structured:
        span = Span(doc, found.start, found.end, label=found.label, span_id=found.normalized)
        if found.label == "tuning":
            if _chord_or_string_not_tuning(doc, span):
                continue
            span = _merge_tuning(doc, span, kept)
        candidates.append((span, 1))
    candidates.sort(
        key=lambda c: (-len(c[0]), c[0].start, c[0].label_ != "string", c[1], c[0].label_ != "key")
    )
    taken = [False] * len(doc)
    chosen: list[Span] = []
    for span, _ in candidates:
        if any(taken[span.start : span.end]):
            continue
        taken[span.start : span.end] = [True] * len(span)
        chosen.append(span)
    chosen = sorted((part for span in chosen for part in _shape_and_chord(doc, span)), key=_start)
    return [gear_sense(doc, _song_bridge(doc, span, chosen), chosen) for span in chosen]


def _start(span: Span) -> int:
    return span.start


def _shape_and_chord(doc: Doc, span: Span) -> list[Span]:
    """A lexicon chord "E shape barre chord" / "A-shape barre chords" as two terms: the CAGED
    shape (position) and the barre chord (chord), as the labels name each; "E shape" alone or
    "barre chord" alone is left as it is."""
    words = [t.lower_ for t in span]
    if span.label_ != "chord" or "shape" not in words[:3] or words[:1] == ["shape"]:
        return [span]
    cut = span.start + words.index("shape") + 1
    if cut >= span.end or doc[cut].lower_ not in ("barre", "bar", "barred"):
        return [span]
    letter = span[0].text.upper()
    return [
        Span(doc, span.start, cut, label="position", span_id=f"{letter} shape"),
        Span(doc, cut, span.end, label="chord", span_id="barre chord"),
    ]


# "the bridge" is the song's section after these ("in the bridge", "into the bridge").
_SECTION_BEFORE = frozenset({"in", "into", "to", "for", "after", "before", "through", "until"})
_PART_AFTER = frozenset({"position", "pickup", "pickups", "saddle", "saddles", "plate", "pins"})
# "closer to the bridge", "right by the bridge": the guitar's part, where the hand picks.
_PLACE_BEFORE = frozenset({"closer", "close", "near", "nearer", "towards", "toward", "by"})
# "the bridge lifts", "the bridge comes in": the section does something in time.
_SECTION_VERBS = frozenset(
    {"lifts", "comes", "kicks", "starts", "builds", "modulates", "changes", "ends", "drops"}
    | {"goes", "repeats", "moves"}
)
_SONG_WORDS = frozenset({"song", "tune", "track", "songs", "tunes"})


def _song_bridge(doc: Doc, span: Span, spans: list[Span]) -> Span:
    """The lexicon's "bridge" (anatomy) as the song section (form) where the words say so:
    another section named within eight tokens ("verse, chorus, bridge"), "the bridge of/in
    the song", or "in the bridge" not followed by "position" or "pickup"."""
    if span.label_ != "anatomy" or span.text.lower() not in ("bridge", "bridges"):
        return span
    near = any(other.label_ == "form" and abs(other.start - span.start) <= 8 for other in spans)
    after = doc[span.end].lower_ if span.end < len(doc) else ""
    before = [t.lower_ for t in doc[max(0, span.start - 3) : span.start]]
    if before[:1] and before[0] in _PLACE_BEFORE:
        return span  # "pick closer to the bridge"
    before = before[-2:]
    placed = before[-1:] == ["the"] and before[:1] and before[0] in _SECTION_BEFORE
    following = [t.lower_ for t in doc[span.end : span.end + 3]]
    of_song = following[:1] in (["of"], ["in"]) and bool(_SONG_WORDS & set(following))
    acts = bool(_SECTION_VERBS & set(following)) and before[-1:] == ["the"]
    if near or of_song or acts or (placed and after not in _PART_AFTER):
        return Span(doc, span.start, span.end, label="form", span_id="bridge section")
    return span


def _chord_or_string_not_tuning(doc: Doc, span: Span) -> bool:
    if span.label_ != "tuning" or span[0].lower_ != "open":
        return False
    after = doc[span.end].lower_ if span.end < len(doc) else ""
    soon = {t.lower_ for t in doc[span.end : span.end + 7]}
    chordal = bool(soon & {"chord", "chords", "shape"}) and "tuning" not in soon
    if span.start and doc[span.start - 1].lower_ in ("a", "an") and chordal:
        return True  # "an open G is one of the first chords": the chord
    if span.start and doc[span.start - 1].lower_ == "the" and "tuning" not in soon:
        return span[-1].lower_ != "tuning"  # "the open A, the open A string": not a tuning
    return after in NOT_TUNING_NEXT


def _merge_tuning(doc: Doc, span: Span, lexicon: list[Span]) -> Span:
    for other in lexicon:
        if other.label_ == "tuning" and other.start < span.end and span.start < other.end:
            start, end = min(span.start, other.start), max(span.end, other.end)
            return Span(doc, start, end, label="tuning", span_id=other.id_)
    return span


@Language.component(COMPONENT)
def music_structures(doc: Doc) -> Doc:
    """Add the structured matches to ``doc.ents``, merged with the lexicon's entities."""
    doc.ents = merge_entities(doc, list(doc.ents), find_structured(doc))
    return doc
