"""How far a batch has got while it decodes, so progress moves inside one batch.

A file of eight chunks or fewer is decoded in a single batch: counting only finished chunks,
its progress would sit at 0 % for the whole decode and then jump to done. A batch goes through
three steps, each with a share of its time: ``encode`` (the encoder pass), ``generate`` (the
decoder at every temperature it needs) and ``align`` (word times). :class:`BatchPace` keeps a
running estimate of those shares and of the seconds a chunk takes, learnt from the batches this
decoder has run; a :class:`BatchClock` reports, for one batch, the share done when each step
ends and, while a step runs, an estimate from the time it has taken so far (never past 90 % of
the step, so an estimate cannot run ahead of the work). The first batch, with nothing learnt,
reports at step ends only, from default shares.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

PHASES = ("encode", "generate", "align")
# Shares of a batch's time before any batch was measured: tiny.en int8 on 2 CPU threads, a
# batch of three 30 s chunks, learnt 0.54 / 0.37 / 0.09 (other models and devices differ, which
# the running estimate learns after the first batch).
DEFAULT_SHARES = {"encode": 0.5, "generate": 0.4, "align": 0.1}
# Weight of the newest batch in the running estimates.
SMOOTHING = 0.3
# An estimate inside a step stops at this share of the step.
ESTIMATE_CAP = 0.9

# Called with the share of a batch done (0 to 1).
ShareReport = Callable[[float], None]


class BatchPace:
    """Running estimates of each step's share of a batch and of seconds per chunk."""

    def __init__(self) -> None:
        self.shares = dict(DEFAULT_SHARES)
        self.seconds_per_chunk: float | None = None
        self._lock = threading.Lock()

    def clock(
        self, chunks: int, report: ShareReport | None, *, tick_seconds: float = 1.0
    ) -> BatchClock:
        """A clock for one batch of ``chunks`` chunks, reporting through ``report``."""
        return BatchClock(self, chunks, report, tick_seconds=tick_seconds)

    def expected_seconds(self, chunks: int) -> float | None:
        """How long a batch of ``chunks`` is expected to take (None before the first)."""
        with self._lock:
            return None if self.seconds_per_chunk is None else self.seconds_per_chunk * chunks

    def learn(self, durations: dict[str, float], chunks: int) -> None:
        """Fold one finished batch's step durations into the estimates."""
        total = sum(durations.values())
        if total <= 0 or chunks <= 0 or set(durations) != set(PHASES):
            return
        with self._lock:
            for phase in PHASES:
                share = durations[phase] / total
                self.shares[phase] += SMOOTHING * (share - self.shares[phase])
            per_chunk = total / chunks
            if self.seconds_per_chunk is None:
                self.seconds_per_chunk = per_chunk
            else:
                self.seconds_per_chunk += SMOOTHING * (per_chunk - self.seconds_per_chunk)

    def share_before(self, phase: str) -> float:
        """The share of a batch done when ``phase`` starts."""
        with self._lock:
            return sum(self.shares[p] for p in PHASES[: PHASES.index(phase)])

    def share_of(self, phase: str) -> float:
        """The share of a batch that ``phase`` takes."""
        with self._lock:
            return self.shares[phase]


class BatchClock:
    """One batch's steps as they run: reports the share done, records each step's time."""

    def __init__(
        self, pace: BatchPace, chunks: int, report: ShareReport | None, *, tick_seconds: float
    ) -> None:
        self.pace = pace
        self.chunks = chunks
        self.report = report
        self.tick_seconds = tick_seconds
        self.durations: dict[str, float] = {}
        self._expected = pace.expected_seconds(chunks)

    @contextmanager
    def step(self, phase: str) -> Iterator[None]:
        """Time one step; report estimates while it runs and its end share when it ends."""
        before, share = self.pace.share_before(phase), self.pace.share_of(phase)
        began = time.perf_counter()
        stop = threading.Event()
        ticker = None
        if self.report is not None and self._expected:
            expected = self._expected * share
            ticker = threading.Thread(
                target=self._tick, args=(stop, began, before, share, expected), daemon=True
            )
            ticker.start()
        try:
            yield
        finally:
            stop.set()
            if ticker is not None:
                ticker.join()
            self.durations[phase] = self.durations.get(phase, 0.0) + time.perf_counter() - began
        if self.report is not None:
            self.report(before + share)

    def _tick(
        self, stop: threading.Event, began: float, before: float, share: float, expected: float
    ) -> None:
        """Report an estimate of the share done every ``tick_seconds`` while a step runs."""
        assert self.report is not None
        while not stop.wait(self.tick_seconds):
            elapsed = time.perf_counter() - began
            try:
                self.report(before + share * min(ESTIMATE_CAP, elapsed / expected))
            except Exception:  # a progress report never stops the decode
                log.warning("could not report a batch's progress", exc_info=True)
                return

    def finish(self) -> None:
        """The batch is done: its step times improve the estimates for the next ones."""
        self.pace.learn(self.durations, self.chunks)
