"""Poison files fail with reasons (or complete), alongside good jobs, with nothing crashing;
SIGTERM in the middle of a job releases or finishes it."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from tests.helpers import LESSON_MP4, make_long_speech
from tests.reliability.cluster import Cluster
from tests.reliability.conftest import SHORT_CLIP
from tests.reliability.poison import COMPLETE, FAIL, make_corpus


def test_poison_corpus(tmp_path: Path, receiver) -> None:  # type: ignore[no-untyped-def]
    cluster = Cluster(tmp_path, SCRIBE_INGEST__MAX_AUDIO_SECONDS="1200")
    try:
        cluster.start_all()
        corpus = make_corpus(tmp_path / "poison")
        assert len(corpus) >= 25
        good = [cluster.upload(LESSON_MP4)["id"], cluster.upload(SHORT_CLIP)["id"]]
        bad: dict[str, tuple[str, str]] = {}
        for path, outcome in corpus:
            with open(path, "rb") as handle:
                response = cluster.http.post("/api/v1/jobs", files={"file": (path.name, handle)})
            if response.status_code == 422:  # refused at the door, with a reason
                assert outcome == FAIL and response.json()["detail"], path.name
                continue
            assert response.status_code == 201, response.text
            bad[response.json()["jobs"][0]["id"]] = (path.name, outcome)
        good.append(cluster.upload(SHORT_CLIP)["id"])
        done = cluster.wait_all([*good, *bad], timeout=400)
        assert [done[job_id]["state"] for job_id in good] == ["completed"] * 3
        for job_id, (name, outcome) in bad.items():
            job = done[job_id]
            if outcome == FAIL:
                assert job["state"] == "failed", (name, job)
            elif outcome == COMPLETE:
                assert job["state"] == "completed", (name, job)
            if job["state"] == "failed":
                reason = job["error"] or ""
                assert reason and "Traceback" not in reason and len(reason) < 300, (name, reason)
                attempts = [
                    s["attempts"] for s in job["stages"] if s["stage"] == job["failed_stage"]
                ]
                assert attempts[0] <= 4, (name, attempts)  # within the retry budget
        assert cluster.alive() == {"api": True, "extract": True, "transcribe": True, "terms": True}
        settled, queues = cluster.settled_queues()  # nothing may stay, nothing be dead
        assert settled, queues
        silence = next(j for j, (n, _) in bad.items() if n == "long-silence.wav")
        assert done[silence]["facts"]["quality"]["grade"] == "no_speech"
    finally:
        cluster.close()


def test_sigterm_mid_job_releases_or_finishes_within_the_stop_timeout(
    cluster: Cluster, tmp_path: Path
) -> None:
    audio = tmp_path / "long.wav"
    make_long_speech(audio, 450)
    # Enough batches left after the first progress that the job cannot finish inside the 3 s
    # stop timeout (about 9 s of decoding on two CPU cores): the worker must release it.
    cluster.env["SCRIBE_WHISPER__BATCH_CHUNK_SECONDS"] = "10"
    cluster.env["SCRIBE_WHISPER__BATCH_SIZE"] = "4"
    cluster.start_all()
    job = cluster.upload(audio)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        stages = cluster.job(job["id"])["stages"]
        run = next((s for s in stages if s["stage"] == "transcribe"), None)
        if run and run["state"] == "running" and run["progress"] > 0:
            break
        time.sleep(0.1)
    worker = cluster.processes.pop("transcribe")
    asked = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=30)
    took = time.monotonic() - asked
    assert took < 3 + 5, f"stopped after {took:.1f} s; the stop timeout is 3 s"
    assert worker.returncode == 0
    cluster.start_worker("transcribe", "transcribe")
    done = cluster.wait_until(job["id"], ["completed", "failed"], timeout=180)
    assert done["state"] == "completed", cluster.log_tail()
    run = next(s for s in done["stages"] if s["stage"] == "transcribe")
    assert run["attempts"] == 2  # released at once, not after a visibility timeout
