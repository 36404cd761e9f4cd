"""The lesson library in a real browser: per-file details and a new collection at upload,
lesson details, review and captions on the job page, the review filter, collections that add,
reorder (drag and keyboard) and delete, and find and replace."""

from __future__ import annotations

import shutil
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

from playwright.sync_api import Page, expect


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    with running_ui(tmp_path_factory.mktemp("library-ui") / "var") as live:
        yield live


@pytest.fixture(scope="module")
def lessons(ui: LiveApi) -> list[dict[str, Any]]:
    """Two completed lessons uploaded through the API."""
    made = []
    with ui.client() as client:
        for title in ("Pentatonic warm-up", "Chord changes"):
            with open(LESSON_MP4, "rb") as handle:
                [job] = client.post(
                    "/api/v1/jobs", files={"file": ("lesson.mp4", handle)}, data={"title": title}
                ).json()["jobs"]
            made.append(job)
    done = [ui.wait_job(job["id"]) for job in made]
    assert all(job["state"] == "completed" for job in done), done
    return done


def _job(ui: LiveApi, job_id: str) -> dict[str, Any]:
    with ui.client() as client:
        job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}").json()
    return job


def test_upload_gives_each_file_its_details_and_makes_a_collection(
    ui: LiveApi, page: Page, tmp_path: Path
) -> None:
    first, second = tmp_path / "scales_01.mp4", tmp_path / "scales_02.mp4"
    shutil.copyfile(LESSON_MP4, first)
    shutil.copyfile(LESSON_MP4, second)
    page.goto(f"{ui.base}/upload")
    page.get_by_role("button", name="New collection…").click()
    page.fill("#new-collection-name", "Scales from the upload page")
    page.get_by_role("button", name="Create collection").click()
    expect(page.locator("#opt-collection option:checked")).to_have_text(
        "Scales from the upload page"
    )
    page.check("#opt-hold")
    page.set_input_files("#file-input", [str(first), str(second)])
    titles = page.locator("#uploads .pf-title")
    expect(titles).to_have_count(2)
    expect(titles.first).to_have_value("Scales 01")
    titles.nth(1).fill("Scales, part two")
    page.locator("#uploads .pf-number").nth(1).fill("2")
    page.locator("#uploads .pf-tags").nth(1).fill("scales, Beginner")
    page.get_by_role("button", name="Send 2 files").click()
    statuses = page.locator("#uploads .status")
    expect(statuses.nth(1)).to_contain_text("Uploaded", timeout=60_000)
    expect(statuses.first).to_contain_text("Uploaded", timeout=60_000)
    ids = [statuses.nth(n).get_attribute("data-job-id") for n in range(2)]
    jobs = [ui.wait_job(str(job_id)) for job_id in ids]
    with ui.client() as client:
        made = [
            c for c in client.get("/api/v1/collections").json() if c["name"].startswith("Scales")
        ]
    assert [(j["title"], j["lesson_number"], j["tags"]) for j in jobs] == [
        ("Scales 01", None, []),
        ("Scales, part two", 2, ["scales", "beginner"]),
    ]
    assert len(made) == 1 and all(j["collection_id"] == made[0]["id"] for j in jobs)


def test_job_page_edits_details_reviews_and_downloads_captions(
    ui: LiveApi, lessons: list[dict[str, Any]], page: Page
) -> None:
    job_id = lessons[0]["id"]
    page.goto(f"{ui.base}/jobs/{job_id}")
    page.wait_for_selector("#meta-form")
    page.fill("#meta-title", "Pentatonic warm-up")
    page.fill("#meta-number", "1")
    page.fill("#meta-description", "Scales at a slow tempo")
    page.fill("#meta-tags", "scales, warm-up")
    page.get_by_role("button", name="Save details").click()
    expect(page.locator("#notice")).to_contain_text("Lesson details saved")
    saved = _job(ui, job_id)
    assert (saved["lesson_number"], saved["description"], saved["tags"]) == (
        1,
        "Scales at a slow tempo",
        ["scales", "warm-up"],
    )

    page.fill("#author", "Editor A")
    page.fill("#review-assignee", "Reviewer B")
    page.get_by_role("button", name="Send to review").click()
    expect(page.locator("#review-status")).to_contain_text("In review")
    expect(page.locator("#review-status")).to_contain_text("assigned to Reviewer B")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#review-status")).to_contain_text("Approved · Editor A")
    assert _job(ui, job_id)["review_status"] == "approved"

    page.fill("#cap-chars", "32")
    page.select_option("#cap-lines", "1")
    with page.expect_download() as info:
        page.click("#cap-download")
    download = info.value
    assert download.suggested_filename == "lesson-1-pentatonic-warm-up.srt"
    text = Path(download.path()).read_text()
    cues = [block.splitlines() for block in text.strip().split("\n\n")]
    assert len(cues) > 3 and all(len(c) == 3 and len(c[2]) <= 32 for c in cues)
    expect(page.locator("#chapters")).to_be_visible()


