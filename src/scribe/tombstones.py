"""Tombstones: how a cancel or a delete reaches workers that never see the database.

A cancelled or deleted job gets a small blob under ``tombstones/<job_id>`` (outside the job's
own folder, so deleting the folder leaves nothing behind). Workers look for it before a
stage, at each checkpoint, and once more after storing their outputs: outputs of a job that
was deleted meanwhile are removed again (the whole folder), those of a cancelled job too, and
the stage ends as cancelled. Because the api writes the tombstone before it deletes anything,
a worker's late write is always either deleted by the api or seen and removed by the worker.
A sweep in the api removes what a crash between the two could leave: the folders of deleted
jobs, and tombstones once they are older than any stage can run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from scribe.artifacts import job_prefix
from scribe.db.tables import jobs
from scribe.errors import CancelledError, NotFoundError
from scribe.storage import BlobStore

PREFIX = "tombstones/"
DEFAULT_GRACE_SECONDS = 7 * 24 * 3600


def tombstone_key(job_id: str) -> str:
    """The tombstone blob of a job (its id is checked like any job id)."""
    job_prefix(job_id)
    return f"{PREFIX}{job_id}"


def mark(store: BlobStore, job_id: str, reason: str) -> None:
    """Leave a tombstone (``cancelled`` or ``deleted``) with the time it was left."""
    stamp = datetime.now(UTC).isoformat()
    store.put_bytes(tombstone_key(job_id), f"{reason} {stamp}".encode())


def clear(store: BlobStore, job_id: str) -> None:
    """Remove a job's tombstone (a retry wants the job again)."""
    store.delete(tombstone_key(job_id))


def read(store: BlobStore, job_id: str) -> tuple[str, datetime] | None:
    """The reason and time of a job's tombstone, or None."""
    try:
        text = store.get_bytes(tombstone_key(job_id)).decode(errors="replace")
    except NotFoundError:
        return None
    reason, _, stamp = text.partition(" ")
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        when = datetime.now(UTC)
    return reason, when


def refuse_late_outputs(store: BlobStore, job_id: str, outputs: Mapping[str, object]) -> None:
    """After a stage stored ``outputs``: if the job was cancelled or deleted meanwhile,
    remove them (all of a deleted job's folder) and raise :class:`CancelledError`."""
    stone = read(store, job_id)
    if stone is None:
        return
    if stone[0] == "deleted":
        store.delete_prefix(job_prefix(job_id))
    else:
        for key in outputs.values():
            if isinstance(key, str) and key.startswith(job_prefix(job_id)):
                store.delete(key)
    raise CancelledError(f"job {job_id} was {stone[0]} while this stage ran; outputs removed")


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
