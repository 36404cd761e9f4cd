"""Several api processes on one PostgreSQL, a burst of short jobs spread over all of them, and
one api killed with SIGKILL mid-way: every job completes once, with no duplicate stage message
or state change, no webhook sent twice except one the killed api was sending, and the watchdog
lease passes to a living api.

``SCRIBE_TEST_APIS`` (default 3) and ``SCRIBE_TEST_BURST`` (default 50) size the run;
``scripts/several_apis_loop.sh`` runs it many times in a row.
"""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import Engine, func, select

from scribe.config import Settings
from scribe.db.engine import make_engine
from scribe.db.leases import holder_of
from scribe.db.tables import jobs, outbox, stage_runs, webhook_deliveries, workers
from scribe.queues import LANE_QUEUES, open_broker
from tests.api.servers import Received, Receiver
from tests.reliability.cluster import Cluster
from tests.reliability.conftest import SHORT_CLIP

APIS = int(os.environ.get("SCRIBE_TEST_APIS", "3"))
BURST = int(os.environ.get("SCRIBE_TEST_BURST", "50"))
STAGES = ("extract", "transcribe", "terms")
DISPATCH_THREADS = 4  # deliveries one api's webhook dispatcher sends at once


def _until(what: str, check: object, timeout: float = 120) -> None:
    """Poll ``check()`` until it is true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise TimeoutError(f"still not {what} after {timeout} s")


def _count(engine: Engine, query: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())  # type: ignore[call-overload]


def test_burst_over_several_apis_with_one_killed(
    tmp_path: Path, fresh_postgres_url: str, receiver: Receiver
) -> None:
    assert APIS >= 2
    cluster = Cluster(
        tmp_path,
        SCRIBE_DATABASE__URL=fresh_postgres_url,
        SCRIBE_WEBHOOKS__URL=receiver.url,
        # A burst queues jobs for minutes on a busy machine; this test is not about stalls.
        SCRIBE_WATCHDOG__STALE_AFTER="300",
    )
    engine = make_engine(fresh_postgres_url)
    broker = open_broker(Settings(data_dir=tmp_path / "var"))
    phases: dict[str, float] = {}
    clock = time.monotonic()
    try:
        cluster.start_api()  # migrates the empty database; the others find it upgraded
        bases = [cluster.base] + [cluster.start_more_api(f"api-{n}") for n in range(1, APIS)]
        for stage in STAGES:
            cluster.start_worker(stage, stage)
        media = SHORT_CLIP.read_bytes()
        phases["start"] = time.monotonic() - clock

        def submit(n: int) -> str:
            response = httpx.post(
                f"{bases[n % APIS]}/api/v1/jobs",
                files={"file": (f"burst-{n}.wav", media)},
                timeout=120,
            )
            assert response.status_code == 201, response.text
            return str(response.json()["jobs"][0]["id"])

        with ThreadPoolExecutor(BURST) as pool:
            ids = list(pool.map(submit, range(BURST)))
        assert len(set(ids)) == BURST

        completed = select(func.count()).select_from(jobs).where(jobs.c.state == "completed")
        _until("a third done", lambda: _count(engine, completed) >= BURST // 3, timeout=300)
        victim = cluster.processes["api-1"].pid
        cluster.kill("api-1")  # mid-way: it holds events, outbox claims, maybe the lease
        killed_at = time.monotonic()
        phases["to kill"] = time.monotonic() - clock - phases["start"]

        done = cluster.wait_all(ids, timeout=400)
        states = Counter(job["state"] for job in done.values())
        assert states == {"completed": BURST}, (states, cluster.log_tail())
        phases["jobs"] = time.monotonic() - clock - phases["start"]

        # Nothing waits to be sent any more: outbox drained, every delivery settled.
        _until("drained", lambda: _count(engine, select(func.count()).select_from(outbox)) == 0)
        unsettled = (
            select(func.count())
            .select_from(webhook_deliveries)
            .where(webhook_deliveries.c.status != "delivered")
        )
        _until("all delivered", lambda: _count(engine, unsettled) == 0)

        # No lost or doubled transition: three completed stage runs per job, one completion.
        with engine.connect() as conn:
            runs = Counter(
                (row.job_id, row.stage, row.state)
                for row in conn.execute(
                    select(stage_runs.c.job_id, stage_runs.c.stage, stage_runs.c.state)
                )
            )
            recorded = Counter(
                (row.job_id, row.event)
                for row in conn.execute(
                    select(webhook_deliveries.c.job_id, webhook_deliveries.c.event)
                )
            )
        assert set(runs.values()) == {1} and len(runs) == 3 * BURST
        assert {state for _, _, state in runs} == {"completed"}
        assert [recorded[(job_id, "job.completed")] for job_id in ids] == [1] * BURST
        assert not any(event == "job.failed" for _, event in recorded)

        # Each recorded delivery reached the receiver. Webhooks are at least once: the api
        # killed may have POSTed a delivery and died before recording it, so another api sends
        # it again once the claim lapses, with the same id and body (receivers de-duplicate on
        # Scribe-Delivery). Nothing else is ever sent twice.
        posts: dict[str, list[Received]] = defaultdict(list)
        for request in receiver.received:
            posts[request.headers["scribe-delivery"]].append(request)
        assert sum(recorded.values()) == len(posts)
        resent = {d: sent for d, sent in posts.items() if len(sent) > 1}
        assert len(resent) <= DISPATCH_THREADS, resent.keys()
        for sent in resent.values():
            first, again = sent  # one resend, by a living api
            assert first.at < killed_at + 1, "first sent before the kill (1 s for the thread)"
            assert again.at > killed_at, "sent again after it"
            assert first.body == again.body
        finished = Counter(
            sent[0].json["job"]["id"]
            for sent in posts.values()
            if sent[0].json["event"] == "job.completed"
        )
        assert finished == dict.fromkeys(ids, 1)

        # No duplicate stage message: once the stage queues are empty, each stage's workers
        # ran exactly one message per job (a resent message would have been run again).
        def queues_empty() -> bool:
            counts = [broker.queue(name).counts() for name in LANE_QUEUES]
            return all(c.visible == 0 and c.in_flight == 0 for c in counts)

        _until("stage queues empty", queues_empty)
        emptied = time.time()

        def reported_since() -> bool:
            with engine.connect() as conn:
                seen = conn.execute(select(workers.c.stage, workers.c.last_seen)).all()
            return {stage for stage, at in seen if at.timestamp() > emptied} >= set(STAGES)

        _until("workers reported", reported_since, timeout=60)
        with engine.connect() as conn:
            processed = dict(
                conn.execute(
                    select(workers.c.stage, func.sum(workers.c.processed)).group_by(workers.c.stage)
                ).all()
            )
        assert processed == dict.fromkeys(STAGES, BURST)

        # The watchdog lease lives on in an api that is still running.
        alive = {p.pid for name, p in cluster.processes.items() if name.startswith("api")}

        def lease_alive() -> bool:
            with engine.connect() as conn:
                holder = holder_of(conn, name="watchdog")
            return holder is not None and int(holder.split(":")[1]) in alive

        _until("lease held by a living api", lease_alive, timeout=60)
        assert victim not in alive
        phases["checks"] = time.monotonic() - clock - phases["start"] - phases["jobs"]
        print(
            f"\n{BURST} jobs over {APIS} apis, one killed: {processed} runs per stage; "
            + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in phases.items())
        )
    finally:
        broker.close()
        engine.dispose()
        cluster.close()
