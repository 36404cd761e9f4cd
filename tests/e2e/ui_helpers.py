"""A live api with the web UI and in-process workers, and a Chromium driven by Playwright."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from scribe.config import Settings
from scribe.domain.jobs import Stage
from scribe.workers.service import build_worker
from tests.api.conftest import LiveApi, api_settings, stop_api
from tests.helpers import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]


def ui_app(settings: Settings) -> FastAPI:
    """``create_app`` with the web UI (installed here until ``create_app`` does it itself)."""
    from scribe.api import create_app, ui

    app = create_app(settings)
    if not any(getattr(route, "path", None) == "/login" for route in app.routes):
        ui.install(app, settings)
    return app


def start_ui_api(settings: Settings, *, with_workers: bool = True) -> LiveApi:
    """uvicorn with the UI on a free port, and one worker thread per stage."""
    port = free_port()
    config = uvicorn.Config(
        ui_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
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


@contextmanager
def running_ui(data_dir: Path, *, with_workers: bool = True, **overrides: Any) -> Iterator[LiveApi]:
    """The api with the UI (and workers) on ``data_dir``, stopped afterwards."""
    import os

    for name in [n for n in os.environ if n.startswith("SCRIBE_")]:
        del os.environ[name]
    live = start_ui_api(api_settings(data_dir, **overrides), with_workers=with_workers)
    try:
        yield live
    finally:
        stop_api(live)


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright (its own browser download does not work here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
