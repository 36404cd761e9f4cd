"""A running Scribe (``scribe up``) on a free port and a temporary data folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import free_port, scribe_env, start_scribe, stop, wait_http


@dataclass
class RunningSystem:
    base_url: str
    data_dir: Path
    log: Path


@pytest.fixture(scope="module")
def running_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("scribe-up")
    port = free_port()
    log = data_dir / "up.log"
    process = start_scribe(["up", "--port", str(port)], scribe_env(data_dir), log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", timeout=90)
        yield RunningSystem(base, data_dir, log)
    finally:
        stop(process, timeout=60)
        print(log.read_text()[-5000:])
