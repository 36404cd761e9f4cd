"""The whole system on the production backends: SQS and S3 (moto's server) and PostgreSQL."""

from __future__ import annotations

import uuid
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


def test_a_job_runs_on_sqs_s3_and_postgresql(
    tmp_path: Path, moto_endpoint: str, postgres_url: str
) -> None:
    bucket = f"scribe-{uuid.uuid4().hex[:8]}"
    env = scribe_env(
        tmp_path / "var",
        SCRIBE_DATABASE__URL=postgres_url,
        SCRIBE_QUEUE__BACKEND="sqs",
        SCRIBE_QUEUE__ENDPOINT_URL=moto_endpoint,
        SCRIBE_QUEUE__CREATE_QUEUES="true",
        SCRIBE_QUEUE__PREFIX=f"p{uuid.uuid4().hex[:8]}",
        SCRIBE_QUEUE__WAIT_SECONDS="1",
        SCRIBE_STORAGE__BACKEND="s3",
        SCRIBE_STORAGE__BUCKET=bucket,
        SCRIBE_STORAGE__ENDPOINT_URL=moto_endpoint,
        SCRIBE_STORAGE__CREATE_BUCKET="true",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    port = free_port()
    process = start_scribe(["up", "--port", str(port)], env, tmp_path / "up.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", timeout=90)
        ready = httpx.get(f"{base}/readyz").json()
        assert ready == {
            "status": "ready",
            "checks": {"database": "ok", "queues": "ok", "blob_store": "ok"},
        }
        with open(LESSON_MP4, "rb") as handle:
            job = httpx.post(
                f"{base}/api/v1/jobs", files={"file": (LESSON_MP4.name, handle)}, timeout=60
            ).json()["jobs"][0]
        done = wait_job(base, job["id"], timeout=240)
        assert done["state"] == "completed", (done, (tmp_path / "up.log").read_text()[-4000:])
        terms = httpx.get(f"{base}/api/v1/jobs/{job['id']}/terms").json()
        assert any(o["term"] == "minor pentatonic" for o in terms["occurrences"])
    finally:
        stop(process, timeout=60)

    import boto3

    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    prefix = f"jobs/{job['id']}/"
    assert {f"{prefix}audio.wav", f"{prefix}transcript.json", f"{prefix}terms.json"} <= keys
    head = s3.head_object(Bucket=bucket, Key=f"{prefix}transcript.json")
    assert head["ServerSideEncryption"] == "AES256"
    assert not (tmp_path / "var" / "blobs").exists()
    assert not (tmp_path / "var" / "scribe.sqlite3").exists()
