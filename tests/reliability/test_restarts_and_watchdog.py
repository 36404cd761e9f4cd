"""The api (and its orchestrator) killed mid-flow; jobs whose message vanished."""

from __future__ import annotations

import time

from scribe.config import load_settings
from scribe.queues import open_broker
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


def _purge_stage(cluster: Cluster, stage: str) -> None:
    env = {k[len("SCRIBE_") :].lower(): v for k, v in cluster.env.items() if k == "SCRIBE_DATA_DIR"}
    settings = load_settings(data_dir=env["data_dir"])
    broker = open_broker(settings)
    for lane in (f"{stage}-high", stage, f"{stage}-low"):
        broker.queue(lane).purge()
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
    for _ in range(2):  # lost, resent by the watchdog, lost again: it gives up
        _purge_stage(cluster, "transcribe")
        time.sleep(9)
    failed = cluster.wait_until(second["id"], ["failed"], timeout=60)
    assert failed["failed_stage"] == "transcribe"
    assert "no worker reported on transcribe" in failed["error"]
