"""Prometheus metrics of the api and the workers, and the same figures as CloudWatch EMF.

Names and labels are documented in docs/operations/metrics.md. Each process serves its own
registry: the api at ``/metrics``, each worker on its metrics port.

Under ``scribe up`` the supervisor sets ``PROMETHEUS_MULTIPROC_DIR`` for every child
(prometheus_client's multiprocess mode: each process writes its counters and histograms to
files there), and the api's ``/metrics`` adds up all of them, so the workers' series (stage
durations, real-time factor, audio seconds) are on the api too. In ECS each task runs one
process with no such folder: the api shows its own series, the workers write EMF.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
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
    "scribe_model_load_seconds",
    "Seconds the last model load took.",
    ["model", "device"],
    multiprocess_mode="mostrecent",
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


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Collectors added with :func:`register` (figures computed at scrape time), kept so that the
# multiprocess view can serve them too.
_REGISTERED: list[Collector] = []


def multiprocess_dir() -> str | None:
    """The folder of prometheus_client's multiprocess mode, when this process is in it."""
    return os.environ.get(MULTIPROC_ENV) or None


def exposition(registry: CollectorRegistry = REGISTRY, *, every_process: bool = False) -> bytes:
    """The text exposition format of a registry.

    With ``every_process`` (the api) and multiprocess mode on, the counters and histograms of
    every process sharing the folder are summed, followed by this process's own scrape-time
    collectors and process figures.
    """
    path = multiprocess_dir()
    if not (every_process and path and registry is REGISTRY):
        return generate_latest(registry)
    from prometheus_client.multiprocess import MultiProcessCollector

    combined = CollectorRegistry()
    MultiProcessCollector(combined, path=path)
    for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR, *_REGISTERED):
        with contextlib.suppress(ValueError):
            combined.register(collector)
    return generate_latest(combined)


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
        _REGISTERED.append(collector)
    return collector


def unregister(collector: Collector) -> None:
    """Remove a collector registered by :func:`register`."""
    with contextlib.suppress(KeyError):
        REGISTRY.unregister(collector)
    with contextlib.suppress(ValueError):
        _REGISTERED.remove(collector)


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
