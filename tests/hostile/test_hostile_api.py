"""Hostile strings in every path id, query parameter and text field of the api, on SQLite and
PostgreSQL: NUL, other control characters, over-long text and bytes that are not UTF-8.

The operations, their parameters and their body fields come from the api's own OpenAPI
document, so a new route is covered without editing this file. Every answer must be a
success or a problem document (``application/problem+json``) with a 4xx status: never a 500,
never Python's own words.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import quote_from_bytes

import httpx

from tests.api.conftest import LiveApi

PAYLOADS: dict[str, bytes] = {
    "nul": b"a\x00b",
    "controls": "a\x01\x08\x1b\x7f\u2028\u202eb".encode(),
    "long": b"x" * 20_000,
    "non_utf8": b"\xff\xfe\xc3(",
}
LEAKS = ("Traceback", "invalid literal", "psycopg", "sqlalchemy", "NUL", "\\x00")
CASES: Counter[str] = Counter()


def _check(response: httpx.Response, kind: str, what: str, failures: list[str]) -> None:
    CASES[kind] += 1
    status = response.status_code
    problem = response.headers.get("content-type", "").startswith("application/problem+json")
    if status >= 500:
        failures.append(f"{what}: {status} {response.text[:200]}")
    elif status >= 400 and not problem:
        failures.append(f"{what}: {status} is not a problem document: {response.text[:200]}")
    elif status >= 400 and any(leak in response.text for leak in LEAKS[:4]):
        failures.append(f"{what}: the problem leaks internals: {response.text[:300]}")


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        options = [_resolve(spec, s) for s in schema["anyOf"] if s.get("type") != "null"]
        return options[0] if options else {}
    return schema


def _example(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    schema = _resolve(spec, schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: _example(spec, v) for k, v in props.items() if k in schema.get("required", [])}
    return {"string": "x", "integer": 1, "number": 1.0, "boolean": True, "array": []}.get(
        str(kind), "x"
    )


def _string_fields(spec: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    props = _resolve(spec, schema).get("properties", {})
    return [k for k, v in props.items() if _resolve(spec, v).get("type") in ("string", None)]


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if path.startswith("/api/")
    ]


def _url(path: str, op: dict[str, Any], fill: bytes, query: str = "") -> str:
    for param in op.get("parameters", []):
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", quote_from_bytes(fill, safe=""))
    return path + (f"?{query}" if query else "")


def test_hostile_strings_in_paths_queries_and_json_bodies(hostile_api: LiveApi) -> None:
    failures: list[str] = []
    with hostile_api.client() as client:
        spec = client.get("/openapi.json").json()
        for method, path, op in _operations(spec):
            has_path = any(p["in"] == "path" for p in op.get("parameters", []))
            for name, payload in PAYLOADS.items():
                if has_path:
                    response = client.request(method, _url(path, op, payload))
                    _check(response, "path id", f"{method} {path} [{name} id]", failures)
                for param in op.get("parameters", []):
                    if param["in"] != "query":
                        continue
                    query = f"{param['name']}={quote_from_bytes(payload, safe='')}"
                    response = client.request(method, _url(path, op, b"abc", query))
                    what = f"{method} {path}?{param['name']} [{name}]"
                    _check(response, "query parameter", what, failures)
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = content["application/json"]["schema"]
            base = _example(spec, schema)
            for field in _string_fields(spec, schema):
                for name, payload in PAYLOADS.items():
                    body = dict(base) if isinstance(base, dict) else {}
                    if name == "non_utf8":
                        body[field] = "@@"
                        raw = json.dumps(body).encode().replace(b'"@@"', b'"' + payload + b'"')
                    else:
                        body[field] = payload.decode()
                        raw = json.dumps(body).encode()
                    response = client.request(
                        method,
                        _url(path, op, b"abc"),
                        content=raw,
                        headers={"content-type": "application/json"},
                    )
                    _check(response, "json field", f"{method} {path} .{field} [{name}]", failures)
    assert failures == [], "\n".join(failures)
    assert CASES["path id"] >= 60 and CASES["query parameter"] >= 60 and CASES["json field"] >= 40
    print(f"hostile api cases so far: {dict(CASES)}")


def test_hostile_upload_fields_and_file_names(hostile_api: LiveApi) -> None:
    failures: list[str] = []
    with hostile_api.client() as client:
        spec = client.get("/openapi.json").json()
        schema = spec["paths"]["/api/v1/jobs"]["post"]["requestBody"]["content"][
            "multipart/form-data"
        ]["schema"]
        fields = [f for f in _string_fields(spec, schema) if f != "file"]
        assert {"title", "metadata", "callback_url", "language"} <= set(fields)
        for field in fields:
            for name, payload in PAYLOADS.items():
                response = client.post(
                    "/api/v1/jobs",
                    files={"file": ("a.wav", b"RIFF")},
                    data={field: payload},
                )
                _check(response, "upload field", f"upload .{field} [{name}]", failures)
        for name, payload in {**PAYLOADS, "slashes": b"../../etc/passwd", "empty": b""}.items():
            filename = payload.decode("latin-1")
            response = client.post("/api/v1/jobs", files={"file": (filename, b"RIFF")})
            _check(response, "file name", f"upload file name [{name}]", failures)
    assert failures == [], "\n".join(failures)
    print(f"hostile api cases so far: {dict(CASES)}")
