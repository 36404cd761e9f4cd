"""Lexicon biasing for the CTranslate2 engine: the beam's n best hypotheses rescored by the
lexicon terms they spell.

CTranslate2 runs its beam search in C++, with no hook to add a bonus to a token while it
decodes (the torch engine's shallow fusion, :mod:`scribe.stages.transcribe.torch.bias`). It
can return every hypothesis left in the beam, with its score. This rescorer ranks those by

    (log-probability of the hypothesis + weight × tokens inside whole lexicon terms) / tokens

(the beam's own length normalisation, plus the bonus) and keeps the best. So the bias can
only choose among what the beam already found: it never makes up a hypothesis, and a
hypothesis keeps the model's own log-probability for the fallback thresholds.

A term counts where its spelling (a path of :class:`~.trie.TokenTrie`) starts at a word (a
token with a leading space, or the text's first) and ends at one (the next token starts with
a space or a punctuation mark, or the text ends), the longest at each start; spellings of
fewer than ``min_tokens`` tokens get nothing, as in the torch bias.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scribe.stages.transcribe.biasing.trie import term_trie

DEFAULT_WEIGHT = 1.0


@dataclass(frozen=True)
class Hypothesis:
    """One hypothesis of the beam: its tokens and its length-normalised log-probability."""

    tokens: list[int]
    score: float


class TermRescorer:
    """The n-best rescoring above over one job lexicon's spellings (built once, shared by
    any number of decoding calls; it holds no per-call state)."""

    def __init__(
        self,
        tokenizer: Any,
        terms: Iterable[str],
        *,
        eot: int,
        weight: float = DEFAULT_WEIGHT,
        min_tokens: int = 1,
    ) -> None:
        self.weight = float(weight)
        self.trie, self.terms = term_trie(tokenizer, terms, eot=eot, min_tokens=min_tokens)
        self._word_start: dict[int, bool] = {}
        self._tokenizer = tokenizer

    def _starts_word(self, token: int) -> bool:
        """Whether a token begins a new word: a leading space, or punctuation."""
        known = self._word_start.get(token)
        if known is None:
            text = self._tokenizer.id_to_token(token) or ""
            known = text.startswith("Ġ") or (bool(text) and not text[0].isalnum())
            self._word_start[token] = known
        return known

    def term_tokens(self, tokens: Sequence[int]) -> int:
        """How many of ``tokens`` lie inside whole lexicon terms (longest match at each word
        start, terms not overlapping)."""
        children, terminal = self.trie.children, self.trie.terminal
        count, i, size = 0, 0, len(tokens)
        while i < size:
            if i and not self._starts_word(tokens[i]):
                i += 1
                continue
            node, end = 0, -1
            for j in range(i, size):
                node = children[node].get(tokens[j], -1)
                if node < 0:
                    break
                if terminal[node] and (j + 1 == size or self._starts_word(tokens[j + 1])):
                    end = j
            if end >= 0:
                count += end - i + 1
                i = end + 1
            else:
                i += 1
        return count

    def ranking(self, hypothesis: Hypothesis) -> float:
        """The rescored, length-normalised score of a hypothesis."""
        length = max(1, len(hypothesis.tokens))
        bonus = self.weight * self.term_tokens(hypothesis.tokens)
        return hypothesis.score + bonus / length

    def best(self, hypotheses: Sequence[Hypothesis]) -> int:
        """The index of the best hypothesis after rescoring (the beam's first on a tie)."""
        if len(hypotheses) < 2 or self.weight <= 0:
            return 0
        ranked = [self.ranking(h) for h in hypotheses]
        return max(range(len(ranked)), key=lambda k: (ranked[k], -k))
