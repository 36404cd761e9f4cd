"""PostgreSQL restarted mid-run; the blob store's disk full, then freed."""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path

import httpx

from tests.reliability.cluster import Cluster
from tests.reliability.conftest import SHORT_CLIP


def _postgres(action: str) -> None:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action], check=True
    )
    if action != "stop":
        for _ in range(60):
            ready = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False)
            if ready.returncode == 0:
                return
            time.sleep(0.5)
        raise RuntimeError("PostgreSQL did not come back")


def test_postgresql_restart_mid_run(tmp_path: Path, fresh_postgres_url: str) -> None:
    cluster = Cluster(tmp_path, SCRIBE_DATABASE__URL=fresh_postgres_url)
    try:
        cluster.start_all()
        ids = [cluster.upload(SHORT_CLIP)["id"] for _ in range(5)]
        time.sleep(1.0)
        _postgres("stop")
        try:
            down = httpx.get(f"{cluster.base}/api/v1/jobs", timeout=30)
            assert down.status_code == 503, down.text
            assert down.headers["content-type"] == "application/problem+json"
            assert httpx.get(f"{cluster.base}/healthz").status_code == 200
            assert httpx.get(f"{cluster.base}/readyz").status_code == 503
            time.sleep(3)  # workers keep reporting to the events queue meanwhile
        finally:
            _postgres("start")
        ids += [cluster.upload(SHORT_CLIP)["id"] for _ in range(2)]
        done = cluster.wait_all(ids, timeout=240)
        assert {j["state"] for j in done.values()} == {"completed"}, cluster.log_tail()
        listed = cluster.http.get("/api/v1/jobs", params={"limit": 100}).json()["jobs"]
        assert sorted(j["id"] for j in listed) == sorted(ids)
    finally:
        cluster.close()


def test_full_disk_fails_jobs_with_a_reason_and_they_recover(tmp_path: Path) -> None:
    blobs = tmp_path / "blobs"
    blobs.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(blobs)], check=True)
    cluster = Cluster(tmp_path, SCRIBE_STORAGE__ROOT=str(blobs))
    try:
        cluster.start_all()
        filler = blobs / "filler.bin"
        with open(filler, "wb") as handle, contextlib.suppress(OSError):
            handle.write(b"\0" * (3 * 1024 * 1024))  # fill the disk to the brim
        with open(SHORT_CLIP, "rb") as handle:
            refused = httpx.post(
                f"{cluster.base}/api/v1/jobs", files={"file": ("a.wav", handle)}, timeout=30
            )
        assert refused.status_code == 507, refused.text
        assert refused.json()["type"] == "urn:scribe:problem:insufficient-storage"
        assert [p.name for p in blobs.rglob("*.part")] == []  # nothing half-written left
        filler.unlink()
        # Room for the upload (96 kB) and the job's small files, not for the extracted audio.
        with open(filler, "wb") as handle:
            handle.write(b"\0" * (3 * 1024 * 1024 - 140 * 1024))
        job = cluster.upload(SHORT_CLIP)
        failed = cluster.wait_until(job["id"], ["failed", "completed"], timeout=120)
        assert failed["state"] == "failed", cluster.log_tail()
        assert "No space left on device" in failed["error"]
        filler.unlink()  # space returns
        assert cluster.http.post(f"/api/v1/jobs/{job['id']}/retry").status_code == 200
        done = cluster.wait_until(job["id"], ["failed", "completed"], timeout=120)
        assert done["state"] == "completed", cluster.log_tail()
    finally:
        cluster.close()
        subprocess.run(["umount", "-l", str(blobs)], check=False)
