"""Collections, search, artifacts in every format and ranged media, on a real finished job."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import LiveApi
from tests.helpers import LESSON_MP4


@pytest.fixture(scope="module")
def finished(live: LiveApi) -> dict[str, Any]:
    with live.client() as client:
        collection = client.post(
            "/api/v1/collections", json={"name": "Scales course", "description": "Scales"}
        ).json()
        with open(LESSON_MP4, "rb") as handle:
            [job] = client.post(
                "/api/v1/jobs",
                files={"file": ("lesson.mp4", handle)},
                data={"collection_id": collection["id"], "title": "Pentatonic"},
            ).json()["jobs"]
    done = live.wait_job(job["id"])
    assert done["state"] == "completed", done
    return {"job": done, "collection": collection}


def test_search_finds_time_coded_hits(live: LiveApi, finished: dict[str, Any]) -> None:
    job = finished["job"]
    with live.client() as client:
        hits = client.get("/api/v1/search", params={"q": "pentatonic scale"}).json()["hits"]
        mine = [h for h in hits if h["job_id"] == job["id"]]
        assert mine, hits
        assert "<mark>" in mine[0]["snippet"]
        assert 0 <= mine[0]["start"] < mine[0]["end"] <= job["audio_duration"] + 0.1
        by_term = client.get(
            "/api/v1/search", params={"q": "pentatonic", "term": "minor pentatonic"}
        ).json()["hits"]
        assert [h["job_id"] for h in by_term] == [job["id"]]
        none = client.get("/api/v1/search", params={"q": "pentatonic", "term": "drop D"}).json()[
            "hits"
        ]
        assert none == []
        odd = client.get("/api/v1/search", params={"q": 'AND OR "( NEAR *'})
        assert odd.status_code == 200


def test_collection_figures_and_order(live: LiveApi, finished: dict[str, Any]) -> None:
    collection, job = finished["collection"], finished["job"]
    with live.client() as client:
        figures = client.get(f"/api/v1/collections/{collection['id']}/figures").json()
        assert figures["lessons"] == 1
        assert figures["hours"] == pytest.approx(job["audio_duration"] / 3600, abs=1e-3)
        assert 0 < figures["mean_confidence"] <= 1
        assert "minor pentatonic" in [t["term"] for t in figures["top_terms"]]
        ordered = client.put(
            f"/api/v1/collections/{collection['id']}/order", json={"job_ids": [job["id"]]}
        ).json()
        assert ordered["jobs"][0]["lesson_number"] == 1
        renamed = client.patch(
            f"/api/v1/collections/{collection['id']}", json={"name": "Scales 101"}
        ).json()
        assert renamed["name"] == "Scales 101"
        stranger = client.put(
            f"/api/v1/collections/{collection['id']}/order", json={"job_ids": ["nope"]}
        )
        assert stranger.status_code == 422


@pytest.mark.parametrize(
    ("params", "accept", "expected_type", "starts"),
    [
        ({"format": "srt"}, None, "application/x-subrip", "1\n"),
        ({}, "text/vtt", "text/vtt", "WEBVTT"),
        ({"format": "tsv"}, None, "text/tab-separated-values", "start\tend\ttext"),
        ({}, "text/plain", "text/plain", "Welcome"),
        ({}, None, "application/json", "{"),
    ],
)
def test_transcript_formats(
    live: LiveApi,
    finished: dict[str, Any],
    params: dict[str, str],
    accept: str | None,
    expected_type: str,
    starts: str,
) -> None:
    headers = {"accept": accept} if accept else {}
    with live.client(**headers) as client:
        response = client.get(f"/api/v1/jobs/{finished['job']['id']}/transcript", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(expected_type)
    assert response.text.lstrip().startswith(starts)


def test_terms_as_csv(live: LiveApi, finished: dict[str, Any]) -> None:
    with live.client() as client:
        csv_text = client.get(
            f"/api/v1/jobs/{finished['job']['id']}/terms", params={"format": "csv"}
        ).text
    lines = csv_text.splitlines()
    assert lines[0] == "term,category,text,start,end,segment,context"
    assert any(line.startswith("minor pentatonic,scale,") for line in lines)


def test_media_and_audio_support_ranges(live: LiveApi, finished: dict[str, Any]) -> None:
    job_id = finished["job"]["id"]
    original = LESSON_MP4.read_bytes()
    with live.client() as client:
        whole = client.get(f"/api/v1/jobs/{job_id}/media")
        part = client.get(f"/api/v1/jobs/{job_id}/media", headers={"range": "bytes=100-199"})
        tail = client.get(f"/api/v1/jobs/{job_id}/media", headers={"range": "bytes=-50"})
        beyond = client.get(
            f"/api/v1/jobs/{job_id}/media", headers={"range": f"bytes={len(original)}-"}
        )
        audio = client.get(f"/api/v1/jobs/{job_id}/audio", headers={"range": "bytes=0-43"})
    assert whole.content == original and whole.headers["accept-ranges"] == "bytes"
    assert part.status_code == 206 and part.content == original[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(original)}"
    assert tail.content == original[-50:]
    assert beyond.status_code == 416
    assert audio.status_code == 206 and audio.content[:4] == b"RIFF"
