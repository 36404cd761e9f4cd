"""The simulated transcribe queue: a normal and a low lane, each first in, first out."""

from __future__ import annotations

from collections import deque

import numpy as np


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
