"""The api (and its orchestrator) killed mid-flow; jobs whose message vanished."""

from __future__ import annotations

import time

from scribe.config import load_settings
from scribe.domain.options import lanes
from scribe.queues import QueueBroker, open_broker
from tests.reliability.cluster import Cluster
from tests.reliability.conftest import SHORT_CLIP


def test_events_sent_while_the_api_is_down_are_applied_when_it_returns(cluster: Cluster) -> None:
    cluster.start_all()
    ids = [cluster.upload(SHORT_CLIP)["id"] for _ in range(6)]
    time.sleep(0.5)
    cluster.kill("api")
    time.sleep(6)  # the workers go on and report to the events queue meanwhile
    cluster.start_api()
    done = cluster.wait_all(ids, timeout=180)
    assert {job["state"] for job in done.values()} == {"completed"}, cluster.log_tail()


def _open_broker(cluster: Cluster) -> QueueBroker:
    return open_broker(load_settings(data_dir=cluster.env["SCRIBE_DATA_DIR"]))


def _purge_stage(cluster: Cluster, stage: str) -> None:
    broker = _open_broker(cluster)
    for lane in lanes(stage):
        broker.queue(lane).purge()
    broker.close()


def _wait_for_message(cluster: Cluster, stage: str, timeout: float) -> None:
    """Until a message waits on one of the stage's lanes (the watchdog's resend: purging
    before it arrives would leave the resend queued for a worker that is gone)."""
    broker = _open_broker(cluster)
    deadline = time.monotonic() + timeout
    try:
        while not any(broker.queue(lane).counts().visible for lane in lanes(stage)):
            assert time.monotonic() < deadline, f"no {stage} message within {timeout} s"
            time.sleep(0.1)
    finally:
        broker.close()


def test_watchdog_resends_a_lost_stage_then_fails_with_a_reason(cluster: Cluster) -> None:
    cluster.start_api()
    cluster.start_worker("extract", "extract")
    job = cluster.upload(SHORT_CLIP)
    cluster.wait_until(job["id"], ["transcribing"])
    _purge_stage(cluster, "transcribe")  # the message is lost without a trace
    cluster.start_worker("terms", "terms")
    cluster.start_worker("transcribe", "transcribe")
    done = cluster.wait_until(job["id"], ["completed", "failed"], timeout=120)
    assert done["state"] == "completed", cluster.log_tail()
    assert done["facts"]["watchdog"]["restarts"] == 1

    cluster.kill("transcribe")
    second = cluster.upload(SHORT_CLIP)
    cluster.wait_until(second["id"], ["transcribing"])
    _purge_stage(cluster, "transcribe")  # lost,
    _wait_for_message(cluster, "transcribe", timeout=30)  # resent by the watchdog,
    _purge_stage(cluster, "transcribe")  # lost again: it gives up
    failed = cluster.wait_until(second["id"], ["failed"], timeout=60)
    assert failed["failed_stage"] == "transcribe"
    assert "no worker reported on transcribe" in failed["error"]
