"""200 jobs submitted at once through the api: all complete, none lost or duplicated."""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.reliability.cluster import Cluster
from tests.reliability.conftest import SHORT_CLIP

JOBS = 200


def test_two_hundred_jobs_at_once(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path, SCRIBE_WHISPER__CPU_THREADS="2")
    try:
        cluster.start_all()
        media = SHORT_CLIP.read_bytes()
        started = time.monotonic()
        with (
            httpx.Client(base_url=cluster.base, timeout=60) as client,
            ThreadPoolExecutor(20) as pool,
        ):
            responses = list(
                pool.map(
                    lambda n: client.post("/api/v1/jobs", files={"file": (f"load-{n}.wav", media)}),
                    range(JOBS),
                )
            )
        assert [r.status_code for r in responses] == [201] * JOBS
        ids = [r.json()["jobs"][0]["id"] for r in responses]
        assert len(set(ids)) == JOBS

        latencies: list[float] = []
        errors: list[int] = []
        done_event = threading.Event()

        def probe() -> None:
            with httpx.Client(base_url=cluster.base, timeout=30) as client:
                n = 0
                while not done_event.is_set():
                    t0 = time.perf_counter()
                    response = client.get(f"/api/v1/jobs/{ids[n % JOBS]}")
                    latencies.append(time.perf_counter() - t0)
                    if response.status_code != 200:
                        errors.append(response.status_code)
                    n += 1
                    time.sleep(0.02)

        prober = threading.Thread(target=probe)
        prober.start()
        try:
            done = cluster.wait_all(ids, timeout=900)
        finally:
            done_event.set()
            prober.join()
        drained = time.monotonic() - started
        assert {j["state"] for j in done.values()} == {"completed"}, cluster.log_tail()
        assert errors == []
        listed = cluster.http.get("/api/v1/jobs", params={"limit": 500}).json()["jobs"]
        assert sorted(j["id"] for j in listed) == sorted(ids)  # none lost, none extra
        for job in done.values():
            assert [s["attempts"] for s in job["stages"]] == [1, 1, 1]  # none done twice
        p99 = statistics.quantiles(latencies, n=100)[98] * 1000
        print(
            f"\n{JOBS} jobs drained in {drained:.0f} s; {len(latencies)} status requests "
            f"meanwhile: p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {p99:.1f} ms"
        )
    finally:
        cluster.close()
