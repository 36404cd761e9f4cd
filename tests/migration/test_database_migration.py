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


def _raw_sqlite(path: Path, sql: str, *params: object) -> None:
    """Write past the engine's NUL guard, as an older version (or another tool) could."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute(sql, params)


def test_text_with_nul_reaches_postgresql_without_it_and_is_reported(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    path = tmp_path / "nul.sqlite3"
    populate(make_engine(f"sqlite:///{path}"), 5)
    _raw_sqlite(path, "UPDATE jobs SET title = ? WHERE rowid = 1", "Chord\x00s")
    report = migrate_database(f"sqlite:///{path}", fresh_postgres_url)
    assert report.ok
    assert {t.table: t.nul_removed for t in report.tables}["jobs"] == 1
    engine = make_engine(fresh_postgres_url)
    with engine.connect() as conn:
        titles = set(conn.execute(select(jobs.c.title)).scalars())
    engine.dispose()
    assert "Chords" in titles


def test_resume_copies_rows_that_arrived_with_any_id(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    path = tmp_path / "grow.sqlite3"
    source = f"sqlite:///{path}"
    populate(make_engine(source), 20)
    assert migrate_database(source, fresh_postgres_url).ok
    # New jobs after the copy: random ids sort anywhere, here before every copied one.
    from sqlalchemy import insert

    from scribe.db.tables import stage_runs, utcnow

    engine = make_engine(source)
    with engine.begin() as conn:
        for job_id in ("0000000-late", "zzzzzzzz-late"):
            now = utcnow()
            conn.execute(
                insert(jobs).values(
                    id=job_id,
                    state="queued",
                    filename="a.mp4",
                    source_key="k",
                    size_bytes=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            conn.execute(insert(stage_runs).values(job_id=job_id, stage="extract", state="queued"))
    engine.dispose()
    report = migrate_database(source, fresh_postgres_url, resume=True)
    assert report.ok
    by_table = {t.table: t for t in report.tables}
    assert by_table["jobs"].copied == 2 and by_table["jobs"].already_there == 20
    assert by_table["stage_runs"].copied == 2
    assert _checksums(source) == _checksums(fresh_postgres_url)
