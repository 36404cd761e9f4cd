"""Cancel at every stage; a stage that fails for good keeps the work already done."""

from __future__ import annotations

import time
from pathlib import Path

from tests.helpers import make_long_speech
from tests.reliability.cluster import Cluster
from tests.reliability.conftest import SHORT_CLIP


def test_cancel_while_queued_extracting_and_mid_transcription(
    cluster: Cluster, tmp_path: Path
) -> None:
    long_audio = tmp_path / "long.wav"
    make_long_speech(long_audio, 150)
    # A batched worker reports progress and checks for a cancel after each batch: eight
    # 30-second chunks take up to a minute on one CPU thread (more when a chunk falls back to
    # sampled temperatures). 10-second chunks in batches of four keep the checkpoints a few
    # seconds apart.
    cluster.env["SCRIBE_WHISPER__BATCH_CHUNK_SECONDS"] = "10"
    cluster.env["SCRIBE_WHISPER__BATCH_SIZE"] = "4"
    cluster.start_api()
    queued = cluster.upload(SHORT_CLIP)
    assert cluster.http.post(f"/api/v1/jobs/{queued['id']}/cancel").json()["state"] == "cancelled"

    cluster.start_worker("extract", "extract")
    cluster.start_worker("transcribe", "transcribe")
    cluster.start_worker("terms", "terms")
    long_job = cluster.upload(long_audio)
    cluster.wait_until(long_job["id"], ["transcribing"], timeout=60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait for the transcription to be under way
        run = next(s for s in cluster.job(long_job["id"])["stages"] if s["stage"] == "transcribe")
        if run["state"] == "running" and run["progress"] > 0:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"no progress while transcribing: {run}\n{cluster.log_tail()}")
    cancelled_at = time.monotonic()
    response = cluster.http.post(f"/api/v1/jobs/{long_job['id']}/cancel")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "cancelled"
    follower = cluster.upload(SHORT_CLIP)  # the worker must be free again soon
    assert cluster.wait_until(follower["id"], ["completed"], timeout=90)["state"] == "completed"
    assert time.monotonic() - cancelled_at < 60
    assert cluster.job(long_job["id"])["state"] == "cancelled"
    transcript = cluster.http.get(f"/api/v1/jobs/{long_job['id']}/transcript")
    assert transcript.status_code == 409  # stopped before writing a transcript
    assert cluster.alive() == {"api": True, "extract": True, "transcribe": True, "terms": True}


def test_terms_failing_for_good_keeps_the_transcript(cluster: Cluster) -> None:
    cluster.start_all()
    root = Path(cluster.env["SCRIBE_DATA_DIR"]) / "blobs" / "lexicon"
    root.mkdir(parents=True)
    (root / "broken.json").write_text("{ this is not a lexicon")
    (root / "VERSION").write_text("broken")
    job = cluster.upload(SHORT_CLIP)
    done = cluster.wait_until(job["id"], ["completed", "failed"], timeout=120)
    assert done["state"] == "failed" and done["failed_stage"] == "terms", cluster.log_tail()
    assert "gave up after 4 attempts" in done["error"] and "malformed" in done["error"]
    stages = {s["stage"]: s["state"] for s in done["stages"]}
    assert stages == {"extract": "completed", "transcribe": "completed", "terms": "failed"}
    transcript = cluster.http.get(f"/api/v1/jobs/{job['id']}/transcript")
    assert transcript.status_code == 200 and transcript.json()["segments"]
    assert cluster.http.get(f"/api/v1/jobs/{job['id']}/audio").status_code == 200
