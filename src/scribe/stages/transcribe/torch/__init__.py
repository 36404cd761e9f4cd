"""Whisper in PyTorch: a converter from CTranslate2's format, an engine that produces the same
Transcript as the CTranslate2 one, and lexicon biasing inside its decoder.

PyTorch and transformers (the ``torch`` extra) are imported only when an engine is built.
"""

from __future__ import annotations

from typing import Any


def create_engine(settings: Any) -> Any:
    """The transcriber ``SCRIBE_WHISPER__ENGINE`` names (see :func:`.engine.create_engine`)."""
    from scribe.stages.transcribe.torch.engine import create_engine as create

    return create(settings)


__all__ = ["create_engine"]
