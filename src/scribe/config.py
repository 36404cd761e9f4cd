"""Scribe's settings: one object, nested groups, read from ``SCRIBE_*`` environment variables.

Nested fields use ``__``: ``SCRIBE_WHISPER__MODEL=small.en`` sets ``settings.whisper.model``.
Settings are built by :func:`load_settings`, never at import time. The groups live in
:mod:`scribe.config_stages` and :mod:`scribe.config_groups`; :mod:`scribe.config_masking`
shows them with secrets masked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scribe.config_groups import (
    DEFAULT_WEBHOOK_SECRET,
    ApiSettings,
    DatabaseSettings,
    IngestSettings,
    LogSettings,
    MetricsSettings,
    QueueSettings,
    RetentionSettings,
    StorageSettings,
    WatchdogSettings,
    WebhookSettings,
    WorkerSettings,
)
from scribe.config_stages import PresetSettings, PresetsSettings, TermsSettings, WhisperSettings

__all__ = [
    "DEFAULT_WEBHOOK_SECRET",
    "ApiSettings",
    "DatabaseSettings",
    "IngestSettings",
    "LogSettings",
    "MetricsSettings",
    "PresetSettings",
    "PresetsSettings",
    "QueueSettings",
    "RetentionSettings",
    "Settings",
    "StorageSettings",
    "TermsSettings",
    "WatchdogSettings",
    "WebhookSettings",
    "WhisperSettings",
    "WorkerSettings",
    "load_settings",
]


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
