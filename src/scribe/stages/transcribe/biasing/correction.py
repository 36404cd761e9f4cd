"""Lexicon-aware correction of a transcript: words that sound or spell like a music term are
rewritten to the lexicon's spelling, so the terms stage finds them.

Whisper (tiny.en above all) writes specialist words it does not know as everyday words that
sound alike: "matronome" for metronome, "route position" for root position, "rhythm flashes"
for rhythm slashes, "first in version" for first inversion. This pass compares every run of
one to four words of a segment with the lexicon's forms (canonical terms and variants) by

- letters, spaces, hyphens and apostrophes removed ("Marshall's tack" = "Marshall stack",
  "first in version" = "first inversion"),
- sound: a Double Metaphone key (:mod:`scribe.stages.transcribe.biasing.phonetics`) of the
  joined words, numbers spelt out ("12" → "twelve"), compared by edit distance, and
- spelling: a normalised edit distance of the joined words,

and rewrites a run when the weighted score reaches ``threshold``. It is conservative:

- only forms of at least two syllables and :data:`MIN_FORM_CHARS` letters, without digits;
- unless the letters are the same, a run changes one word for one word, each changed word
  still spelling like the word it becomes ("major triad" ↛ "major third");
- a single word only becomes a long term that sounds the same ("matronome" → "metronome");
- a run does not cross punctuation, end with an everyday short word, or begin with one unless
  the letters are the same; it must be minimal (no extra word at either end);
- words that already spell a lexicon form are kept, and a single word that Whisper was sure
  of (:data:`SURE_PROBABILITY` or more) is left as heard.

Words keep their start and end times and their probability: the probability is Whisper's
confidence in what it heard, and a correction must not make a guess look certain. When a run
of several words becomes a term of fewer words, they merge into one word spanning their times
with the lowest of their probabilities. Every correction is recorded in
``transcript.options["corrections"]`` (what was heard, what it became, where, and the score).

:meth:`LexiconCorrector.terms_in` serves the second decoding pass
(:func:`scribe.stages.transcribe.biasing.prompts.second_pass`): it lists the terms a stretch of
transcript spells and those it nearly spells, with a looser likeness, as hints rather than rewrites.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from scribe.domain.transcript import Segment, Transcript, Word
from scribe.lexicon import Lexicon
from scribe.stages.transcribe.biasing import wording
from scribe.stages.transcribe.biasing.phonetics import double_metaphone, similarity

DEFAULT_THRESHOLD = 0.87
MIN_FORM_CHARS = 5
MAX_RUN_WORDS = 4
# A single transcribed word is only rewritten to a form at least this long (letters only).
MIN_SINGLE_WORD_CHARS = 8
MIN_SINGLE_WORD_SPELLING = 0.85
# Each word a correction changes must spell at least this much like its replacement.
MIN_WORD_SPELLING = 0.5
# A single word Whisper gave at least this probability is taken as heard (a run of several
# words is judged on the lexicon's context instead: "passing cards" → "passing chords").
SURE_PROBABILITY = 0.97
PHONETIC_WEIGHT = 0.6


@dataclass(frozen=True)
class _Form:
    """One lexicon form ready for comparison."""

    text: str
    canonical: str
    category: str
    words: tuple[str, ...]
    compact: str
    pieces: tuple[str, ...]
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Correction:
    """One rewrite: what was heard, the lexicon form it became, where, and how sure."""

    segment: int
    first_word: int
    last_word: int
    heard: str
    corrected: str
    term: str
    category: str
    start: float
    end: float
    score: float

    def to_dict(self) -> dict[str, object]:
        """Plain data for ``transcript.options["corrections"]``."""
        return {
            "segment": self.segment,
            "words": [self.first_word, self.last_word],
            "heard": self.heard,
            "corrected": self.corrected,
            "term": self.term,
            "category": self.category,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 3),
        }


# Never matched by sound (still found when spelt): names of players and bands, which everyday
# phrases sound like ("let's begin" / "Led Zeppelin"), and forms that a common word sounds like
# ("everyone" / "overtone").
NOT_SOUND_MATCHED_CATEGORIES = frozenset({"player"})
NOT_SOUND_MATCHED_FORMS = frozenset({"overtone", "overtones"})


def _sound_matched(category: str, form: str) -> bool:
    return category not in NOT_SOUND_MATCHED_CATEGORIES and form not in NOT_SOUND_MATCHED_FORMS


class LexiconCorrector:
    """The lexicon indexed by sound and spelling; build once per lexicon version."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.version = lexicon.version
        # Every form's word tuple (and its plural), to protect words already spelt right.
        self.exact: dict[tuple[str, ...], str] = {}
        self.forms: list[_Form] = []
        self.by_compact: dict[str, list[int]] = {}
        self.by_key: dict[str, set[int]] = {}
        for term in lexicon.terms:
            for text in term.forms:
                words = tuple(wording.normal_words(text))
                if not words:
                    continue
                self.exact.update(dict.fromkeys(wording.inflections(words), term.canonical))
                compact = wording.spelt(words)
                if not self._eligible(words, compact) or not _sound_matched(term.category, text):
                    continue
                primary, alternate = double_metaphone(compact)
                form = _Form(
                    text, term.canonical, term.category, words, compact,
                    tuple(wording.spelt(wording.normal_words(piece)) for piece in text.split(" ")),
                    tuple(dict.fromkeys(k for k in (primary, alternate) if k)),
                )  # fmt: skip
                index = len(self.forms)
                self.forms.append(form)
                self.by_compact.setdefault(compact, []).append(index)
                for key in form.keys:
                    for variant in wording.deletions(key):
                        self.by_key.setdefault(variant, set()).add(index)
        self.longest = max((len(words) for words in self.exact), default=1)

    @staticmethod
    def _eligible(words: tuple[str, ...], compact: str) -> bool:
        """Specialist forms only: long enough, at least two syllables, no digits (their
        spelt-out variants stand for them)."""
        if len(compact) < MIN_FORM_CHARS or wording.syllables(compact) < 2:
            return False
        return not any(ch.isdigit() for ch in "".join(words))

    def candidates(self, words: Sequence[str]) -> set[int]:
        """Forms whose sound key is within about two edits of the run's, or whose letters
        are the run's letters."""
        compact = wording.spelt(words)
        found: set[int] = set(self.by_compact.get(compact, []))
        for key in double_metaphone(compact):
            if len(key) < 3:
                continue
            for variant in wording.deletions(key):
                found |= self.by_key.get(variant, set())
        return found

    def score(self, heard: Sequence[Sequence[str]], form: _Form) -> float:
        """How well a run of words (each word's normalised pieces) matches a form: 1.0 when
        they spell the same letters, else a weighted sound and spelling similarity; 0.0 when
        the run may not be rewritten to it.

        Unless the letters are the same, the run must have as many words as the form and
        each word that changes must still spell like the form's word, so only words that were
        misheard change, one for one ("route position" → "root position")."""
        spelt = [wording.spelt(pieces) for pieces in heard]
        compact = "".join(spelt)
        if compact == form.compact:
            return 1.0
        if len(spelt) != len(form.pieces):
            return 0.0
        if len(spelt) == 1 and len(form.compact) < MIN_SINGLE_WORD_CHARS:
            return 0.0
        if any(
            a != b and similarity(a, b) < MIN_WORD_SPELLING
            for a, b in zip(spelt, form.pieces, strict=True)
        ):
            return 0.0
        if not 0.7 <= len(compact) / len(form.compact) <= 1.4:
            return 0.0
        keys = [k for k in double_metaphone(compact) if k]
        sound = max((similarity(a, b) for a in keys for b in form.keys), default=0.0)
        if len(spelt) == 1 and sound < 1.0:
            return 0.0
        spelling = similarity(compact, form.compact)
        if spelling < (MIN_SINGLE_WORD_SPELLING if len(spelt) == 1 else 0.5):
            return 0.0
        return PHONETIC_WEIGHT * sound + (1 - PHONETIC_WEIGHT) * spelling

    def likeness(self, heard: Sequence[Sequence[str]], form: _Form) -> float:
        """A looser :meth:`score` for hints, not rewrites: any number of words, no check on
        each word, the same weighting of sound and spelling."""
        compact = "".join(wording.spelt(pieces) for pieces in heard)
        if compact == form.compact:
            return 1.0
        if not compact or not 0.6 <= len(compact) / len(form.compact) <= 1.6:
            return 0.0
        keys = [k for k in double_metaphone(compact) if k]
        sound = max((similarity(a, b) for a in keys for b in form.keys), default=0.0)
        spelling = similarity(compact, form.compact)
        return PHONETIC_WEIGHT * sound + (1 - PHONETIC_WEIGHT) * spelling

    def terms_in(
        self, segments: Sequence[Segment], *, near: float
    ) -> tuple[set[str], dict[str, float]]:
        """The terms these segments spell (canonical forms), and the terms some run of their
        words sounds or spells like, at ``near`` or more, each with its best likeness."""
        heard: set[str] = set()
        close: dict[str, float] = {}
        for segment in segments:
            words = [wording.normal_words(w.text) for w in segment.words]
            spans = self._exact_spans(words)
            for first, last in spans:
                spelt = tuple(w for token in words[first : last + 1] for w in token)
                heard.add(self.exact[spelt])
            for first in range(len(words)):
                for last in range(first, min(first + MAX_RUN_WORDS, len(words))):
                    if not words[last] or not all(map(wording.plain, words[last])):
                        break
                    groups = words[first : last + 1]
                    run = [w for token in groups for w in token]
                    kept = self._kept(words, spans, first, last)
                    if kept is None or all(w in wording.FUNCTION_WORDS for w in run):
                        continue
                    for index in self.candidates(run):
                        form = self.forms[index]
                        if not kept <= set(form.words):
                            continue
                        value = self.likeness(groups, form)
                        if value >= near and value > close.get(form.canonical, 0.0):
                            close[form.canonical] = value
        return heard, close

    def count_terms(self, segments: Sequence[Segment]) -> int:
        """How many lexicon forms these segments spell, longest first, none overlapping."""
        count = 0
        for segment in segments:
            words = [wording.normal_words(w.text) for w in segment.words]
            taken = -1
            for first, last in sorted(self._exact_spans(words), key=lambda s: (s[0], -s[1])):
                if first > taken:
                    count += 1
                    taken = last
        return count

    def correct(self, transcript: Transcript, *, threshold: float) -> Transcript:
        """A copy of ``transcript`` with the corrections made and recorded."""
        corrections: list[Correction] = []
        segments = [self._segment(s, threshold, corrections) for s in transcript.segments]
        options = {**transcript.options, "corrections": [c.to_dict() for c in corrections]}
        return transcript.model_copy(update={"segments": segments, "options": options})

    def _segment(
        self, segment: Segment, threshold: float, corrections: list[Correction]
    ) -> Segment:
        words = [wording.normal_words(w.text) for w in segment.words]
        spans = self._exact_spans(words)
        found: list[tuple[float, int, int, _Form]] = []
        for first in range(len(words)):
            for last in range(first, min(first + MAX_RUN_WORDS, len(words))):
                if not words[last] or not all(map(wording.plain, words[last])):
                    break
                if last > first and wording.boundary(segment.words[last - 1], segment.words[last]):
                    break
                match = self._match(segment.words, words, first, last, spans)
                if match and match[0] >= threshold:
                    found.append((match[0], first, last, match[1]))
        taken = [False] * len(words)
        chosen: list[tuple[int, int, _Form, float]] = []
        for score, first, last, form in sorted(found, key=lambda f: (-f[0], f[1] - f[2])):
            if any(taken[first : last + 1]):
                continue
            taken[first : last + 1] = [True] * (last - first + 1)
            chosen.append((first, last, form, score))
        if not chosen:
            return segment
        new_words = list(segment.words)
        for first, last, form, score in sorted(chosen, key=lambda c: -c[0]):
            old = segment.words[first : last + 1]
            replacement = _rewrite(old, form)
            new_words[first : last + 1] = replacement
            corrections.append(
                Correction(
                    segment=segment.index,
                    first_word=first,
                    last_word=last,
                    heard="".join(w.text for w in old).strip(),
                    corrected="".join(w.text for w in replacement).strip(),
                    term=form.canonical,
                    category=form.category,
                    start=old[0].start,
                    end=old[-1].end,
                    score=score,
                )
            )
        corrections.sort(key=lambda c: (c.segment, c.first_word))
        return segment.model_copy(
            update={"words": new_words, "text": "".join(w.text for w in new_words)}
        )

    def _match(
        self,
        heard: list[Word],
        words: list[list[str]],
        first: int,
        last: int,
        spans: list[tuple[int, int]],
    ) -> tuple[float, _Form] | None:
        """The best form for words ``first``..``last`` and its score, if they may change."""
        run = [w for token in words[first : last + 1] for w in token]
        if tuple(run) in self.exact or (
            first == last and heard[first].probability >= SURE_PROBABILITY
        ):
            return None
        # A run may begin with an everyday short word only to spell a term with it ("be bop"
        # → "bebop"), never to sound like one ("a standard" ↛ "E standard"), and may not end
        # with one ("pick up" ↛ "pickup").
        if run[-1] in wording.FUNCTION_WORDS:
            return None
        edges_plain = run[0] not in wording.FUNCTION_WORDS
        kept = self._kept(words, spans, first, last)
        if kept is None:
            return None
        groups = words[first : last + 1]
        scored = [
            (self.score(groups, form), form)
            for form in (self.forms[f] for f in self.candidates(run))
            if kept <= set(form.words)
        ]
        best = max(scored, key=lambda pair: (pair[0], -len(pair[1].text)), default=None)
        if best is None or best[0] <= 0.0 or (best[0] < 1.0 and not edges_plain):
            return None
        # The run must be minimal: without its first or last word it must match worse.
        if first < last:
            for shorter in (groups[1:], groups[:-1]):
                if self.score(shorter, best[1]) >= best[0]:
                    return None
        return best

    @staticmethod
    def _kept(
        words: list[list[str]], spans: list[tuple[int, int]], first: int, last: int
    ) -> set[str] | None:
        """The words of terms already spelt right within words ``first``..``last``, which a
        form must keep; None when the run cuts through such a term. A term spelt right may
        only be part of a run as a whole, growing it into a longer term that keeps its words
        ("top harmonic" → "tap harmonic", but not "major triad" → "major third")."""
        inside = [(p, q) for p, q in spans if p <= last and q >= first]
        if any(p < first or q > last for p, q in inside):
            return None
        return {w for p, q in inside for token in words[p : q + 1] for w in token}

    def _exact_spans(self, words: list[list[str]]) -> list[tuple[int, int]]:
        """The word spans that already spell a lexicon form."""
        spans: list[tuple[int, int]] = []
        for first in range(len(words)):
            run: list[str] = []
            for last in range(first, min(first + self.longest, len(words))):
                run.extend(words[last])
                if tuple(run) in self.exact:
                    spans.append((first, last))
        return spans


