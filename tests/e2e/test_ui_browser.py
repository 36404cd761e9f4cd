"""The web UI in a real browser: Debian's Chromium driven by Playwright, against a live api
with in-process workers, the real model and the lesson video fixture."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import LiveApi
from tests.api.servers import serve_files
from tests.e2e.ui_helpers import CHROMIUM, running_ui
from tests.helpers import LESSON_MP4

pytest.importorskip("playwright.sync_api", reason="the dev dependency playwright is missing")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect

PAGES = ["upload", "jobs", "search", "collections", "replace", "analytics", "lexicon", "operations"]
TOLERANCE = 0.3  # seconds between a seek target and the player's position


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    with running_ui(
        tmp_path_factory.mktemp("ui") / "var", ingest={"allow_hosts": ["127.0.0.1"]}
    ) as live:
        yield live


@pytest.fixture(scope="module")
def lesson(ui: LiveApi) -> dict[str, Any]:
    """A completed lesson job (uploaded through the API; the upload test goes through the page)."""
    with ui.client() as client, open(LESSON_MP4, "rb") as handle:
        [job] = client.post(
            "/api/v1/jobs",
            files={"file": ("lesson.mp4", handle)},
            data={"title": "Pentatonic warm-up"},
        ).json()["jobs"]
    done = ui.wait_job(job["id"])
    assert done["state"] == "completed", done
    return done


def terms_of(ui: LiveApi, job_id: str) -> list[dict[str, Any]]:
    with ui.client() as client:
        occurrences: list[dict[str, Any]] = client.get(f"/api/v1/jobs/{job_id}/terms").json()[
            "occurrences"
        ]
    return occurrences


def record_seeks(page: Page) -> None:
    """Remember the player's position at each completed seek (playback moves it on after)."""
    page.evaluate(
        """() => { window.__seeks = [];
        document.getElementById("player").addEventListener("seeked",
          (e) => window.__seeks.push(e.target.currentTime)); }"""
    )


def last_seek(page: Page) -> float:
    page.wait_for_function("() => window.__seeks && window.__seeks.length > 0")
    return float(page.evaluate("() => window.__seeks[window.__seeks.length - 1]"))


def open_job(page: Page, ui: LiveApi, job_id: str, hash_: str = "") -> None:
    page.goto(f"{ui.base}/jobs/{job_id}{hash_}")
    page.wait_for_selector("#transcript .w")
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")


def test_upload_through_the_page_reaches_completed(ui: LiveApi, page: Page) -> None:
    with ui.client() as client:
        collection = client.post("/api/v1/collections", json={"name": "Guitar basics"}).json()
    page.goto(f"{ui.base}/upload")
    expect(page.locator("#opt-collection option", has_text="Guitar basics")).to_have_count(1)
    page.select_option("#opt-collection", label="Guitar basics")
    page.select_option("#opt-priority", "high")
    page.set_input_files("#file-input", str(LESSON_MP4))
    status = page.locator("#uploads .status").first
    expect(status).to_contain_text("Uploaded", timeout=60_000)
    expect(page.locator("#uploads [role=progressbar]").first).to_have_attribute(
        "aria-valuenow", "100"
    )
    job_id = status.get_attribute("data-job-id")
    assert job_id

    page.get_by_role("link", name="See all jobs").click()
    row = page.locator(f'tr[data-job-id="{job_id}"]')
    expect(row).to_be_visible()
    expect(row.locator(".badge")).to_have_text("completed", timeout=180_000)  # live, no reload
    expect(row).to_contain_text("Guitar basics")
    with ui.client() as client:
        job = client.get(f"/api/v1/jobs/{job_id}").json()
    assert job["collection_id"] == collection["id"]
    assert job["options"]["priority"] == "high"

    page.select_option("#f-state", "failed")
    expect(page.locator("#jobs-empty")).to_be_visible()
    page.select_option("#f-state", "completed")
    expect(row).to_be_visible()


def test_urls_and_manifests_show_each_line_s_outcome(ui: LiveApi, page: Page) -> None:
    with serve_files({"/lesson.mp4": LESSON_MP4}) as media:
        page.goto(f"{ui.base}/upload")
        page.get_by_role("tab", name="URLs").click()
        page.fill("#urls", f"{media}/lesson.mp4\nftp://example.org/lesson.mp4\n")
        page.get_by_role("button", name="Add these URLs").click()
        results = page.locator("#url-results li")
        expect(results).to_have_count(2)
        expect(results.nth(1)).to_contain_text("Refused:")
        expect(page.locator("#notice")).to_contain_text("1 of 2 URLs became jobs")
        expect(results.nth(0).locator(".badge")).to_have_text("completed", timeout=120_000)

        page.get_by_role("tab", name="Manifest").click()
        manifest = f"source,title\n{media}/lesson.mp4,From a manifest\n,No source\n"
        page.fill("#manifest-text", manifest)
        page.get_by_role("button", name="Send manifest").click()
        result = page.locator("#manifest-result")
        expect(result).to_contain_text("1 job created, 1 line refused")
        expect(result.locator(".problems li")).to_have_text("Line 3: `source` is empty")
        expect(result.locator(".badge")).to_have_text("completed", timeout=120_000)


