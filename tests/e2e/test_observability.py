"""After a job runs through `scribe up`, the metrics (the workers' on the api's /metrics too) and
the JSON logs tell what happened."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from tests.helpers import (
    LESSON_MP4,
    free_port,
    scribe_env,
    start_scribe,
    stop,
    wait_http,
    wait_job,
)


def _samples(text: str) -> dict[str, float]:
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def _value(samples: dict[str, float], pattern: str) -> float:
    matches = [v for k, v in samples.items() if re.fullmatch(pattern, k)]
    assert matches, f"no series matches {pattern}"
    return sum(matches)


def test_metrics_and_json_logs_after_a_job(tmp_path: Path) -> None:
    port, metrics_port = free_port(), free_port()
    log = tmp_path / "up.log"
    env = scribe_env(
        tmp_path / "var",
        SCRIBE_LOG__FORMAT="json",
        SCRIBE_METRICS__PORT=str(metrics_port),
        SCRIBE_METRICS__EMF="true",
    )
    process = start_scribe(["up", "--port", str(port)], env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", timeout=90)
        for offset in range(3):
            wait_http(f"http://127.0.0.1:{metrics_port + offset}/readyz", timeout=90)
        with open(LESSON_MP4, "rb") as handle:
            response = httpx.post(
                f"{base}/api/v1/jobs",
                files={"file": ("lesson.mp4", handle)},
                headers={"X-Request-ID": "req-observability-1"},
            )
        assert response.headers["x-request-id"] == "req-observability-1"
        job = response.json()["jobs"][0]
        assert wait_job(base, job["id"])["state"] == "completed"

        api = _samples(httpx.get(f"{base}/metrics").text)
        assert _value(api, r'scribe_jobs\{state="completed"\}') == 1
        assert _value(api, r'scribe_queue_messages\{queue="transcribe",state="dead"\}') == 0
        assert _value(api, r'scribe_jobs_finished_total\{state="completed"\}') == 1
        assert (
            _value(api, r'scribe_http_request_duration_seconds_count\{.*route="/api/v1/jobs".*\}')
            >= 1
        )
        assert _value(api, r"process_resident_memory_bytes") > 10e6

        stages = ("extract", "transcribe", "terms")
        workers = {
            stage: _samples(httpx.get(f"http://127.0.0.1:{metrics_port + i}/metrics").text)
            for i, stage in enumerate(stages)
        }
        for stage, samples in workers.items():
            count = _value(
                samples,
                rf'scribe_stage_duration_seconds_count\{{outcome="completed",stage="{stage}"\}}',
            )
            assert count == 1, stage
            assert 0 < _value(samples, rf'scribe_worker_busy_ratio\{{stage="{stage}"\}}') <= 1
            assert _value(samples, rf'scribe_worker_ready\{{stage="{stage}"\}}') == 1
        audio = _value(workers["transcribe"], r'scribe_audio_seconds_total\{stage="transcribe"\}')
        assert 12 < audio < 14.5
        rtf = _value(workers["transcribe"], r'scribe_real_time_factor_sum\{stage="transcribe"\}')
        assert 0 < rtf < 1
        assert (
            _value(workers["transcribe"], r'scribe_model_load_seconds\{.*model="tiny.en".*\}') > 0
        )
        assert not any(k.startswith("scribe_gpu_") for k in workers["transcribe"])  # no GPU here

        # The api's /metrics sums every process of `scribe up` (multiprocess mode): the
        # workers' series are there too, with the same values as on their own endpoints.
        for stage in stages:
            pattern = (
                rf'scribe_stage_duration_seconds_count\{{outcome="completed",stage="{stage}"\}}'
            )
            assert _value(api, pattern) == 1, stage
            bucket = (
                r"scribe_stage_duration_seconds_bucket"
                rf'\{{(?=.*le="\+Inf")(?=.*outcome="completed")(?=.*stage="{stage}").*\}}'
            )
            assert _value(api, bucket) == 1, stage
        api_rtf = _value(api, r'scribe_real_time_factor_sum\{stage="transcribe"\}')
        assert api_rtf == rtf
        assert _value(api, r'scribe_real_time_factor_count\{stage="transcribe"\}') == 1
        assert _value(api, r'scribe_audio_seconds_total\{stage="transcribe"\}') == audio
        assert _value(api, r'scribe_model_load_seconds\{.*model="tiny.en".*\}') > 0
    finally:
        stop(process, timeout=60)

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    records = [r for r in lines if "level" in r]
    emf = [r for r in lines if "_aws" in r]
    for stage in ("extract", "transcribe", "terms"):
        mine = [r for r in records if r.get("job_id") == job["id"] and r.get("stage") == stage]
        assert mine, f"no JSON log line of {stage} carries the job id"
        assert all(r["request_id"] == "req-observability-1" and r["attempt"] == 1 for r in mine)
        assert any(r.get("Stage") == stage and r["job_id"] == job["id"] for r in emf)
    completed = [r for r in emf if r.get("JobsCompleted") == 1.0]
    assert completed and completed[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Scribe"
