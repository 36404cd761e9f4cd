"""The api's request ids, request metrics and ``/metrics`` (jobs, queues, GPU-free figures)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from scribe.db import repository as repo
from scribe.observability.context import job_context
from scribe.observability.metrics import HTTP_DURATION, CallbackCollector, exposition
from scribe.queues import ALL_QUEUES
from scribe.services import Backends

REQUEST_ID_HEADER = "X-Request-ID"


def _route_template(request: Request) -> str:
    """The template of the route that answered (``/api/v1/jobs/{job_id}``), never the raw
    path: unmatched paths share one ``unmatched`` label, so ``/metrics`` stays bounded."""
    fastapi_scope = request.scope.get("fastapi")
    if isinstance(fastapi_scope, dict):
        context = fastapi_scope.get("effective_route_context")
        path_format = getattr(context, "path_format", None)
        if isinstance(path_format, str):
            return path_format
    route = request.scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if isinstance(template, str) and template:
        return template
    return "unmatched"


def request_id_of(request: Request) -> str:
    """The request's id: the client's ``X-Request-ID``, or the one the middleware made (the
    same the response carries back)."""
    found = getattr(request.state, "request_id", None)
    return str(found) if found else request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex


def install(app: FastAPI) -> None:
    """Request ids (kept from the client or made), latency histograms, ``GET /metrics``."""

    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex
        request.state.request_id = request_id
        started = time.perf_counter()
        with job_context(request_id=request_id):
            response = await call_next(request)
        response.headers[REQUEST_ID_HEADER] = request_id
        HTTP_DURATION.labels(
            request.method, _route_template(request), f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Prometheus exposition of this process (of every process under ``scribe up``)."""
        return Response(exposition(every_process=True), media_type=CONTENT_TYPE_LATEST)


def library_collector(backends: Backends) -> CallbackCollector:
    """Jobs by state and every queue's visible, in-flight and dead counts, at scrape time."""

    def families() -> list[tuple[str, str, list[str], list[tuple[list[str], float]]]]:
        with backends.engine.connect() as conn:
            states = repo.count_jobs_by_state(conn)
        queue_samples: list[tuple[list[str], float]] = []
        for name in ALL_QUEUES:
            counts = backends.broker.queue(name).counts()
            queue_samples += [
                ([name, "visible"], float(counts.visible)),
                ([name, "in_flight"], float(counts.in_flight)),
                ([name, "dead"], float(counts.dead)),
            ]
        from scribe.domain.jobs import JobState

        job_samples: list[tuple[list[str], float]] = [
            ([state.value], float(states.get(state.value, 0))) for state in JobState
        ]
        result: list[tuple[str, str, list[str], list[tuple[list[str], Any]]]] = [
            ("scribe_jobs", "Jobs by state.", ["state"], job_samples),
            (
                "scribe_queue_messages",
                "Messages by queue and state (visible, in_flight, dead).",
                ["queue", "state"],
                queue_samples,
            ),
        ]
        return result

    return CallbackCollector(families)
