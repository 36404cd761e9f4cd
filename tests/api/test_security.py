"""Uploads never run script, cookie writes need a same-origin browser, keys apply at once,
and ``/metrics`` stays bounded whatever paths are asked for."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scribe.db import keys
from scribe.services import open_database
from tests.api.conftest import LiveApi, api_settings, start_api, stop_api
from tests.helpers import scribe_env

EVIL = b"<html><body><script>fetch('/api/v1/collections',{method:'POST'})</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def keyed(tmp_path: Path) -> Iterator[tuple[LiveApi, str]]:
    """An api on loopback with one admin key (so keys are required)."""
    settings = api_settings(tmp_path / "var")
    engine = open_database(settings)
    with engine.begin() as conn:
        _, admin = keys.create_key(conn, name="admin", scope="admin")
    engine.dispose()
    live = start_api(settings, with_workers=False)
    try:
        yield live, admin
    finally:
        stop_api(live)


def _upload(client: httpx.Client, name: str, data: bytes) -> str:
    response = client.post("/api/v1/jobs", files={"file": (name, data)})
    assert response.status_code == 201, response.text
    return str(response.json()["jobs"][0]["id"])


@pytest.mark.parametrize(("name", "data"), [("evil.html", EVIL), ("evil.svg", SVG)])
def test_uploaded_media_is_served_as_an_inert_attachment(
    keyed: tuple[LiveApi, str], name: str, data: bytes
) -> None:
    live, admin = keyed
    with live.client(authorization=f"Bearer {admin}") as client:
        job_id = _upload(client, name, data)
        media = client.get(f"/api/v1/jobs/{job_id}/media")
    assert media.status_code == 200
    assert media.content == data
    kind = media.headers["content-type"]
    assert "html" not in kind and "svg" not in kind and "xml" not in kind
    assert media.headers["content-disposition"].startswith("attachment")
    assert media.headers["x-content-type-options"] == "nosniff"
    csp = media.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp


def test_every_ui_page_and_api_answer_carries_security_headers(
    keyed: tuple[LiveApi, str],
) -> None:
    live, _ = keyed
    with live.client() as client:
        for path in ("/login", "/jobs", "/api/v1/jobs", "/api/v1/jobs/x/media", "/no-such"):
            response = client.get(path)
            assert response.headers.get("x-content-type-options") == "nosniff", path
            assert "frame-ancestors 'none'" in response.headers.get(
                "content-security-policy", ""
            ), path
            assert response.headers.get("referrer-policy"), path


def _sign_in(live: LiveApi, admin: str) -> httpx.Client:
    client = live.client()
    page = client.get("/login")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text
    signed = client.post("/login", data={"api_key": admin, "csrf": match.group(1), "next": "/jobs"})
    assert signed.status_code == 303
    assert "samesite=strict" in signed.headers["set-cookie"].lower()
    return client


def test_cookie_authenticated_writes_from_another_site_are_refused(
    keyed: tuple[LiveApi, str],
) -> None:
    live, admin = keyed
    client = _sign_in(live, admin)
    try:
        origin = live.base
        cross = [
            {"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
            {"origin": "https://evil.example"},
            {"sec-fetch-site": "same-site"},
            {"origin": "null"},
        ]
        for headers in cross:
            refused = client.post("/api/v1/collections", json={"name": "x"}, headers=headers)
            assert refused.status_code == 403, (headers, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
            assert "cross-site" in refused.json()["detail"]
        same = client.post(
            "/api/v1/collections",
            json={"name": "mine"},
            headers={"origin": origin, "sec-fetch-site": "same-origin"},
        )
        assert same.status_code == 201, same.text
        # Reads stay open to the session; a key in a header is not a cookie, so no check.
        assert client.get("/api/v1/jobs", headers={"sec-fetch-site": "cross-site"}).is_success
    finally:
        client.close()
    with live.client(authorization=f"Bearer {admin}") as keyed_client:
        header_key = keyed_client.post(
            "/api/v1/collections", json={"name": "k"}, headers={"origin": "https://x.example"}
        )
        assert header_key.status_code == 201


def test_a_key_created_by_another_process_applies_at_once(tmp_path: Path) -> None:
    settings = api_settings(tmp_path / "var")
    live = start_api(settings, with_workers=False)
    env = scribe_env(tmp_path / "var")
    try:
        assert httpx.get(f"{live.base}/api/v1/jobs").status_code == 200  # no keys yet: open
        made = subprocess.run(
            [sys.executable, "-m", "scribe", "keys", "create", "dash", "--scope", "read"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        reader = made.stdout.strip()
        assert httpx.get(f"{live.base}/api/v1/jobs").status_code == 401
        bogus = httpx.get(f"{live.base}/api/v1/jobs", headers={"authorization": "Bearer x"})
        assert bogus.status_code == 401
        read = {"authorization": f"Bearer {reader}"}
        assert httpx.get(f"{live.base}/api/v1/jobs", headers=read).status_code == 200
        assert httpx.delete(f"{live.base}/api/v1/jobs/abc", headers=read).status_code == 403
        assert httpx.get(f"{live.base}/jobs", follow_redirects=False).status_code == 303
        prefix = reader.split("_")[1]
        subprocess.run(
            [sys.executable, "-m", "scribe", "keys", "revoke", prefix],
            env=env,
            capture_output=True,
            check=True,
        )
        assert httpx.get(f"{live.base}/api/v1/jobs", headers=read).status_code == 200  # open again
        assert httpx.get(f"{live.base}/api/v1/jobs").status_code == 200
    finally:
        stop_api(live)


def test_metrics_label_requests_by_route_template(keyed: tuple[LiveApi, str]) -> None:
    live, _ = keyed
    for n in range(5):
        httpx.get(f"{live.base}/api/v1/jobs/unauth-{n}")
        httpx.get(f"{live.base}/nothing-here-{n}")
    text = httpx.get(f"{live.base}/metrics").text
    pattern = r'scribe_http_request_duration_seconds_count\{[^}]*route="([^"]+)"'
    routes = set(re.findall(pattern, text))
    assert "/api/v1/jobs/{job_id}" in routes
    assert "unmatched" in routes
    assert not any("unauth-" in r or "nothing-here" in r for r in routes), routes


def test_docs_work_offline_and_need_a_key_when_keys_exist(keyed: tuple[LiveApi, str]) -> None:
    live, admin = keyed
    with live.client() as anonymous:
        assert anonymous.get("/openapi.json").status_code == 401
        docs = anonymous.get("/docs", follow_redirects=False)
        assert docs.status_code == 303 and docs.headers["location"].startswith("/login")
        assert anonymous.get("/healthz").status_code == 200
    with live.client(authorization=f"Bearer {admin}") as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert "cdn" not in page.text and "https://" not in page.text.split("<body")[0]
        scripts = re.findall(r'src="([^"]+)"', page.text)
        links = re.findall(r'href="([^"]+\.css)"', page.text)
        assert scripts and links
        for asset in [*scripts, *links]:
            assert asset.startswith("/"), asset
            fetched = client.get(asset)
            assert fetched.status_code == 200 and len(fetched.content) > 1000, asset
        assert client.get("/openapi.json").json()["info"]["title"] == "Scribe"
