"""Copy every table from one database to another (SQLite ⇄ PostgreSQL), with zero data loss.

- The target schema is brought to the same Alembic head first.
- Tables are copied in dependency order, in batches ordered by primary key; each batch is one
  transaction, so an interrupted copy leaves whole batches only.
- ``resume`` copies every source row whose primary key the target lacks (ids are random hex,
  so "after the largest key copied" would skip rows that arrived since); without it a
  non-empty target is refused.
- Text holding NUL characters (which PostgreSQL cannot store, and which older versions let
  into SQLite) is copied without them; the report counts the values so changed.
- At the end, each table's row count and a checksum over its rows (canonical JSON, in primary
  key order, NUL characters left out) are compared between source and target.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select, text

from scribe.db.engine import make_engine
from scribe.db.migrate import upgrade
from scribe.db.tables import metadata
from scribe.errors import MigrationError

Progress = Callable[[str, int, int], None]


@dataclass
class TableReport:
    """What happened to one table."""

    table: str
    source_rows: int
    copied: int = 0
    already_there: int = 0
    target_rows: int = 0
    verified: bool = False
    nul_removed: int = 0


@dataclass
class DatabaseReport:
    """What happened to every table."""

    dry_run: bool
    tables: list[TableReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every table verified (always false for a dry run)."""
        return not self.dry_run and all(t.verified for t in self.tables)


def _pk(table: Table) -> Any:
    columns = list(table.primary_key.columns)
    if len(columns) != 1:
        raise MigrationError(f"table {table.name} needs a single-column primary key")
    return columns[0]


def _count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace("\x00", "")
    return value


def _without_nul(row: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The row with NUL characters taken out of its text values, and how many values had any."""
    changed = 0
    for key, value in row.items():
        if isinstance(value, str) and "\x00" in value:
            row[key] = value.replace("\x00", "")
            changed += 1
    return row, changed


def table_checksum(engine: Engine, table: Table, *, batch: int = 1000) -> str:
    """SHA-256 over every row as canonical JSON, in primary-key order."""
    digest = hashlib.sha256()
    pk = _pk(table)
    last: Any = None
    with engine.connect() as conn:
        while True:
            query = select(table).order_by(pk).limit(batch)
            if last is not None:
                query = query.where(pk > last)
            rows = conn.execute(query).mappings().all()
            if not rows:
                return digest.hexdigest()
            for row in rows:
                canonical = {key: _canonical(row[key]) for key in sorted(row.keys())}
                digest.update(json.dumps(canonical, sort_keys=True, default=str).encode())
                digest.update(b"\n")
            last = rows[-1][pk.name]


def migrate_database(
    source_url: str,
    target_url: str,
    *,
    batch: int = 500,
    resume: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> DatabaseReport:
    """Copy ``source_url`` into ``target_url`` and verify it."""
    if source_url == target_url:
        raise MigrationError("source and target are the same database")
    from scribe.db.engine import sqlite_path

    missing = sqlite_path(source_url)
    if missing is not None and not missing.exists():
        raise MigrationError(f"the source database {missing} does not exist")
    source = make_engine(source_url)
    target = make_engine(target_url)
    report = DatabaseReport(dry_run=dry_run)
    try:
        upgrade(source)
        if not dry_run:
            upgrade(target)
        tables = list(metadata.sorted_tables)
        if not dry_run and not resume:
            busy = [t.name for t in tables if _count(target, t) > 0]
            if busy:
                raise MigrationError(
                    f"the target already holds rows in {', '.join(busy)}; "
                    "pass --resume to continue an interrupted copy"
                )
        for table in tables:
            entry = TableReport(table=table.name, source_rows=_count(source, table))
            report.tables.append(entry)
            if dry_run:
                continue
            _copy_table(source, target, table, entry, batch=batch, progress=progress)
            _reset_sequence(target, table)
            entry.target_rows = _count(target, table)
            entry.verified = entry.target_rows == entry.source_rows and table_checksum(
                source, table
            ) == table_checksum(target, table)
    finally:
        source.dispose()
        target.dispose()
    if not dry_run and not report.ok:
        bad = [t.table for t in report.tables if not t.verified]
        raise MigrationError(f"verification failed for {', '.join(bad)}")
    return report


def _copy_table(
    source: Engine,
    target: Engine,
    table: Table,
    entry: TableReport,
    *,
    batch: int,
    progress: Progress | None,
) -> None:
    """Copy the source's rows in primary-key batches, skipping those the target has."""
    pk = _pk(table)
    last: Any = None
    done = 0
    while True:
        with source.connect() as conn:
            query = select(table).order_by(pk).limit(batch)
            if last is not None:
                query = query.where(pk > last)
            rows = [dict(row) for row in conn.execute(query).mappings().all()]
        if not rows:
            return
        last = rows[-1][pk.name]
        with target.begin() as conn:
            keys = [row[pk.name] for row in rows]
            present = set(conn.execute(select(pk).where(pk.in_(keys))).scalars())
            missing = [row for row in rows if row[pk.name] not in present]
            cleaned = []
            for row in missing:
                clean, changed = _without_nul(row)
                entry.nul_removed += changed
                cleaned.append(clean)
            if cleaned:
                conn.execute(insert(table), cleaned)
        entry.already_there += len(present)
        entry.copied += len(cleaned)
        done += len(rows)
        if progress:
            progress(table.name, done, entry.source_rows)


def _reset_sequence(target: Engine, table: Table) -> None:
    """After explicit ids, move a PostgreSQL serial past the largest one."""
    pk = _pk(table)
    if (
        target.dialect.name != "postgresql"
        or not pk.autoincrement
        or pk.type.python_type is not int
    ):
        return
    with target.begin() as conn:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk.name}'), "
                f"COALESCE((SELECT MAX({pk.name}) FROM {table.name}), 0) + 1, false)"
            )
        )
