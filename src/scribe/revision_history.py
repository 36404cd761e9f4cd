"""Going back in a transcript's history: restore a revision, undo the last save, word diffs.

A restore never deletes anything: it saves the chosen revision's words (with their times) as a
new revision, so it can itself be undone. Undo is a restore of the revision before the latest.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection

from scribe.errors import EditError, NotFoundError
from scribe.revisions import RevisionInfo, check_base, load_transcript, store_revision
from scribe.storage.base import BlobStore


def restore_revision(
    conn: Connection,
    store: BlobStore,
    *,
    job_id: str,
    number: int,
    author: str,
    base_revision: int | None = None,
    terms_current: bool = True,
    undo: bool = False,
) -> RevisionInfo:
    """Save revision ``number`` again as the next revision."""
    latest = check_base(conn, job_id=job_id, base_revision=base_revision)
    if number > latest:
        raise NotFoundError(f"job {job_id} has no revision {number}")
    try:
        chosen = load_transcript(store, job_id, number)
        current = load_transcript(store, job_id)
    except NotFoundError:
        raise NotFoundError(f"job {job_id} has no revision {number}") from None
    record: list[dict[str, Any]] = [{"undo" if undo else "restore": number}]
    return store_revision(
        conn,
        store,
        job_id=job_id,
        author=author,
        number=latest + 1,
        previous=current,
        transcript=chosen,
        record=record,
        terms_current=terms_current,
    )


def undo_last(
    conn: Connection,
    store: BlobStore,
    *,
    job_id: str,
    author: str,
    base_revision: int | None = None,
    terms_current: bool = True,
) -> RevisionInfo:
    """Go back to the revision before the latest (as a new revision)."""
    latest = check_base(conn, job_id=job_id, base_revision=base_revision)
    if latest == 0:
        raise EditError("there is no saved edit to undo")
    return restore_revision(
        conn,
        store,
        job_id=job_id,
        number=latest - 1,
        author=author,
        base_revision=latest,
        terms_current=terms_current,
        undo=True,
    )


class DiffChange(BaseModel):
    """One run of words that differs between two revisions."""

    op: str  # "insert", "delete" or "replace"
    segment: int  # the segment index (in the newer revision; the older one for a delete)
    start: float
    removed: list[str]
    added: list[str]


class RevisionDiff(BaseModel):
    """What changed from one revision to another, word by word."""

    base: int
    target: int
    changes: list[DiffChange]
    words_removed: int
    words_added: int


def word_diff(store: BlobStore, *, job_id: str, base: int, target: int) -> RevisionDiff:
    """The word runs that differ between revisions ``base`` and ``target``."""
    older = load_transcript(store, job_id, base)
    newer = load_transcript(store, job_id, target)
    a = [(s.index, w.start, w.text.strip()) for s in older.segments for w in s.words]
    b = [(s.index, w.start, w.text.strip()) for s in newer.segments for w in s.words]
    matcher = SequenceMatcher(a=[x[2] for x in a], b=[x[2] for x in b], autojunk=False)
    changes = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        anchor = b[j1] if j2 > j1 else (a[i1] if i2 > i1 else b[-1])
        changes.append(
            DiffChange(
                op=tag,
                segment=anchor[0],
                start=anchor[1],
                removed=[x[2] for x in a[i1:i2]],
                added=[x[2] for x in b[j1:j2]],
            )
        )
    return RevisionDiff(
        base=base,
        target=target,
        changes=changes,
        words_removed=sum(len(c.removed) for c in changes),
        words_added=sum(len(c.added) for c in changes),
    )