def test_clicking_a_term_seeks_the_player(ui: LiveApi, lesson: dict[str, Any], page: Page) -> None:
    open_job(page, ui, lesson["id"])
    occurrences = {o["term"]: o for o in terms_of(ui, lesson["id"])}
    pentatonic = occurrences["minor pentatonic"]
    record_seeks(page)

    highlighted = page.locator('#transcript .w.term[data-term="minor pentatonic"]')
    expect(highlighted).to_have_count(len(pentatonic["text"].split()))
    highlighted.first.click()
    assert abs(last_seek(page) - pentatonic["start"]) <= TOLERANCE

    metronome = occurrences["metronome"]
    page.locator('#terms-list li[data-term="metronome"] .moment').first.click()
    assert abs(last_seek(page) - metronome["start"]) <= TOLERANCE
    expect(page.locator("#transcript .w.current")).to_have_count(1)

    # Keyboard: focus a word, move right with the arrow key, Enter plays from there.
    page.locator("#player").evaluate("(media) => media.pause()")
    page.locator('#transcript .w[data-i="0"]').focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator('#transcript .w[data-i="1"]')).to_be_focused()
    page.keyboard.press("Enter")
    with ui.client() as client:
        words = client.get(f"/api/v1/jobs/{lesson['id']}/transcript").json()["segments"][0]
    assert abs(last_seek(page) - words["words"][1]["start"]) <= TOLERANCE

    # The confidence threshold shades more words as it rises.
    low = page.locator("#transcript .w.low")
    page.locator("#threshold").fill("0")
    expect(low).to_have_count(0)
    page.locator("#threshold").fill("100")
    assert low.count() > 20


