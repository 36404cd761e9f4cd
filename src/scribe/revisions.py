"""Transcript editing: every save is a new revision; the original is always kept.

Revision 0 is what the model wrote (kept at ``jobs/<id>/revisions/0.json``); revision n is
stored next to it, and the transcript's export keys (json, txt, srt, vtt, tsv) always hold the
latest one, so downloads and search use it. Every edit names the revision it was made on
(``base_revision``); an edit on a revision that is no longer the latest is refused with
:class:`~scribe.errors.EditConflictError`, so it cannot land on the wrong words. Unchanged words
keep their times exactly; changed words are placed by :mod:`scribe.retime` (forced alignment
against the audio when an aligner is given). Text typed with spaces becomes separate words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from scribe import artifacts
from scribe.db import library
from scribe.db.tables import transcript_revisions, utcnow
from scribe.domain.transcript import Transcript
from scribe.errors import EditConflictError, EditError, NotFoundError
from scribe.retime import Aligner, retime
from scribe.stages.transcribe.outputs import write_transcript
from scribe.storage.base import BlobStore


class Edit(BaseModel):
    """One change: a whole segment's text, or one word of it (``word`` is its index)."""

    segment: int = Field(ge=0)
    word: int | None = Field(default=None, ge=0)
    text: str = Field(max_length=5000)


@dataclass(frozen=True)
class RevisionInfo:
    """A saved revision."""

    number: int
    author: str
    created_at: Any
    edits: int
    record: list[dict[str, Any]] = field(default_factory=list, repr=False)


def revision_key(job_id: str, number: int) -> str:
    """Where a revision's whole transcript is kept."""
    return artifacts.artifact_key(job_id, f"revisions/{number}.json")


def load_transcript(store: BlobStore, job_id: str, revision: int | None = None) -> Transcript:
    """The latest transcript, or a given revision (0: the model's original)."""
    if revision is None:
        key = artifacts.transcript_key(job_id, "json")
    else:
        key = revision_key(job_id, revision)
        if revision == 0 and not store.exists(key):
            key = artifacts.transcript_key(job_id, "json")
    return Transcript.model_validate_json(store.get_bytes(key))


def apply_edits(
    transcript: Transcript, edits: list[Edit], aligner: Aligner | None = None
) -> Transcript:
    """A new transcript with the edits applied (the input is not changed); ``aligner`` places
    words whose times the edit changed (without one they share their gap by length)."""
    result = transcript.model_copy(deep=True)
    by_index = {segment.index: segment for segment in result.segments}
    for edit in edits:
        segment = by_index.get(edit.segment)
        if segment is None:
            raise EditError(f"no segment {edit.segment}")
        spellings = [w.text.strip() for w in segment.words]
        if edit.word is None:
            spellings = edit.text.split()
        else:
            if edit.word >= len(segment.words):
                raise EditError(f"segment {edit.segment} has no word {edit.word}")
            spellings[edit.word : edit.word + 1] = edit.text.split()
        if not spellings:
            raise EditError(f"segment {edit.segment} would have no words; type its text")
        if not segment.words:
            segment.text = " " + " ".join(spellings)
            continue
        retime(segment, spellings, aligner)
    return result


def current_number(conn: Connection, *, job_id: str) -> int:
    """The latest revision's number (0 while nobody has edited)."""
    last = conn.execute(
        select(func.max(transcript_revisions.c.number)).where(
            transcript_revisions.c.job_id == job_id
        )
    ).scalar_one_or_none()
    return int(last or 0)


def save_revision(
    conn: Connection,
    store: BlobStore,
    *,
    job_id: str,
    author: str,
    edits: list[Edit],
    base_revision: int | None = None,
    aligner: Aligner | None = None,
    terms_current: bool = True,
) -> RevisionInfo:
    """Apply edits to the latest transcript and store the result as the next revision.

    ``base_revision`` is the revision the edits were made on: when it is not the latest one
    the edits are refused (:class:`EditConflictError`) instead of landing on other words."""
    number = check_base(conn, job_id=job_id, base_revision=base_revision)
    try:
        current = load_transcript(store, job_id)
    except NotFoundError:
        raise EditError(f"job {job_id} has no transcript yet") from None
    edited = apply_edits(current, edits, aligner)
    return store_revision(
        conn,
        store,
        job_id=job_id,
        author=author,
        number=number + 1,
        previous=current,
        transcript=edited,
        record=[e.model_dump() for e in edits],
        terms_current=terms_current,
    )


def check_base(conn: Connection, *, job_id: str, base_revision: int | None) -> int:
    """The latest revision's number, after checking an edit's base is that revision."""
    number = current_number(conn, job_id=job_id)
    if base_revision is not None and base_revision != number:
        raise EditConflictError(
            f"the transcript changed: this edit was made on revision {base_revision}, "
            f"the latest is revision {number}",
            current=number,
        )
    return number


def store_revision(
    conn: Connection,
    store: BlobStore,
    *,
    job_id: str,
    author: str,
    number: int,
    previous: Transcript,
    transcript: Transcript,
    record: list[dict[str, Any]],
    terms_current: bool = True,
) -> RevisionInfo:
    """Store ``transcript`` as revision ``number`` (the row first: a concurrent save of the
    same number fails on the unique key before any blob is written). ``terms_current`` says the
    stored terms are those of the previous revision (kept for reading it later)."""
    now = utcnow()
    try:
        with conn.begin_nested():
            conn.execute(
                insert(transcript_revisions).values(
                    job_id=job_id, number=number, author=author, edits=record, created_at=now
                )
            )
    except IntegrityError:
        raise EditConflictError(
            f"the transcript changed: revision {number} was saved by someone else just now",
            current=number,
        ) from None
    if not store.exists(revision_key(job_id, 0)):
        store.put_bytes(revision_key(job_id, 0), previous.model_dump_json(indent=2).encode())
    if terms_current:
        keep_terms(store, job_id, number - 1)
    store.put_bytes(revision_key(job_id, number), transcript.model_dump_json(indent=2).encode())
    write_transcript(store, job_id, transcript)
    library.replace_segments(conn, job_id=job_id, transcript=transcript)
    return RevisionInfo(number=number, author=author, created_at=now, edits=len(record))


def terms_key(job_id: str, number: int) -> str:
    """Where the terms recognised in a revision are kept once a later revision exists."""
    return artifacts.artifact_key(job_id, f"revisions/{number}.terms.json")


def keep_terms(store: BlobStore, job_id: str, number: int) -> None:
    """Keep the current terms as revision ``number``'s before a new revision replaces them."""
    current = artifacts.artifact_key(job_id, artifacts.TERMS_JSON)
    if not store.exists(terms_key(job_id, number)) and store.exists(current):
        store.put_bytes(terms_key(job_id, number), store.get_bytes(current))


def list_revisions(conn: Connection, *, job_id: str) -> list[RevisionInfo]:
    """Every saved revision, oldest first (revision 0, the original, is implicit)."""
    rows = conn.execute(
        select(transcript_revisions)
        .where(transcript_revisions.c.job_id == job_id)
        .order_by(transcript_revisions.c.number)
    ).mappings()
    return [
        RevisionInfo(
            row["number"], row["author"], row["created_at"], len(row["edits"]), list(row["edits"])
        )
        for row in rows
    ]
