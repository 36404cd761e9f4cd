"""The transcription service's scaling policy as the simulator applies it each period.

Target tracking on backlog per running task (Terraform: visible + in-flight messages divided
by RunningTaskCount x files_per_batch, i.e. batches per task), seen ``metric_delay_seconds``
late as CloudWatch publishes it; a step policy from zero with the accumulation rule; the
cooldowns as AWS applies them. See :mod:`scribe.capacity.simulate` for the model around it.
"""

from __future__ import annotations

import math
from collections import deque

from scribe.capacity.model import Fleet, Policy

Observation = tuple[int, int, int, float]
"""Visible messages, in-flight messages, running tasks, and the oldest message's age (s)."""


class TargetTracking:
    """The policy's memory (datapoint streaks, the last change of each kind, the metric
    lag) and its decision each evaluation period."""

    def __init__(self, policy: Policy, fleet: Fleet) -> None:
        self.p = policy
        self.fleet = fleet
        self.streak = {"zero": 0, "high": 0, "low": 0}
        lag = round(policy.metric_delay_seconds / policy.evaluation_seconds)
        self.seen: deque[Observation] = deque(maxlen=lag + 1)
        self.last = {"out": -math.inf, "in": -math.inf, "step": -math.inf}

    def evaluate(self, now: float, observed: Observation, desired: int) -> list[tuple[str, int]]:
        """The desired-count changes of this period, in order: ``(kind, new desired)`` with
        kind ``scale-from-zero``, ``scale-out`` or ``scale-in``."""
        p = self.p
        changes: list[tuple[str, int]] = []

        def change(kind: str, new: int) -> None:
            nonlocal desired
            changes.append((kind, new))
            desired = new
            self.last[{"scale-out": "out", "scale-in": "in", "scale-from-zero": "step"}[kind]] = now

        self.seen.append(observed)
        visible, inflight, running, oldest_seen = self.seen[0]
        backlog = float(visible if p.backlog_metric == "visible" else visible + inflight)
        if p.backlog_metric == "per-batch":
            backlog /= self.fleet.files_per_batch
        enough = p.accumulation_messages or self.fleet.files_per_batch
        accumulated = visible >= enough or (
            visible > 0
            and (
                p.accumulation_max_wait_seconds <= 0
                or oldest_seen >= p.accumulation_max_wait_seconds
            )
        )
        self.streak["zero"] = self.streak["zero"] + 1 if accumulated and not inflight else 0
        step_cooldown = p.scale_from_zero_cooldown_seconds
        if step_cooldown is None:
            step_cooldown = p.gpu_instance_warmup_seconds + self.fleet.task_startup_seconds
        if (
            self.streak["zero"] >= p.scale_from_zero_evaluation_minutes
            and now - self.last["step"] >= step_cooldown
            and desired < p.max_tasks
        ):
            change("scale-from-zero", desired + 1)
        if not running:
            self.streak["high"] = self.streak["low"] = 0
            return changes
        metric = backlog / running
        target = p.transcribe_backlog_per_task_target
        self.streak["high"] = self.streak["high"] + 1 if metric > target else 0
        self.streak["low"] = self.streak["low"] + 1 if metric < 0.9 * target else 0
        new = math.ceil(desired * metric / target - 1e-9)
        new = max(p.min_tasks, min(p.max_tasks, new))
        if (
            self.streak["high"] >= p.scale_out_datapoints
            and new > desired
            and now - self.last["out"] >= p.scale_out_cooldown_seconds
        ):
            change("scale-out", new)
        elif (
            self.streak["low"] >= p.scale_in_datapoints
            and new < desired
            and (
                now - self.last["in"] >= p.scale_in_cooldown_seconds
                or max(self.last["out"], self.last["step"]) > self.last["in"]
            )
        ):
            change("scale-in", new)
        return changes
