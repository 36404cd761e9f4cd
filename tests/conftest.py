"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scribe.config import Settings, load_settings
from scribe.queues.sqlite import SqliteQueueBroker


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on a fresh data folder, with no SCRIBE_ variables leaking in."""
    import os

    for name in list(os.environ):
        if name.startswith("SCRIBE_"):
            monkeypatch.delenv(name)
    return load_settings(data_dir=tmp_path / "var")


@pytest.fixture
def sqlite_broker(tmp_path: Path) -> Iterator[SqliteQueueBroker]:
    """An embedded queue broker with quick dead-lettering."""
    broker = SqliteQueueBroker(tmp_path / "queues.sqlite3", max_receives=3, visibility_timeout=30)
    yield broker
    broker.close()
