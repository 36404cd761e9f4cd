"""Lesson metadata, review steps, tag and review filters, and adding lessons to a collection,
on every database (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from scribe.db import library
from scribe.db import repository as repo
from scribe.errors import LibraryError, NotFoundError
from scribe.library.metadata import LessonPatch, add_lessons, set_review, update_lesson
from scribe.orchestrator.machine import create_job


def _job(engine: Engine, name: str, **details: Any) -> str:
    with engine.begin() as conn:
        return create_job(
            conn, filename=name, source_key=f"jobs/x/source/{name}", size_bytes=1, options={},
            **details,
        )  # fmt: skip


def test_metadata_and_tags_filter(engine: Engine) -> None:
    plain = _job(engine, "a.mp4")
    tagged = _job(engine, "b.mp4", tags=["scales", "warm-up"], description="Slow")
    with engine.begin() as conn:
        changed = update_lesson(
            conn,
            job_id=plain,
            patch=LessonPatch.model_validate({"title": " Blues ", "tags": "Blues, shuffle"}),
        )
        by_tag = [j.id for j in repo.list_jobs(conn, tag="warm-up")]
        by_other = [j.id for j in repo.list_jobs(conn, tag="shuffle")]
        none = repo.list_jobs(conn, tag="warm")  # a whole tag, not a part of one
        kept = repo.get_job(conn, job_id=tagged)
    assert (changed.title, changed.tags) == ("Blues", ["blues", "shuffle"])
    assert by_tag == [tagged] and by_other == [plain] and none == []
    assert kept is not None and kept.description == "Slow" and kept.review_status == "draft"


def test_review_steps_record_who_and_when(engine: Engine) -> None:
    job_id = _job(engine, "c.mp4")
    with engine.begin() as conn:
        with pytest.raises(LibraryError, match="draft cannot go to approved"):
            set_review(conn, job_id=job_id, status="approved", by="editor-a")
        set_review(conn, job_id=job_id, status="in_review", by="editor-a", assignee="reviewer-b")
        done = set_review(conn, job_id=job_id, status="approved", by="reviewer-b")
        approved = [j.id for j in repo.list_jobs(conn, review_status="approved")]
        with pytest.raises(NotFoundError):
            set_review(conn, job_id="nope", status="draft", by="x")
    assert (done.review_status, done.reviewed_by, done.assignee) == (
        "approved",
        "reviewer-b",
        "reviewer-b",
    )
    assert done.reviewed_at is not None and done.reviewed_at.tzinfo is not None
    assert approved == [job_id]


def test_adding_lessons_numbers_them_after_the_last(engine: Engine) -> None:
    with engine.begin() as conn:
        course = library.create_collection(conn, name="Course")
    first = _job(engine, "d.mp4", collection_id=course, lesson_number=4)
    second, third = _job(engine, "e.mp4"), _job(engine, "f.mp4")
    with engine.begin() as conn:
        added = add_lessons(conn, collection_id=course, job_ids=[second, first, third, second])
        numbers = {j.id: j.lesson_number for j in repo.list_jobs(conn, collection_id=course)}
        with pytest.raises(LibraryError):
            add_lessons(conn, collection_id=course, job_ids=["nope"])
    assert added == [second, third]
    assert numbers == {first: 4, second: 5, third: 6}
