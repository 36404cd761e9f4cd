"""The settings groups of the backends and services: database, queues, storage, workers, api,
ingest, webhooks, metrics, retention and logs."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

DEFAULT_WEBHOOK_SECRET = "change-me"
"""The placeholder webhook signing secret: refused off loopback, flagged by `scribe config`."""


class DatabaseSettings(BaseModel):
    """Where job state lives."""

    url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL. Empty means a SQLite file `scribe.sqlite3` in the data "
        "folder; use postgresql+psycopg://user:pass@host/db in production.",
    )
    pool_size: int = Field(default=5, ge=1, description="Connections kept open (PostgreSQL).")
    iam_auth: bool = Field(
        default=False,
        description="PostgreSQL on RDS: sign in with a 15-minute IAM token made for each new "
        "connection instead of a password (the URL names no password), so there is no "
        "database password to store or rotate.",
    )
    iam_region: str | None = Field(
        default=None, description="Region of the RDS instance for IAM tokens; empty means AWS's."
    )
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
    scale_in_protection: bool = Field(
        default=True,
        description="In ECS (ECS_AGENT_URI set), protect the task from scale-in while it holds "
        "messages, so a scale-in never stops a batch midway.",
    )
    scale_in_protection_minutes: int = Field(
        default=10, ge=1, le=2880, description="Expiry of each protection request; refreshed."
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
        "process (sessions end on restart). Required off loopback: with several api processes "
        "each would sign with its own key.",
    )
    bootstrap_key_secret: str = Field(
        default="",
        description="AWS Secrets Manager secret (ARN or name) the api fills with the first admin "
        "API key when it starts with none: the key is created, stored there and never printed "
        "(ECS sets it; read the key with `aws secretsmanager get-secret-value`). Empty: off.",
    )
    secrets_endpoint_url: str | None = Field(
        default=None, description="Secrets Manager endpoint override (moto); empty means AWS."
    )
    tls: Literal["off", "self-signed", "files"] = Field(
        default="off",
        description="HTTPS on the api's own port: `off` (plain HTTP, as behind `scribe up`); "
        "`self-signed` (a key and certificate made at start-up with the openssl command, for "
        "the hop from a load balancer that does not check them, as an AWS ALB; ECS sets it); "
        "`files` (`tls_certfile` and `tls_keyfile`).",
    )
    tls_certfile: Path | None = Field(
        default=None, description="PEM certificate chain the api serves when `tls` is `files`."
    )
    tls_keyfile: Path | None = Field(default=None, description="PEM private key of `tls_certfile`.")


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
