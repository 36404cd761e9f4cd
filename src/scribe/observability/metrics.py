"""Prometheus metrics of the api and the workers, and the same figures as CloudWatch EMF.

Names and labels are documented in docs/operations/metrics.md. Each process serves its own
registry: the api at ``/metrics``, each worker on its metrics port.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

NAMESPACE = "Scribe"

STAGE_DURATION = Histogram(
    "scribe_stage_duration_seconds",
    "Wall time of one stage run, by stage and outcome.",
    ["stage", "outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
)
AUDIO_SECONDS = Counter(
    "scribe_audio_seconds", "Seconds of audio a stage has processed.", ["stage"]
)
REAL_TIME_FACTOR = Histogram(
    "scribe_real_time_factor",
    "Stage wall time divided by the audio's duration.",
    ["stage"],
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
)
STAGE_RESULTS = Counter(
    "scribe_stage_results",
    "Stage runs by outcome: completed, retrying, failed, cancelled, released.",
    ["stage", "outcome"],
)
STAGE_FAILURES = Counter(
    "scribe_stage_failures",
    "Stage failures by stage and reason (the error's class).",
    ["stage", "reason"],
)
MODEL_LOAD_SECONDS = Gauge(
    "scribe_model_load_seconds", "Seconds the last model load took.", ["model", "device"]
)
JOBS_FINISHED = Counter(
    "scribe_jobs_finished", "Jobs that reached a final state, by state.", ["state"]
)
DEAD_LETTERED = Counter(
    "scribe_dead_lettered_jobs", "Jobs failed because their message was dead-lettered.", ["stage"]
)
HTTP_DURATION = Histogram(
    "scribe_http_request_duration_seconds",
    "api request latency by method, route template and status class.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
)


def exposition(registry: CollectorRegistry = REGISTRY) -> bytes:
    """The text exposition format of a registry."""
    return generate_latest(registry)


class CallbackCollector(Collector):
    """Gauges computed at scrape time by a function returning (name, help, labels, samples)."""

    def __init__(
        self,
        source: Callable[[], list[tuple[str, str, list[str], list[tuple[list[str], float]]]]],
    ) -> None:
        self.source = source

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One gauge family per entry; a failing source yields nothing (and logs)."""
        try:
            families = self.source()
        except Exception:
            import logging

            logging.getLogger(__name__).exception("metrics source failed")
            return
        for name, help_text, labels, samples in families:
            family = GaugeMetricFamily(name, help_text, labels=labels)
            for values, value in samples:
                family.add_metric(values, value)
            yield family


def register(collector: Collector) -> Collector:
    """Register a collector once (tests start several apps in one process)."""
    with contextlib.suppress(ValueError):
        REGISTRY.register(collector)
    return collector


def unregister(collector: Collector) -> None:
    """Remove a collector registered by :func:`register`."""
    with contextlib.suppress(KeyError):
        REGISTRY.unregister(collector)


class EmfWriter:
    """CloudWatch Embedded Metric Format: one JSON line per record on stdout, which ECS's
    awslogs driver ships and CloudWatch turns into metrics without an agent."""

    def __init__(self, *, enabled: bool, stream: Any = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stdout

    def emit(
        self,
        metrics: dict[str, tuple[float, str]],
        *,
        dimensions: dict[str, str] | None = None,
        properties: dict[str, Any] | None = None,
    ) -> None:
        """Write ``metrics`` (name → (value, unit)) with their dimensions."""
        if not self.enabled or not metrics:
            return
        dims = dimensions or {}
        record: dict[str, Any] = {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [sorted(dims)] if dims else [[]],
                        "Metrics": [{"Name": n, "Unit": unit} for n, (_, unit) in metrics.items()],
                    }
                ],
            },
            **dims,
            **(properties or {}),
            **{name: value for name, (value, _) in metrics.items()},
        }
        self.stream.write(json.dumps(record) + "\n")
        self.stream.flush()
