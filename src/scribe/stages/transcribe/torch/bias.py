"""Lexicon biasing inside the decoder (shallow fusion over a trie of term spellings).

Every spelling of every listed term is tokenised with the model's tokenizer, with and without
a leading space, into a prefix tree. While a hypothesis is decoded, a token that continues a
term it has begun, or begins one, has ``weight`` added to its log-probability for ranking;
the log-probabilities the fallback thresholds judge stay the model's own. Safeguards:

- bonus only inside a term: a token gets it only if it extends a path of the tree;
- taken back when abandoned: a hypothesis that leaves a term before its end loses the bonus
  that term had given it (so half a term is never better than none);
- a term's first token gets the bonus only where the context allows it: a token without a
  leading space only at the start of the text (or after a timestamp), and any first token
  only when the model itself gives it at least ``start_floor`` log-probability and no less
  than ``start_margin`` below its best token (so a term never starts where the model is sure
  of something else, such as the end of the text: without it a large lexicon's terms were
  chained on after the speech until the window's length ran out).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scribe.stages.transcribe.biasing.trie import term_trie

DEFAULT_WEIGHT = 1.0
DEFAULT_START_FLOOR = -10.0
DEFAULT_START_MARGIN = 3.0

Active = tuple[tuple[int, float], ...]  # (trie node, bonus gained on the way) per open term


@dataclass
class BiasState:
    """Per-call state: each hypothesis's open terms, and which first tokens got a bonus at
    the last step."""

    active: list[Active]
    starts: Any = None


class LexiconBias:
    """A trie of term spellings and the scoring rules above; one instance serves any number
    of decoding calls (per-call state is what :meth:`start` returns).

    ``min_tokens`` leaves out spellings shorter than that many tokens (with a leading space):
    with 2, one-token words ("bend", "fill", "bridge") the model writes unaided get no bonus,
    which would otherwise raise them wherever the model half-believes in them."""

    def __init__(
        self,
        tokenizer: Any,
        terms: Iterable[str],
        *,
        eot: int,
        weight: float = DEFAULT_WEIGHT,
        start_floor: float = DEFAULT_START_FLOOR,
        min_tokens: int = 1,
        start_margin: float = DEFAULT_START_MARGIN,
    ) -> None:
        self.weight = float(weight)
        self.start_floor = float(start_floor)
        self.start_margin = float(start_margin)
        self.eot = eot
        self.trie, self.terms = term_trie(tokenizer, terms, eot=eot, min_tokens=min_tokens)
        roots = self.trie.children[0]
        self._spaced = sorted(t for t in roots if tokenizer.id_to_token(t).startswith("Ġ"))
        self._bare = sorted(t for t in roots if t not in set(self._spaced))
        self._tensors: dict[str, Any] = {}

    @classmethod
    def from_lexicon(cls, lexicon: Any, tokenizer: Any, *, eot: int, **options: Any) -> LexiconBias:
        """Every form (canonical and variants) of every term of a
        :class:`~scribe.lexicon.Lexicon`."""
        forms = [form for term in lexicon.terms for form in term.forms]
        return cls(tokenizer, forms, eot=eot, **options)

    def _ids(self, name: str, device: Any) -> Any:
        import torch

        key = f"{name}:{device}"
        if key not in self._tensors:
            values = self._spaced if name == "spaced" else self._bare
            self._tensors[key] = torch.tensor(values, dtype=torch.long, device=device)
        return self._tensors[key]

    def start(self, rows: int) -> BiasState:
        """The state of ``rows`` fresh hypotheses: no term begun."""
        return BiasState(active=[() for _ in range(rows)])

    def apply(self, state: BiasState, logprobs: Any, generated: Any) -> Any:
        """Ranking scores: ``logprobs`` (rows × vocab) with the bonuses and take-backs."""
        import torch

        ranking = logprobs.clone()
        weight = self.weight
        device = logprobs.device
        at_text_start = self._at_text_start(generated)
        pending = torch.tensor(
            [
                max((g for n, g in active if not self.trie.terminal[n]), default=0.0)
                for active in state.active
            ],
            dtype=ranking.dtype,
            device=device,
        )
        starts = torch.zeros_like(logprobs, dtype=torch.bool)
        floor = logprobs.max(dim=-1, keepdim=True).values - self.start_margin
        floor = floor.clamp(min=self.start_floor)
        if self._spaced:
            ids = self._ids("spaced", device)
            starts[:, ids] = logprobs[:, ids] >= floor
        if self._bare and any(at_text_start):
            ids = self._ids("bare", device)
            rows = torch.tensor(at_text_start, device=device)
            starts[:, ids] = (logprobs[:, ids] >= floor) & rows[:, None]
        ranking -= pending[:, None]
        ranking += starts.to(ranking.dtype) * weight
        for row, active in enumerate(state.active):
            for token, back in self._continuations(active).items():
                ranking[row, token] = logprobs[row, token] + weight - back
        state.starts = starts
        return ranking

    def _continuations(self, active: Active) -> dict[int, float]:
        """Each token that continues an open term, with the bonus it takes back: the most
        that an unfinished term it does not continue had gained (continuing one term never
        keeps the bonus of another that it abandons)."""
        children, terminal = self.trie.children, self.trie.terminal
        found: dict[int, set[int]] = {}
        for index, (node, _gained) in enumerate(active):
            for token in children[node]:
                found.setdefault(token, set()).add(index)
        return {
            token: max(
                (
                    gained
                    for index, (node, gained) in enumerate(active)
                    if index not in kept and not terminal[node]
                ),
                default=0.0,
            )
            for token, kept in found.items()
        }

    def _at_text_start(self, generated: Any) -> list[bool]:
        if generated.shape[1] == 0:
            return [True] * generated.shape[0]
        return [bool(done) for done in (generated[:, -1] >= self.eot).tolist()]

    def advance(self, state: BiasState, tokens: list[int], sources: list[int]) -> BiasState:
        """The state after each new hypothesis ``i`` took ``tokens[i]`` from hypothesis
        ``sources[i]``."""
        started = self._started(state.starts, tokens, sources)
        roots = self.trie.children[0]
        out: list[Active] = []
        for token, source, began in zip(tokens, sources, started, strict=True):
            if token >= self.eot:
                out.append(())
                continue
            nxt = []
            for node, gained in state.active[source]:
                child = self.trie.children[node].get(token)
                if child is not None:
                    nxt.append((child, gained + self.weight))
            if began:  # a term starts only where its first token got the bonus
                nxt.append((roots[token], self.weight))
            out.append(tuple(nxt))
        return BiasState(active=out)

    def _started(self, starts: Any, tokens: list[int], sources: list[int]) -> list[bool]:
        import torch

        if starts is None or not tokens:
            return [False] * len(tokens)
        rows = torch.tensor(sources, device=starts.device)
        cols = torch.tensor([min(t, starts.shape[1] - 1) for t in tokens], device=starts.device)
        return [bool(start) for start in starts[rows, cols].tolist()]
