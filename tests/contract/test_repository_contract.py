"""Repositories and the state machine on every database (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Engine

from scribe.db import repository as repo
from scribe.domain.jobs import JobState, Stage
from scribe.messages import EventType, StageEvent
from scribe.orchestrator.machine import apply_event, create_job


def _job(engine: Engine, name: str = "a.mp4") -> str:
    with engine.begin() as conn:
        return create_job(
            conn,
            filename=name,
            source_key=f"jobs/x/source/{name}",
            size_bytes=10,
            options={"language": "en"},
            request_id="r1",
        )


def test_create_and_read_a_job_with_its_first_message(engine: Engine) -> None:
    job_id = _job(engine)
    with engine.connect() as conn:
        job = repo.get_job(conn, job_id=job_id)
        pending = repo.pending_outbox(conn)
    assert job is not None
    assert job.state == JobState.QUEUED
    assert job.options == {"language": "en"}
    assert job.created_at.tzinfo is not None
    assert [(run.stage, run.state) for run in job.stages] == [(Stage.EXTRACT, "queued")]
    assert [(queue, body["job_id"]) for _, queue, body in pending] == [("extract", job_id)]


def test_transition_is_compare_and_set(engine: Engine) -> None:
    job_id = _job(engine)
    with engine.begin() as conn:
        assert repo.transition(
            conn, job_id=job_id, from_states=[JobState.QUEUED], to_state=JobState.EXTRACTING
        )
        assert not repo.transition(
            conn, job_id=job_id, from_states=[JobState.QUEUED], to_state=JobState.FAILED
        )
        assert repo.get_job(conn, job_id=job_id).state == JobState.EXTRACTING  # type: ignore[union-attr]


def test_list_filters_and_orders_newest_first(engine: Engine) -> None:
    ids = [_job(engine, f"{n}.mp4") for n in range(5)]
    with engine.begin() as conn:
        repo.transition(
            conn, job_id=ids[1], from_states=[JobState.QUEUED], to_state=JobState.FAILED
        )
        listed = repo.list_jobs(conn, limit=10)
        failed = repo.list_jobs(conn, state=JobState.FAILED)
        counts = repo.count_jobs_by_state(conn)
    assert [job.id for job in listed] == list(reversed(ids))
    assert [job.id for job in failed] == [ids[1]]
    assert counts == {"queued": 4, "failed": 1}


def test_events_drive_a_job_to_completion_and_duplicates_change_nothing(engine: Engine) -> None:
    job_id = _job(engine)
    events = [
        StageEvent(type=EventType.STARTED, job_id=job_id, stage=Stage.EXTRACT),
        StageEvent(type=EventType.PROGRESS, job_id=job_id, stage=Stage.EXTRACT, progress=0.5),
        StageEvent(
            type=EventType.COMPLETED,
            job_id=job_id,
            stage=Stage.EXTRACT,
            outputs={"next_input": "jobs/x/audio.wav"},
            facts={"audio": {"duration": 61.5}},
        ),
        StageEvent(type=EventType.STARTED, job_id=job_id, stage=Stage.TRANSCRIBE),
        StageEvent(
            type=EventType.COMPLETED,
            job_id=job_id,
            stage=Stage.TRANSCRIBE,
            outputs={"next_input": "jobs/x/transcript.json"},
        ),
        StageEvent(type=EventType.STARTED, job_id=job_id, stage=Stage.TERMS),
        StageEvent(type=EventType.COMPLETED, job_id=job_id, stage=Stage.TERMS),
    ]
    with engine.begin() as conn:
        applied = [apply_event(conn, event) for event in events]
        replayed = [apply_event(conn, event) for event in events]
        job = repo.get_job(conn, job_id=job_id)
        queues = [queue for _, queue, _ in repo.pending_outbox(conn)]
    assert all(applied)
    assert not any(replayed)
    assert job is not None and job.state == JobState.COMPLETED
    assert job.audio_duration == 61.5
    assert job.progress == 1.0
    assert queues == ["extract", "transcribe", "terms"]


def test_a_permanent_failure_records_stage_and_reason(engine: Engine) -> None:
    job_id = _job(engine)
    with engine.begin() as conn:
        apply_event(conn, StageEvent(type=EventType.STARTED, job_id=job_id, stage=Stage.EXTRACT))
        apply_event(
            conn,
            StageEvent(
                type=EventType.FAILED,
                job_id=job_id,
                stage=Stage.EXTRACT,
                error="no audio stream found",
            ),
        )
        job = repo.get_job(conn, job_id=job_id)
    assert job is not None
    assert (job.state, job.failed_stage, job.error) == (
        JobState.FAILED,
        Stage.EXTRACT,
        "no audio stream found",
    )
    assert job.stages[0].state == "failed"


def test_full_text_search_with_filters(engine: Engine) -> None:
    from scribe.db import library
    from scribe.domain.terms import TermOccurrence, TermsResult
    from scribe.domain.transcript import Segment, Transcript

    first = _job(engine, "one.mp4")
    second = _job(engine, "two.mp4")
    with engine.begin() as conn:
        course = library.create_collection(conn, name="Picking course")
        repo.update_job(conn, job_id=first, collection_id=course, title="Alternate picking")
        for job_id, texts in (
            (first, ["Today we practise alternate picking slowly.", "Then the G major chord."]),
            (second, ["Hybrid picked notes sound bright.", "Nothing to see <b>here</b>."]),
        ):
            transcript = Transcript(
                language="en",
                language_probability=1.0,
                duration=20.0,
                model="t",
                segments=[
                    Segment(index=i, start=i * 5.0, end=i * 5.0 + 4.0, text=text)
                    for i, text in enumerate(texts)
                ],
            )
            library.replace_segments(conn, job_id=job_id, transcript=transcript)
        library.replace_terms(
            conn,
            job_id=first,
            result=TermsResult(
                lexicon_version="v",
                occurrences=[
                    TermOccurrence(
                        term="alternate picking",
                        category="technique",
                        text="alternate picking",
                        start=1.0,
                        end=2.0,
                        segment=0,
                        context="",
                    )
                ],
            ),
        )
        everything = library.search_segments(conn, query="picking")
        in_course = library.search_segments(conn, query="picking", collection_id=course)
        with_term = library.search_segments(conn, query="picking", term="Alternate Picking")
        escaped = library.search_segments(conn, query="nothing see")
        nothing = library.search_segments(conn, query='"( NEAR AND')
    assert {(h.job_id, h.segment) for h in everything} == {(first, 0), (second, 0)}  # stemmed
    assert [(h.job_id, h.start, h.end) for h in in_course] == [(first, 0.0, 4.0)]
    assert [h.job_id for h in with_term] == [first]
    assert "<mark>" in in_course[0].snippet and in_course[0].job_title == "Alternate picking"
    # The transcript's own markup never reaches the page as markup (escaped or dropped).
    assert "<b>" not in escaped[0].snippet and "here" in escaped[0].snippet
    assert nothing == []
