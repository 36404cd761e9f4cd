"""EMF records, the GPU probe without a GPU, and the backlog signal on SQS and CloudWatch."""

from __future__ import annotations

import io
import json
import uuid

from scribe.observability.backlog import Backlog, measure, publish
from scribe.observability.gpu import GpuProbe
from scribe.observability.metrics import EmfWriter
from scribe.queues.sqs import SqsQueueBroker


def test_emf_record_shape() -> None:
    stream = io.StringIO()
    EmfWriter(enabled=True, stream=stream).emit(
        {"StageDuration": (2.5, "Seconds")},
        dimensions={"Stage": "extract"},
        properties={"job_id": "j1"},
    )
    record = json.loads(stream.getvalue())
    directive = record["_aws"]["CloudWatchMetrics"][0]
    assert directive == {
        "Namespace": "Scribe",
        "Dimensions": [["Stage"]],
        "Metrics": [{"Name": "StageDuration", "Unit": "Seconds"}],
    }
    assert (record["Stage"], record["StageDuration"], record["job_id"]) == ("extract", 2.5, "j1")
    silent = io.StringIO()
    EmfWriter(enabled=False, stream=silent).emit({"X": (1.0, "Count")})
    assert silent.getvalue() == ""


def test_gpu_probe_degrades_cleanly_without_a_gpu() -> None:
    probe = GpuProbe()
    assert probe.available is False
    assert probe.sample() == [] and probe.families() == []


def test_backlog_per_task_from_zero() -> None:
    assert Backlog("transcribe", "q", visible=6, in_flight=0, running=2).per_task == 3.0
    assert Backlog("transcribe", "q", visible=6, in_flight=0, running=0).per_task == 6.0


def test_publish_backlog_to_cloudwatch(moto_endpoint: str) -> None:
    import boto3

    prefix = f"bk{uuid.uuid4().hex[:8]}"
    broker = SqsQueueBroker(
        prefix=prefix, region="us-east-1", endpoint_url=moto_endpoint, create_queues=True
    )
    for lane, count in (("transcribe-high", 2), ("transcribe", 3), ("transcribe-low", 1)):
        for _ in range(count):
            broker.queue(lane).send({"job_id": "x"})
    broker.queue("extract").send({"job_id": "y"})
    backlogs = {b.stage: b for b in measure(broker, prefix=prefix, running={"transcribe": 2})}
    assert backlogs["transcribe"].visible == 6 and backlogs["transcribe"].per_task == 3.0
    assert backlogs["extract"].per_task == 1.0

    cloudwatch = boto3.client("cloudwatch", endpoint_url=moto_endpoint, region_name="us-east-1")
    assert publish(cloudwatch, list(backlogs.values())) == 9
    stats = cloudwatch.get_metric_statistics(
        Namespace="Scribe",
        MetricName="BacklogPerTask",
        Dimensions=[{"Name": "QueueName", "Value": f"{prefix}-transcribe"}],
        StartTime="2000-01-01T00:00:00Z",
        EndTime="2100-01-01T00:00:00Z",
        Period=60,
        Statistics=["Maximum"],
    )
    assert [p["Maximum"] for p in stats["Datapoints"]] == [3.0]
