"""``scribe up``: the api (with the orchestrator) and one process per stage worker.

Children are restarted when they die unexpectedly; SIGTERM or Ctrl-C stops them all
gracefully (workers finish or release their message).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from scribe.config import Settings
from scribe.observability.metrics import MULTIPROC_ENV
from scribe.services import open_database

log = logging.getLogger(__name__)

_RESTART_BACKOFF_MAX = 30.0


@dataclass
class Child:
    """One supervised process."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = field(default_factory=time.monotonic)

    def start(self, env: dict[str, str]) -> None:
        """Start (or restart) the process."""
        self.process = subprocess.Popen(self.argv, env={**env, **self.env})
        self.started_at = time.monotonic()
        log.info("started %s (pid %d)", self.name, self.process.pid)


def child_commands(workers_per_stage: int = 1, metrics_port: int = 0) -> list[Child]:
    """The processes ``scribe up`` runs; with a metrics port P, the workers listen on P, P+1…"""
    base = [sys.executable, "-m", "scribe"]
    children = [Child("api", [*base, "api"], {"SCRIBE_METRICS__PORT": "0"})]
    for stage in ("extract", "transcribe", "terms"):
        for n in range(workers_per_stage):
            port = metrics_port + len(children) - 1 if metrics_port else 0
            children.append(
                Child(
                    f"worker-{stage}-{n}",
                    [*base, "worker", stage],
                    {"SCRIBE_METRICS__PORT": str(port)},
                )
            )
    return children


def fresh_metrics_dir(settings: Settings) -> Path:
    """The folder the children share for prometheus_client's multiprocess mode, emptied:
    ``PROMETHEUS_MULTIPROC_DIR`` when set, else ``metrics-multiproc`` in the data folder.
    Files left by an earlier run would add its counts to this one's."""
    folder = Path(os.environ.get(MULTIPROC_ENV) or settings.data_dir / "metrics-multiproc")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _forget_metrics_of(pid: int, folder: str) -> None:
    """Drop a dead child's live gauges (its counters and histograms stay in the sums)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid, folder)


def check_port_free(host: str, port: int) -> None:
    """Refuse to start when the api's address is taken (else the api would die and be
    restarted forever while ``scribe up`` claims to be running)."""
    import socket

    from scribe.errors import ConfigError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"port {port} on {host} is in use ({exc.strerror}): stop what holds it, "
                "or pick another with --port"
            ) from None


def run_all(settings: Settings, *, workers_per_stage: int = 1) -> int:
    """Run every part until a signal; returns the exit code."""
    check_port_free(settings.api.host, settings.api.port)
    engine = open_database(settings)  # migrate once, before any child starts
    engine.dispose()
    env = {
        **os.environ,
        "SCRIBE_DATA_DIR": str(settings.data_dir),
        "SCRIBE_API__HOST": settings.api.host,
        "SCRIBE_API__PORT": str(settings.api.port),
        "SCRIBE_DATABASE__AUTO_UPGRADE": "false",
        MULTIPROC_ENV: str(fresh_metrics_dir(settings)),
    }
    children = child_commands(workers_per_stage, settings.metrics.port)
    stopping = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for child in children:
        child.start(env)
    print(
        f"Scribe is running on http://{settings.api.host}:{settings.api.port} "
        f"(data in {settings.data_dir}); Ctrl-C stops it.",
        flush=True,
    )
    while not stopping:
        time.sleep(0.5)
        for child in children:
            assert child.process is not None
            code = child.process.poll()
            if code is None or stopping:
                continue
            _forget_metrics_of(child.process.pid, env[MULTIPROC_ENV])
            lived = time.monotonic() - child.started_at
            child.restarts = 0 if lived > 60 else child.restarts + 1
            delay = min(_RESTART_BACKOFF_MAX, 2.0**child.restarts)
            log.warning("%s exited with %s; restarting in %.0f s", child.name, code, delay)
            time.sleep(delay)
            if not stopping:
                child.start(env)
    return _stop_all(children, settings.worker.stop_timeout + 5)


def _stop_all(children: list[Child], timeout: float) -> int:
    for child in children:
        if child.process and child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in children:
        if child.process is None:
            continue
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in time; killing it", child.name)
            child.process.kill()
            child.process.wait()
    return 0
