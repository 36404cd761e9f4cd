"""How the files a transcription task holds progress: one GPU shared by a batch.

Up to ``files_per_batch`` files decode together (processor sharing): n files go
``1 + (batch_speedup - 1)(n - 1)/(files_per_batch - 1)`` times as fast as one alone, each
getting an equal share. Work is counted in seconds of one-file decoding (length x RTF plus
the per-job overhead).
"""

from __future__ import annotations

import numpy as np

from scribe.capacity.model import Fleet
from scribe.capacity.records import Instance, Task


class TaskWork:
    """The decoding arithmetic of the simulation's tasks."""

    def __init__(
        self,
        fleet: Fleet,
        audio_seconds: np.ndarray,
        instances: list[Instance],
        stop_timeout: float,
    ) -> None:
        self.fleet = fleet
        self.audio_seconds = audio_seconds
        self.instances = instances
        self.stop_timeout = stop_timeout

    def work(self, job: int, inst_type: str) -> float:
        """Seconds ``job`` takes decoded alone on ``inst_type`` (plus the per-job overhead)."""
        audio = float(self.audio_seconds[job])
        return audio * self.fleet.rtf_of(inst_type) + self.fleet.job_overhead_seconds

    def rate(self, n: int) -> float:
        """Progress per second of each of ``n`` files decoding together."""
        batch = self.fleet.files_per_batch
        if n <= 0:
            return 0.0
        speedup = 1.0 + (self.fleet.batch_speedup - 1.0) * (min(n, batch) - 1) / max(batch - 1, 1)
        return speedup / n

    def advance(self, task: Task, now: float) -> None:
        """Bring the remaining work of ``task``'s decoding files up to ``now``."""
        dt = now - task.updated
        task.updated = now
        if dt <= 0 or not task.decoding:
            return
        step = dt * self.rate(len(task.decoding))
        for job in task.decoding:
            task.decoding[job] -= step
        assert task.instance is not None
        self.instances[task.instance].busy_seconds += dt

    def finishable(self, task: Task) -> bool:
        """Whether ``task`` can finish everything it holds within the stop timeout."""
        if not task.held:
            return True
        assert task.instance is not None
        itype = self.instances[task.instance].type
        work = sum(task.decoding.values()) + sum(self.work(j, itype) for j in task.prefetched)
        n = min(task.held, self.fleet.files_per_batch)
        return work / (self.rate(n) * n) <= self.stop_timeout
