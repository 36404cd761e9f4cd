"""A running Scribe (``scribe up``) on a free port and a temporary data folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (one a test module)."""
    from tests.e2e.ui_helpers import chromium

    with chromium() as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A 1280×800 page; a script error in it fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(20_000)
    yield page
    context.close()
    assert not errors, errors
