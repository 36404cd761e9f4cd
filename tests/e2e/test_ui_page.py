"""The job page as a reader uses it: text without stray spaces, keyboard shortcuts, speed and
loop, the player in view on a phone, a failed job that says so, and no-speech jobs listed as
such (Debian's Chromium via Playwright, real model and media)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import LiveApi
from tests.e2e.ui_helpers import CHROMIUM, running_ui
from tests.helpers import LESSON_MP4

pytest.importorskip("playwright.sync_api", reason="the dev dependency playwright is missing")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    with running_ui(tmp_path_factory.mktemp("ui-page") / "var") as live:
        yield live


def _upload(ui: LiveApi, path: Path, name: str, data: bytes | None = None) -> dict[str, Any]:
    with ui.client() as client:
        body = data if data is not None else path.read_bytes()
        [job] = client.post("/api/v1/jobs", files={"file": (name, body)}).json()["jobs"]
    return ui.wait_job(job["id"])


@pytest.fixture(scope="module")
def lesson(ui: LiveApi) -> dict[str, Any]:
    done = _upload(ui, LESSON_MP4, "reader.mp4")
    assert done["state"] == "completed", done
    return done


def _quiet_wav(seconds: float) -> bytes:
    """A recording of a quiet room: faint noise, nothing said."""
    import io
    import wave

    import numpy as np

    noise = np.random.default_rng(7).normal(0, 30, int(16_000 * seconds)).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16_000)
        writer.writeframes(noise.tobytes())
    return out.getvalue()


def _page(browser: Browser, width: int = 1280, height: int = 800) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(20_000)
    yield page
    context.close()
    assert not errors, errors


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from _page(browser)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    yield from _page(browser, 390, 844)


def _open(page: Page, ui: LiveApi, job_id: str) -> None:
    page.goto(f"{ui.base}/jobs/{job_id}")
    page.wait_for_selector("#transcript .w")
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")


def _time(page: Page) -> float:
    return float(page.evaluate("() => document.getElementById('player').currentTime"))


def test_words_join_without_stray_spaces(ui: LiveApi, page: Page) -> None:
    """Whisper writes "re-string" as " re", "-string" and "4.4s" as " 4", ".4s": words
    without a leading space join the one before."""
    from scribe import artifacts
    from scribe.domain.transcript import Transcript, Word

    job = _upload(ui, LESSON_MP4, "glued.mp4")
    store = ui.app_state().backends.store
    key = artifacts.transcript_key(job["id"], "json")
    transcript = Transcript.model_validate_json(store.get_bytes(key))
    segment = transcript.segments[0]
    start, end = segment.start, segment.end
    pieces = [
        " Now",
        " re",
        "-string",
        " and",
        " wait",
        " 4",
        ".4s",
        ",",
        " then",
        " palm",
        "-muting.",
    ]
    step = (end - start) / len(pieces)
    segment.words = [
        Word(text=t, start=start + i * step, end=start + (i + 1) * step, probability=0.9)
        for i, t in enumerate(pieces)
    ]
    segment.text = "".join(pieces)
    store.put_bytes(key, transcript.model_dump_json().encode())
    _open(page, ui, job["id"])
    shown = page.locator("#transcript .seg .text").first.inner_text()
    assert shown == "Now re-string and wait 4.4s, then palm-muting.", shown


def test_shortcuts_speed_and_loop_from_the_transcript(
    ui: LiveApi, lesson: dict[str, Any], page: Page
) -> None:
    with ui.client() as client:
        segments = client.get(f"/api/v1/jobs/{lesson['id']}/transcript").json()["segments"]
    assert len(segments) >= 2
    _open(page, ui, lesson["id"])
    page.locator("#transcript .w").first.focus()
    page.keyboard.press("k")
    page.wait_for_function("() => !document.getElementById('player').paused")
    page.keyboard.press("k")
    page.wait_for_function("() => document.getElementById('player').paused")
    page.evaluate("() => { document.getElementById('player').currentTime = 8; }")
    page.keyboard.press("j")
    assert abs(_time(page) - 3.0) < 0.3
    page.evaluate(
        f"() => {{ document.getElementById('player').currentTime = {segments[0]['start'] + 0.1}; }}"
    )
    near = "() => Math.abs(document.getElementById('player').currentTime - {}) < 0.3"
    page.keyboard.press("n")
    page.wait_for_function(near.format(segments[1]["start"]))
    page.keyboard.press("p")
    page.wait_for_function(near.format(segments[0]["start"]))
    # Shortcuts work from the terms panel too, and never while typing.
    page.fill("#author", "k")
    assert page.evaluate("() => document.getElementById('player').paused")
    page.select_option("#speed", "1.5")
    assert page.evaluate("() => document.getElementById('player').playbackRate") == 1.5
    # Loop the first passage: playing past its end comes back to its start.
    first = segments[0]
    page.evaluate(
        f"() => {{ document.getElementById('player').currentTime = {first['start'] + 0.1}; }}"
    )
    page.check("#loop")
    expect(page.locator(".seg.looping")).to_have_count(1)
    page.evaluate(
        "() => { const m = document.getElementById('player');"
        f" m.currentTime = {first['end'] - 0.4}; m.play(); }}"
    )
    page.wait_for_function(
        f"() => document.getElementById('player').currentTime < {first['end'] - 0.6}",
        timeout=15_000,
    )
    page.evaluate("() => document.getElementById('player').pause()")


def test_on_a_phone_the_player_stays_in_view_and_follows_the_word(
    ui: LiveApi, lesson: dict[str, Any], phone: Page
) -> None:
    _open(phone, ui, lesson["id"])
    last = phone.locator("#transcript .w").last
    last.scroll_into_view_if_needed()
    last.click()
    phone.wait_for_function("() => !document.getElementById('player').paused")
    box = phone.locator("#player").bounding_box()
    assert box is not None
    assert box["y"] >= -1 and box["y"] + box["height"] <= 844, box
    # Back to the start: the current word is scrolled into view below the player.
    phone.evaluate("() => { const m = document.getElementById('player'); m.currentTime = 0.5; }")
    phone.wait_for_selector("#transcript .w.current")
    phone.wait_for_function(
        """() => { const w = document.querySelector('#transcript .w.current');
          const p = document.getElementById('player').getBoundingClientRect();
          const r = w.getBoundingClientRect();
          return r.top >= p.bottom - 2 && r.bottom <= window.innerHeight; }""",
        timeout=10_000,
    )
    phone.evaluate("() => document.getElementById('player').pause()")


def test_a_failed_job_says_failed_and_why_without_a_useless_retry(ui: LiveApi, page: Page) -> None:
    broken = _upload(ui, LESSON_MP4, "broken.mp4", data=b"not a video at all " * 200)
    assert broken["state"] == "failed", broken
    page.goto(f"{ui.base}/jobs/{broken['id']}")
    problem = page.locator("#job-problem")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("Failed")
    expect(problem).to_contain_text(broken["error"][:30])
    expect(page.locator("#job-state")).to_contain_text("failed")
    expect(page.locator("#job-retry")).to_be_hidden()  # the file can never decode
    expect(page.locator("#facts")).to_contain_text("Failed")
    expect(page.locator("#facts")).not_to_contain_text("Completed")
    expect(page.locator("#media-note")).not_to_contain_text("transcript still works")


def test_a_no_speech_job_is_marked_and_can_be_filtered(
    ui: LiveApi, lesson: dict[str, Any], page: Page
) -> None:
    silent = _upload(ui, LESSON_MP4, "quiet.wav", data=_quiet_wav(4.0))
    assert silent["state"] == "completed", silent
    with ui.client() as client:
        none = client.get("/api/v1/jobs", params={"speech": "none"}).json()["jobs"]
        found = client.get("/api/v1/jobs", params={"speech": "found"}).json()["jobs"]
    assert silent["id"] in {j["id"] for j in none} and lesson["id"] not in {j["id"] for j in none}
    assert lesson["id"] in {j["id"] for j in found}
    page.goto(f"{ui.base}/jobs")
    row = page.locator(f'tr[data-job-id="{silent["id"]}"]')
    expect(row).to_contain_text("no speech")
    page.select_option("#f-state", "no_speech")
    expect(page.locator(f'tr[data-job-id="{lesson["id"]}"]')).to_have_count(0)
    expect(row).to_be_visible()
    expect(page.locator("tbody tr[data-job-id]")).to_have_count(1)
    assert re.search("no speech", row.inner_text())
