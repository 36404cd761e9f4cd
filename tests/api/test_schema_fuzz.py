"""schemathesis against the app's own OpenAPI schema, on SQLite and on PostgreSQL: positive
examples (no 5xx, responses as the schema says), negative data (every invalid request refused
with a 4xx problem, never a 5xx) and stateful sequences (create, then read, edit, cancel and
delete what was created, following the links schemathesis infers): 0 server errors."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks
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


# Invalid input must be refused (4xx) and must never reach a server error.
NEGATIVE_CHECKS = [checks.not_a_server_error, checks.negative_data_rejection]
STATEFUL_CHECKS = [checks.not_a_server_error, checks.use_after_free]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApi]:
    """A live api without workers on each database."""
    from tests.conftest import temporary_postgres_database

    data_dir = tmp_path_factory.mktemp(f"fuzz-{request.param}") / "var"
    if request.param == "sqlite":
        live = start_api(api_settings(data_dir), with_workers=False)
        yield live
        stop_api(live)
        return
    with temporary_postgres_database() as url:
        live = start_api(api_settings(data_dir, database={"url": url}), with_workers=False)
        yield live
        stop_api(live)


def _fuzz_every_operation(
    fuzz_api: LiveApi, mode: GenerationMode, checks_: list[Any], examples: int
) -> tuple[int, list[str]]:
    from hypothesis import given

    schema = schemathesis.openapi.from_url(f"{fuzz_api.base}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            pytest.fail(f"an operation of the OpenAPI document does not load: {result.err()}")
        operation = result.ok()
        operations += 1
        content = (operation.definition.raw.get("requestBody") or {}).get("content", {})
        checks_here = checks_
        if "multipart/form-data" in content:  # form fields are text: "true" is a string too
            checks_here = [c for c in checks_ if c is not checks.negative_data_rejection]

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def fuzz(case) -> None:  # type: ignore[no-untyped-def]
            CASES[mode.value] += 1
            case.call_and_validate(
                base_url=fuzz_api.base,
                timeout=30,
                checks=checks_here,  # noqa: B023 - called at once
            )

        try:
            fuzz()
        except Unsatisfiable:  # no invalid request exists for it (no parameters, any text id)
            CASES[f"{mode.value} (nothing invalid to send)"] += 1
        except BaseException as exc:  # collect, so one report names every broken operation
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures.append(f"{operation.label}: {str(exc)[:800]}")
    return operations, failures


CASES: Counter[str] = Counter()


def test_negative_data_is_refused_never_a_server_error(fuzz_api: LiveApi) -> None:
    operations, failures = _fuzz_every_operation(
        fuzz_api, GenerationMode.NEGATIVE, NEGATIVE_CHECKS, 6
    )
    assert operations >= 15
    assert failures == [], "\n\n".join(failures)


def test_stateful_sequences_never_reach_a_server_error(fuzz_api: LiveApi) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_api.base}/openapi.json")
    machine = schema.as_state_machine()

    class Workflow(machine):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": fuzz_api.base, "timeout": 30}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            CASES["stateful"] += 1
            case.validate_response(response, checks=STATEFUL_CHECKS)

    Workflow.run(
        settings=settings(
            max_examples=20,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
    )
    assert CASES["stateful"] > 0
    print(f"schemathesis cases on this database so far: {dict(CASES)}")


def test_no_server_errors_and_responses_match_the_schema(fuzz_api: LiveApi) -> None:
    """Every operation, fuzzed; the failures of all operations are reported together."""
    operations, failures = _fuzz_every_operation(fuzz_api, GenerationMode.POSITIVE, CHECKS, 30)
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