def _rewrite(old: list[Word], form: _Form) -> list[Word]:
    """The form's words in place of ``old``: one to one when the counts agree, else one word
    spanning them all with the lowest probability among them."""
    lead = old[0].text[: len(old[0].text) - len(old[0].text.lstrip())]
    tail_match = re.search(r"[^\w]*$", old[-1].text.rstrip())
    tail = tail_match.group(0) if tail_match else ""
    capital = old[0].text.strip()[:1].isupper()
    text = form.text[:1].upper() + form.text[1:] if capital else form.text
    pieces = text.split(" ")
    if len(pieces) == len(old):
        rewritten = []
        for i, (word, piece) in enumerate(zip(old, pieces, strict=True)):
            space = lead if i == 0 else " "
            end = tail if i == len(old) - 1 else ""
            rewritten.append(word.model_copy(update={"text": f"{space}{piece}{end}"}))
        return rewritten
    return [
        Word(
            text=f"{lead}{text}{tail}",
            start=old[0].start,
            end=old[-1].end,
            probability=min(w.probability for w in old),
        )
    ]


_CORRECTORS: dict[str, LexiconCorrector] = {}


def corrector_for(lexicon: Lexicon) -> LexiconCorrector:
    """The corrector of a lexicon, built once per lexicon version."""
    corrector = _CORRECTORS.get(lexicon.version)
    if corrector is None:
        if len(_CORRECTORS) >= 4:
            _CORRECTORS.clear()
        corrector = _CORRECTORS[lexicon.version] = LexiconCorrector(lexicon)
    return corrector


def correct_transcript(
    transcript: Transcript, lexicon: Lexicon, *, threshold: float = DEFAULT_THRESHOLD
) -> Transcript:
    """``transcript`` with runs of words that sound or spell like a lexicon term rewritten to
    the lexicon's spelling; times and probabilities kept, corrections listed in
    ``options["corrections"]``."""
    return corrector_for(lexicon).correct(transcript, threshold=threshold)
