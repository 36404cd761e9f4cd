"""Edits as revisions, the editable lexicon with a re-run, analytics and operations."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.api.conftest import LiveApi
from tests.helpers import LESSON_MP4


@pytest.fixture(scope="module")
def done_job(live: LiveApi) -> dict[str, Any]:
    with open(LESSON_MP4, "rb") as handle, live.client() as client:
        [job] = client.post("/api/v1/jobs", files={"file": ("edit.mp4", handle)}).json()["jobs"]
    finished = live.wait_job(job["id"])
    assert finished["state"] == "completed"
    return finished


def _wait_completed_again(live: LiveApi, job_id: str) -> dict[str, Any]:
    time.sleep(0.2)
    return live.wait_job(job_id)


def test_word_and_segment_edits_are_revisions(live: LiveApi, done_job: dict[str, Any]) -> None:
    job_id = done_job["id"]
    with live.client() as client:
        original = client.get(f"/api/v1/jobs/{job_id}/transcript").json()
        first_word = original["segments"][0]["words"][0]["text"].strip()
        last = original["segments"][-1]["index"]
        saved = client.post(
            f"/api/v1/jobs/{job_id}/transcript/edits",
            json={"author": "editor@school", "edits": [{"segment": 0, "word": 0, "text": "Hello"}]},
        )
        assert saved.status_code == 201 and saved.json()["number"] == 1
        assert _wait_completed_again(live, job_id)["state"] == "completed"
        srt = client.get(f"/api/v1/jobs/{job_id}/transcript", params={"format": "srt"}).text
        assert "Hello" in srt.splitlines()[2]
        again = client.post(
            f"/api/v1/jobs/{job_id}/transcript/edits",
            json={
                "author": "editor@school",
                "edits": [{"segment": last, "text": "Use alternate picking with a capo now."}],
            },
        )
        assert again.status_code == 201, again.text
        assert again.json()["number"] == 2
        assert _wait_completed_again(live, job_id)["state"] == "completed"
        latest = client.get(f"/api/v1/jobs/{job_id}/transcript").json()
        edited = latest["segments"][-1]
        assert edited["text"].strip() == "Use alternate picking with a capo now."
        words = edited["words"]
        assert [w["text"].strip() for w in words][:3] == ["Use", "alternate", "picking"]
        assert (
            edited["start"] - 0.01 <= words[0]["start"] <= words[-1]["end"] <= edited["end"] + 0.01
        )
        kept = client.get(f"/api/v1/jobs/{job_id}/transcript", params={"revision": 0}).json()
        assert kept["segments"][0]["words"][0]["text"].strip() == first_word
        revisions = client.get(f"/api/v1/jobs/{job_id}/revisions").json()
        assert [(r["number"], r["author"]) for r in revisions] == [
            (0, "model"),
            (1, "editor@school"),
            (2, "editor@school"),
        ]
        terms = {
            o["term"] for o in client.get(f"/api/v1/jobs/{job_id}/terms").json()["occurrences"]
        }
        assert {"alternate picking", "capo"} <= terms  # recognised in the edited segment
        hits = client.get("/api/v1/search", params={"q": "capo"}).json()["hits"]
        assert job_id in {h["job_id"] for h in hits}
        bad = client.post(
            f"/api/v1/jobs/{job_id}/transcript/edits",
            json={"author": "x", "edits": [{"segment": 999, "text": "nope"}]},
        )
        assert bad.status_code == 422


def test_lexicon_edit_import_export_and_rerun(live: LiveApi) -> None:
    with open(LESSON_MP4, "rb") as handle, live.client() as client:
        [job] = client.post("/api/v1/jobs", files={"file": ("lex.mp4", handle)}).json()["jobs"]
    job_id = job["id"]
    assert live.wait_job(job_id)["state"] == "completed"
    with live.client() as client:
        before = client.get("/api/v1/lexicon").json()
        assert len(before["categories"]) >= 10
        clash = client.put(
            "/api/v1/lexicon/terms",
            json={"category": "gear", "canonical": "metronome", "variants": []},
        )
        assert clash.status_code == 422 and "already belongs" in clash.json()["detail"]
        created = client.post(
            "/api/v1/lexicon/categories", json={"id": "lesson_talk", "label": "Lesson talk"}
        )
        assert created.status_code == 201
        imported = client.post(
            "/api/v1/lexicon/import",
            content="category,canonical,variants\nlesson_talk,welcome back,welcome back everyone\n",
            headers={"content-type": "text/csv"},
        )
        assert imported.status_code == 200 and imported.json()["imported"] == 1
        assert imported.json()["version"] != before["version"]
        csv_text = client.get("/api/v1/lexicon/export", params={"format": "csv"}).text
        assert "lesson_talk,welcome back,welcome back everyone" in csv_text
        rerun = client.post(
            "/api/v1/jobs/rerun-terms", json={"job_ids": [job_id, "missing"]}
        ).json()
        assert [j["id"] for j in rerun["jobs"]] == [job_id] and "missing" in rerun["errors"]
        assert _wait_completed_again(live, job_id)["state"] == "completed"
        occurrences = client.get(f"/api/v1/jobs/{job_id}/terms").json()["occurrences"]
        assert "welcome back" in {o["term"] for o in occurrences}
        removed = client.delete(
            "/api/v1/lexicon/terms", params={"category": "lesson_talk", "canonical": "welcome back"}
        )
        assert removed.status_code == 200
        gone = client.delete(
            "/api/v1/lexicon/terms", params={"category": "lesson_talk", "canonical": "welcome back"}
        )
        assert gone.status_code == 422


def test_analytics_and_operations(live: LiveApi, done_job: dict[str, Any]) -> None:
    with live.client() as client:
        figures = client.get("/api/v1/analytics", params={"days": 7}).json()
        today = figures["jobs_per_day"][-1]
        assert today["created"] >= 1 and today["completed"] >= 1
        assert figures["audio_hours"][-1]["hours"] > 0
        assert 0 < figures["processing"][-1]["mean_rtf"] < 1
        assert figures["top_terms"]
        ops = client.get("/api/v1/operations").json()
        assert ops["health"] == {"queues": "ok", "database": "ok", "blob_store": "ok"}
        assert {q["name"] for q in ops["queues"]} >= {"extract", "transcribe-high", "events"}
        assert {w["stage"] for w in ops["workers"]} == {"extract", "transcribe", "terms"}
        assert client.post("/api/v1/operations/queues/terms/redrive").json()["moved"] == 0
        assert client.post("/api/v1/operations/queues/nope/redrive").status_code == 404
