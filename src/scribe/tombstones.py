"""Tombstones: how a cancel or a delete reaches workers that never see the database.

A cancelled or deleted job gets a small blob under ``tombstones/<job_id>`` (outside the job's
own folder, so deleting the folder leaves nothing behind). Workers look for it before a
stage, at each checkpoint, and once more after storing their outputs: outputs of a job that
was deleted meanwhile are removed again (the whole folder), those of a cancelled job too, and
the stage ends as cancelled. Because the api writes the tombstone before it deletes anything,
a worker's late write is always either deleted by the api or seen and removed by the worker.
A sweep in the api (:mod:`scribe.tombstone_sweep`) removes what a crash between the two could
leave: the folders of deleted jobs, and tombstones once they are older than any stage can run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from scribe.artifacts import cancel_marker, job_prefix
from scribe.errors import JobCancelled, NotFoundError
from scribe.storage.base import BlobStore

PREFIX = "tombstones/"
DEFAULT_GRACE_SECONDS = 7 * 24 * 3600


def tombstone_key(job_id: str) -> str:
    """The tombstone blob of a job (its id is checked like any job id)."""
    return cancel_marker(job_id)


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
    remove them (all of a deleted job's folder) and raise :class:`~scribe.errors.JobCancelled`."""
    stone = read(store, job_id)
    if stone is None:
        return
    if stone[0] == "deleted":
        store.delete_prefix(job_prefix(job_id))
    else:
        for key in outputs.values():
            if isinstance(key, str) and key.startswith(job_prefix(job_id)):
                store.delete(key)
    raise JobCancelled(f"job {job_id} was {stone[0]} while this stage ran; outputs removed")
