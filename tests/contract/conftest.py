"""One fixture per backend: every contract test runs against each implementation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scribe.db.engine import make_engine
from scribe.db.migrate import upgrade
from scribe.db.tables import metadata
from scribe.queues.base import QueueBroker
from scribe.queues.sqlite import SqliteQueueBroker
from scribe.storage.base import BlobStore
from scribe.storage.local import LocalBlobStore

MAX_RECEIVES = 3


@pytest.fixture(params=["sqlite", "sqs"])
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QueueBroker]:
    """A queue broker of each backend, dead-lettering after three deliveries."""
    made: QueueBroker
    if request.param == "sqlite":
        made = SqliteQueueBroker(
            tmp_path / "queues.sqlite3", max_receives=MAX_RECEIVES, visibility_timeout=30
        )
    else:
        from scribe.queues.sqs import SqsQueueBroker

        made = SqsQueueBroker(
            prefix=f"t{uuid.uuid4().hex[:10]}",
            region="us-east-1",
            endpoint_url=request.getfixturevalue("moto_endpoint"),
            max_receives=MAX_RECEIVES,
            visibility_timeout=30,
            create_queues=True,
        )
    yield made
    made.close()


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """A blob store of each backend (S3 on moto's server, through its endpoint URL)."""
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    from scribe.storage.s3 import S3BlobStore

    made = S3BlobStore(
        bucket=f"b{uuid.uuid4().hex[:12]}",
        key_prefix="scribe",
        endpoint_url=request.getfixturevalue("moto_endpoint"),
    )
    made.create_bucket_if_missing("us-east-1")
    return made


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An upgraded database of each kind, emptied for each test."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'scribe.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    made = make_engine(url)
    upgrade(made)
    with made.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    yield made
    made.dispose()
