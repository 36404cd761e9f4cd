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
from scribe.pipeline.quality import quality_figures
from scribe.storage.base import BlobStore


@dataclass
class StageContext:
    """What a handler may use besides its task: the store and the progress/stop hooks."""

    store: BlobStore
    progress: Callable[[float], None] = lambda _share: None
    should_stop: Callable[[], bool] = lambda: False
    decoded: Transcript | None = None
    """A transcript the batching worker already decoded (the transcribe stage uses it)."""


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
        if task.source_url and not ctx.store.exists(task.input_key):
            self._fetch(task.source_url, task.input_key, ctx)
        with ctx.store.local_copy(task.input_key) as source, tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "audio.wav"
            facts = extract_audio(
                source,
                wav,
                progress=ctx.progress,
                should_stop=ctx.should_stop,
                normalize_loudness=bool(task.options.get("normalize_loudness")),
                max_duration=self.settings.ingest.max_audio_seconds,
            )
            ctx.store.put_file(wav_key, wav, content_type="audio/wav")
        ctx.store.put_bytes(
            facts_key, _json_bytes(facts.to_dict()), content_type="application/json"
        )
        return StageOutcome(
            outputs={"audio": wav_key, "audio_facts": facts_key},
            facts={"audio": facts.to_dict()},
            next_input=wav_key,
        )

    def _fetch(self, url: str, key: str, ctx: StageContext) -> None:
        """Bring a URL or media-bucket source into the store (with size and time limits)."""
        ingest = self.settings.ingest
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "source"
            if url.startswith("s3://"):
                fetch_from_media_bucket(url, target, self.settings)
            else:
                from scribe.net.download import download

                download(
                    url,
                    target,
                    max_bytes=ingest.max_download_bytes,
                    timeout=ingest.download_timeout,
                    allow_hosts=ingest.allow_hosts,
                )
            ctx.store.put_file(key, target)


def fetch_from_media_bucket(url: str, target: Path, settings: Settings) -> None:
    """Copy ``s3://bucket/key`` of the media library bucket to a local file."""
    import boto3
    from botocore.exceptions import ClientError

    from scribe.errors import PermanentError

    bucket, _, key = url[5:].partition("/")
    if bucket != settings.ingest.media_bucket or not key:
        raise PermanentError(f"{url} is not in the media library bucket")
    endpoint = settings.ingest.media_endpoint_url or settings.storage.endpoint_url
    client = boto3.client("s3", region_name=settings.storage.region, endpoint_url=endpoint)
    try:
        head = client.head_object(Bucket=bucket, Key=key)
        if int(head["ContentLength"]) > settings.ingest.max_download_bytes:
            raise PermanentError(f"{url} is larger than the download limit")
        client.download_file(bucket, key, str(target))
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound"):
            raise PermanentError(f"{url} does not exist") from exc
        raise


