"""The autoscaling signal: per stage, waiting messages divided by running workers.

Put to CloudWatch as ``Scribe/BacklogPerTask`` (dimension ``QueueName``), the metric a target
tracking policy keeps near its target. Waiting messages are summed over the stage's priority
lanes; running workers come from ECS (DescribeServices) or are given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scribe.domain.options import lanes
from scribe.queues import STAGE_QUEUES
from scribe.queues.base import QueueBroker

NAMESPACE = "Scribe"


@dataclass(frozen=True)
class Backlog:
    """One stage's signal."""

    stage: str
    queue_name: str
    visible: int
    in_flight: int
    running: int

    @property
    def per_task(self) -> float:
        """Visible messages per running task; with none running, the whole backlog (so a
        policy scales out from zero)."""
        return self.visible / self.running if self.running else float(self.visible)


def measure(broker: QueueBroker, *, prefix: str, running: dict[str, int]) -> list[Backlog]:
    """Count every stage's lanes."""
    result = []
    for stage in STAGE_QUEUES:
        visible = in_flight = 0
        for name in lanes(stage):
            counts = broker.queue(name).counts()
            visible += counts.visible
            in_flight += counts.in_flight
        result.append(
            Backlog(stage, f"{prefix}-{stage}", visible, in_flight, int(running.get(stage, 0)))
        )
    return result


def running_from_ecs(ecs: Any, *, cluster: str, services: dict[str, str]) -> dict[str, int]:
    """Running task counts of the stages' ECS services."""
    if not services:
        return {}
    described = ecs.describe_services(cluster=cluster, services=list(services.values()))
    by_name = {s["serviceName"]: int(s.get("runningCount", 0)) for s in described["services"]}
    return {stage: by_name.get(name, 0) for stage, name in services.items()}


def publish(cloudwatch: Any, backlogs: list[Backlog]) -> int:
    """Put BacklogPerTask, VisibleMessages and RunningTasks per queue; returns data points."""
    data = []
    for backlog in backlogs:
        dimensions = [{"Name": "QueueName", "Value": backlog.queue_name}]
        data += [
            {
                "MetricName": "BacklogPerTask",
                "Dimensions": dimensions,
                "Value": backlog.per_task,
                "Unit": "Count",
            },
            {
                "MetricName": "VisibleMessages",
                "Dimensions": dimensions,
                "Value": float(backlog.visible),
                "Unit": "Count",
            },
            {
                "MetricName": "RunningTasks",
                "Dimensions": dimensions,
                "Value": float(backlog.running),
                "Unit": "Count",
            },
        ]
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)
    return len(data)