def test_jobs_list_shows_and_filters_review_status(
    ui: LiveApi, lessons: list[dict[str, Any]], page: Page
) -> None:
    first, second = lessons
    with ui.client() as client:
        client.post(
            f"/api/v1/jobs/{second['id']}/review", json={"status": "in_review", "by": "Checker C"}
        )
    page.goto(f"{ui.base}/jobs")
    row = page.locator(f'tr[data-job-id="{second["id"]}"]')
    expect(row.locator("td.review .review-badge")).to_have_text("In review")
    page.select_option("#f-review", "in_review")
    expect(page.locator(f'tr[data-job-id="{first["id"]}"]')).to_have_count(0)
    expect(row).to_be_visible()
    assert "review=in_review" in page.url


def test_collection_adds_reorders_by_keyboard_and_drag_and_deletes(
    ui: LiveApi, lessons: list[dict[str, Any]], page: Page
) -> None:
    first, second = lessons
    with ui.client() as client:
        course = client.post("/api/v1/collections", json={"name": "Hand-picked"}).json()
    page.goto(f"{ui.base}/collections?id={course['id']}")
    for lesson in (first, second):
        page.wait_for_selector("#add-lesson")
        page.select_option("#add-lesson", lesson["id"])
        page.get_by_role("button", name="Add to collection").click()
        expect(page.locator(f'#lessons-table tr[data-job-id="{lesson["id"]}"]')).to_have_count(1)
    rows = page.locator("#lessons-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-job-id", first["id"])

    rows.first.focus()
    page.keyboard.press("Alt+ArrowDown")
    expect(rows.first).to_have_attribute("data-job-id", second["id"])
    expect(page.locator(f'#lessons-table tr[data-job-id="{first["id"]}"]')).to_be_focused()
    with ui.client() as client:
        order = [
            j["id"] for j in client.get(f"/api/v1/collections/{course['id']}/jobs").json()["jobs"]
        ]
    assert order == [second["id"], first["id"]]

    page.drag_and_drop(
        f'#lessons-table tr[data-job-id="{first["id"]}"]',
        f'#lessons-table tr[data-job-id="{second["id"]}"]',
    )
    expect(rows.first).to_have_attribute("data-job-id", first["id"])
    with ui.client() as client:
        jobs = client.get(f"/api/v1/collections/{course['id']}/jobs").json()["jobs"]
    assert [(j["id"], j["lesson_number"]) for j in jobs] == [(first["id"], 1), (second["id"], 2)]

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete collection").click()
    expect(page.locator("#notice")).to_contain_text("its lessons stay")
    expect(page.locator("#collection-list")).not_to_contain_text("Hand-picked")
    assert _job(ui, first["id"])["state"] == "completed"
    assert _job(ui, first["id"])["collection_id"] is None


def test_find_and_replace_previews_then_applies_one_revision_per_lesson(
    ui: LiveApi, lessons: list[dict[str, Any]], page: Page
) -> None:
    page.goto(f"{ui.base}/replace")
    page.fill("#r-find", "metronome slow")
    page.fill("#r-replace", "metronome steady")
    page.get_by_role("button", name="Preview").click()
    hits = page.locator("#r-hits li")
    expect(hits.first).to_be_visible()
    count = hits.count()
    assert count >= 2  # both lessons (and any the upload test added)
    expect(hits.first.locator("del")).to_have_text("slow")
    expect(hits.first.locator("ins")).to_have_text("steady")
    page.fill("#r-author", "Editor")
    page.get_by_role("button", name=f"Apply to {count} lessons").click()
    expect(page.locator("#r-summary")).to_have_text(f"Saved {count} revisions, one per lesson.")
    with ui.client() as client:
        for lesson in lessons:
            revisions = client.get(f"/api/v1/jobs/{lesson['id']}/revisions").json()
            assert revisions[-1]["author"] == "Editor"
        again = client.post("/api/v1/replace/preview", json={"find": "metronome slow"}).json()
    assert again["hits"] == []
