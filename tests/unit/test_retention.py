"""The retention policy deletes what expired, rows and artifacts together, and nothing else."""

from __future__ import annotations

from datetime import timedelta

from scribe import artifacts
from scribe.config import RetentionSettings, Settings
from scribe.db import repository as repo
from scribe.db.tables import utcnow
from scribe.domain.jobs import JobState
from scribe.orchestrator.machine import create_job
from scribe.retention import apply_retention
from scribe.services import open_backends


def test_policy_deletes_by_age_and_kind(settings: Settings) -> None:
    backends = open_backends(settings)
    store, engine = backends.store, backends.engine
    ages = {"old": 40, "middle": 10, "young": 1, "running": 40}
    ids = {}
    for name, days in ages.items():
        with engine.begin() as conn:
            job_id = create_job(
                conn, filename=f"{name}.mp4", source_key="", size_bytes=1, options={}
            )
            source = artifacts.source_key(job_id, f"{name}.mp4")
            state = JobState.TRANSCRIBING if name == "running" else JobState.COMPLETED
            repo.update_job(
                conn,
                job_id=job_id,
                source_key=source,
                state=state.value,
                created_at=utcnow() - timedelta(days=days),
            )
        ids[name] = job_id
        for key in (
            source,
            artifacts.artifact_key(job_id, artifacts.AUDIO_WAV),
            artifacts.transcript_key(job_id, "json"),
        ):
            store.put_bytes(key, b"x")
    policy = RetentionSettings(originals_days=5, audio_days=20, transcripts_days=30)

    dry = apply_retention(engine, store, policy, dry_run=True)
    assert (dry.jobs, sorted(dry.originals), dry.audio) == ([ids["old"]], [ids["middle"]], [])
    assert store.exists(artifacts.transcript_key(ids["old"], "json"))

    report = apply_retention(engine, store, policy)
    assert report.jobs == [ids["old"]]
    assert report.originals == [ids["middle"]]
    with engine.connect() as conn:
        assert repo.get_job(conn, job_id=ids["old"]) is None
        middle = repo.get_job(conn, job_id=ids["middle"])
    assert list(store.list(artifacts.job_prefix(ids["old"]))) == []
    assert middle is not None and "originals_deleted_at" in middle.facts["retention"]
    assert not store.exists(middle.source_key)
    assert store.exists(artifacts.transcript_key(ids["middle"], "json"))
    assert store.exists(artifacts.artifact_key(ids["middle"], artifacts.AUDIO_WAV))
    for name in ("young", "running"):
        assert len(list(store.list(artifacts.job_prefix(ids[name])))) == 3
    assert apply_retention(engine, store, policy).originals == []  # idempotent
    backends.close()
