"""A Scribe made of separate processes (api, and workers per stage) that tests can kill,
restart and starve, with settings that make every timeout short."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import free_port, scribe_env, start_scribe, stop, wait_http

FAST = {
    "SCRIBE_QUEUE__VISIBILITY_TIMEOUT": "4",
    "SCRIBE_QUEUE__MAX_RECEIVES": "4",
    "SCRIBE_QUEUE__WAIT_SECONDS": "0.5",
    "SCRIBE_WORKER__HEARTBEAT_INTERVAL": "1",
    "SCRIBE_WORKER__RETRY_BASE_DELAY": "0.3",
    "SCRIBE_WORKER__RETRY_MAX_DELAY": "1",
    "SCRIBE_WORKER__STOP_TIMEOUT": "3",
    "SCRIBE_WORKER__STATUS_INTERVAL": "2",
    "SCRIBE_WATCHDOG__INTERVAL": "1",
    "SCRIBE_WATCHDOG__STALE_AFTER": "8",
    "SCRIBE_WATCHDOG__MAX_RESTARTS": "1",
    "SCRIBE_WHISPER__CPU_THREADS": "1",
    "SCRIBE_WEBHOOKS__ALLOW_HOSTS": '["127.0.0.1"]',
    "SCRIBE_WEBHOOKS__RETRY_BASE_DELAY": "0.2",
}
FINAL = ("completed", "failed", "cancelled")


class Cluster:
    """The api and named worker processes on one data folder."""

    def __init__(self, folder: Path, **env: str) -> None:
        self.folder = folder
        self.env = scribe_env(folder / "var", **{**FAST, **env})
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / "cluster.log"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.http = httpx.Client(base_url=self.base, timeout=30)

    def start_api(self) -> None:
        """Start (or restart) the api and wait for it."""
        self.processes["api"] = start_scribe(["api", "--port", str(self.port)], self.env, self.log)
        wait_http(f"{self.base}/healthz", timeout=90)

    def start_more_api(self, name: str) -> str:
        """Start another api process on the same database and queues; returns its base URL."""
        port = free_port()
        self.processes[name] = start_scribe(["api", "--port", str(port)], self.env, self.log)
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz", timeout=90)
        return base

    def start_worker(self, stage: str, name: str | None = None) -> str:
        """Start a worker; returns its name."""
        name = name or f"{stage}-{len(self.processes)}"
        self.processes[name] = start_scribe(["worker", stage], self.env, self.log)
        return name

    def start_all(self, stages: Iterable[str] = ("extract", "transcribe", "terms")) -> None:
        """The api and one worker per stage."""
        self.start_api()
        for stage in stages:
            self.start_worker(stage, stage)

    def kill(self, name: str) -> None:
        """SIGKILL, no goodbye."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def alive(self) -> dict[str, bool]:
        """Which processes still run."""
        return {name: p.poll() is None for name, p in self.processes.items()}

    def upload(self, path: Path, **fields: str) -> dict[str, Any]:
        """Create a job from a file."""
        with open(path, "rb") as handle:
            response = self.http.post(
                "/api/v1/jobs", files={"file": (path.name, handle)}, data=fields
            )
        assert response.status_code == 201, response.text
        return dict(response.json()["jobs"][0])

    def job(self, job_id: str) -> dict[str, Any]:
        """One job."""
        return dict(self.http.get(f"/api/v1/jobs/{job_id}").json())

    def wait_until(
        self, job_id: str, states: Iterable[str], timeout: float = 120
    ) -> dict[str, Any]:
        """Poll until the job is in one of ``states``."""
        wanted = set(states)
        deadline = time.monotonic() + timeout
        job: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                job = self.job(job_id)
            except httpx.HTTPError:
                time.sleep(0.3)
                continue
            if job.get("state") in wanted:
                return job
            time.sleep(0.1)
        raise TimeoutError(f"job {job_id} still {job.get('state')} after {timeout} s")

    def wait_all(self, job_ids: Iterable[str], timeout: float = 300) -> dict[str, dict[str, Any]]:
        """Every job final."""
        deadline = time.monotonic() + timeout
        return {
            job_id: self.wait_until(job_id, FINAL, max(1.0, deadline - time.monotonic()))
            for job_id in job_ids
        }

    def settled_queues(self, timeout: float = 30) -> tuple[bool, list[dict[str, Any]]]:
        """Poll the operations page until no queue holds a visible, in-flight or dead message;
        whether that happened within ``timeout``, and the last counts. A worker deletes its
        message just after reporting the stage, so the last one may be held a moment after
        its job ended."""
        deadline = time.monotonic() + timeout
        while True:
            queues = list(self.http.get("/api/v1/operations").json()["queues"])
            settled = all(q["visible"] == q["in_flight"] == q["dead"] == 0 for q in queues)
            if settled or time.monotonic() > deadline:
                return settled, queues
            time.sleep(0.5)

    def close(self) -> None:
        """Stop everything."""
        self.http.close()
        for process in self.processes.values():
            stop(process, timeout=15)
        self.processes.clear()

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the shared log, for failure messages."""
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""
