"""The api under load: a 2 GB upload's memory cost, and many concurrent requests.

Against `scribe api` (the api with its orchestrator, on the embedded SQLite backends) in a
subprocess on loopback, measured in one run:

- upload a 2 GB file; sample the api process's resident memory (VmRSS) meanwhile and print the
  growth over its idle baseline (target: under 100 MB, since uploads stream to the store);
- 200 job creations from 20 concurrent clients, then 1,000 status requests from 20 concurrent
  clients; print errors and p50/p99 latency.

Usage: ``.venv/bin/python bench/api_load.py [--gigabytes 2] [--jobs 200] [--status 1000]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from _common import DATA, free_port


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_api(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`scribe api` on a free port."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRIBE_")}
    env.update({"SCRIBE_DATA_DIR": str(data_dir), "SCRIBE_LOG__LEVEL": "WARNING"})
    process = subprocess.Popen(
        [sys.executable, "-m", "scribe", "api", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("api did not start")


def big_upload(base: str, pid: int, gigabytes: float, folder: Path) -> tuple[float, float, float]:
    """Seconds, baseline RSS and peak RSS of one large upload."""
    path = folder / "big.mp4"
    with open(path, "wb") as handle:
        handle.truncate(int(gigabytes * 1024**3))
    baseline = rss_mb(pid)
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mb(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    with open(path, "rb") as upload:
        response = httpx.post(
            f"{base}/api/v1/jobs", files={"file": ("big.mp4", upload)}, timeout=None
        )
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    path.unlink()
    response.raise_for_status()
    return elapsed, baseline, peak


def timed(client: httpx.Client, method: str, url: str, **kwargs: object) -> tuple[float, int]:
    """Latency (ms) and status of one request."""
    started = time.perf_counter()
    response = client.request(method, url, **kwargs)  # type: ignore[arg-type]
    return (time.perf_counter() - started) * 1000, response.status_code


def report(name: str, results: list[tuple[float, int]], ok: int) -> None:
    """Print p50/p99 and errors."""
    latencies = [r[0] for r in results]
    errors = sum(1 for r in results if r[1] != ok)
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(
        f"{name}: {len(results)} requests, {errors} errors, "
        f"p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms"
    )


def main() -> None:
    """Run and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=2.0)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--status", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    media = (DATA / "lesson.mp4").read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        process, base = start_api(folder / "var")
        try:
            seconds, baseline, peak = big_upload(base, process.pid, args.gigabytes, folder)
            print(
                f"upload {args.gigabytes:.1f} GB: {seconds:.1f} s "
                f"({args.gigabytes * 1024 / seconds:.0f} MB/s); api RSS {baseline:.0f} MB idle, "
                f"{peak:.0f} MB peak: +{peak - baseline:.0f} MB (target < 100 MB)"
            )
            with (
                httpx.Client(base_url=base, timeout=60) as client,
                ThreadPoolExecutor(args.concurrency) as pool,
            ):
                created = list(
                    pool.map(
                        lambda n: timed(
                            client,
                            "POST",
                            "/api/v1/jobs",
                            files={"file": (f"lesson-{n}.mp4", media)},
                        ),
                        range(args.jobs),
                    )
                )
                report(f"create ({args.concurrency} concurrent)", created, 201)
                ids = [
                    j["id"]
                    for j in client.get("/api/v1/jobs", params={"limit": 500}).json()["jobs"]
                ]
                status = list(
                    pool.map(
                        lambda n: timed(client, "GET", f"/api/v1/jobs/{ids[n % len(ids)]}"),
                        range(args.status),
                    )
                )
                report(f"status ({args.concurrency} concurrent)", status, 200)
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
