"""The handler of each stage, by name."""

from __future__ import annotations

from scribe.config import Settings
from scribe.domain.jobs import Stage
from scribe.stages.base import StageHandler
from scribe.stages.extract.handler import ExtractHandler
from scribe.stages.terms.handler import TermsHandler
from scribe.stages.transcribe.handler import TranscribeHandler

__all__ = ["ExtractHandler", "StageHandler", "TermsHandler", "TranscribeHandler", "make_handler"]


def make_handler(stage: Stage, settings: Settings) -> StageHandler:
    """The handler of a stage."""
    handlers: dict[Stage, type[ExtractHandler | TranscribeHandler | TermsHandler]] = {
        Stage.EXTRACT: ExtractHandler,
        Stage.TRANSCRIBE: TranscribeHandler,
        Stage.TERMS: TermsHandler,
    }
    return handlers[stage](settings)
