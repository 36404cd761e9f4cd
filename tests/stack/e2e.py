"""End-to-end check of a running container stack (scripts/stack_test.sh, `make stack-test`).

Standard library only (the host needs no virtualenv): it talks to the api's REST API as a user
would and drives the workers' containers with the docker CLI.

1. **lesson**: upload tests/data/lesson.mp4, wait for `completed`, check the transcript (word
   error rate against lesson.txt, SRT and text formats) and the music terms.
2. **drain**: upload a longer recording (LibriVox clips joined to --drain-seconds, 120 by
   default), and while the transcribe worker holds it, `docker stop` that container
   (SIGTERM; its grace period lets the worker finish or release the message); start it again
   and check that the job still completes, with the whole recording transcribed.

Usage: python3 tests/stack/e2e.py --api URL --key KEY --transcribe-container NAME
Prints one JSON line of figures at the end; exits non-zero on any failed check.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import wave
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
LESSON_MP4 = DATA / "lesson.mp4"
LESSON_TEXT = (DATA / "lesson.txt").read_text()
LIBRIVOX = sorted((DATA / "librivox").glob("*.wav"))
MAX_WER = 0.25  # the bar tests/e2e/test_system.py sets for this fixture and tiny.en
TERMINAL = {"completed", "failed", "cancelled"}


class Api:
    def __init__(self, base: str, key: str) -> None:
        self.base = base.rstrip("/")
        self.key = key

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, data=body, method=method)
        request.add_header("Authorization", f"Bearer {self.key}")
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def json(self, path: str) -> dict:
        status, body = self.request("GET", path)
        check(status == 200, f"GET {path}: HTTP {status}: {body[:300]!r}")
        return json.loads(body)

    def upload(self, path: Path, **fields: str) -> dict:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + path.read_bytes()
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        status, body = self.request(
            "POST", "/api/v1/jobs", b"".join(parts), f"multipart/form-data; boundary={boundary}"
        )
        check(status == 201, f"upload {path.name}: HTTP {status}: {body[:300]!r}")
        [job] = json.loads(body)["jobs"]
        return job

    def wait(self, job_id: str, timeout: float, until: set[str] = TERMINAL) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            job = self.json(f"/api/v1/jobs/{job_id}")
            if job["state"] in until:
                return job
            if time.monotonic() > deadline:
                raise Failure(f"job {job_id} still {job['state']} after {timeout:.0f} s")
            time.sleep(0.5)


class Failure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout


def lesson(api: Api) -> dict:
    start = time.monotonic()
    job = api.upload(LESSON_MP4, title="Stack test lesson")
    check(job["state"] == "queued", f"new job is {job['state']}")
    done = api.wait(job["id"], timeout=300)
    seconds = time.monotonic() - start
    check(done["state"] == "completed", f"lesson job ended {done['state']}: {done.get('error')}")
    check([s["state"] for s in done["stages"]] == ["completed"] * 3, f"stages {done['stages']}")
    transcript = api.json(f"/api/v1/jobs/{job['id']}/transcript?format=json")
    text = " ".join(s["text"] for s in transcript["segments"])
    wer = word_error_rate(LESSON_TEXT, text)
    check(wer < MAX_WER, f"word error rate {wer:.2f} >= {MAX_WER}: {text!r}")
    check(transcript["model"] == "tiny.en", f"model {transcript['model']}")
    status, srt = api.request("GET", f"/api/v1/jobs/{job['id']}/transcript?format=srt")
    check(status == 200 and b" --> " in srt, "SRT transcript")
    terms = api.json(f"/api/v1/jobs/{job['id']}/terms")
    found = {o["term"]: o for o in terms["occurrences"]}
    check({"minor pentatonic", "metronome"} <= set(found), f"terms found: {sorted(found)}")
    check(found["minor pentatonic"]["start"] < found["metronome"]["start"], "term times")
    for occurrence in terms["occurrences"]:
        check(
            0 <= occurrence["start"] < occurrence["end"] <= transcript["duration"] + 0.1,
            f"term outside the recording: {occurrence}",
        )
    print(f"lesson: completed in {seconds:.1f} s, WER {wer:.2f}, terms {sorted(found)}")
    return {
        "job": job["id"],
        "seconds": round(seconds, 1),
        "wer": round(wer, 3),
        "terms": sorted(found),
        "stages": {s["stage"]: s["duration_seconds"] for s in done["stages"]},
    }


def long_recording(folder: Path, seconds: float) -> tuple[Path, float]:
    """LibriVox clips joined (WAV) to at least ``seconds``; returns the file and its length."""
    path = folder / "long-lesson.wav"
    frames: list[bytes] = []
    total = 0.0
    params = None
    while total < seconds:
        for clip in LIBRIVOX:
            with wave.open(str(clip)) as source:
                params = params or source.getparams()
                frames.append(source.readframes(source.getnframes()))
                total += source.getnframes() / source.getframerate()
    with wave.open(str(path), "wb") as out:
        assert params is not None
        out.setparams(params)
        for chunk in frames:
            out.writeframes(chunk)
    return path, total


def logs_since(container: str, since: str) -> str:
    done = subprocess.run(
        ["docker", "logs", "--since", since, container], capture_output=True, text=True
    )
    return done.stdout + done.stderr


def drain(api: Api, container: str, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path, length = long_recording(Path(tmp), seconds)
        start = time.monotonic()
        job = api.upload(path, title="Stack test drain")
    api.wait(job["id"], timeout=300, until={"transcribing", *TERMINAL})
    # Let the worker start decoding before the stop.
    time.sleep(3)
    state = api.json(f"/api/v1/jobs/{job['id']}")["state"]
    check(state == "transcribing", f"drain job {state} before the stop (recording too short?)")
    since = docker("inspect", "--format", "{{.State.StartedAt}}", container).strip()
    stop_start = time.monotonic()
    docker("stop", container)  # SIGTERM, then SIGKILL after the stop grace period
    stop_seconds = time.monotonic() - stop_start
    exit_code = docker("inspect", "--format", "{{.State.ExitCode}}", container).strip()
    log = logs_since(container, since)
    released = any("released" in line for line in log.splitlines())
    for line in log.splitlines():
        if "signal" in line or "released" in line or "stop" in line.lower():
            print(f"drain: worker log: {line[:300]}")
    state_after_stop = api.json(f"/api/v1/jobs/{job['id']}")["state"]
    print(
        f"drain: docker stop took {stop_seconds:.1f} s, exit code {exit_code}, "
        f"job {state_after_stop}, {'released' if released else 'not released'} by the worker"
    )
    check(exit_code == "0", f"the worker exited {exit_code} on SIGTERM (not a clean drain)")
    if state_after_stop != "completed":
        docker("start", container)
    done = api.wait(job["id"], timeout=900)
    total = time.monotonic() - start
    check(done["state"] == "completed", f"drain job ended {done['state']}: {done.get('error')}")
    transcript = api.json(f"/api/v1/jobs/{job['id']}/transcript?format=json")
    end = max((s["end"] for s in transcript["segments"]), default=0.0)
    check(end > length - 15, f"transcript ends at {end:.0f} s of {length:.0f} s")
    deliveries = [s.get("attempts") for s in done["stages"] if s["stage"] == "transcribe"]
    print(
        f"drain: job completed {total:.1f} s after upload ({length:.0f} s of audio, "
        f"transcript to {end:.0f} s), transcribe attempts {deliveries}"
    )
    return {
        "job": job["id"],
        "audio_seconds": round(length),
        "stop_seconds": round(stop_seconds, 1),
        "exit_code": int(exit_code),
        "released": released,
        "state_after_stop": state_after_stop,
        "seconds": round(total, 1),
        "transcribe_attempts": deliveries,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--transcribe-container", required=True)
    parser.add_argument("--drain-seconds", type=float, default=120.0)
    parser.add_argument("--skip-drain", action="store_true")
    args = parser.parse_args()
    api = Api(args.api, args.key)
    figures: dict[str, object] = {}
    try:
        figures["lesson"] = lesson(api)
        if not args.skip_drain:
            figures["drain"] = drain(api, args.transcribe_container, args.drain_seconds)
    except Failure as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        print(json.dumps(figures))
        return 1
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
