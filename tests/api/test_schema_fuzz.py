"""schemathesis against the app's own OpenAPI schema: no 5xx, no schema violations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.core.result import Err

from tests.api.conftest import LiveApi, api_settings, start_api, stop_api

# No 5xx, and every response (status, content type, headers, body) as the schema says.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    live = start_api(api_settings(tmp_path_factory.mktemp("fuzz") / "var"), with_workers=False)
    yield live
    stop_api(live)


def test_no_server_errors_and_responses_match_the_schema(fuzz_api: LiveApi) -> None:
    """Every operation, fuzzed; the failures of all operations are reported together."""
    from hypothesis import given

    schema = schemathesis.openapi.from_url(f"{fuzz_api.base}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            pytest.fail(f"an operation of the OpenAPI document does not load: {result.err()}")
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def fuzz(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(base_url=fuzz_api.base, timeout=30, checks=CHECKS)

        try:
            fuzz()
        except BaseException as exc:  # collect, so one report names every broken operation
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures.append(f"{operation.label}: {str(exc)[:800]}")
    assert operations >= 15
    assert failures == [], "\n\n".join(failures)


def test_schema_declares_every_route(fuzz_api: LiveApi, tmp_path: Path) -> None:
    import httpx

    paths = httpx.get(f"{fuzz_api.base}/openapi.json").json()["paths"]
    for path in (
        "/api/v1/jobs",
        "/api/v1/jobs/from-source",
        "/api/v1/jobs/manifest",
        "/api/v1/jobs/{job_id}/transcript",
        "/api/v1/search",
        "/api/v1/collections",
        "/healthz",
        "/readyz",
    ):
        assert path in paths