class TranscribeHandler:
    """``audio.wav`` → ``transcript.json`` / ``.txt`` / ``.srt`` / ``.vtt``."""

    stage = Stage.TRANSCRIBE

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._models: dict[str, Any] = {}
        self._lexicon: Any = None

    def load(self) -> None:
        """Load the default model once (other presets' models load on first use)."""
        self.model_for(None)

    @property
    def transcriber(self) -> Any:
        """The default :class:`scribe.pipeline.transcribe.Transcriber`."""
        return self.model_for(None)

    def model_for(self, model: str | None) -> Any:
        """The loaded transcriber of a model name (None: ``whisper.model``), kept for reuse."""
        from scribe.pipeline.transcribe import Transcriber

        name = model or self.settings.whisper.model
        if name not in self._models:
            from scribe.observability.metrics import MODEL_LOAD_SECONDS

            loaded = Transcriber(self.settings.whisper.model_copy(update={"model": name}))
            MODEL_LOAD_SECONDS.labels(loaded.model_name, loaded.device).set(loaded.load_seconds)
            self._models[name] = loaded
        return self._models[name]

    def _prompt(self, options: dict[str, Any]) -> str | None:
        """The initial prompt: the job's own, plus lexicon terms unless biasing is off."""
        if not options.get("lexicon_bias", True):
            return options.get("initial_prompt") or None
        from scribe.lexicon import load_lexicon
        from scribe.pipeline.bias import prompt_for

        if self._lexicon is None:
            self._lexicon = load_lexicon(self.settings.terms.lexicon_path)
        return prompt_for(
            self._lexicon,
            user_prompt=options.get("initial_prompt"),
            chosen=options.get("bias_terms"),
        )

    def decode_options(self, task: StageTask) -> tuple[Any, Any]:
        """The transcriber (by preset) and the decode options of a task."""
        from scribe.models.presets import resolve_preset

        preset = resolve_preset(self.settings, task.options.get("preset"))
        transcriber = self.model_for(preset.model)
        job_options = preset.job_options(
            {**task.options, "initial_prompt": self._prompt(task.options)}
        )
        return transcriber, transcriber.default_options.with_job_options(job_options)

    def _with_lexicon(self, task: StageTask, ctx: StageContext, first: Transcript) -> Transcript:
        """Lexicon biasing after the first pass: windows whose words sound like a term they
        do not spell are decoded again with those terms as the prompt, then words that still
        sound like a term are corrected to it (see scribe.pipeline.bias and .correction)."""
        from scribe.pipeline.bias import second_pass
        from scribe.pipeline.correction import correct_transcript

        if self._lexicon is None:
            from scribe.lexicon import load_lexicon

            self._lexicon = load_lexicon(self.settings.terms.lexicon_path)
        if not self.settings.whisper.second_pass:
            return correct_transcript(first, self._lexicon)
        transcriber, options = self.decode_options(task)
        with ctx.store.local_copy(task.input_key) as audio:
            transcript = second_pass(
                transcriber,
                audio,
                first,
                self._lexicon,
                options=options,
                user_prompt=task.options.get("initial_prompt"),
                chosen=task.options.get("bias_terms"),
                should_stop=ctx.should_stop,
            )
        return correct_transcript(transcript, self._lexicon)

    def handle(self, task: StageTask, ctx: StageContext) -> StageOutcome:
        """Transcribe (unless ``ctx.decoded`` holds the transcript) and store every format."""
        if ctx.decoded is not None:
            transcript: Transcript = ctx.decoded
        else:
            transcriber, options = self.decode_options(task)
            with ctx.store.local_copy(task.input_key) as audio:
                transcript = transcriber.transcribe(
                    audio, options=options, progress=ctx.progress, should_stop=ctx.should_stop
                )
        if task.options.get("lexicon_bias", True):
            transcript = self._with_lexicon(task, ctx, transcript)
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
        self._version: str | None = None

    def load(self) -> None:
        """Load spaCy and build the entity ruler once (bundled or configured lexicon)."""
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

    def recognizer_for(self, store: BlobStore) -> Any:
        """The recognizer of the lexicon in force: an edited lexicon in the store (rebuilt
        when its version changes) unless a fixed ``lexicon_path`` is configured."""
        self.load()
        if self.settings.terms.lexicon_path is not None:
            return self._recognizer
        from scribe.lexicon.store import read_lexicon, stored_version
        from scribe.pipeline.terms import TermRecognizer

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


def write_transcript(store: BlobStore, job_id: str, transcript: Transcript) -> dict[str, str]:
    """Store the transcript as JSON, TXT, SRT and VTT; returns the keys by format."""
    keys = {"json": artifacts.transcript_key(job_id, "json")}
    store.put_bytes(
        keys["json"], transcript.model_dump_json(indent=2).encode(), content_type="application/json"
    )
    content_types = {
        "txt": "text/plain",
        "srt": "application/x-subrip",
        "vtt": "text/vtt",
        "tsv": "text/tab-separated-values",
    }
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
