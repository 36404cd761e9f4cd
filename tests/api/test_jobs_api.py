"""Creating jobs every way, the full flow through the workers, and the job commands."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from scribe import artifacts
from tests.api.conftest import LiveApi
from tests.api.servers import serve_files, webhook_receiver
from tests.helpers import LESSON_MP4


def _upload(live: LiveApi, *paths: Path, **fields: str) -> list[dict[str, Any]]:
    handles = [open(p, "rb") for p in paths]  # noqa: SIM115
    try:
        files = [("file", (p.name, h)) for p, h in zip(paths, handles, strict=True)]
        with live.client() as client:
            response = client.post("/api/v1/jobs", files=files, data=fields)
    finally:
        for h in handles:
            h.close()
    assert response.status_code == 201, response.text
    return list(response.json()["jobs"])


def test_multi_file_upload_with_options_runs_to_completion(live: LiveApi, tmp_path: Path) -> None:
    second = tmp_path / "second lesson.mp4"
    second.write_bytes(LESSON_MP4.read_bytes())
    with webhook_receiver() as receiver:
        jobs = _upload(
            live,
            LESSON_MP4,
            second,
            language="en",
            preset="fast",
            priority="high",
            title="Pentatonic basics",
            metadata='{"teacher": "T1"}',
            callback_url=receiver.url,
        )
        assert [j["filename"] for j in jobs] == ["lesson.mp4", "second_lesson.mp4"]
        for job in jobs:
            assert job["priority"] == "high" and job["options"]["preset"] == "fast"
            assert job["metadata"] == {"teacher": "T1"} and job["title"] == "Pentatonic basics"
        done = [live.wait_job(j["id"]) for j in jobs]
        assert [d["state"] for d in done] == ["completed", "completed"]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            completed = [r for r in receiver.received if r.json["event"] == "job.completed"]
            if len(completed) == 2:
                break
            time.sleep(0.1)
    from scribe.net.webhooks import SIGNATURE_HEADER, verify

    assert {r.json["job"]["id"] for r in completed} == {j["id"] for j in jobs}
    for request in completed:
        assert verify("test-secret", request.headers[SIGNATURE_HEADER.lower()], request.body)
        assert request.headers["scribe-event"] == "job.completed"
    with live.client() as client:
        deliveries = client.get(f"/api/v1/jobs/{jobs[0]['id']}/deliveries").json()
    assert [d["status"] for d in deliveries if d["event"] == "job.completed"] == ["delivered"]


def test_url_source_is_downloaded_by_the_extract_worker(live: LiveApi) -> None:
    with serve_files({"/lessons/lesson.mp4": LESSON_MP4}) as base, live.client() as client:
        response = client.post(
            "/api/v1/jobs/from-source",
            json={"source": f"{base}/lessons/lesson.mp4", "title": "From URL"},
        )
        assert response.status_code == 201, response.text
        job = response.json()
        assert job["source_url"].endswith("/lessons/lesson.mp4")
        done = live.wait_job(job["id"])
    assert done["state"] == "completed", done
    store = live.app_state().backends.store
    assert store.size(artifacts.source_key(job["id"], "lesson.mp4")) == LESSON_MP4.stat().st_size


def test_a_redirect_to_the_metadata_address_fails_the_job_with_a_reason(live: LiveApi) -> None:
    redirects = {"/evil.mp4": "http://169.254.169.254/latest/meta-data/"}
    with serve_files({}, redirects) as base, live.client() as client:
        job = client.post("/api/v1/jobs/from-source", json={"source": f"{base}/evil.mp4"}).json()
        done = live.wait_job(job["id"])
    assert done["state"] == "failed" and done["failed_stage"] == "extract"
    assert "169.254.169.254" in done["error"]


def test_cancel_retry_and_delete(live: LiveApi) -> None:
    with live.client() as client:
        # A source that never answers keeps the job in extraction long enough to cancel it.
        [job] = _upload(live, LESSON_MP4, priority="low")
        cancelled = client.post(f"/api/v1/jobs/{job['id']}/cancel")
        assert cancelled.status_code in (200, 409)
        state = live.wait_job(job["id"])
        if state["state"] == "cancelled":
            again = client.post(f"/api/v1/jobs/{job['id']}/cancel")
            assert again.status_code == 409
            assert again.headers["content-type"] == "application/problem+json"
            retried = client.post(f"/api/v1/jobs/{job['id']}/retry")
            assert retried.status_code == 200
            assert live.wait_job(job["id"])["state"] == "completed"
        not_retryable = client.post(f"/api/v1/jobs/{job['id']}/retry")
        assert not_retryable.status_code == 409
        assert client.delete(f"/api/v1/jobs/{job['id']}").status_code == 204
        assert client.get(f"/api/v1/jobs/{job['id']}").status_code == 404
        assert client.delete(f"/api/v1/jobs/{job['id']}").status_code == 204
    store = live.app_state().backends.store
    assert [
        k for k in store.list(artifacts.job_prefix(job["id"])) if not k.endswith("cancelled")
    ] == []


def test_failed_job_retries_from_the_failed_stage(live: LiveApi, tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not media" * 100)
    [job] = _upload(live, broken)
    failed = live.wait_job(job["id"])
    assert failed["state"] == "failed" and failed["failed_stage"] == "extract"
    store = live.app_state().backends.store
    store.put_file(artifacts.source_key(job["id"], "broken.mp4"), LESSON_MP4)  # fix the source
    with live.client() as client:
        assert client.post(f"/api/v1/jobs/{job['id']}/retry").json()["state"] == "extracting"
    done = live.wait_job(job["id"])
    assert done["state"] == "completed" and done["error"] is None


def test_list_filters_and_cursor_pages(live: LiveApi) -> None:
    with live.client() as client:
        collection = client.post("/api/v1/collections", json={"name": "Paging course"}).json()
        for n in range(5):
            with open(LESSON_MP4, "rb") as handle:
                client.post(
                    "/api/v1/jobs",
                    files={"file": (f"page-{n}.mp4", handle)},
                    data={"collection_id": collection["id"], "lesson_number": str(n)},
                )
        seen: list[str] = []
        cursor = None
        while True:
            params = {"collection_id": collection["id"], "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/api/v1/jobs", params=params).json()
            seen += [j["filename"] for j in page["jobs"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == [f"page-{n}.mp4" for n in range(5)]
        assert len(seen) == 5
        found = client.get("/api/v1/jobs", params={"q": "PAGE-3"}).json()["jobs"]
        assert [j["filename"] for j in found] == ["page-3.mp4"]
        bad = client.get("/api/v1/jobs", params={"cursor": "!!!"})
        assert bad.status_code == 422


def test_media_bucket_source(tmp_path: Path, moto_endpoint: str) -> None:
    import boto3

    from tests.api.conftest import api_settings, start_api, stop_api

    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="lesson-library")
    s3.upload_file(str(LESSON_MP4), "lesson-library", "courses/blues/01 intro.mp4")
    settings = api_settings(
        tmp_path / "var",
        ingest={"media_bucket": "lesson-library", "media_endpoint_url": moto_endpoint},
    )
    live = start_api(settings, with_workers=True)
    try:
        with live.client() as client:
            ok = client.post(
                "/api/v1/jobs/from-source",
                json={"source": "s3://lesson-library/courses/blues/01 intro.mp4"},
            )
            missing = client.post(
                "/api/v1/jobs/from-source", json={"source": "s3://lesson-library/none.mp4"}
            ).json()
            other = client.post("/api/v1/jobs/from-source", json={"source": "s3://another/x.mp4"})
        assert ok.status_code == 201 and other.status_code == 422
        assert ok.json()["filename"] == "01_intro.mp4"
        assert live.wait_job(ok.json()["id"])["state"] == "completed"
        failed = live.wait_job(missing["id"])
        assert failed["state"] == "failed" and "does not exist" in failed["error"]
    finally:
        stop_api(live)


def test_a_job_carries_the_request_id_its_response_names(live: LiveApi) -> None:
    """Without an X-Request-ID the middleware makes one: the job keeps that same id (before,
    the route made a second one), and a client's own id is kept as given."""
    from scribe.db import repository as repo

    engine = live.app_state().backends.engine
    for headers in ({}, {"X-Request-ID": "lesson-import-42"}):
        with live.client(**headers) as client, LESSON_MP4.open("rb") as handle:
            response = client.post("/api/v1/jobs", files=[("file", ("a.mp4", handle))])
        assert response.status_code == 201, response.text
        said = response.headers["X-Request-ID"]
        assert said == headers.get("X-Request-ID", said)
        [job] = response.json()["jobs"]
        with engine.connect() as conn:
            stored = repo.get_job(conn, job_id=job["id"])
        assert stored is not None and stored.request_id == said


def test_commands_on_a_missing_job_are_404_problems(live: LiveApi) -> None:
    with live.client() as client:
        for command in ("cancel", "retry"):
            response = client.post(f"/api/v1/jobs/{'0' * 32}/{command}")
            assert response.status_code == 404, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["detail"] == f"no job {'0' * 32}"
