"""Captions and chapters over HTTP, lesson metadata, review status, collections and find and
replace, on real finished jobs (the lesson video through the real pipeline, twice)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from tests.api.conftest import LiveApi
from tests.helpers import LESSON_MP4


@pytest.fixture(scope="module")
def lessons(live: LiveApi) -> list[dict[str, Any]]:
    """Two uploads in one request, each with its own details, in a collection made by name."""
    per_file = [
        {"title": "Pentatonic warm-up", "lesson_number": 1, "tags": "scales, Warm-up"},
        {
            "title": "Second take",
            "description": "The same lesson again",
            "tags": ["take"],
            "collection_name": "Second takes",
        },
    ]
    with live.client() as client, open(LESSON_MP4, "rb") as one, open(LESSON_MP4, "rb") as two:
        response = client.post(
            "/api/v1/jobs",
            files=[("file", ("lesson.mp4", one)), ("file", ("again.mp4", two))],
            data={"collection_name": "Blues basics", "per_file": json.dumps(per_file)},
        )
    assert response.status_code == 201, response.text
    jobs = response.json()["jobs"]
    return [live.wait_job(job["id"]) for job in jobs]


def _completed_again(live: LiveApi, job_id: str) -> None:
    deadline = time.monotonic() + 120
    with live.client() as client:
        while time.monotonic() < deadline:
            if client.get(f"/api/v1/jobs/{job_id}").json()["state"] == "completed":
                return
            time.sleep(0.2)
    raise TimeoutError(job_id)


def test_upload_sets_each_file_s_details_and_makes_the_collection(
    live: LiveApi, lessons: list[dict[str, Any]]
) -> None:
    first, second = lessons
    assert (first["title"], first["lesson_number"], first["tags"]) == (
        "Pentatonic warm-up",
        1,
        ["scales", "warm-up"],
    )
    assert (second["title"], second["description"], second["tags"]) == (
        "Second take",
        "The same lesson again",
        ["take"],
    )
    assert first["collection_id"] is not None and second["collection_id"] is not None
    assert first["collection_id"] != second["collection_id"]  # the file's own collection
    assert first["review_status"] == "draft" and first["reviewed_by"] is None
    with live.client() as client:
        collections = {c["name"]: c for c in client.get("/api/v1/collections").json()}
        bad = client.post(
            "/api/v1/jobs",
            files={"file": ("x.mp4", b"x")},
            data={"per_file": "[1, 2, 3]"},
        )
    assert collections["Blues basics"]["id"] == first["collection_id"]
    assert collections["Second takes"]["id"] == second["collection_id"]
    assert bad.status_code == 422 and "per_file" in bad.json()["detail"]


def test_captions_keep_the_guidelines_and_are_named_after_the_title(
    live: LiveApi, lessons: list[dict[str, Any]]
) -> None:
    job_id = lessons[0]["id"]
    url = f"/api/v1/jobs/{job_id}/transcript"
    with live.client() as client:
        srt = client.get(url, params={"format": "srt"})
        narrow = client.get(url, params={"format": "srt", "max_chars": 32, "max_lines": 1})
        strict = client.get(url, params={"format": "vtt", "profile": "strict"})
        ttml = client.get(url, params={"format": "ttml"})
        segments = client.get(url, params={"format": "srt", "cues": "segments"})
        unknown = client.get(url, params={"format": "srt", "profile": "cinema"})
        tiny = client.get(url, params={"format": "srt", "max_chars": 2})
    assert srt.status_code == 200
    assert srt.headers["content-disposition"].startswith(
        'inline; filename="lesson-1-pentatonic-warm-up.srt"'
    )
    blocks = [b.splitlines() for b in srt.text.strip().split("\n\n")]
    assert len(blocks) > 3  # the lesson's 133-character segment is split
    assert all(len(b) - 2 <= 2 and all(len(line) <= 42 for line in b[2:]) for b in blocks)
    narrow_blocks = [b.splitlines() for b in narrow.text.strip().split("\n\n")]
    assert all(len(b) == 3 and len(b[2]) <= 32 for b in narrow_blocks)
    assert strict.text.startswith("WEBVTT") and strict.headers["content-type"].startswith(
        "text/vtt"
    )
    assert ttml.headers["content-type"].startswith("application/ttml+xml")
    assert "<tt xmlns=" in ttml.text
    whole = segments.text.strip().split("\n\n")
    # One cue a Whisper segment: at least one is wider than a caption line may be.
    assert len(whole) >= 3 and any(len(b.splitlines()[2]) > 42 for b in whole)
    assert unknown.status_code == 422 and "cinema" in unknown.json()["detail"]
    assert tiny.status_code == 422


def test_chapters_in_three_formats(live: LiveApi, lessons: list[dict[str, Any]]) -> None:
    url = f"/api/v1/jobs/{lessons[0]['id']}/chapters"
    with live.client() as client:
        as_json = client.get(url, params={"min_length": 2})
        youtube = client.get(url, params={"format": "youtube", "min_length": 2})
        vtt = client.get(url, params={"format": "vtt", "min_length": 2})
        missing = client.get("/api/v1/jobs/nope/chapters")
    assert as_json.status_code == 200 and isinstance(as_json.json()["chapters"], list)
    assert youtube.status_code == 200 and youtube.headers["content-type"].startswith("text/plain")
    assert vtt.text.startswith("WEBVTT")
    assert 'pentatonic-warm-up.chapters.txt"' in youtube.headers["content-disposition"]
    assert missing.status_code == 404


def test_patch_changes_and_clears_metadata(live: LiveApi, lessons: list[dict[str, Any]]) -> None:
    job_id = lessons[1]["id"]
    with live.client() as client:
        changed = client.patch(
            f"/api/v1/jobs/{job_id}",
            json={"title": "Blues shuffle", "lesson_number": 2, "tags": ["Shuffle", "blues"]},
        )
        cleared = client.patch(f"/api/v1/jobs/{job_id}", json={"description": None})
        bad = client.patch(f"/api/v1/jobs/{job_id}", json={"collection_id": "nope"})
        wrong = client.patch(f"/api/v1/jobs/{job_id}", json={"lesson_number": -1})
        missing = client.patch("/api/v1/jobs/nope", json={"title": "x"})
        tagged = client.get("/api/v1/jobs", params={"tag": "shuffle"}).json()["jobs"]
    assert changed.status_code == 200, changed.text
    job = changed.json()
    assert (job["title"], job["lesson_number"], job["tags"]) == (
        "Blues shuffle",
        2,
        ["shuffle", "blues"],
    )
    assert job["description"] == "The same lesson again"
    assert cleared.json()["description"] == "" and cleared.json()["title"] == "Blues shuffle"
    assert bad.status_code == 422 and wrong.status_code == 422 and missing.status_code == 404
    assert [j["id"] for j in tagged] == [job_id]


def test_review_goes_step_by_step_with_who_and_when(
    live: LiveApi, lessons: list[dict[str, Any]]
) -> None:
    job_id = lessons[0]["id"]
    url = f"/api/v1/jobs/{job_id}/review"
    with live.client() as client:
        skipped = client.post(url, json={"status": "approved", "by": "editor-a"})
        in_review = client.post(
            url, json={"status": "in_review", "by": "editor-a", "assignee": "reviewer-b"}
        )
        approved = client.post(url, json={"status": "approved", "by": "reviewer-b"})
        listed = client.get("/api/v1/jobs", params={"review_status": "approved"}).json()["jobs"]
        drafts = client.get("/api/v1/jobs", params={"review_status": "draft"}).json()["jobs"]
        nonsense = client.get("/api/v1/jobs", params={"review_status": "done"})
    assert skipped.status_code == 409 and "draft cannot go to approved" in skipped.json()["detail"]
    assert in_review.json()["review_status"] == "in_review"
    assert in_review.json()["assignee"] == "reviewer-b"
    done = approved.json()
    assert (done["review_status"], done["reviewed_by"]) == ("approved", "reviewer-b")
    assert done["reviewed_at"] is not None
    assert [j["id"] for j in listed] == [job_id]
    assert job_id not in {j["id"] for j in drafts} and lessons[1]["id"] in {j["id"] for j in drafts}
    assert nonsense.status_code == 422


def test_collections_take_existing_lessons_and_delete_keeping_them(
    live: LiveApi, lessons: list[dict[str, Any]]
) -> None:
    with live.client() as client:
        course = client.post("/api/v1/collections", json={"name": "Picked lessons"}).json()
        ids = [lesson["id"] for lesson in lessons]
        added = client.post(f"/api/v1/collections/{course['id']}/jobs", json={"job_ids": ids})
        again = client.post(f"/api/v1/collections/{course['id']}/jobs", json={"job_ids": ids[:1]})
        stranger = client.post(
            f"/api/v1/collections/{course['id']}/jobs", json={"job_ids": ["nope"]}
        )
        reordered = client.put(
            f"/api/v1/collections/{course['id']}/order", json={"job_ids": ids[::-1]}
        )
        deleted = client.delete(f"/api/v1/collections/{course['id']}")
        kept = [client.get(f"/api/v1/jobs/{job_id}").json() for job_id in ids]
    assert added.status_code == 200, added.text
    assert [(j["id"], j["lesson_number"]) for j in added.json()["jobs"]] == [
        (ids[0], 1),
        (ids[1], 2),
    ]
    assert [j["id"] for j in again.json()["jobs"]] == ids  # already there: unchanged
    assert stranger.status_code == 422
    assert [j["id"] for j in reordered.json()["jobs"]] == ids[::-1]
    assert deleted.status_code == 204
    assert all(j["state"] == "completed" and j["collection_id"] is None for j in kept)


def test_find_and_replace_previews_then_saves_one_revision_per_lesson(
    live: LiveApi, lessons: list[dict[str, Any]]
) -> None:
    ids = {lesson["id"] for lesson in lessons}
    request = {"find": "metronome slow", "replace": "metronome steady"}
    with live.client() as client:
        preview = client.post("/api/v1/replace/preview", json=request).json()
        one = client.post(
            "/api/v1/replace/preview", json={**request, "job_id": lessons[0]["id"]}
        ).json()
        blank = client.post("/api/v1/replace/preview", json={"find": "  "})
        applied = client.post("/api/v1/replace/apply", json={**request, "author": "editor"})
        assert applied.status_code == 200, applied.text
        for job_id in ids:
            _completed_again(live, job_id)
        after = client.post("/api/v1/replace/preview", json=request).json()
        texts = [
            client.get(f"/api/v1/jobs/{job_id}/transcript", params={"format": "txt"}).text
            for job_id in ids
        ]
        history = [client.get(f"/api/v1/jobs/{job_id}/revisions").json() for job_id in ids]
    mine = [hit for hit in preview["hits"] if hit["job_id"] in ids]
    assert len(mine) == 2 and {hit["job_id"] for hit in mine} == ids
    hit = mine[0]
    assert "metronome slow" in hit["before"] and "metronome steady" in hit["after"]
    assert hit["before"].replace("metronome slow", "metronome steady") == hit["after"]
    assert [h["job_id"] for h in one["hits"]] == [lessons[0]["id"]]
    assert blank.status_code == 422
    made = [r for r in applied.json()["revisions"] if r["job_id"] in ids]
    assert len(made) == 2 and all(r["segments"] == 1 for r in made)
    assert not [h for h in after["hits"] if h["job_id"] in ids]
    assert all("Keep the metronome steady." in text for text in texts)
    assert all(h[-1]["author"] == "editor" and h[-1]["edits"] == 1 for h in history)


def test_manifest_lines_carry_description_and_tags(live: LiveApi) -> None:
    manifest = (
        "source,title,lesson_number,description,tags\n"
        'http://127.0.0.1:9/a.mp4,Lesson A,3,Open chords,"chords, beginner"\n'
    )
    with live.client() as client:
        result = client.post(
            "/api/v1/jobs/manifest", content=manifest, headers={"content-type": "text/csv"}
        ).json()
    [job] = result["jobs"]
    assert (job["description"], job["tags"], job["lesson_number"]) == (
        "Open chords",
        ["chords", "beginner"],
        3,
    )
    assert job["metadata"] == {}


def test_write_routes_refuse_bad_bodies(live: LiveApi) -> None:
    with live.client() as client:
        answers = [
            client.post("/api/v1/jobs/x/review", json={"status": "done", "by": "a"}),
            client.post(
                "/api/v1/replace/preview",
                content=b"{",
                headers={"content-type": "application/json"},
            ),
            client.post("/api/v1/replace/apply", json={"find": "a"}),
            client.post(
                "/api/v1/replace/preview", json={"find": "a", "job_id": "x", "collection_id": "y"}
            ),
        ]
    assert [a.status_code for a in answers] == [422, 422, 422, 422]
    assert all(a.headers["content-type"].startswith("application/problem+json") for a in answers)
    assert httpx.codes.is_client_error(answers[0].status_code)


def test_a_blank_collection_name_puts_the_upload_in_no_collection(live: LiveApi) -> None:
    with live.client() as client:
        response = client.post(
            "/api/v1/jobs", files={"file": ("x.mp4", b"not media")}, data={"collection_name": "  "}
        )
        tagged = client.get("/api/v1/jobs", params={"tag": "%"}).json()["jobs"]
    assert response.status_code == 201, response.text
    assert response.json()["jobs"][0]["collection_id"] is None
    assert tagged == []  # a tag is matched whole, never as a pattern
