"""API keys and scopes, the start-up rule off loopback, and webhooks to a dead receiver."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from scribe.api.auth import auth_required
from scribe.db import keys
from scribe.errors import ConfigError
from scribe.services import open_database
from tests.api.conftest import api_settings, start_api, stop_api
from tests.api.servers import webhook_receiver
from tests.helpers import LESSON_MP4


def test_keys_and_scopes(tmp_path: Path) -> None:
    settings = api_settings(tmp_path / "var")
    engine = open_database(settings)
    with engine.begin() as conn:
        _, reader = keys.create_key(conn, name="dashboard", scope="read")
        _, writer = keys.create_key(conn, name="importer", scope="write")
        revoked_key, revoked = keys.create_key(conn, name="old", scope="admin")
        keys.revoke_key(conn, key=revoked_key.prefix)
    engine.dispose()
    live = start_api(settings, with_workers=False)
    try:
        base = live.base
        anonymous = httpx.get(f"{base}/api/v1/jobs")
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert httpx.get(f"{base}/readyz").status_code == 200
        wrong = httpx.get(f"{base}/api/v1/jobs", headers={"authorization": "Bearer sk_x_y"})
        assert wrong.status_code == 401
        gone = httpx.get(f"{base}/api/v1/jobs", headers={"authorization": f"Bearer {revoked}"})
        assert gone.status_code == 401
        read_headers = {"authorization": f"Bearer {reader}"}
        assert httpx.get(f"{base}/api/v1/jobs", headers=read_headers).status_code == 200
        refused = httpx.post(f"{base}/api/v1/collections", json={"name": "x"}, headers=read_headers)
        assert refused.status_code == 403
        allowed = httpx.post(
            f"{base}/api/v1/collections", json={"name": "x"}, headers={"x-api-key": writer}
        )
        assert allowed.status_code == 201
    finally:
        stop_api(live)


def test_the_api_refuses_to_start_off_loopback_without_keys(tmp_path: Path) -> None:
    settings = api_settings(tmp_path / "var", api={"host": "0.0.0.0"})
    with pytest.raises(ConfigError, match="scribe keys create"):
        auth_required(settings, live_keys=0)
    assert auth_required(settings, live_keys=1) is True
    loopback = api_settings(tmp_path / "var")
    assert auth_required(loopback, live_keys=0) is False
    assert auth_required(loopback, live_keys=2) is True


def test_a_dead_receiver_is_retried_then_recorded_failed_and_the_job_is_unaffected(
    tmp_path: Path,
) -> None:
    settings = api_settings(
        tmp_path / "var",
        webhooks={"allow_hosts": ["127.0.0.1"], "retry_base_delay": 0.2, "max_attempts": 3},
    )
    live = start_api(settings, with_workers=True)
    try:
        with webhook_receiver() as receiver:
            receiver.status = 503
            with open(LESSON_MP4, "rb") as handle, live.client() as client:
                [job] = client.post(
                    "/api/v1/jobs",
                    files={"file": ("lesson.mp4", handle)},
                    data={"callback_url": receiver.url},
                ).json()["jobs"]
            assert live.wait_job(job["id"])["state"] == "completed"
            deadline = time.monotonic() + 30
            deliveries: list[dict[str, Any]] = []
            while time.monotonic() < deadline:
                with live.client() as client:
                    deliveries = client.get(f"/api/v1/jobs/{job['id']}/deliveries").json()
                done = [d for d in deliveries if d["event"] == "job.completed"]
                if done and done[0]["status"] == "failed":
                    break
                time.sleep(0.2)
        [completed] = [d for d in deliveries if d["event"] == "job.completed"]
        assert completed["status"] == "failed"
        assert completed["attempts"] == 3
        assert completed["last_status_code"] == 503
        posts = [r for r in receiver.received if r.json["event"] == "job.completed"]
        assert len(posts) == 3
    finally:
        stop_api(live)
