"""A small HTTP client of the api, used by ``scribe submit|jobs|status`` and the tests."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import httpx

from scribe.errors import ScribeError

FINAL = {"completed", "failed", "cancelled"}


class ScribeClient:
    """Talks to a running api."""

    def __init__(self, base_url: str, *, api_key: str | None = None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        key = api_key or os.environ.get("SCRIBE_API_KEY")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, headers=headers)

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ScribeError(f"cannot reach the api at {self.base_url}: {exc}") from exc
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise ScribeError(f"{method} {path} failed ({response.status_code}): {detail}")
        return response

    def submit(self, path: Path, *, language: str | None = None) -> dict[str, Any]:
        """Upload a file and create its job."""
        data = {"language": language} if language else {}
        with open(path, "rb") as handle:
            response = self._call(
                "POST",
                "/api/v1/jobs",
                files={"file": (path.name, handle)},
                data=data,
                timeout=None,
            )
        job: dict[str, Any] = response.json()["jobs"][0]
        return job

    def get_job(self, job_id: str) -> dict[str, Any]:
        """One job."""
        job: dict[str, Any] = self._call("GET", f"/api/v1/jobs/{job_id}").json()
        return job

    def find_job(self, id_or_prefix: str) -> dict[str, Any]:
        """The job with this id, or the one newest-500 job whose id starts with it."""
        import re

        if len(id_or_prefix) >= 32 or not re.fullmatch(r"[0-9a-f]{1,31}", id_or_prefix):
            return self.get_job(id_or_prefix)
        matches = [j for j in self.list_jobs(limit=500) if j["id"].startswith(id_or_prefix)]
        if not matches:
            raise ScribeError(f"no job id starts with {id_or_prefix!r}")
        if len(matches) > 1:
            shown = ", ".join(j["id"][:12] for j in matches[:5])
            raise ScribeError(f"{id_or_prefix!r} is the start of {len(matches)} job ids: {shown}")
        return matches[0]

    def list_jobs(self, *, state: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Newest jobs first."""
        params: dict[str, Any] = {"limit": limit}
        if state:
            params["state"] = state
        jobs: list[dict[str, Any]] = self._call("GET", "/api/v1/jobs", params=params).json()["jobs"]
        return jobs

    def transcript(self, job_id: str, fmt: str = "json") -> httpx.Response:
        """The transcript response in a format."""
        return self._call("GET", f"/api/v1/jobs/{job_id}/transcript", params={"format": fmt})

    def terms(self, job_id: str) -> dict[str, Any]:
        """The terms document."""
        terms: dict[str, Any] = self._call("GET", f"/api/v1/jobs/{job_id}/terms").json()
        return terms


def wait_for_jobs(
    client: ScribeClient, job_ids: list[str], *, timeout: float | None = None, poll: float = 0.5
) -> list[dict[str, Any]]:
    """Poll until every job is final, with a progress bar; returns the final jobs."""
    from rich.progress import BarColumn, Progress, TextColumn

    deadline = None if timeout is None else time.monotonic() + timeout
    finished: dict[str, dict[str, Any]] = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%")
    ) as bar:
        tasks = {job_id: bar.add_task(job_id[:8], total=1.0) for job_id in job_ids}
        while len(finished) < len(job_ids):
            for job_id in job_ids:
                if job_id in finished:
                    continue
                job = client.get_job(job_id)
                bar.update(
                    tasks[job_id],
                    completed=job["progress"],
                    description=f"{job_id[:8]} {job['state']}",
                )
                if job["state"] in FINAL:
                    finished[job_id] = job
            if deadline is not None and time.monotonic() > deadline:
                raise ScribeError(f"jobs not finished after {timeout} s")
            time.sleep(poll)
    return [finished[job_id] for job_id in job_ids]
