"""Search by a term's canonical name or any spelling, the term filter on its own, and lexicon
saves that merge spellings and say what changed."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.api.conftest import LiveApi
from tests.helpers import LESSON_MP4


@pytest.fixture(scope="module")
def chord_job(live: LiveApi) -> dict[str, Any]:
    """A lesson whose last passage says a chord the terms panel shows as "C#m7"."""
    with open(LESSON_MP4, "rb") as handle, live.client() as client:
        [job] = client.post("/api/v1/jobs", files={"file": ("chords.mp4", handle)}).json()["jobs"]
    assert live.wait_job(job["id"])["state"] == "completed"
    with live.client() as client:
        last = client.get(f"/api/v1/jobs/{job['id']}/transcript").json()["segments"][-1]
        saved = client.post(
            f"/api/v1/jobs/{job['id']}/transcript/edits",
            json={
                "author": "ana",
                "base_revision": 0,
                "edits": [{"segment": last["index"], "text": "Now play C sharp minor seven."}],
            },
        )
        assert saved.status_code == 201, saved.text
        time.sleep(0.2)
        assert live.wait_job(job["id"])["state"] == "completed"
        occurrences = client.get(f"/api/v1/jobs/{job['id']}/terms").json()["occurrences"]
    [chord] = [o for o in occurrences if o["term"] == "C#m7"]
    return {**job, "chord": chord, "segment": last["index"]}


def _hits(live: LiveApi, **params: str) -> list[dict[str, Any]]:
    with live.client() as client:
        got = client.get("/api/v1/search", params=params)
    assert got.status_code == 200, got.text
    hits: list[dict[str, Any]] = got.json()["hits"]
    return hits


def test_a_term_is_found_by_its_name_and_by_how_it_was_said(
    live: LiveApi, chord_job: dict[str, Any]
) -> None:
    job_id, chord = chord_job["id"], chord_job["chord"]
    for query in ("C#m7", "c#m7", "C sharp minor seven"):
        hits = [h for h in _hits(live, q=query) if h["job_id"] == job_id]
        assert [h["segment"] for h in hits] == [chord_job["segment"]], (query, hits)
        assert abs(hits[0]["start"] - chord["start"]) < 0.01
        assert "<mark>" in hits[0]["snippet"]
    # The term filter on its own: every moment the term was said, by name or spelling.
    for term in ("C#m7", "C sharp minor seven"):
        alone = [h for h in _hits(live, term=term) if h["job_id"] == job_id]
        assert [h["segment"] for h in alone] == [chord_job["segment"]], term
    # With words, it keeps only the moments where the term was said.
    assert [h for h in _hits(live, q="play", term="C#m7") if h["job_id"] == job_id]
    assert not [h for h in _hits(live, q="welcome", term="C#m7") if h["job_id"] == job_id]
    with live.client() as client:
        assert client.get("/api/v1/search").status_code == 422


def test_saving_a_term_merges_spellings_and_says_what_changed(live: LiveApi) -> None:
    with live.client() as client:
        url = "/api/v1/lexicon/terms"
        first = client.put(
            url,
            json={
                "category": "technique",
                "canonical": "thumb thwack",
                "variants": ["thwack", "thumbing"],
            },
        ).json()
        assert first["created"] is True and first["added"] == ["thwack", "thumbing"]
        # One new spelling: the others stay, and the answer says so.
        more = client.put(
            url,
            json={"category": "technique", "canonical": "thumb thwack", "variants": ["thwacking"]},
        ).json()
        assert more["created"] is False
        assert more["added"] == ["thwacking"] and more["removed"] == []
        assert sorted(more["kept"]) == ["thumbing", "thwack"]
        lexicon = client.get("/api/v1/lexicon").json()
        [term] = [
            t
            for c in lexicon["categories"]
            if c["id"] == "technique"
            for t in c["terms"]
            if t["canonical"] == "thumb thwack"
        ]
        assert sorted(term["variants"]) == ["thumbing", "thwack", "thwacking"]
        # A spelling goes only when named; replace makes the list whole.
        gone = client.put(
            url,
            json={
                "category": "technique",
                "canonical": "thumb thwack",
                "variants": [],
                "remove": ["thumbing"],
            },
        ).json()
        assert gone["removed"] == ["thumbing"] and sorted(gone["kept"]) == ["thwack", "thwacking"]
        whole = client.put(
            url,
            json={
                "category": "technique",
                "canonical": "thumb thwack",
                "variants": ["thumb thwackping"],
                "replace": True,
            },
        ).json()
        assert sorted(whole["removed"]) == ["thwack", "thwacking"]
        assert whole["added"] == ["thumb thwackping"]
        bad = client.put(url, json={"category": "nope", "canonical": "x", "variants": []})
        assert bad.status_code == 422
