"""Edits that cannot land on the wrong words (ETag / base revision, 409 with the latest text),
restore, undo and word diffs, job times that edits leave alone, terms per revision, and word
times re-aligned against the audio after an edit (real model, real LibriVox speech)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.api.conftest import LiveApi
from tests.helpers import LESSON_MP4, LIBRIVOX

CLIP = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0870.wav"


def _upload(live: LiveApi, path: Any, name: str) -> dict[str, Any]:
    with open(path, "rb") as handle, live.client() as client:
        [job] = client.post("/api/v1/jobs", files={"file": (name, handle)}).json()["jobs"]
    finished = live.wait_job(job["id"])
    assert finished["state"] == "completed", finished
    return finished


@pytest.fixture(scope="module")
def lesson(live: LiveApi) -> dict[str, Any]:
    return _upload(live, LESSON_MP4, "conflict.mp4")


@pytest.fixture(scope="module")
def speech(live: LiveApi) -> dict[str, Any]:
    return _upload(live, CLIP, "speech.wav")


def _settle(live: LiveApi, job_id: str) -> dict[str, Any]:
    time.sleep(0.2)
    return live.wait_job(job_id)


def test_a_stale_edit_is_refused_with_the_latest_text(
    live: LiveApi, lesson: dict[str, Any]
) -> None:
    job_id = lesson["id"]
    url = f"/api/v1/jobs/{job_id}/transcript/edits"
    with live.client() as client:
        got = client.get(f"/api/v1/jobs/{job_id}/transcript")
        assert got.headers["etag"] == '"r0"'
        first = {"segment": 0, "word": 0, "text": "Tonight"}
        saved = client.post(
            url, json={"author": "ana", "edits": [first]}, headers={"If-Match": '"r0"'}
        )
        assert saved.status_code == 201, saved.text
        assert saved.headers["etag"] == '"r1"'
        _settle(live, job_id)
        # A second editor whose page still shows revision 0: refused, with the newer text.
        stale = client.post(
            url,
            json={"author": "ben", "edits": [{"segment": 0, "word": 1, "text": "x"}]},
            headers={"If-Match": '"r0"'},
        )
        assert stale.status_code == 409, stale.text
        problem = stale.json()
        assert stale.headers["content-type"].startswith("application/problem+json")
        assert problem["current_revision"] == 1 and problem["etag"] == '"r1"'
        assert problem["segments"][0]["text"].startswith("Tonight")
        # The same with the body field; a field that disagrees with the header is a 400.
        body = {"author": "ben", "edits": [first], "base_revision": 0}
        assert client.post(url, json=body).status_code == 409
        clash = client.post(url, json={**body, "base_revision": 1}, headers={"If-Match": '"r0"'})
        assert clash.status_code == 400
        assert client.post(url, json=body, headers={"If-Match": "rubbish"}).status_code == 400
        # Re-applied on the latest revision it lands.
        redo = {"author": "ben", "edits": [{"segment": 0, "word": 1, "text": "we"}]}
        again = client.post(url, json={**redo, "base_revision": 1})
        assert again.status_code == 201 and again.json()["number"] == 2
        _settle(live, job_id)
        words = client.get(f"/api/v1/jobs/{job_id}/transcript").json()["segments"][0]["words"]
        assert [w["text"].strip() for w in words[:2]] == ["Tonight", "we"]


def test_edits_leave_the_job_times_and_revision_zero_keeps_the_model_s(
    live: LiveApi, lesson: dict[str, Any]
) -> None:
    job_id = lesson["id"]
    with live.client() as client:
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        assert job["completed_at"] == lesson["completed_at"]
        before = {s["stage"]: (s["started_at"], s["finished_at"]) for s in lesson["stages"]}
        after = {s["stage"]: (s["started_at"], s["finished_at"]) for s in job["stages"]}
        assert after == before
        revisions = client.get(f"/api/v1/jobs/{job_id}/revisions").json()
        assert revisions[0]["created_at"] <= revisions[1]["created_at"]
        assert revisions[0]["created_at"] <= lesson["completed_at"]


def test_restore_undo_and_word_diff(live: LiveApi, lesson: dict[str, Any]) -> None:
    job_id = lesson["id"]
    with live.client() as client:
        latest = int(client.get(f"/api/v1/jobs/{job_id}/transcript").headers["x-revision"])
        assert latest >= 2
        diff = client.get(f"/api/v1/jobs/{job_id}/revisions/diff", params={"from": 0}).json()
        assert diff["target"] == latest
        original = client.get(f"/api/v1/jobs/{job_id}/transcript", params={"revision": 0})
        first_words = [w["text"].strip() for w in original.json()["segments"][0]["words"][:2]]
        [change, *_] = diff["changes"]
        assert change["op"] == "replace" and change["added"] == ["Tonight", "we"]
        assert change["removed"] == first_words
        restored = client.post(
            f"/api/v1/jobs/{job_id}/revisions/0/restore",
            json={"author": "ana", "base_revision": latest},
        )
        assert restored.status_code == 201, restored.text
        _settle(live, job_id)
        words = client.get(f"/api/v1/jobs/{job_id}/transcript").json()["segments"][0]["words"]
        assert words == original.json()["segments"][0]["words"]  # words and times come back exactly
        assert (
            client.get(f"/api/v1/jobs/{job_id}/revisions/diff", params={"from": 0}).json()[
                "changes"
            ]
            == []
        )
        undone = client.post(
            f"/api/v1/jobs/{job_id}/revisions/undo",
            json={"author": "ana"},
            headers={"If-Match": f'"r{latest + 1}"'},
        )
        assert undone.status_code == 201, undone.text
        _settle(live, job_id)
        first = client.get(f"/api/v1/jobs/{job_id}/transcript").json()["segments"][0]["words"]
        assert first[0]["text"].strip() == "Tonight"
        listed = client.get(f"/api/v1/jobs/{job_id}/revisions").json()
        assert [(r["action"], r["restored"]) for r in listed[-2:]] == [
            ("restore", 0),
            ("undo", latest),
        ]
        stale_undo = client.post(
            f"/api/v1/jobs/{job_id}/revisions/undo", json={"author": "x", "base_revision": 0}
        )
        assert stale_undo.status_code == 409
        missing = client.post(f"/api/v1/jobs/{job_id}/revisions/99/restore", json={"author": "x"})
        assert missing.status_code == 404


def test_terms_follow_the_revision_being_read(live: LiveApi, lesson: dict[str, Any]) -> None:
    job_id = lesson["id"]
    with live.client() as client:
        latest = int(client.get(f"/api/v1/jobs/{job_id}/transcript").headers["x-revision"])
        last = client.get(f"/api/v1/jobs/{job_id}/transcript").json()["segments"][-1]
        saved = client.post(
            f"/api/v1/jobs/{job_id}/transcript/edits",
            json={
                "author": "ana",
                "base_revision": latest,
                "edits": [{"segment": last["index"], "text": "Use a capo and palm muting."}],
            },
        )
        assert saved.status_code == 201, saved.text
        _settle(live, job_id)
        now = {o["term"] for o in client.get(f"/api/v1/jobs/{job_id}/terms").json()["occurrences"]}
        before = client.get(f"/api/v1/jobs/{job_id}/terms", params={"revision": latest})
        assert before.status_code == 200
        then = {o["term"] for o in before.json()["occurrences"]}
        assert "capo" in now and "capo" not in then


def test_edited_words_are_realigned_to_where_they_are_said(
    live: LiveApi, speech: dict[str, Any]
) -> None:
    job_id = speech["id"]
    with live.client() as client:
        transcript = client.get(f"/api/v1/jobs/{job_id}/transcript").json()
        segment = max(transcript["segments"], key=lambda s: len(s["words"]))
        truth = segment["words"]  # the model's own word times on untouched speech
        assert len(truth) >= 8
        # The same speech typed again with a different word count: every word changed (upper
        # case) and the longest word typed as two. Each word must land within 0.2 s of where
        # the model heard it (the halves: the first at the word's start, both inside it).
        long = max(range(1, len(truth) - 1), key=lambda i: len(truth[i]["text"].strip()))
        spelled = [w["text"].strip().upper() for w in truth]
        head, tail = (
            spelled[long][: len(spelled[long]) // 2],
            spelled[long][len(spelled[long]) // 2 :],
        )
        typed = [*spelled[:long], head, tail, *spelled[long + 1 :]]
        text = " ".join(typed)
        saved = client.post(
            f"/api/v1/jobs/{job_id}/transcript/edits",
            json={
                "author": "ana",
                "base_revision": 0,
                "edits": [{"segment": segment["index"], "text": text}],
            },
        )
        assert saved.status_code == 201, saved.text
        _settle(live, job_id)
        edited = client.get(f"/api/v1/jobs/{job_id}/transcript").json()
        words = next(s for s in edited["segments"] if s["index"] == segment["index"])["words"]
        assert [w["text"].strip() for w in words] == typed
        said = [*truth[: long + 1], truth[long], *truth[long + 1 :]]
        errors = [abs(w["start"] - t["start"]) for w, t in zip(words, said, strict=True)]
        errors[long + 1] = max(0.0, truth[long]["start"] - words[long + 1]["start"]) + max(
            0.0, words[long + 1]["start"] - truth[long]["end"]
        )
        assert max(errors) <= 0.2, errors
        # A word typed with a space becomes two words, timed inside the old word's span;
        # every other word keeps its times exactly.
        index = 3
        old = words[index]
        split = client.post(
            f"/api/v1/jobs/{job_id}/transcript/edits",
            json={
                "author": "ana",
                "base_revision": 1,
                "edits": [{"segment": segment["index"], "word": index, "text": "PART A"}],
            },
        )
        assert split.status_code == 201, split.text
        _settle(live, job_id)
        after = client.get(f"/api/v1/jobs/{job_id}/transcript").json()
        now = next(s for s in after["segments"] if s["index"] == segment["index"])["words"]
        assert [w["text"].strip() for w in now[index : index + 2]] == ["PART", "A"]
        assert now[:index] == words[:index] and now[index + 2 :] == words[index + 1 :]
        assert old["start"] - 0.2 <= now[index]["start"] <= now[index + 1]["end"]
        assert now[index + 1]["end"] <= old["end"] + 0.2
