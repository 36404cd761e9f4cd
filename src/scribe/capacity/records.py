"""What a simulation keeps track of and hands back: instances, tasks, scaling events."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from scribe.capacity.model import PlanInputs
from scribe.capacity.workload import Arrivals


@dataclass
class Instance:
    """One GPU instance; billed from ``started`` to ``ended``."""

    id: int
    group: str
    type: str
    spot: bool
    started: float
    ready: bool = False
    task: int | None = None
    ended: float | None = None
    busy_seconds: float = 0.0
    idle_token: int = 0


@dataclass
class Task:
    """One transcription task (ECS): provisioning, starting, idle or busy.

    A task holds up to files_per_batch + prefetch_files messages: ``decoding`` maps each file
    being decoded to its remaining work (seconds of one-file decoding), ``prefetched`` are
    held ahead of the decoder. ``job_end`` is when the next decoding file finishes."""

    id: int
    group: str
    state: str = "provisioning"
    instance: int | None = None
    decoding: dict[int, float] = field(default_factory=dict)
    prefetched: deque[int] = field(default_factory=deque)
    updated: float = 0.0
    job_end: float = 0.0
    epoch: int = 0
    draining: bool = False

    @property
    def held(self) -> int:
        """Messages this task holds (in flight for the queue)."""
        return len(self.decoding) + len(self.prefetched)


@dataclass(frozen=True)
class ScalingEvent:
    """A change of the desired task count, or a Spot interruption."""

    time: float
    kind: str
    before: int
    after: int


@dataclass
class SimResult:
    """What a run produced; :mod:`scribe.capacity.report` turns it into figures."""

    inputs: PlanInputs
    arrivals: Arrivals
    start: np.ndarray
    end: np.ndarray
    attempts: np.ndarray
    instances: list[Instance]
    events: list[ScalingEvent]
    timeline: dict[str, np.ndarray]
    horizon: float
    finished_at: float
    requeued_by_scale_in: int = 0
    requeued_by_spot: int = 0
    lost_work_seconds: float = 0.0


class LaneQueue:
    """The transcribe lanes: normal first, then low (workers poll the lanes in that order)."""

    def __init__(self, lane_of: np.ndarray, arrivals: np.ndarray) -> None:
        self.lanes: tuple[deque[int], deque[int]] = (deque(), deque())
        self.lane_of = lane_of
        self.arrivals = arrivals

    def __len__(self) -> int:
        return len(self.lanes[0]) + len(self.lanes[1])

    def __bool__(self) -> bool:
        return bool(self.lanes[0] or self.lanes[1])

    def append(self, job: int) -> None:
        """A new message at the tail of its lane."""
        self.lanes[self.lane_of[job]].append(job)

    def appendleft(self, job: int) -> None:
        """A released message, back at the head of its lane."""
        self.lanes[self.lane_of[job]].appendleft(job)

    def popleft(self) -> int:
        """The next message a worker receives."""
        return (self.lanes[0] or self.lanes[1]).popleft()

    def oldest_arrival(self) -> float:
        """Arrival time of the oldest waiting message (SQS ApproximateAgeOfOldestMessage)."""
        return min(float(self.arrivals[lane[0]]) for lane in self.lanes if lane)
