"""Progress inside one batch: the step shares, the running estimates, reports in order."""

from __future__ import annotations

import numpy as np
import pytest

from scribe.stages.transcribe.batched.assembly import FileDecode
from scribe.stages.transcribe.batched.pacing import DEFAULT_SHARES, PHASES, BatchPace
from scribe.stages.transcribe.batched.preparation import PreparedAudio
from scribe.stages.transcribe.options import DecodeOptions


def test_a_clock_reports_each_steps_end_share_in_order() -> None:
    pace = BatchPace()
    reports: list[float] = []
    clock = pace.clock(4, reports.append)
    for phase in PHASES:
        with clock.step(phase):
            pass
    expected = np.cumsum([DEFAULT_SHARES[p] for p in PHASES])
    assert reports == pytest.approx(list(expected))
    assert reports[-1] == pytest.approx(1.0)


def test_a_step_that_fails_reports_nothing() -> None:
    reports: list[float] = []
    clock = BatchPace().clock(1, reports.append)
    with pytest.raises(RuntimeError), clock.step("encode"):
        raise RuntimeError("out of memory")
    assert reports == []


def test_finished_batches_move_the_estimates() -> None:
    pace = BatchPace()
    assert pace.expected_seconds(8) is None
    pace.learn({"encode": 1.0, "generate": 1.0, "align": 2.0}, chunks=4)
    assert pace.seconds_per_chunk == pytest.approx(1.0)
    assert pace.expected_seconds(8) == pytest.approx(8.0)
    assert pace.shares["align"] > DEFAULT_SHARES["align"]
    assert pace.shares["generate"] < DEFAULT_SHARES["generate"]
    assert sum(pace.shares.values()) == pytest.approx(1.0)
    pace.learn({"encode": 1.0}, chunks=4)  # an incomplete batch teaches nothing
    assert pace.seconds_per_chunk == pytest.approx(1.0)


def _file(durations: list[float]) -> FileDecode:
    prepared = PreparedAudio(
        duration=sum(durations),
        speech_seconds=sum(durations),
        speech=[],
        features=[np.zeros((80, 3000), dtype=np.float32) for _ in durations],
        chunks=[{"offset": 0.0, "duration": d} for d in durations],
        language="en",
        language_probability=1.0,
    )
    return FileDecode(prepared, DecodeOptions())


def test_a_files_progress_counts_chunks_in_flight_and_never_goes_back() -> None:
    file = _file([10.0, 30.0])
    assert file.progress == 0
    file.in_flight = {0: 0.5, 1: 0.5}
    assert file.progress == pytest.approx(0.5)
    file.results[0] = []
    file.in_flight = {1: 0.0}  # a batch halved and started again
    assert file.progress == pytest.approx(0.5)
    file.in_flight = {1: 0.9}
    assert file.progress == pytest.approx((10 + 27) / 40)
