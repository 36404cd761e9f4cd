"""The api's sweep of what cancels and deletes leave behind (see :mod:`scribe.tombstones`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from scribe.artifacts import job_prefix
from scribe.db.tables import jobs
from scribe.storage.base import BlobStore
from scribe.tombstones import DEFAULT_GRACE_SECONDS, PREFIX, read, tombstone_key


@dataclass
class SweepReport:
    """What one sweep removed."""

    folders_removed: list[str] = field(default_factory=list)
    tombstones_removed: list[str] = field(default_factory=list)


def sweep(
    engine: Engine, store: BlobStore, *, grace_seconds: float = DEFAULT_GRACE_SECONDS
) -> SweepReport:
    """Remove the folders of jobs that no longer exist but have a tombstone, and tombstones
    older than ``grace_seconds`` whose job is gone or no longer cancelled."""
    report = SweepReport()
    ids = [key[len(PREFIX) :] for key in store.list(PREFIX)]
    if not ids:
        return report
    with engine.connect() as conn:
        rows = conn.execute(select(jobs.c.id, jobs.c.state).where(jobs.c.id.in_(ids))).all()
    states = {row.id: row.state for row in rows}
    now = datetime.now(UTC)
    for job_id in ids:
        try:
            stone = read(store, job_id)
        except Exception:  # a malformed key: not ours to judge, leave it
            continue
        if stone is None:
            continue
        gone = job_id not in states
        if gone and store.delete_prefix(job_prefix(job_id)):
            report.folders_removed.append(job_id)
        aged = (now - stone[1]).total_seconds() >= grace_seconds
        if aged and (gone or states[job_id] != "cancelled"):
            store.delete(tombstone_key(job_id))
            report.tombstones_removed.append(job_id)
    return report
