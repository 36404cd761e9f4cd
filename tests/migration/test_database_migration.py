"""SQLite → PostgreSQL → SQLite with nothing lost, and an interrupted copy resumed."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scribe.db.engine import make_engine
from scribe.db.tables import jobs, metadata
from scribe.errors import MigrationError
from scribe.transfer.database import migrate_database, table_checksum
from tests.migration.populate import populate


def _checksums(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        return {table.name: table_checksum(engine, table) for table in metadata.sorted_tables}
    finally:
        engine.dispose()


def test_sqlite_to_postgresql_and_back_is_identical(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    back = f"sqlite:///{tmp_path / 'back.sqlite3'}"
    populate(make_engine(source), 1000)

    forward = migrate_database(source, fresh_postgres_url, batch=200)
    backward = migrate_database(fresh_postgres_url, back, batch=300)

    assert forward.ok and backward.ok
    by_table = {t.table: t for t in forward.tables}
    assert by_table["jobs"].source_rows == 1000 and by_table["jobs"].copied == 1000
    assert by_table["stage_runs"].copied == 3000
    assert by_table["transcript_segments"].copied == 3000
    assert by_table["term_occurrences"].copied == 3000
    assert by_table["transcript_revisions"].copied == 334
    assert by_table["webhook_deliveries"].copied == 1000
    assert all(t.source_rows > 0 for t in forward.tables if t.table != "outbox" or t.copied)
    assert _checksums(source) == _checksums(fresh_postgres_url) == _checksums(back)


def test_non_empty_target_is_refused_without_resume(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 's.sqlite3'}"
    target = f"sqlite:///{tmp_path / 't.sqlite3'}"
    populate(make_engine(source), 20)
    migrate_database(source, target)
    with pytest.raises(MigrationError, match="--resume"):
        migrate_database(source, target)
    report = migrate_database(source, target, resume=True)
    assert report.ok
    assert all(t.copied == 0 for t in report.tables)


def test_dry_run_copies_nothing(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 's.sqlite3'}"
    target_file = tmp_path / "t.sqlite3"
    populate(make_engine(source), 10)
    report = migrate_database(source, f"sqlite:///{target_file}", dry_run=True)
    assert {t.table: t.source_rows for t in report.tables}["jobs"] == 10
    assert not target_file.exists()


def test_killed_migration_resumes_without_loss_or_duplicates(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    populate(make_engine(source), 3000)
    command = [
        sys.executable,
        "-m",
        "scribe",
        "migrate",
        "db",
        "--from",
        source,
        "--to",
        fresh_postgres_url,
        "--batch",
        "25",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    target = make_engine(fresh_postgres_url)
    copied = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with target.connect() as conn:
                copied = conn.execute(select(func.count()).select_from(jobs)).scalar_one()
        except Exception:
            copied = 0
        if copied >= 200:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 0 < copied < 3000, "the copy was not interrupted part-way"

    refused = subprocess.run(command, capture_output=True, text=True)
    assert refused.returncode == 2 and "--resume" in refused.stderr
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert _checksums(source) == _checksums(fresh_postgres_url)
    target.dispose()
