"""A live api (uvicorn in a thread) with in-process workers, on a temporary data folder."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from scribe.config import Settings, load_settings
from scribe.domain.jobs import Stage
from scribe.worker.runner import Worker
from scribe.worker.service import build_worker
from tests.helpers import free_port


@dataclass
class LiveApi:
    """A running api and its workers."""

    settings: Settings
    base: str
    server: uvicorn.Server
    thread: threading.Thread
    workers: list[tuple[Worker, threading.Thread]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def client(self, **headers: str) -> httpx.Client:
        """An HTTP client of this api."""
        return httpx.Client(base_url=self.base, timeout=60, headers={**self.headers, **headers})

    def app_state(self) -> Any:
        """The running app's state (backends, orchestrator)."""
        return self.server.config.app.state  # type: ignore[union-attr]

    def wait_job(self, job_id: str, timeout: float = 180) -> dict[str, Any]:
        """Poll until the job is final."""
        deadline = time.monotonic() + timeout
        with self.client() as client:
            while time.monotonic() < deadline:
                job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}").json()
                if job["state"] in ("completed", "failed", "cancelled"):
                    return job
                time.sleep(0.1)
        raise TimeoutError(f"job {job_id} not final: {job}")


def start_api(settings: Settings, *, with_workers: bool) -> LiveApi:
    """Start uvicorn on a free port (and one worker thread per stage)."""
    from scribe.api import create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the api did not start")
        time.sleep(0.05)
    live = LiveApi(settings, f"http://127.0.0.1:{port}", server, thread)
    if with_workers:
        for stage in Stage:
            worker = build_worker(stage, settings)
            worker_thread = threading.Thread(target=worker.run, daemon=True)
            worker_thread.start()
            live.workers.append((worker, worker_thread))
    return live


def stop_api(live: LiveApi) -> None:
    """Stop workers, then the server."""
    for worker, _ in live.workers:
        worker.request_stop()
    for _, thread in live.workers:
        thread.join(timeout=30)
    live.server.should_exit = True
    live.thread.join(timeout=30)


def api_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for an api test: quick polling, loopback helpers allowed."""
    return load_settings(
        data_dir=data_dir,
        queue={"wait_seconds": 0.5},
        worker={"retry_base_delay": 0.3},
        whisper={"cpu_threads": 2},
        **overrides,
    )


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    """One api with workers for the module, loopback webhooks and sources allowed."""
    import os

    for name in [n for n in os.environ if n.startswith("SCRIBE_")]:
        del os.environ[name]
    settings = api_settings(
        tmp_path_factory.mktemp("api") / "var",
        ingest={"allow_hosts": ["127.0.0.1"]},
        webhooks={
            "allow_hosts": ["127.0.0.1"],
            "retry_base_delay": 0.2,
            "max_attempts": 3,
            "secret": "test-secret",
            "progress_interval": 0.5,
        },
    )
    running = start_api(settings, with_workers=True)
    yield running
    stop_api(running)
