"""Manifests with every line ending, stray CRs, malformed rows and hostile values, on SQLite
and PostgreSQL: never a 500, row errors in plain words, and a manifest with no good row is a
422 problem."""

from __future__ import annotations

import json
from collections import Counter

import httpx

from tests.api.conftest import LiveApi
from tests.api.servers import webhook_receiver

CASES: Counter[str] = Counter()
GOOD = "http://127.0.0.1:9/a.mp4"


def _post(client: httpx.Client, body: bytes, ctype: str = "text/csv") -> httpx.Response:
    CASES["manifest"] += 1
    response = client.post("/api/v1/jobs/manifest", content=body, headers={"content-type": ctype})
    assert response.status_code < 500, (body[:200], response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json", response.text
    return response


def test_every_line_ending_and_bare_crs(hostile_api: LiveApi) -> None:
    rows = ["source,title,lesson_number", f"{GOOD},One,1", f"{GOOD},Two,2"]
    with hostile_api.client() as client:
        for ending in ("\n", "\r\n", "\r"):
            response = _post(client, ending.join(rows).encode())
            assert response.status_code == 201, (repr(ending), response.text)
            assert [j["title"] for j in response.json()["jobs"]] == ["One", "Two"]
        mixed = f"source,title\r\n{GOOD},One\r{GOOD},Two\n".encode()
        assert len(_post(client, mixed).json()["jobs"]) == 2
        bare_cr = f'source,title\n{GOOD},"Line\rbreak"\n{GOOD},Tw\ro\n'.encode()
        response = _post(client, bare_cr)
        assert response.status_code in (201, 422), response.text
        bom = ("\ufeff" + "\n".join(rows)).encode()
        assert _post(client, bom).status_code == 201


def test_malformed_rows_say_why_in_plain_words(hostile_api: LiveApi) -> None:
    body = "\n".join(
        [
            "source,title,lesson_number,preset",
            f"{GOOD},ok,1,fast",
            f"{GOOD},bad number,abc,fast",
            f"{GOOD},negative,-3,fast",
            f"{GOOD},bad preset,1,warp",
            "ftp://x/y,bad scheme,1,fast",
            ",no source,1,fast",
            f'{GOOD},"unclosed quote,1,fast',
            f"{GOOD},too,many,values,here",
            f"{GOOD},nul\x00title,1,fast",
        ]
    ).encode()
    with hostile_api.client() as client:
        response = _post(client, body)
    assert response.status_code == 201, response.text
    reasons = [e["reason"] for e in response.json()["errors"]]
    assert reasons, response.text
    text = " ".join(reasons)
    assert "invalid literal" not in text and "Traceback" not in text
    assert "lesson_number" in text and "whole number" in text


def test_a_manifest_with_no_good_row_is_a_problem(hostile_api: LiveApi) -> None:
    with hostile_api.client() as client:
        for body in (
            b"source,title\nftp://x/y,one\n,two\n",
            b"title\nno source column\n",
            b"",
            b"\xff\xfe\x00\x01",
            b'{"source": 1}\n[1]\nnot json\n',
        ):
            response = _post(client, body)
            assert response.status_code == 422, (body, response.text)
            problem = response.json()
            assert problem["errors"] or "empty" in problem["detail"] or "UTF-8" in problem["detail"]


def test_json_lines_callback_url_is_a_callback_not_metadata(hostile_api: LiveApi) -> None:
    with webhook_receiver() as receiver, hostile_api.client() as client:
        lines = [
            {"source": GOOD, "title": "hooked", "callback_url": receiver.url},
            {"source": GOOD, "callback_url": "http://169.254.169.254/latest"},
        ]
        body = "\n".join(json.dumps(line) for line in lines).encode()
        response = _post(client, body, "application/x-ndjson")
    assert response.status_code == 201, response.text
    [job] = response.json()["jobs"]
    assert "callback_url" not in job["metadata"]
    assert job["callback_url"] == receiver.url
    [error] = response.json()["errors"]
    assert error["line"] == 2 and "callback_url" in error["reason"]
    print(f"manifest cases so far: {dict(CASES)}")
