"""One thin handler per stage: read the input artifact, run the stage, write the outputs.

Handlers know the blob store and the artifact layout, never queues or the database, so the
workers and ``scribe process`` run exactly the same code.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from scribe import artifacts
from scribe.config import Settings
from scribe.domain.jobs import Stage
from scribe.domain.transcript import Transcript
from scribe.messages import StageTask
from scribe.pipeline.formats import RENDERERS
from scribe.storage.base import BlobStore


@dataclass
class StageContext:
    """What a handler may use besides its task: the store and the progress/stop hooks."""

    store: BlobStore
    progress: Callable[[float], None] = lambda _share: None
    should_stop: Callable[[], bool] = lambda: False


@dataclass
class StageOutcome:
    """Artifact keys written, figures for the job, and the next stage's input."""

    outputs: dict[str, str]
    facts: dict[str, Any] = field(default_factory=dict)
    next_input: str | None = None


class StageHandler(Protocol):
    """The work of one stage."""

    stage: Stage

    def load(self) -> None:
        """Load models and pipelines (once per process)."""
        ...

    def handle(self, task: StageTask, ctx: StageContext) -> StageOutcome:
        """Run the stage for one task."""
        ...


class ExtractHandler:
    """Media → ``audio.wav`` + ``audio.json``."""

    stage = Stage.EXTRACT

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def load(self) -> None:
        """Nothing to preload: FFmpeg's libraries load with PyAV."""

    def handle(self, task: StageTask, ctx: StageContext) -> StageOutcome:
        """Decode the source and store the WAV and the facts."""
        from scribe.pipeline.extract import extract_audio

        wav_key = artifacts.artifact_key(task.job_id, artifacts.AUDIO_WAV)
        facts_key = artifacts.artifact_key(task.job_id, artifacts.AUDIO_FACTS)
        with ctx.store.local_copy(task.input_key) as source, tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "audio.wav"
            facts = extract_audio(source, wav, progress=ctx.progress, should_stop=ctx.should_stop)
            ctx.store.put_file(wav_key, wav, content_type="audio/wav")
        ctx.store.put_bytes(
            facts_key, _json_bytes(facts.to_dict()), content_type="application/json"
        )
        return StageOutcome(
            outputs={"audio": wav_key, "audio_facts": facts_key},
            facts={"audio": facts.to_dict()},
            next_input=wav_key,
        )


class TranscribeHandler:
    """``audio.wav`` → ``transcript.json`` / ``.txt`` / ``.srt`` / ``.vtt``."""

    stage = Stage.TRANSCRIBE

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._transcriber: Any = None

    def load(self) -> None:
        """Load the Whisper model once."""
        if self._transcriber is None:
            from scribe.pipeline.transcribe import Transcriber

            self._transcriber = Transcriber(self.settings.whisper)

    @property
    def transcriber(self) -> Any:
        """The loaded :class:`scribe.pipeline.transcribe.Transcriber`."""
        self.load()
        return self._transcriber

    def handle(self, task: StageTask, ctx: StageContext) -> StageOutcome:
        """Transcribe and store every format."""
        transcriber = self.transcriber
        options = transcriber.default_options.with_job_options(task.options)
        with ctx.store.local_copy(task.input_key) as audio:
            transcript: Transcript = transcriber.transcribe(
                audio, options=options, progress=ctx.progress, should_stop=ctx.should_stop
            )
        outputs = write_transcript(ctx.store, task.job_id, transcript)
        words = transcript.words
        return StageOutcome(
            outputs=outputs,
            facts={
                "transcript": {
                    "language": transcript.language,
                    "language_probability": transcript.language_probability,
                    "segments": len(transcript.segments),
                    "words": len(words),
                    "mean_word_probability": round(
                        sum(w.probability for w in words) / len(words), 4
                    )
                    if words
                    else None,
                    "model": transcript.model,
                    **transcript.timings,
                }
            },
            next_input=outputs["json"],
        )


class TermsHandler:
    """``transcript.json`` → ``terms.json``."""

    stage = Stage.TERMS

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._recognizer: Any = None

    def load(self) -> None:
        """Load spaCy and build the entity ruler once."""
        if self._recognizer is None:
            from scribe.lexicon import load_lexicon
            from scribe.pipeline.terms import TermRecognizer

            lexicon = load_lexicon(self.settings.terms.lexicon_path)
            self._recognizer = TermRecognizer(lexicon, self.settings.terms.spacy_model)

    @property
    def recognizer(self) -> Any:
        """The loaded :class:`scribe.pipeline.terms.TermRecognizer`."""
        self.load()
        return self._recognizer

    def handle(self, task: StageTask, ctx: StageContext) -> StageOutcome:
        """Recognise terms in the stored transcript."""
        transcript = Transcript.model_validate_json(ctx.store.get_bytes(task.input_key))
        result = self.recognizer.recognize(
            transcript, context_words=self.settings.terms.context_words
        )
        key = artifacts.artifact_key(task.job_id, artifacts.TERMS_JSON)
        ctx.store.put_bytes(
            key, result.model_dump_json(indent=2).encode(), content_type="application/json"
        )
        return StageOutcome(
            outputs={"terms": key},
            facts={
                "terms": {
                    "occurrences": len(result.occurrences),
                    "distinct": len(result.counts_by_term),
                    "lexicon_version": result.lexicon_version,
                }
            },
        )


def write_transcript(store: BlobStore, job_id: str, transcript: Transcript) -> dict[str, str]:
    """Store the transcript as JSON, TXT, SRT and VTT; returns the keys by format."""
    keys = {"json": artifacts.transcript_key(job_id, "json")}
    store.put_bytes(
        keys["json"], transcript.model_dump_json(indent=2).encode(), content_type="application/json"
    )
    content_types = {"txt": "text/plain", "srt": "application/x-subrip", "vtt": "text/vtt"}
    for fmt, render in RENDERERS.items():
        keys[fmt] = artifacts.transcript_key(job_id, fmt)
        store.put_bytes(keys[fmt], render(transcript).encode(), content_type=content_types[fmt])
    return keys


def make_handler(stage: Stage, settings: Settings) -> StageHandler:
    """The handler of a stage."""
    handlers: dict[Stage, type[ExtractHandler | TranscribeHandler | TermsHandler]] = {
        Stage.EXTRACT: ExtractHandler,
        Stage.TRANSCRIBE: TranscribeHandler,
        Stage.TERMS: TermsHandler,
    }
    return handlers[stage](settings)


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, indent=2).encode()
