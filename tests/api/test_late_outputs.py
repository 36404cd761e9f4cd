"""A job deleted or cancelled while a worker holds it leaves nothing behind and serves nothing.

The worker's run is real (the extract stage on the lesson video); the deletion is injected at
the worst moment, right before the worker stores its output, through a store that runs the
api's delete procedure first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from scribe import artifacts, tombstone_sweep, tombstones
from scribe.domain.jobs import Stage
from scribe.messages import EventType, StageTask
from scribe.queues import EVENTS_QUEUE, open_broker
from scribe.stages.extract.handler import ExtractHandler
from scribe.storage import BlobStore, open_store
from scribe.worker.runner import Worker
from tests.api.conftest import LiveApi, api_settings
from tests.helpers import LESSON_MP4


class DeleteBeforeWrite:
    """A blob store that deletes the job (as ``DELETE /jobs/{id}`` does) just before the
    worker stores the extracted audio."""

    def __init__(self, store: BlobStore, job_id: str) -> None:
        self._store = store
        self._job_id = job_id

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        if key.endswith(artifacts.AUDIO_WAV):
            tombstones.mark(self._store, self._job_id, "deleted")
            self._store.delete_prefix(artifacts.job_prefix(self._job_id))
        self._store.put_file(key, path, content_type=content_type)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_a_job_deleted_mid_stage_gets_no_late_outputs(tmp_path: Path) -> None:
    settings = api_settings(tmp_path / "var")
    store = open_store(settings)
    broker = open_broker(settings)
    job_id = "0123456789abcdef0123456789abcdef"
    source = artifacts.artifact_key(job_id, "source.mp4")
    store.put_file(source, LESSON_MP4)
    queue = broker.queue("extract")
    task = StageTask(job_id=job_id, stage=Stage.EXTRACT, input_key=source)
    queue.send(task.model_dump(mode="json"))
    worker = Worker(
        handler=ExtractHandler(settings),
        queue=queue,
        events=broker.queue(EVENTS_QUEUE),
        store=cast(BlobStore, DeleteBeforeWrite(store, job_id)),
        settings=settings,
    )
    assert worker.run_once(wait_seconds=1)
    assert list(store.list(artifacts.job_prefix(job_id))) == []
    assert not store.path_of(artifacts.job_prefix(job_id).rstrip("/")).exists()  # type: ignore[attr-defined]
    events = broker.queue(EVENTS_QUEUE).receive(max_messages=10, visibility_timeout=60)
    assert EventType.COMPLETED.value not in [m.body["type"] for m in events]
    assert queue.counts().visible == 0 and queue.counts().in_flight == 0


def test_a_cancelled_job_serves_no_transcript_and_a_deleted_one_leaves_nothing(
    live: LiveApi,
) -> None:
    backends = live.app_state().backends
    with live.client() as client:
        with open(LESSON_MP4, "rb") as handle:
            [job] = client.post(
                "/api/v1/jobs", files={"file": ("lesson.mp4", handle)}, data={"priority": "low"}
            ).json()["jobs"]
        cancelled = client.post(f"/api/v1/jobs/{job['id']}/cancel")
        if cancelled.status_code == 409:  # it finished first: nothing to test on this one
            return
        assert cancelled.json()["state"] == "cancelled"
        assert cancelled.json()["completed_at"] is None
        # A worker that missed the cancel writes its transcript late:
        backends.store.put_bytes(artifacts.transcript_key(job["id"], "json"), b"{}")
        late = client.get(f"/api/v1/jobs/{job['id']}/transcript")
        assert late.status_code == 409 and "cancelled" in late.json()["detail"]
        assert client.delete(f"/api/v1/jobs/{job['id']}").status_code == 204
    assert list(backends.store.list(artifacts.job_prefix(job["id"]))) == []
    # ... and one that writes even later is swept, with the tombstone once it has aged.
    backends.store.put_bytes(artifacts.transcript_key(job["id"], "txt"), b"late")
    report = tombstone_sweep.sweep(backends.engine, backends.store, grace_seconds=0)
    assert job["id"] in report.folders_removed and job["id"] in report.tombstones_removed
    assert list(backends.store.list(artifacts.job_prefix(job["id"]))) == []
    assert list(backends.store.list(tombstones.PREFIX)) == []
