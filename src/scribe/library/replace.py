"""Find and replace across one transcript, a collection or the whole library.

:func:`preview` lists every hit with the segment before and after; :func:`apply` saves the
changes as revisions, one per lesson (the original is kept, as with any edit), and the terms
of each changed lesson are recognised again. Candidates come from the search index (the
``transcript_segments`` table), so a library of thousands loads only the lessons that match.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import OperationalError

from scribe.db.tables import jobs, transcript_segments
from scribe.domain.jobs import JobState
from scribe.errors import LibraryError, NotFoundError
from scribe.orchestrator.machine import TransitionError, rerun_terms
from scribe.revisions import Edit, EditError, RevisionInfo, load_transcript, save_revision
from scribe.storage.base import BlobStore

MAX_HITS = 2000


class ReplaceRequest(BaseModel):
    """What to find, what to put instead, and where: one lesson (``job_id``), a collection
    (``collection_id``) or, with neither, the whole library."""

    find: str = Field(min_length=1, max_length=200)
    replace: str = Field(default="", max_length=200)
    job_id: str | None = Field(default=None, max_length=36)
    collection_id: str | None = Field(default=None, max_length=36)
    match_case: bool = False
    whole_words: bool = Field(default=True, description="Match whole words only.")

    @model_validator(mode="after")
    def _one_scope(self) -> ReplaceRequest:
        if self.job_id and self.collection_id:
            raise ValueError("give job_id or collection_id, not both")
        if not self.find.strip():
            raise ValueError("find must not be blank")
        return self


@dataclass(frozen=True)
class Hit:
    """One segment that changes."""

    job_id: str
    job_title: str
    segment: int
    start: float
    end: float
    before: str
    after: str
    count: int


@dataclass
class Applied:
    """What :func:`apply` did: a revision per changed lesson, and lessons it could not change."""

    revisions: list[dict[str, object]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def _pattern(request: ReplaceRequest) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(part) for part in request.find.split())
    if request.whole_words:
        body = rf"(?<!\w){body}(?!\w)"
    return re.compile(body, 0 if request.match_case else re.IGNORECASE)


def _replacement(request: ReplaceRequest, found: str) -> str:
    new = request.replace
    if not request.match_case and found[:1].isupper() and new[:1].islower():
        return new[:1].upper() + new[1:]  # "Blue shuffle" at a sentence start stays capital
    return new


def _candidates(conn: Connection, request: ReplaceRequest) -> list[tuple[str, str]]:
    """(job id, title) of completed lessons whose indexed text may hold the phrase."""
    first = request.find.split()[0].lower()
    query = (
        select(jobs.c.id, func.coalesce(jobs.c.title, jobs.c.filename))
        .where(jobs.c.state == JobState.COMPLETED.value)
        .where(
            jobs.c.id.in_(
                select(transcript_segments.c.job_id).where(
                    func.lower(transcript_segments.c.text).like(f"%{first}%")
                )
            )
        )
        .order_by(jobs.c.created_at)
    )
    if request.job_id:
        if conn.execute(select(jobs.c.id).where(jobs.c.id == request.job_id)).first() is None:
            raise NotFoundError(f"no job {request.job_id}")
        query = query.where(jobs.c.id == request.job_id)
    if request.collection_id:
        query = query.where(jobs.c.collection_id == request.collection_id)
    return [(row[0], row[1]) for row in conn.execute(query)]


def preview(conn: Connection, store: BlobStore, request: ReplaceRequest) -> list[Hit]:
    """Every segment the replacement would change, with its text before and after."""
    pattern = _pattern(request)
    hits: list[Hit] = []
    for job_id, title in _candidates(conn, request):
        try:
            transcript = load_transcript(store, job_id)
        except NotFoundError:
            continue
        for segment in transcript.segments:
            text = " ".join(segment.text.split())
            after, count = pattern.subn(lambda m: _replacement(request, m.group(0)), text)
            if count and after != text:
                hits.append(
                    Hit(
                        job_id, title, segment.index, segment.start, segment.end, text, after, count
                    )
                )
                if len(hits) >= MAX_HITS:
                    raise LibraryError(f"more than {MAX_HITS} segments match: narrow the search")
    return hits


def apply(engine: Engine, store: BlobStore, request: ReplaceRequest, *, author: str) -> Applied:
    """Make the changes :func:`preview` lists: one revision per lesson, then its terms again.

    The hits are read first; then each lesson is saved in its own short transaction, so one
    that cannot be changed (it started re-running meanwhile) is listed in ``errors`` and the
    others still go through.
    """
    with engine.connect() as conn:
        hits = preview(conn, store, request)
    by_job: dict[str, list[Hit]] = {}
    for hit in hits:
        by_job.setdefault(hit.job_id, []).append(hit)
    result = Applied()
    for job_id, mine in by_job.items():
        edits = [Edit(segment=h.segment, text=h.after) for h in mine]
        try:
            info = _save(engine, store, job_id=job_id, author=author, edits=edits)
        except (EditError, TransitionError) as exc:
            result.errors[job_id] = str(exc)
            continue
        result.revisions.append(
            {"job_id": job_id, "number": info.number, "segments": len(edits),
             "replacements": sum(h.count for h in mine)}
        )  # fmt: skip
    return result


def _save(
    engine: Engine, store: BlobStore, *, job_id: str, author: str, edits: list[Edit]
) -> RevisionInfo:
    """One lesson's revision and its terms re-run; tried again when SQLite reports the
    database busy (a write of the orchestrator's came between this transaction's read and
    write). A retry is safe: the edits set whole segments to their new text."""
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                info = save_revision(conn, store, job_id=job_id, author=author, edits=edits)
                rerun_terms(conn, job_id=job_id)
            return info
        except OperationalError:
            if attempt == 2:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")
