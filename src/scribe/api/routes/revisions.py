"""A transcript's revisions: the ETag that names one, conflicts, restore, undo and word diffs.

Every save names the revision it was made on, as ``If-Match: "r<N>"`` (the ETag the transcript
is served with) or as ``base_revision`` in the body. A save on a revision that is no longer the
latest is answered 409 with the latest revision's number and text, so the editor can re-apply.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, Field

from scribe.api.auth import ReadAccess, WriteAccess
from scribe.api.deps import BackendsDep
from scribe.api.problems import Problem
from scribe.db import repository as repo
from scribe.domain.jobs import Job, JobState
from scribe.errors import EditConflictError, EditError, NotFoundError
from scribe.orchestrator.machine import TransitionError, rerun_terms
from scribe.revision_history import RevisionDiff, restore_revision, undo_last, word_diff
from scribe.revisions import RevisionInfo, current_number, load_transcript
from scribe.services import Backends

router = APIRouter(tags=["editing"])

_ETAG = re.compile(r'^\s*(?:W/)?"?r?(\d+)"?\s*$')


def etag(number: int) -> str:
    """The ETag of revision ``number`` of a transcript."""
    return f'"r{number}"'


def parse_if_match(value: str | None) -> int | None:
    """The revision an ``If-Match`` header names (None without one); 400 when unreadable."""
    if value is None or value.strip() == "*":
        return None
    match = _ETAG.match(value)
    if not match:
        raise Problem(400, f'If-Match must be an ETag such as "r3", not {value!r}')
    return int(match.group(1))


def base_of(if_match: str | None, base_revision: int | None) -> int | None:
    """The base revision an edit names, by header or field (they must agree)."""
    header = parse_if_match(if_match)
    if header is not None and base_revision is not None and header != base_revision:
        raise Problem(400, f"If-Match names revision {header} but base_revision is {base_revision}")
    return header if header is not None else base_revision


def conflict(backends: Backends, job_id: str, exc: EditConflictError) -> Problem:
    """The 409 problem of a stale edit, holding the latest revision and its text."""
    try:
        latest = load_transcript(backends.store, job_id)
        segments = [
            {"index": s.index, "start": s.start, "end": s.end, "text": s.text.strip()}
            for s in latest.segments
        ]
    except NotFoundError:
        segments = []
    return Problem(
        409,
        str(exc),
        kind="edit-conflict",
        current_revision=exc.current,
        etag=etag(exc.current),
        segments=segments,
    )


def terms_are_current(job: Job) -> bool:
    """Whether the stored terms belong to the latest revision (no re-run is in flight)."""
    return job.state == JobState.COMPLETED


class RestoreRequest(BaseModel):
    """Who restores, and on which revision they decided to."""

    author: str = Field(min_length=1, max_length=255)
    base_revision: int | None = Field(default=None, ge=0)


class SavedView(BaseModel):
    """A revision just saved."""

    number: int
    author: str
    edits: int
    etag: str


def _save(
    request: Request,
    backends: BackendsDep,
    job_id: str,
    action: str,
    body: RestoreRequest,
    base: int | None,
    number: int | None = None,
) -> SavedView:
    try:
        with backends.engine.begin() as conn:
            job = repo.get_job(conn, job_id=job_id)
            if job is None:
                raise Problem(404, f"no job {job_id}")
            current = terms_are_current(job)
            info: RevisionInfo
            if action == "undo":
                info = undo_last(
                    conn,
                    backends.store,
                    job_id=job_id,
                    author=body.author,
                    base_revision=base,
                    terms_current=current,
                )
            else:
                assert number is not None
                info = restore_revision(
                    conn,
                    backends.store,
                    job_id=job_id,
                    number=number,
                    author=body.author,
                    base_revision=base,
                    terms_current=current,
                )
            rerun_terms(conn, job_id=job_id)
    except EditConflictError as exc:
        raise conflict(backends, job_id, exc) from None
    except (EditError, TransitionError) as exc:
        raise Problem(409, str(exc)) from None
    request.app.state.orchestrator.flush_outbox()
    return SavedView(
        number=info.number, author=info.author, edits=info.edits, etag=etag(info.number)
    )


@router.post("/jobs/{job_id}/revisions/{number}/restore", status_code=201)
def restore(
    job_id: str,
    number: int,
    body: RestoreRequest,
    request: Request,
    backends: BackendsDep,
    _s: WriteAccess,
    if_match: Annotated[str | None, Header()] = None,
) -> SavedView:
    """Save revision ``number`` again as a new revision (nothing is deleted)."""
    if number < 0:
        raise Problem(404, f"job {job_id} has no revision {number}")
    base = base_of(if_match, body.base_revision)
    return _save(request, backends, job_id, "restore", body, base, number)


@router.post("/jobs/{job_id}/revisions/undo", status_code=201)
def undo(
    job_id: str,
    body: RestoreRequest,
    request: Request,
    backends: BackendsDep,
    _s: WriteAccess,
    if_match: Annotated[str | None, Header()] = None,
) -> SavedView:
    """Undo the last save: the revision before it becomes the latest again (as a new one)."""
    return _save(request, backends, job_id, "undo", body, base_of(if_match, body.base_revision))


@router.get("/jobs/{job_id}/revisions/diff")
def diff(
    job_id: str,
    backends: BackendsDep,
    _s: ReadAccess,
    base: Annotated[int, Query(ge=0, le=100_000, alias="from")],
    target: Annotated[int | None, Query(ge=0, le=100_000, alias="to")] = None,
) -> RevisionDiff:
    """The words that differ from revision ``from`` to ``to`` (default: the latest)."""
    with backends.engine.connect() as conn:
        if repo.get_job(conn, job_id=job_id) is None:
            raise Problem(404, f"no job {job_id}")
        latest = current_number(conn, job_id=job_id)
    target = latest if target is None else target
    if base > latest or target > latest:
        raise Problem(404, f"job {job_id} has no revision {max(base, target)}")
    try:
        return word_diff(backends.store, job_id=job_id, base=base, target=target)
    except NotFoundError:
        raise Problem(404, f"job {job_id} has no transcript yet") from None
