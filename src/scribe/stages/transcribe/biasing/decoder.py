"""A job's lexicon bias inside the decoder: which spellings, built once.

With lexicon biasing on, the transcribe stage hands the decoder a bias over the job's lexicon
terms: the torch engine a :class:`~scribe.stages.transcribe.torch.bias.LexiconBias` (shallow
fusion), CTranslate2's batched decoder a
:class:`~scribe.stages.transcribe.biasing.rescoring.TermRescorer` (the beam's n best
rescored). Its terms are every form of every term, or of the collection's chosen terms
(``bias_terms``), which is the lexicon the prompt draws from. Building the trie tokenises
some 10,000 spellings, so each (model, lexicon version, chosen terms, weight) is built once
and kept.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from scribe.lexicon import Lexicon

#: Spellings of fewer tokens than this get no bonus: one-token words ("bend", "fill",
#: "bridge") are written unaided when said, and a bonus on them would only raise them where
#: the model half-believes in them.
MIN_TOKENS = 2


def decoder_terms(lexicon: Lexicon, *, chosen: Sequence[str] | None = None) -> list[str]:
    """Every form of every lexicon term, or with ``chosen`` the chosen terms themselves and
    every form of the lexicon terms they name (by any of their forms, case aside)."""
    if not chosen:
        return list(dict.fromkeys(form for term in lexicon.terms for form in term.forms))
    picked = [term.strip() for term in chosen if term.strip()]
    wanted = {term.lower() for term in picked}
    forms = [
        form
        for term in lexicon.terms
        if any(form.lower() in wanted for form in term.forms)
        for form in term.forms
    ]
    return list(dict.fromkeys([*picked, *forms]))


class DecoderBiases:
    """The decoder biases built so far, by (model, lexicon version, chosen terms, weight)."""

    def __init__(self) -> None:
        self._built: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    def get(
        self,
        transcriber: Any,
        lexicon: Lexicon,
        *,
        chosen: Sequence[str] | None,
        weight: float,
    ) -> Any:
        """The decoder bias of a job for ``transcriber`` (built on first use), or None when
        the engine cannot take one or ``weight`` is 0."""
        if weight <= 0 or not hasattr(transcriber, "lexicon_bias"):
            return None
        key = (id(transcriber), lexicon.version, tuple(chosen or ()), float(weight))
        with self._lock:
            if key not in self._built:
                terms = decoder_terms(lexicon, chosen=chosen)
                self._built[key] = transcriber.lexicon_bias(
                    terms, weight=weight, min_tokens=MIN_TOKENS
                )
            return self._built[key]