def test_autoscroll_pauses_when_the_reader_scrolls(
    ui: LiveApi, lesson: dict[str, Any], page: Page
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_job(page, ui, lesson["id"])
    page.locator("#transcript").evaluate("(box) => { box.style.maxHeight = '3rem'; }")
    page.wait_for_timeout(1000)
    page.locator("#transcript").hover()
    page.mouse.wheel(0, 40)
    expect(page.locator("#resume")).to_be_visible()
    page.locator("#resume").click()
    expect(page.locator("#resume")).to_be_hidden()


def test_editing_a_word_shows_in_the_srt_download(
    ui: LiveApi, lesson: dict[str, Any], page: Page
) -> None:
    open_job(page, ui, lesson["id"])
    word = page.locator("#transcript .w", has_text=re.compile(r"^Today$"))
    word.focus()
    page.keyboard.press("e")
    notice = page.locator("#notice")
    page.locator(".word-input").fill("Tonight")
    page.keyboard.press("Enter")
    # Without an author the edit is refused, in words.
    expect(notice).to_contain_text("Type your name")
    page.fill("#author", "Ana Teacher")
    page.locator("#transcript .w", has_text=re.compile(r"^Today$")).dblclick()
    page.locator(".word-input").fill("Tonight")
    page.keyboard.press("Enter")
    expect(notice).to_contain_text("Saved")
    expect(page.locator("#transcript .w", has_text=re.compile(r"^Tonight$"))).to_have_count(1)
    expect(page.locator("#revisions")).to_contain_text("Ana Teacher")

    with page.expect_download() as download:
        page.locator('#transcript-downloads a[data-format="srt"]').click()
    srt = Path(download.value.path()).read_text()
    assert "Tonight" in srt and "Today" not in srt, srt

    # A whole passage, through its edit box; the original stays readable.
    page.get_by_role("button", name=re.compile("^Edit the passage")).first.click()
    box = page.locator(".seg-editor textarea")
    box.fill(re.sub("to the lesson", "to your lesson", box.input_value(), flags=re.I))
    page.locator(".seg-editor").get_by_role("button", name="Save").click()
    expect(page.locator("#transcript")).to_contain_text("to your lesson")
    page.get_by_role("button", name="Read the original transcript").click()
    expect(page.locator("#viewing")).to_contain_text("original")
    expect(page.locator("#transcript")).to_contain_text("Today we play")
    with ui.client() as client:
        revisions = client.get(f"/api/v1/jobs/{lesson['id']}/revisions").json()
    assert [r["number"] for r in revisions] == [0, 1, 2]


def test_search_hit_opens_the_player_at_that_moment(
    ui: LiveApi, lesson: dict[str, Any], page: Page
) -> None:
    with ui.client() as client:
        hits = client.get("/api/v1/search", params={"q": "pentatonic scale"}).json()["hits"]
    hit = next(h for h in hits if h["job_id"] == lesson["id"])
    page.goto(f"{ui.base}/search")
    page.fill("#q", "pentatonic scale")
    page.keyboard.press("Enter")
    link = page.locator(f'#hits a.hit-title[href^="/jobs/{lesson["id"]}"]')
    expect(link).to_have_count(1)
    expect(page.locator("#hits mark").first).to_be_visible()
    assert link.get_attribute("href") == f"/jobs/{lesson['id']}#t={hit['start']:g}"
    link.click()
    page.wait_for_function(
        f"() => document.getElementById('player')?.readyState >= 1 && "
        f"Math.abs(document.getElementById('player').currentTime - {hit['start']}) <= {TOLERANCE}"
    )
    # A later moment (a term's) seeks there as well.
    metronome = next(o for o in terms_of(ui, lesson["id"]) if o["term"] == "metronome")
    page.goto(f"{ui.base}/jobs/{lesson['id']}#t={metronome['start']}")
    page.wait_for_function(
        f"() => Math.abs(document.getElementById('player')?.currentTime - {metronome['start']})"
        f" <= {TOLERANCE}"
    )
    expect(page.locator("#transcript .w.current")).to_have_text(re.compile("metronome"))


def test_lexicon_import_then_rerun_finds_the_new_term(
    ui: LiveApi, lesson: dict[str, Any], page: Page, tmp_path: Path
) -> None:
    export = {
        "categories": [
            {
                "id": "lesson_part",
                "label": "Lesson parts",
                "terms": [{"canonical": "lesson intro", "variants": ["welcome back"]}],
            }
        ]
    }
    upload = tmp_path / "lesson-parts.json"
    upload.write_text(json.dumps(export))
    page.goto(f"{ui.base}/lexicon")
    expect(page.locator("#categories")).to_contain_text("Rhythm")
    page.set_input_files("#import-file", str(upload))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#import-result")).to_contain_text("Imported 1 term")
    page.locator("#categories button", has_text="Lesson parts").click()
    expect(page.locator("#terms-body")).to_contain_text("lesson intro")

    page.locator(f'#rerun-jobs input[value="{lesson["id"]}"]').check()
    page.get_by_role("button", name="Re-run on chosen jobs").click()
    expect(page.locator("#rerun-result")).to_contain_text("Finding terms again in 1 job")

    page.goto(f"{ui.base}/jobs/{lesson['id']}")
    item = page.locator('#terms-list li[data-term="lesson intro"]')
    expect(item).to_be_visible(timeout=60_000)
    expect(item).to_contain_text("lesson part")
    expect(page.locator('#transcript .w.term[data-term="lesson intro"]')).to_have_count(2)

    # A bad import is refused with the reason, not a stack trace.
    bad = tmp_path / "bad.csv"
    bad.write_text("name,spelling\nfoo,bar\n")
    page.goto(f"{ui.base}/lexicon")
    page.set_input_files("#import-file", str(bad))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#import-result")).to_contain_text("Not imported: The CSV needs a header")


@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_labelled_and_fits_a_phone(
    ui: LiveApi, lesson: dict[str, Any], browser: Browser, name: str
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        for path in (f"/{name}", f"/jobs/{lesson['id']}") if name == "jobs" else (f"/{name}",):
            page.goto(f"{ui.base}{path}")
            page.wait_for_timeout(1500)
            unlabelled = page.evaluate(
                """() => Array.from(document.querySelectorAll(
                      "input:not([type=hidden]), select, textarea, button"))
                    .filter((e) => e.offsetParent !== null || e.type === "file")
                    .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute("aria-label")
                      && !(e.tagName === "BUTTON" && e.textContent.trim()))
                    .map((e) => e.outerHTML.slice(0, 120))"""
            )
            assert unlabelled == [], unlabelled
            overflow = page.evaluate("() => document.documentElement.scrollWidth")
            assert overflow <= 390, f"{path} is {overflow}px wide at 390px"
            assert page.locator("#notice.error").count() == 0, page.locator("#notice").inner_text()
    finally:
        context.close()
    assert not errors, errors


def test_login_when_keys_are_required(tmp_path: Path, browser: Browser) -> None:
    from scribe.db import keys

    with running_ui(tmp_path / "var", with_workers=False, api={"auth": "required"}) as secured:
        with secured.app_state().backends.engine.begin() as conn:
            _, token = keys.create_key(conn, name="Editor", scope="write")
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        try:
            page.goto(f"{secured.base}/collections")
            expect(page).to_have_url(re.compile(r"/login\?next=%2Fcollections$"))
            page.fill("#api_key", "sk_wrong_key")
            page.get_by_role("button", name="Sign in").click()
            expect(page.locator("#login-error")).to_have_text(
                "That API key is unknown or has been revoked."
            )
            page.fill("#api_key", token)
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_url(f"{secured.base}/collections")
            expect(page.locator(".who")).to_contain_text("Editor")
            expect(page.locator("#collection-list")).to_contain_text("No collections yet")
            [cookie] = [c for c in context.cookies() if c["name"] == "scribe_session"]
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            assert not cookie["secure"]  # loopback; a Secure cookie elsewhere

            page.get_by_role("button", name="Sign out").click()
            expect(page).to_have_url(re.compile("/login$"))
            page.goto(f"{secured.base}/jobs")
            expect(page).to_have_url(re.compile(r"/login\?next="))
        finally:
            context.close()
