"""Term spellings as token paths: the prefix tree both decoder biases walk.

The torch engine's shallow fusion (:mod:`scribe.stages.transcribe.torch.bias`) walks it token
by token while it decodes; the CTranslate2 engine's n-best rescoring
(:mod:`scribe.stages.transcribe.biasing.rescoring`) walks finished hypotheses. Both build it
from the same spellings with the model's own tokenizer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TokenTrie:
    """A prefix tree of token sequences: node 0 is the root, ``terminal`` marks ends."""

    children: list[dict[int, int]] = field(default_factory=lambda: [{}])
    terminal: list[bool] = field(default_factory=lambda: [False])

    def add(self, tokens: list[int]) -> None:
        """Add one token sequence."""
        node = 0
        for token in tokens:
            nxt = self.children[node].get(token)
            if nxt is None:
                nxt = len(self.children)
                self.children[node][token] = nxt
                self.children.append({})
                self.terminal.append(False)
            node = nxt
        self.terminal[node] = True


def spellings(form: str) -> set[str]:
    """A term's written forms as Whisper may write them: as listed, lower case, capitalised."""
    form = form.strip()
    if not form:
        return set()
    return {form, form.lower(), form[0].upper() + form[1:]}


def token_length(tokenizer: Any, text: str) -> int:
    """How many tokens ``text`` takes (a ``tokenizers.Tokenizer``, no special tokens)."""
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


def term_trie(
    tokenizer: Any, terms: Iterable[str], *, eot: int, min_tokens: int = 1
) -> tuple[TokenTrie, list[str]]:
    """The trie of every spelling of ``terms`` (with and without a leading space) and the
    spellings kept: those of at least ``min_tokens`` tokens after a space, whose tokens are
    all text tokens (below ``eot``)."""
    trie = TokenTrie()
    every = sorted({s for term in terms for s in spellings(term)})
    kept = [s for s in every if token_length(tokenizer, " " + s) >= min_tokens]
    for spelling in kept:
        for text in (spelling, " " + spelling):
            ids = tokenizer.encode(text, add_special_tokens=False).ids
            if ids and all(token < eot for token in ids):
                trie.add(ids)
    return trie, kept
