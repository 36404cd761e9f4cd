"""The lexicon's matcher: a spaCy component that finds every form of every lexicon term with
one phrase matcher on lowercased tokens, then keeps the longest matches without overlaps
(the canonical spelling of a term where two of its spellings tie). Players' names must be
written with a capital, and take the article off and a following "style" on.

Each form is added in every spelling Whisper writes it with: a space, a hyphen or an en dash
between its words, and ``s``/``es`` on an alphabetic last word longer than two letters that
does not end in ``s`` (``es`` only after ``x``, ``z``, ``ch``, ``sh`` and ``o``, so "jam"
does not match "James") ("hammer-on" → "hammer on", "hammer - on", "hammer ons", ...). Phrase
matching is a hash look-up per token, so thousands of terms stay fast; the pattern docs are
built from words directly, without running the tokenizer over each spelling.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import product

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab

from scribe.stages.terms.recognizers.counting import COUNT_WORDS
from scribe.stages.terms.recognizers.senses import (
    AMBIGUOUS,
    NEEDS_CUE,
    everyday,
    everyday_phrase,
)
from scribe.stages.terms.recognizers.word_senses import everyday_sense

FACTORY = "scribe_lexicon_matcher"
HYPHENS = ("-", "–")
_SEP = "\x1f"
# Last letters that take "es" in the plural ("boxes", "switches", "echoes").
_ES_AFTER = ("x", "z", "ch", "sh", "o")


class LexiconMatcher:
    """Matches lexicon forms; each match becomes an entity labelled with the term's category
    whose id is the canonical form."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.matcher = PhraseMatcher(vocab, attr="LOWER")
        self._seen: set[tuple[str, ...]] = set()

    def add(self, category: str, canonical: str, words: list[str]) -> None:
        """Add one form, given as its words (hyphens already taken out), in every spelling."""
        docs = []
        for spelling in spellings(words):
            key = tuple(w.lower() for w in spelling)
            if key not in self._seen:
                self._seen.add(key)
                docs.append(Doc(self.vocab, words=spelling))
        if docs:
            self.matcher.add(f"{category}{_SEP}{canonical}", docs)

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for match_id, start, end in self.matcher(doc):
            category, canonical = self.vocab.strings[match_id].split(_SEP, 1)
            if not (_article(doc, start, end, canonical) or _not_as_spelt(doc, start, category)):
                spans.append(Span(doc, start, end, label=category, span_id=canonical))
        spans = _longest(spans)
        spans = [_named(doc, span, {s.start for s in spans}) for span in spans]
        cues = {k for span in spans if len(span) > 1 for k in range(span.start, span.end)}
        cues |= {s.start for s in spans if len(s) == 1 and s[0].lower_ not in AMBIGUOUS}
        # terms that need no cue and keep their sense are cues for the others ("a fill and
        # more drive")
        cues |= {
            s.start
            for s in spans
            if len(s) == 1 and s[0].lower_ not in NEEDS_CUE and not everyday(doc, s.start, cues)
        }
        doc.ents = [s for s in spans if not _everyday(doc, s, cues)]
        return doc


def _everyday(doc: Doc, span: Span, cues: set[int]) -> bool:
    if everyday_sense(doc, span):
        return True
    if len(span) == 1:
        return everyday(doc, span.start, cues)
    return everyday_phrase(doc, span.start, span.end, cues)


def _article(doc: Doc, start: int, end: int, canonical: str) -> bool:
    """ "open a new tab", "a section of the song", "a standard pick": the article "a", not
    the note A of "open A", "A section" or "A standard"."""
    return "A" in canonical.split() and any(t.text == "a" for t in doc[start:end])


def _not_as_spelt(doc: Doc, start: int, category: str) -> bool:
    """A name written without a capital ("rest the edge of your hand": not The Edge), and
    "E and a" with a capital E after no count ("the low E and a bit less"): the count's
    syllable is a lowercase "e" or follows a number ("one e and a")."""
    if category == "player":
        return not any(t.text[:1].isupper() for t in doc[start : start + 3] if t.lower_ != "the")
    if doc[start].text != "E" or doc[start + 1 : start + 3].text.lower() != "and a":
        return False
    return not (start and (doc[start - 1].like_num or doc[start - 1].lower_ in COUNT_WORDS))


def _longest(spans: list[Span]) -> list[Span]:
    """The longest matches without overlaps (then the first); where two spellings of one term
    tie, the canonical one wins ("playing slide guitar": "slide guitar", not "playing
    slide")."""
    chosen = filter_spans(spans)
    by_term: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        by_term[span.id_].append(span)
    for k, span in enumerate(chosen):
        if _canonical(span):
            continue
        for other in by_term[span.id_]:
            if len(other) != len(span) or other == span or not _canonical(other):
                continue
            if all(c is span or c.end <= other.start or other.end <= c.start for c in chosen):
                chosen[k] = other
                break
    return sorted(chosen, key=lambda s: s.start)


def _canonical(span: Span) -> bool:
    words = [t.lower_ for t in span if t.text not in HYPHENS]
    return " ".join(words) == " ".join(span.id_.lower().replace("-", " ").split())


def _named(doc: Doc, span: Span, starts: set[int]) -> Span:
    """A player's name without the article before it ("the Edge" → "Edge") and with the
    "style" after it ("Tony Rice style", "Hendrix-style"), as the lexicon's forms say it."""
    if span.label_ != "player":
        return span
    start, end = span.start, span.end
    if doc[start].text == "the" and end - start > 1:
        start += 1
    k = end + 1 if end < len(doc) and doc[end].text in HYPHENS else end
    if k < len(doc) and doc[k].lower_ == "style" and k not in starts and end not in starts:
        end = k + 1
    return Span(doc, start, end, label=span.label_, span_id=span.id_)


def spellings(words: list[str]) -> list[list[str]]:
    """The token lists of ``words`` with a space, "-" or "–" between each two words and, on a
    pluralisable last word, with ``s`` (and ``es`` after a sibilant or "o")."""
    if not words:
        return []
    last = words[-1]
    endings = [last]
    if last.isalpha() and len(last) > 2 and not last.lower().endswith("s"):
        endings.append(f"{last}s")
        if last.lower().endswith(_ES_AFTER):
            endings.append(f"{last}es")
    result: list[list[str]] = []
    for ending in endings:
        for gaps in product(("", *HYPHENS), repeat=len(words) - 1):
            tokens: list[str] = []
            for word, gap in zip(words[:-1], gaps, strict=True):
                tokens += [word, gap] if gap else [word]
            result.append([*tokens, ending])
    return result


@Language.factory(FACTORY)
def make_lexicon_matcher(nlp: Language, name: str) -> LexiconMatcher:
    """An empty matcher; add the lexicon's forms with :meth:`LexiconMatcher.add`."""
    return LexiconMatcher(nlp.vocab)
