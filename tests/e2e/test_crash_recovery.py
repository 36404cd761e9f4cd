"""A transcription worker killed with SIGKILL mid-job: the job still completes, once."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import (
    free_port,
    make_long_speech,
    scribe_env,
    start_scribe,
    stop,
    wait_http,
    wait_job,
)


def test_killed_worker_job_is_redelivered_and_completes_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    env = scribe_env(
        data_dir,
        SCRIBE_QUEUE__VISIBILITY_TIMEOUT="3",
        SCRIBE_WORKER__HEARTBEAT_INTERVAL="1",
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "system.log"
    audio = tmp_path / "long-lesson.wav"
    duration, _text = make_long_speech(audio, 90)
    processes = {
        "api": start_scribe(["api", "--port", str(port)], env, log),
    }
    try:
        wait_http(f"{base}/healthz")
        for stage in ("extract", "terms", "transcribe"):
            processes[stage] = start_scribe(["worker", stage], env, log)
        with open(audio, "rb") as handle:
            job = httpx.post(
                f"{base}/api/v1/jobs", files={"file": (audio.name, handle)}, timeout=60
            ).json()["jobs"][0]
        # Wait until the transcription is really running, then kill its worker outright.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = httpx.get(f"{base}/api/v1/jobs/{job['id']}").json()
            transcribe = [s for s in state["stages"] if s["stage"] == "transcribe"]
            if transcribe and transcribe[0]["state"] == "running":
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"transcription never started: {state}")
        time.sleep(0.5)
        processes["transcribe"].send_signal(signal.SIGKILL)
        processes["transcribe"].wait()
        killed_state = httpx.get(f"{base}/api/v1/jobs/{job['id']}").json()
        assert killed_state["state"] == "transcribing", "the job finished before the kill"

        processes["transcribe-2"] = start_scribe(["worker", "transcribe"], env, log)
        done = wait_job(base, job["id"], timeout=300)
        assert done["state"] == "completed", (done, log.read_text()[-3000:])
        runs = {s["stage"]: s for s in done["stages"]}
        assert runs["transcribe"]["attempts"] == 2
        assert runs["extract"]["attempts"] == 1
        assert runs["terms"]["attempts"] == 1

        transcript = httpx.get(f"{base}/api/v1/jobs/{job['id']}/transcript").json()
        assert transcript["duration"] == pytest.approx(duration, abs=0.1)
        words = [w for s in transcript["segments"] for w in s["words"]]
        starts = [w["start"] for w in words]
        assert starts == sorted(starts), "segments were written twice or out of order"
        terms = httpx.get(f"{base}/api/v1/jobs/{job['id']}/terms").json()["occurrences"]
        keys = [(t["term"], t["start"]) for t in terms]
        assert len(keys) == len(set(keys))
        jobs = httpx.get(f"{base}/api/v1/jobs").json()["jobs"]
        assert [j["id"] for j in jobs] == [job["id"]]
    finally:
        for process in processes.values():
            stop(process)
