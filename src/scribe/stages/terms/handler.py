"""The terms stage's handler: ``transcript.json`` → ``terms.json`` + quality figures."""

from __future__ import annotations

import json
from typing import Any

from scribe import artifacts
from scribe.config import Settings
from scribe.domain.jobs import Stage
from scribe.domain.transcript import Transcript
from scribe.messages import StageTask
from scribe.stages.base import StageContext, StageOutcome
from scribe.stages.terms.quality import quality_figures
from scribe.storage.base import BlobStore


class TermsHandler:
    """``transcript.json`` → ``terms.json``."""

    stage = Stage.TERMS

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._recognizer: Any = None
        self._version: str | None = None

    def load(self) -> None:
        """Load spaCy and build the entity ruler once (bundled or configured lexicon)."""
        if self._recognizer is None:
            from scribe.lexicon import load_lexicon
            from scribe.stages.terms.recognizer import TermRecognizer

            lexicon = load_lexicon(self.settings.terms.lexicon_path)
            self._recognizer = TermRecognizer(lexicon, self.settings.terms.spacy_model)

    @property
    def recognizer(self) -> Any:
        """The loaded :class:`scribe.stages.terms.recognizer.TermRecognizer`."""
        self.load()
        return self._recognizer

    def recognizer_for(self, store: BlobStore) -> Any:
        """The recognizer of the lexicon in force: an edited lexicon in the store (rebuilt
        when its version changes) unless a fixed ``lexicon_path`` is configured."""
        self.load()
        if self.settings.terms.lexicon_path is not None:
            return self._recognizer
        from scribe.lexicon.store import read_lexicon, stored_version
        from scribe.stages.terms.recognizer import TermRecognizer

        version = stored_version(store)
        if version is not None and version != self._version:
            self._recognizer = TermRecognizer(read_lexicon(store), self.settings.terms.spacy_model)
            self._version = version
        return self._recognizer

    def handle(self, task: StageTask, ctx: StageContext) -> StageOutcome:
        """Recognise terms in the stored transcript."""
        transcript = Transcript.model_validate_json(ctx.store.get_bytes(task.input_key))
        result = self.recognizer_for(ctx.store).recognize(
            transcript, context_words=self.settings.terms.context_words
        )
        key = artifacts.artifact_key(task.job_id, artifacts.TERMS_JSON)
        ctx.store.put_bytes(
            key, result.model_dump_json(indent=2).encode(), content_type="application/json"
        )
        audio_key = artifacts.artifact_key(task.job_id, artifacts.AUDIO_FACTS)
        audio = json.loads(ctx.store.get_bytes(audio_key)) if ctx.store.exists(audio_key) else None
        quality = quality_figures(transcript, result, audio)
        metrics_key = artifacts.artifact_key(task.job_id, artifacts.METRICS_JSON)
        ctx.store.put_bytes(metrics_key, _json_bytes(quality), content_type="application/json")
        return StageOutcome(
            outputs={"terms": key, "metrics": metrics_key},
            facts={
                "terms": {
                    "occurrences": len(result.occurrences),
                    "distinct": len(result.counts_by_term),
                    "lexicon_version": result.lexicon_version,
                },
                "quality": quality,
            },
        )


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, indent=2).encode()
