"""Editing in the browser as a team does it: two editors on one lesson (two browser contexts),
a refresh that never replaces an open editor, undo, restore, word diffs and terms per revision."""

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

from playwright.sync_api import Browser, BrowserContext, Page, expect


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    with running_ui(tmp_path_factory.mktemp("ui-edit") / "var") as live:
        yield live


def _lesson(ui: LiveApi, name: str) -> dict[str, Any]:
    with ui.client() as client, open(LESSON_MP4, "rb") as handle:
        [job] = client.post("/api/v1/jobs", files={"file": (name, handle)}).json()["jobs"]
    done = ui.wait_job(job["id"])
    assert done["state"] == "completed", done
    return done


@pytest.fixture(scope="module")
def lesson(ui: LiveApi) -> dict[str, Any]:
    return _lesson(ui, "team.mp4")


def _editor(browser: Browser, ui: LiveApi, job_id: str, name: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(20_000)
    page.goto(f"{ui.base}/jobs/{job_id}")
    page.wait_for_selector("#transcript .w")
    page.fill("#author", name)
    context.errors = errors  # type: ignore[attr-defined]
    return context, page


def _edit_word(page: Page, index: int, text: str) -> None:
    page.locator("#transcript .w").nth(index).dblclick()
    page.locator(".word-input").fill(text)
    page.keyboard.press("Enter")


def _words(ui: LiveApi, job_id: str) -> list[str]:
    with ui.client() as client:
        transcript = client.get(f"/api/v1/jobs/{job_id}/transcript").json()
    return [w["text"].strip() for s in transcript["segments"] for w in s["words"]]


def test_two_editors_the_second_sees_the_newer_text_and_reapplies(
    ui: LiveApi, lesson: dict[str, Any], browser: Browser
) -> None:
    job_id = lesson["id"]
    first_ctx, first = _editor(browser, ui, job_id, "Ana Teacher")
    second_ctx, second = _editor(browser, ui, job_id, "Ben Editor")
    try:
        _edit_word(first, 1, "ALPHA")
        expect(first.locator("#notice")).to_contain_text("Saved")
        # The second page still shows revision 0: its edit is refused, not landed elsewhere.
        _edit_word(second, 3, "BRAVO")
        conflict = second.locator("#conflict")
        expect(conflict).to_be_visible()
        expect(conflict).to_contain_text("revision 1")
        expect(conflict).to_contain_text("BRAVO")
        expect(second.locator("#transcript .w").nth(1)).to_have_text("ALPHA")  # the newer text
        assert "BRAVO" not in _words(ui, job_id)
        conflict.get_by_role("button", name="Re-apply my change").click()
        expect(second.locator("#notice")).to_contain_text("Saved")
        expect(conflict).to_be_hidden()
        words = _words(ui, job_id)
        assert words[1] == "ALPHA" and words[3] == "BRAVO", words
        expect(second.locator("#transcript .w").nth(3)).to_have_text("BRAVO")
    finally:
        for context in (first_ctx, second_ctx):
            errors = context.errors  # type: ignore[attr-defined]
            context.close()
            assert not errors, errors


def test_a_refresh_never_replaces_an_open_editor_nor_moves_the_page(
    ui: LiveApi, lesson: dict[str, Any], browser: Browser
) -> None:
    job_id = lesson["id"]
    context, page = _editor(browser, ui, job_id, "Ana Teacher")
    try:
        top = page.locator("#transcript").bounding_box()
        assert top is not None
        _edit_word(page, 5, "CHARLIE")
        expect(page.locator("#notice")).to_contain_text("Saved")
        # Type into a passage editor while the terms of the edit are found again.
        page.get_by_role("button", name=re.compile("^Edit the passage")).last.click()
        box = page.locator(".seg-editor textarea")
        box.fill("typed while the page refreshes")
        expect(page.locator("#job-running")).to_be_hidden()
        ui.wait_job(job_id)
        # The page has seen the job complete again (and refreshed the terms).
        page.wait_for_selector('#job[data-state="completed"]', timeout=30_000)
        expect(page.locator("#terms-status")).to_have_text("")
        expect(box).to_have_value("typed while the page refreshes")
        assert page.evaluate("() => document.activeElement.tagName") == "TEXTAREA"
        after = page.locator("#transcript").bounding_box()
        assert after is not None and abs(after["y"] - top["y"]) < 2, (top, after)
        page.locator(".seg-editor").get_by_role("button", name="Cancel").click()
    finally:
        errors = context.errors  # type: ignore[attr-defined]
        context.close()
        assert not errors, errors


def test_undo_restore_diff_and_terms_of_the_revision_read(ui: LiveApi, browser: Browser) -> None:
    job = _lesson(ui, "history.mp4")
    context, page = _editor(browser, ui, job["id"], "Ana Teacher")
    try:
        original = _words(ui, job["id"])
        page.get_by_role("button", name=re.compile("^Edit the passage")).last.click()
        page.locator(".seg-editor textarea").fill("Now put a capo on the second fret.")
        page.locator(".seg-editor").get_by_role("button", name="Save").click()
        expect(page.locator("#notice")).to_contain_text("Saved")
        expect(page.locator("#terms-list")).to_contain_text("capo", timeout=30_000)
        page.get_by_role("button", name="What revision 1 changed").click()
        expect(page.locator("#revision-diff")).to_contain_text("capo")
        # Reading the original: its own terms (no capo), with a way to restore it.
        page.get_by_role("button", name="Read the original transcript").click()
        expect(page.locator("#viewing")).to_contain_text("original")
        expect(page.locator("#terms-list")).not_to_contain_text("capo")
        page.get_by_role("button", name="Back to the latest").click()
        page.locator("#undo").click()
        expect(page.locator("#notice")).to_contain_text("Undid")
        expect(page.locator("#transcript")).not_to_contain_text("capo")
        assert _words(ui, job["id"]) == original
        expect(page.locator("#revisions")).to_contain_text("undid #1")
        page.get_by_role("button", name="Restore revision 1").click()
        expect(page.locator("#notice")).to_contain_text("Restored revision 1")
        expect(page.locator("#transcript")).to_contain_text("capo")
    finally:
        errors = context.errors  # type: ignore[attr-defined]
        context.close()
        assert not errors, errors


def test_search_by_a_term_alone_and_a_lexicon_that_merges_spellings(
    ui: LiveApi, lesson: dict[str, Any], browser: Browser
) -> None:
    with ui.client() as client:
        occurrences = client.get(f"/api/v1/jobs/{lesson['id']}/terms").json()["occurrences"]
        assert occurrences
        said = occurrences[0]
        made = client.put(
            "/api/v1/lexicon/terms",
            json={
                "category": "gear",
                "canonical": "zorbel clamp",
                "variants": ["zorbel", "zorbel grip", "zorbel vise"],
            },
        )
        assert made.status_code == 200, made.text
    context, page = _editor(browser, ui, lesson["id"], "Ana Teacher")
    try:
        # Search: the term box alone finds the moments it was said.
        page.goto(f"{ui.base}/search")
        page.fill("#s-term", said["term"])
        page.get_by_role("button", name="Search").click()
        hit = page.locator("#hits li", has_text="team.mp4").first
        expect(hit).to_be_visible()
        expect(page.locator("#hit-count")).to_contain_text("moment")
        # Lexicon: one new spelling keeps the three it had, and the notice says so.
        page.goto(f"{ui.base}/lexicon")
        page.wait_for_selector("#terms-body tr")
        page.select_option("#term-category", "gear")
        expect(page.locator("#terms-title")).to_contain_text("Gear")  # the table follows
        page.fill("#term-canonical", "zorbel clamp")
        page.fill("#term-variants", "zorbel press")
        page.get_by_role("button", name="Save term").click()
        notice = page.locator("#notice")
        expect(notice).to_contain_text("added “zorbel press”")
        expect(notice).to_contain_text("kept 3 spellings")
        row = page.locator("#terms-body tr", has_text="zorbel clamp")
        for spelling in ("zorbel", "zorbel grip", "zorbel vise", "zorbel press"):
            expect(row).to_contain_text(spelling)
        # Editing the list removes only what was taken out of it.
        row.get_by_role("button", name="Edit zorbel clamp").click()
        page.fill("#term-variants", "zorbel, zorbel grip, zorbel press")
        page.get_by_role("button", name="Save term").click()
        expect(notice).to_contain_text("removed “zorbel vise”")
        # The filter searches every category, whichever is chosen.
        page.select_option("#term-category", "scale")
        page.fill("#term-filter", "zorbel press")
        expect(page.locator("#terms-body tr", has_text="zorbel clamp")).to_have_count(1)
        expect(page.locator("#terms-title")).to_contain_text("every category")
    finally:
        errors = context.errors  # type: ignore[attr-defined]
        context.close()
        assert not errors, errors
