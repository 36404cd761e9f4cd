"""Pipeline overhead: a whole job through the running system vs bare faster-whisper.

For a 60-second lesson-like file (AAC in MP4), measured side by side in one run:

- system: wall time from the upload's POST to the job's `completed_at` (the orchestrator's own
  record, on the same clock) through `scribe up` (extract, transcribe and terms workers,
  queues, orchestrator, database); the benchmark polls slowly so it does not load the machine;
- bare: faster-whisper given the same file, with the same model and options, model already
  loaded (as the worker's is): what a user of plain faster-whisper would run.

Rounds alternate so machine noise hits both; the ratio of medians is printed (target <= 1.15).
It also measures api latency (200 requests to /healthz and /api/v1/jobs) while a transcription
runs. Usage: ``.venv/bin/python bench/pipeline_overhead.py [--rounds 3] [--seconds 60]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from _common import RunningScribe, lesson_speech, write_m4a
from scribe.config import WhisperSettings
from scribe.stages.transcribe.model import resolve_model
from scribe.stages.transcribe.options import DecodeOptions


def bare_model() -> Any:
    """faster-whisper's own defaults for the same model (all cores to one decoder), as a
    user of plain faster-whisper would load it; not the worker's replicas."""
    from faster_whisper import WhisperModel

    path, _name = resolve_model(WhisperSettings())
    return WhisperModel(path, device="cpu", compute_type="int8")


def bare_seconds(model: Any, media: Path) -> float:
    """Bare faster-whisper with the worker's decoding options; model loaded beforehand."""
    opts = DecodeOptions.from_settings(WhisperSettings())
    started = time.perf_counter()
    segments, _info = model.transcribe(str(media), **opts.transcribe_kwargs())
    for _ in segments:
        pass
    return time.perf_counter() - started


def latency_during_job(system: RunningScribe, media: Path) -> tuple[float, float]:
    """p50 and p99 (ms) of 200 requests while a transcription runs."""
    job_id = system.submit(media)
    latencies: list[float] = []
    with httpx.Client(base_url=system.base, timeout=10) as client:
        for i in range(200):
            started = time.perf_counter()
            client.get("/healthz" if i % 2 else "/api/v1/jobs").raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)
    system.wait(job_id)
    return statistics.median(latencies), statistics.quantiles(latencies, n=100)[98]


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        samples = lesson_speech(args.seconds)
        media = write_m4a(samples, folder / "lesson.m4a")
        model = bare_model()
        system = RunningScribe(folder / "var")
        system_times, bare_times = [], []
        stage_times: dict[str, list[float]] = {}
        try:
            system.wait(system.submit(media))  # warm-up
            bare_seconds(model, media)
            for _ in range(args.rounds):
                started = time.time()
                job = system.wait(system.submit(media))
                assert job["state"] == "completed", job
                finished = datetime.fromisoformat(job["completed_at"]).timestamp()
                system_times.append(finished - started)
                for run in job["stages"]:
                    stage_times.setdefault(run["stage"], []).append(run["duration_seconds"])
                bare_times.append(bare_seconds(model, media))
            p50, p99 = latency_during_job(system, media)
        finally:
            system.close()
    system_median = statistics.median(system_times)
    bare_median = statistics.median(bare_times)
    print(f"audio: {args.seconds:.0f} s lesson-like AAC/MP4, model tiny.en (CPU int8)")
    print(f"bare faster-whisper: median {bare_median:.2f} s  ({[round(t, 2) for t in bare_times]})")
    print(
        f"whole job via api:   median {system_median:.2f} s  "
        f"({[round(t, 2) for t in system_times]})"
    )
    stages = {name: statistics.median(times) for name, times in stage_times.items()}
    print(
        "  stage medians: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in stages.items())
        + f"; queues, orchestrator and api: {system_median - sum(stages.values()):.2f} s"
    )
    print(f"overhead ratio (job / bare): {system_median / bare_median:.3f}  (target <= 1.15)")
    print(f"api latency during a transcription (200 requests): p50 {p50:.1f} ms, p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
