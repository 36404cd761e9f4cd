"""A lesson's metadata and review status, and adding lessons to a collection.

Review goes ``draft → in_review → approved``; a lesson in review can go back to draft, an
approved one back to review or draft (a correction). Each change records who made it and when.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Connection, func, select, update

from scribe.db import library
from scribe.db import repository as repo
from scribe.db.tables import jobs, utcnow
from scribe.domain.jobs import Job
from scribe.errors import LibraryError, NotFoundError

REVIEW_STATUSES = ("draft", "in_review", "approved")
REVIEW_STEPS: dict[str, frozenset[str]] = {
    "draft": frozenset({"in_review"}),
    "in_review": frozenset({"approved", "draft"}),
    "approved": frozenset({"in_review", "draft"}),
}
_TAG = re.compile(r"[^a-z0-9 _.+#-]+")


def clean_tags(value: Any) -> list[str]:
    """Tags as a list of short lower-case words: from a list or a comma-separated string."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    tags: list[str] = []
    for item in items:
        tag = _TAG.sub("", str(item).strip().lower()).strip()[:40]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > 30:
        raise ValueError("at most 30 tags")
    return tags


class LessonPatch(BaseModel):
    """Fields of a lesson to change; a field left out stays, ``null`` clears it."""

    title: str | None = Field(default=None, max_length=255)
    lesson_number: int | None = Field(default=None, ge=0, le=1_000_000)
    description: str | None = Field(default=None, max_length=5000)
    collection_id: str | None = Field(default=None, max_length=36)
    tags: list[str] | None = Field(default=None, max_length=30)
    assignee: str | None = Field(default=None, max_length=255)

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> list[str] | None:
        return None if value is None else clean_tags(value)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None


def _get(conn: Connection, job_id: str) -> Job:
    job = repo.get_job(conn, job_id=job_id)
    if job is None:
        raise NotFoundError(f"no job {job_id}")
    return job


def update_lesson(conn: Connection, *, job_id: str, patch: LessonPatch) -> Job:
    """Change a lesson's title, number, description, collection, tags or assignee."""
    _get(conn, job_id)
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("collection_id") is not None and (
        library.get_collection(conn, collection_id=changes["collection_id"]) is None
    ):
        raise LibraryError(f"no collection {changes['collection_id']}")
    if "description" in changes and changes["description"] is None:
        changes["description"] = ""
    if "tags" in changes and changes["tags"] is None:
        changes["tags"] = []
    if changes:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(updated_at=utcnow(), **changes))
    return _get(conn, job_id)


def set_review(
    conn: Connection, *, job_id: str, status: str, by: str, assignee: str | None = None
) -> Job:
    """Move a lesson's review on one step, recording who and when."""
    job = _get(conn, job_id)
    if status not in REVIEW_STATUSES:
        raise LibraryError(f"unknown review status {status!r}; one of {', '.join(REVIEW_STATUSES)}")
    if status not in REVIEW_STEPS[job.review_status]:
        raise LibraryError(f"a lesson {job.review_status.replace('_', ' ')} cannot go to {status}")
    values: dict[str, Any] = {"review_status": status, "reviewed_by": by, "reviewed_at": utcnow()}
    if assignee is not None:
        values["assignee"] = assignee or None
    conn.execute(update(jobs).where(jobs.c.id == job_id).values(**values))
    return _get(conn, job_id)


def add_lessons(conn: Connection, *, collection_id: str, job_ids: Sequence[str]) -> list[str]:
    """Put existing lessons at the end of a collection, numbered after its last lesson; a
    lesson already there keeps its place. Returns the ids added."""
    if library.get_collection(conn, collection_id=collection_id) is None:
        raise NotFoundError(f"no collection {collection_id}")
    missing = [job_id for job_id in job_ids if repo.get_job(conn, job_id=job_id) is None]
    if missing:
        raise LibraryError(f"no such job(s): {', '.join(missing[:5])}")
    last = conn.execute(
        select(func.max(jobs.c.lesson_number)).where(jobs.c.collection_id == collection_id)
    ).scalar_one_or_none()
    number = int(last or 0)
    added = []
    for job_id in dict.fromkeys(job_ids):
        job = _get(conn, job_id)
        if job.collection_id == collection_id:
            continue
        number += 1
        conn.execute(
            update(jobs)
            .where(jobs.c.id == job_id)
            .values(collection_id=collection_id, lesson_number=number, updated_at=utcnow())
        )
        added.append(job_id)
    return added


class FileDetails(BaseModel):
    """One uploaded file's own details (the multipart ``per_file`` field, in file order)."""

    title: str | None = Field(default=None, max_length=255)
    lesson_number: int | None = Field(default=None, ge=0, le=1_000_000)
    description: str | None = Field(default=None, max_length=5000)
    tags: list[str] | None = Field(default=None, max_length=30)
    collection_id: str | None = Field(default=None, max_length=36)
    collection_name: str | None = Field(default=None, max_length=255)

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> list[str] | None:
        return None if value is None else clean_tags(value)

    @field_validator("collection_name")
    @classmethod
    def _collection_name(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None


def per_file_details(raw: str, files: int) -> list[FileDetails]:
    """The ``per_file`` JSON array: one object per uploaded file (missing ones are empty)."""
    import json

    from pydantic import ValidationError

    try:
        items = json.loads(raw)
    except json.JSONDecodeError:
        raise LibraryError("per_file must be a JSON array of objects") from None
    if not isinstance(items, list) or len(items) > files:
        raise LibraryError(f"per_file must be a JSON array of at most {files} objects")
    try:
        details = [FileDetails.model_validate(item or {}) for item in items]
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise LibraryError(f"per_file: {detail}") from None
    return details + [FileDetails() for _ in range(files - len(details))]


def collection_named(conn: Connection, name: str) -> str:
    """The id of the collection of that name, created when there is none."""
    name = name.strip()
    if not name:
        raise LibraryError("a collection name must not be blank")
    found = library.collection_id_by_name(conn, name=name)
    return found if found is not None else library.create_collection(conn, name=name)


def file_fields(
    conn: Connection,
    mine: FileDetails,
    *,
    title: str | None,
    lesson_number: int | None,
    description: str | None,
    tags: list[str] | None,
    collection_id: str | None,
    collection_name: str | None,
) -> dict[str, Any]:
    """The job fields of one uploaded file: its own details over the request's, a collection
    named by name made when missing."""
    if mine.collection_id or mine.collection_name:
        collection_id, collection_name = mine.collection_id, mine.collection_name
    collection = collection_id
    if collection_name and not collection_id:
        collection = collection_named(conn, collection_name)
    return {
        "title": mine.title or title or None,
        "lesson_number": mine.lesson_number if mine.lesson_number is not None else lesson_number,
        "description": mine.description or description or "",
        "tags": mine.tags if mine.tags is not None else (tags or []),
        "collection_id": collection,
    }
