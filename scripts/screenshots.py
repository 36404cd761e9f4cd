"""Screenshots of the web UI for the docs: docs/images/ui-*.png at 1280×800.

Starts the api with the UI and in-process workers on a temporary data folder, adds a small
course of lessons (the lesson video fixture, and one silent video that fails), then drives
Debian's Chromium through every page. Run: ``.venv/bin/python scripts/screenshots.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.api.conftest import LiveApi  # noqa: E402
from tests.e2e.ui_helpers import chromium, running_ui  # noqa: E402
from tests.helpers import LESSON_MP4, SILENT_VIDEO  # noqa: E402

OUT = ROOT / "docs" / "images"
MAX_BYTES = 250 * 1024
LESSONS = [
    ("Pentatonic warm-up", LESSON_MP4),
    ("Picking and hammer-ons", LESSON_MP4),
    ("Slow practice with a metronome", LESSON_MP4),
    ("Chord melody basics", SILENT_VIDEO),
]


def seed(live: LiveApi) -> dict[str, Any]:
    """A collection with four lessons (three complete, one fails: no audio), one edit."""
    with live.client() as client:
        course = client.post(
            "/api/v1/collections",
            json={"name": "Guitar foundations", "description": "First steps on the guitar"},
        ).json()
        client.post("/api/v1/collections", json={"name": "Blues rhythm"})
        ids = []
        for number, (title, path) in enumerate(LESSONS, start=1):
            with open(path, "rb") as handle:
                [job] = client.post(
                    "/api/v1/jobs",
                    files={"file": (path.name, handle)},
                    data={
                        "title": f"Lesson {number}: {title}",
                        "collection_id": course["id"],
                        "lesson_number": str(number),
                    },
                ).json()["jobs"]
            ids.append(job["id"])
        jobs = [live.wait_job(job_id) for job_id in ids]
        # An editor fixes what the model misheard ("U-sulturnate picking"), as in the UI.
        words = client.get(f"/api/v1/jobs/{ids[0]}/transcript").json()["segments"][0]["words"]
        fixes = {"U": "use", "-sulturnate": "alternate"}
        edits = [
            {"segment": 0, "word": n, "text": fixes[w["text"].strip()]}
            for n, w in enumerate(words)
            if w["text"].strip() in fixes
        ]
        if edits:
            client.post(
                f"/api/v1/jobs/{ids[0]}/transcript/edits", json={"author": "Ana", "edits": edits}
            )
            live.wait_job(ids[0])
    return {"course": course, "jobs": jobs}


def shrink(path: Path) -> None:
    """Keep a screenshot under MAX_BYTES (a 256-colour palette if it is larger)."""
    if path.stat().st_size <= MAX_BYTES:
        return
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE).save(
            path, optimize=True
        )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_ui(Path(tmp) / "var") as live,
        chromium() as browser,
    ):
        data = seed(live)
        first = data["jobs"][0]
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()

        def shot(name: str, path: str, wait: str, settle: int = 800) -> None:
            page.goto(f"{live.base}{path}")
            page.wait_for_selector(wait)
            page.wait_for_timeout(settle)
            target = OUT / f"ui-{name}.png"
            page.screenshot(path=str(target))
            shrink(target)
            print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KB")

        # Upload: two files going through the page, their rows showing progress and state.
        page.goto(f"{live.base}/upload")
        page.select_option("#opt-collection", label="Guitar foundations")
        video = LESSON_MP4.read_bytes()
        page.set_input_files(
            "#file-input",
            [
                {"name": name, "mimeType": "video/mp4", "buffer": video}
                for name in ("Lesson 5 - Blues shuffle.mp4", "Lesson 6 - Vibrato.mp4")
            ],
        )
        page.wait_for_function("() => document.querySelectorAll('#uploads .status a').length == 2")
        page.wait_for_timeout(1500)
        page.screenshot(path=str(OUT / "ui-upload.png"))
        shrink(OUT / "ui-upload.png")
        for job in page.evaluate(
            "() => Array.from(document.querySelectorAll('#uploads [data-job-id]'))"
            ".map((e) => e.dataset.jobId)"
        ):
            live.wait_job(job)
        print("docs/images/ui-upload.png")

        shot("jobs", "/jobs", "#jobs-body tr")
        shot("job", f"/jobs/{first['id']}#t=5.3", "#transcript .w.current", settle=1500)
        shot("search", "/search?q=pentatonic+scale", "#hits li")
        shot("collections", f"/collections?id={data['course']['id']}", "#terms-chart svg")
        shot("analytics", "/analytics?days=7", "#chart-terms svg")
        shot("lexicon", "/lexicon?category=technique", "#terms-body tr")
        shot("operations", "/operations", "#workers tr")
        page.set_viewport_size({"width": 390, "height": 844})
        shot("job-phone", f"/jobs/{first['id']}#t=9.1", "#transcript .w.current", settle=1500)
        context.close()


if __name__ == "__main__":
    main()
