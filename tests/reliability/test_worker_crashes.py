"""Workers of every stage killed with SIGKILL while 20 jobs are in flight: every job completes,
each exactly once."""

from __future__ import annotations

import random
import time
from collections import Counter

from tests.api.servers import Receiver
from tests.reliability.cluster import Cluster
from tests.reliability.conftest import SHORT_CLIP


def test_sigkilled_workers_lose_nothing_and_duplicate_nothing(
    cluster: Cluster, receiver: Receiver
) -> None:
    rng = random.Random(20)
    cluster.start_all()
    jobs = [cluster.upload(SHORT_CLIP, title=f"crash {n}") for n in range(20)]
    ids = [job["id"] for job in jobs]
    for stage in ("extract", "transcribe", "terms"):
        time.sleep(rng.uniform(0.5, 2.5))
        cluster.kill(stage)
        cluster.start_worker(stage, stage)
    done = cluster.wait_all(ids, timeout=300)
    assert {job["state"] for job in done.values()} == {"completed"}, cluster.log_tail()

    for job_id in ids:
        transcript = cluster.http.get(f"/api/v1/jobs/{job_id}/transcript").json()
        assert transcript["segments"], job_id
        terms = cluster.http.get(f"/api/v1/jobs/{job_id}/terms").json()["occurrences"]
        keys = [(t["term"], t["start"], t["segment"]) for t in terms]
        assert len(keys) == len(set(keys)), f"{job_id}: duplicated term occurrences"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        completions = Counter(
            r.json["job"]["id"] for r in receiver.received if r.json["event"] == "job.completed"
        )
        if set(completions) >= set(ids):
            break
        time.sleep(0.2)
    assert {job_id: completions[job_id] for job_id in ids} == dict.fromkeys(ids, 1)
    search = cluster.http.get("/api/v1/jobs", params={"limit": 100}).json()["jobs"]
    assert sorted(j["id"] for j in search) == sorted(ids)  # nothing lost, nothing extra
