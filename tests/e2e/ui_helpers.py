"""A live api with the web UI and in-process workers, and a Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.api.conftest import LiveApi, api_settings, start_api, stop_api

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


@contextmanager
def running_ui(data_dir: Path, *, with_workers: bool = True, **overrides: Any) -> Iterator[LiveApi]:
    """The api with the UI (and workers) on ``data_dir``, stopped afterwards."""
    import os

    for name in [n for n in os.environ if n.startswith("SCRIBE_")]:
        del os.environ[name]
    live = start_api(api_settings(data_dir, **overrides), with_workers=with_workers)
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
