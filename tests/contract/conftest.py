"""One fixture per backend: every contract test runs against each implementation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scribe.queues.base import QueueBroker
from scribe.queues.sqlite import SqliteQueueBroker
from scribe.storage.base import BlobStore
from scribe.storage.local import LocalBlobStore

MAX_RECEIVES = 3


@pytest.fixture(params=["sqlite"])
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QueueBroker]:
    """A queue broker of each backend, dead-lettering after three deliveries."""
    made = SqliteQueueBroker(
        tmp_path / "queues.sqlite3", max_receives=MAX_RECEIVES, visibility_timeout=30
    )
    yield made
    made.close()


@pytest.fixture(params=["local"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """A blob store of each backend."""
    return LocalBlobStore(tmp_path / "blobs")
