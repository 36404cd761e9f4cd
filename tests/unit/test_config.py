"""Settings: environment, nesting, derived paths, masking."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from scribe.config import load_settings
from scribe.config_masking import masked_settings


def test_defaults_live_in_the_data_folder(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'scribe.sqlite3'}"
    assert settings.queue.path == tmp_path / "queues.sqlite3"
    assert settings.storage.root == tmp_path / "blobs"
    assert settings.whisper.model == "tiny.en"


def test_nested_environment_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCRIBE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SCRIBE_WHISPER__BEAM_SIZE", "2")
    monkeypatch.setenv("SCRIBE_QUEUE__MAX_RECEIVES", "9")
    settings = load_settings()
    assert settings.whisper.beam_size == 2
    assert settings.queue.max_receives == 9
    assert settings.data_dir == tmp_path


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRIBE_WHISPER__DEVICE", "tpu")
    with pytest.raises(ValidationError):
        load_settings()


def test_config_output_masks_the_database_password(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path, database={"url": "postgresql+psycopg://scribe:hunter2@db:5432/scribe"}
    )
    shown = masked_settings(settings)
    assert shown["database"]["url"] == "postgresql+psycopg://scribe:***@db:5432/scribe"
    assert "hunter2" not in str(shown)


def test_every_field_is_documented() -> None:
    from pydantic import BaseModel

    from scribe.config import Settings

    def walk(model: type[BaseModel], prefix: str) -> list[str]:
        missing = []
        for name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                missing += walk(annotation, f"{prefix}{name}.")
            elif not field.description:
                missing.append(prefix + name)
        return missing

    assert walk(Settings, "") == []
