"""Bad input gets a 4xx problem document, and leaves nothing behind."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import LiveApi


def _problem(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    body = response.json()
    assert body["type"].startswith("urn:scribe:problem:")
    assert body["status"] == response.status_code
    return dict(body)


@pytest.mark.parametrize(
    "source",
    [
        "http://127.0.0.1/x.mp4",
        "http://localhost:8000/x.mp4",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/x.mp4",
        "http://192.168.0.10/x.mp4",
        "http://[::1]/x.mp4",
        "ftp://example.org/x.mp4",
        "file:///etc/passwd",
        "s3://someone-elses-bucket/x.mp4",
    ],
)
def test_unsafe_sources_are_refused(live: LiveApi, source: str) -> None:
    settings = live.settings.model_copy(deep=True)
    settings.ingest.allow_hosts = []
    from scribe.errors import ScribeError
    from scribe.ingest import check_source

    with pytest.raises(ScribeError):
        check_source(source, settings)


def test_unsafe_source_over_http_is_a_422(live: LiveApi) -> None:
    with live.client() as client:
        response = client.post(
            "/api/v1/jobs/from-source", json={"source": "http://169.254.169.254/latest/"}
        )
    assert response.status_code == 422
    assert "metadata" in _problem(response)["detail"] or "link-local" in response.text


def test_traversal_in_a_file_name_stays_inside_the_job(live: LiveApi) -> None:
    with live.client() as client:
        response = client.post(
            "/api/v1/jobs", files={"file": ("../../../etc/passwd.mp4", b"not really media")}
        )
    assert response.status_code == 201
    [job] = response.json()["jobs"]
    assert job["filename"] == "passwd.mp4"
    root = live.settings.storage.root
    assert root is not None
    assert (root / "jobs" / job["id"] / "source" / "passwd.mp4").is_file()


def test_unknown_field_bad_option_and_empty_file(live: LiveApi) -> None:
    before = _stored_sources(live)
    with live.client() as client:
        unknown = client.post(
            "/api/v1/jobs", files={"file": ("a.mp4", b"x")}, data={"colour": "red"}
        )
        bad = client.post("/api/v1/jobs", files={"file": ("a.mp4", b"x")}, data={"priority": "now"})
        empty = client.post("/api/v1/jobs", files={"file": ("a.mp4", b"")})
        no_file = client.post("/api/v1/jobs", data={"language": "en"}, files={"x": ("n", b"1")})
        not_multipart = client.post("/api/v1/jobs", json={"file": "a.mp4"})
    assert [r.status_code for r in (unknown, bad, empty, no_file)] == [422] * 4
    assert not_multipart.status_code == 415
    assert "priority" in _problem(bad)["detail"]
    assert _stored_sources(live) == before


def _stored_sources(live: LiveApi) -> set[str]:
    store = live.app_state().backends.store
    return {key for key in store.list("jobs/") if "/source/" in key}


def test_upload_over_the_limit_is_stopped_and_leaves_nothing(live: LiveApi) -> None:
    live.app_state().settings.api.max_upload_bytes = 2 * 1024 * 1024
    before = _stored_sources(live)
    try:
        with live.client() as client:
            response = client.post(
                "/api/v1/jobs", files={"file": ("big.mp4", b"\0" * (5 * 1024 * 1024))}
            )
    finally:
        live.app_state().settings.api.max_upload_bytes = 10 * 1024**3
    assert response.status_code == 413
    assert _problem(response)["type"] == "urn:scribe:problem:payload-too-large"
    assert _stored_sources(live) == before
    root = live.settings.storage.root
    assert root is not None
    assert [p for p in root.rglob("*.part")] == []


def test_manifest_creates_good_lines_and_reports_bad_ones(live: LiveApi) -> None:
    csv_body = (
        "source,title,collection,lesson_number,teacher\n"
        "http://127.0.0.1:9/a.mp4,Lesson A,Blues course,1,Sam\n"
        ",No source,Blues course,2,Sam\n"
        "http://169.254.169.254/x,Metadata,Blues course,3,Sam\n"
        "http://127.0.0.1:9/d.mp4,Lesson D,Blues course,four,Sam\n"
        "http://127.0.0.1:9/e.mp4,Lesson E,Blues course,5,Sam\n"
    )
    with live.client() as client:
        response = client.post(
            "/api/v1/jobs/manifest", content=csv_body, headers={"content-type": "text/csv"}
        )
        assert response.status_code == 201, response.text
        result = response.json()
        assert [j["title"] for j in result["jobs"]] == ["Lesson A", "Lesson E"]
        assert [e["line"] for e in result["errors"]] == [3, 4, 5]
        assert result["jobs"][0]["metadata"] == {"teacher": "Sam"}
        collections = client.get("/api/v1/collections").json()
        blues = [c for c in collections if c["name"] == "Blues course"]
        assert len(blues) == 1 and blues[0]["lessons"] == 2
        jsonl = (
            '{"source": "http://127.0.0.1:9/f.mp4", "title": "F", "priority": "low"}\nnot json\n'
        )
        second = client.post(
            "/api/v1/jobs/manifest",
            content=jsonl,
            headers={"content-type": "application/x-ndjson"},
        ).json()
    assert [j["priority"] for j in second["jobs"]] == ["low"]
    assert second["errors"][0]["line"] == 2 and "JSON" in second["errors"][0]["reason"]


def test_unknown_routes_and_ids_are_problems(live: LiveApi) -> None:
    with live.client() as client:
        assert _problem(client.get("/api/v1/jobs/none"))["status"] == 404
        assert _problem(client.get("/api/v1/nowhere"))["status"] == 404
        assert _problem(client.get("/api/v1/jobs", params={"limit": 0}))["status"] == 422
        assert _problem(client.get("/api/v1/search", params={"q": ""}))["status"] == 422
