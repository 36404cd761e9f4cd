"""The lexicon's matcher: a spaCy component that finds every form of every lexicon term with
one phrase matcher on lowercased tokens, then keeps the longest matches without overlaps.

Each form is added in every spelling Whisper writes it with: a space, a hyphen or an en dash
between its words, and ``s``/``es`` on an alphabetic last word longer than two letters that
does not end in ``s`` ("hammer-on" → "hammer on", "hammer - on", "hammer ons", ...). Phrase
matching is a hash look-up per token, so thousands of terms stay fast; the pattern docs are
built from words directly, without running the tokenizer over each spelling.
"""

from __future__ import annotations

from itertools import product

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab

FACTORY = "scribe_lexicon_matcher"
HYPHENS = ("-", "–")
_SEP = "\x1f"
# Bare words that are terms as nouns only: "add a fill" but not "fill the gap", "a bit of
# drive" but not "drive over", "the hook" but not "hook it up".
NOUN_ONLY = frozenset(
    {"fill", "fills", "drive", "drives", "hook", "hooks", "bite", "build", "gain", "hum"}
)
# Bare words that are not terms after these: "see it in action", "take action", "thanks for
# the feedback", "give me some feedback".
NOT_AFTER = {
    "action": frozenset({"in", "take", "into", "of"}),
    "feedback": frozenset({"your", "any", "some", "for", "me", "us", "thanks"}),
}


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
            if end - start == 1 and _everyday(doc, start):
                continue
            category, canonical = self.vocab.strings[match_id].split(_SEP, 1)
            spans.append(Span(doc, start, end, label=category, span_id=canonical))
        doc.ents = filter_spans(spans)
        return doc


def _everyday(doc: Doc, i: int) -> bool:
    """Whether the one-word match at ``i`` is the everyday word, not the term."""
    word = doc[i].lower_
    if word in NOUN_ONLY and doc[i].pos_ == "VERB":
        return True
    before = doc[i - 1].lower_ if i else ""
    if word == "feedback" and before == "the" and i > 1:
        before = doc[i - 2].lower_  # "thanks for the feedback"
    return before in NOT_AFTER.get(word, ())


def spellings(words: list[str]) -> list[list[str]]:
    """The token lists of ``words`` with a space, "-" or "–" between each two words and, on a
    pluralisable last word, with ``s`` and ``es``."""
    if not words:
        return []
    last = words[-1]
    endings = [last]
    if last.isalpha() and len(last) > 2 and not last.lower().endswith("s"):
        endings += [f"{last}s", f"{last}es"]
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
