"""The simulator with batching workers: held messages, shared batches, accumulation, search."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from scribe.capacity.model import PlanInputs, build_inputs, deep_merge
from scribe.capacity.report import summarize
from scribe.capacity.search import DEFAULT_GRID, Targets, grid_points, search
from scribe.capacity.simulate import simulate
from scribe.errors import ConfigError

ONE_TASK = {
    "min_tasks": 1,
    "max_tasks": 1,
    "gpu_max_instances": 1,
    "gpu_warm_pool_enabled": False,
    "gpu_spot_percentage": 0,
    "start_warm": True,
}


def plan(**sections: Any) -> PlanInputs:
    base: dict[str, Any] = {
        "fleet": {"job_overhead_seconds": 0.0, "batch_speedup": 4.0, "task_startup_seconds": 0},
        "workload": {"days": 1, "lessons_per_day": 0, "duration_sigma": 0},
    }
    return build_inputs(deep_merge(base, sections))


def test_a_task_holds_a_batch_plus_prefetch_and_decodes_the_batch_together() -> None:
    # 20 equal lessons at once on one task: 8 decode together, 2 are prefetched, 10 wait.
    inputs = plan(
        workload={"bursts": [{"day": 0, "hour": 1, "lessons": 20, "spread_minutes": 0}]},
        policy=ONE_TASK,
    )
    result = simulate(inputs)
    assert int(result.timeline["inflight"].max()) == 10
    work = 12 * 60 * 0.08  # one 12-minute lesson decoded alone
    first_batch = np.sort(result.end - result.arrivals.times)[:8]
    # Eight together go batch_speedup (4) times as fast as one: all end at 8 x work / 4.
    assert np.allclose(first_batch, 8 * work / 4.0)
    assert summarize(result)["unfinished_jobs"] == 0


def test_one_file_alone_decodes_at_the_one_file_rate() -> None:
    inputs = plan(
        workload={"bursts": [{"day": 0, "hour": 1, "lessons": 1, "spread_minutes": 0}]},
        policy=ONE_TASK,
    )
    result = simulate(inputs)
    assert float(result.end[0] - result.start[0]) == pytest.approx(12 * 60 * 0.08)


@pytest.mark.parametrize(("lessons", "first_step_after"), [(1, 600), (8, 0)])
def test_accumulation_starts_a_task_for_a_batch_or_for_an_old_message(
    lessons: int, first_step_after: float
) -> None:
    inputs = plan(
        workload={"bursts": [{"day": 0, "hour": 2, "lessons": lessons, "spread_minutes": 0}]},
        policy={
            "gpu_warm_pool_enabled": False,
            "accumulation_max_wait_seconds": 600,
            "metric_delay_seconds": 0,
        },
    )
    result = simulate(inputs)
    [first, *_] = [e for e in result.events if e.kind == "scale-from-zero"]
    waited = first.time - 2 * 3600
    assert first_step_after <= waited <= first_step_after + 60


def test_scale_in_protection_never_requeues_held_work() -> None:
    burst = {"bursts": [{"day": 0, "hour": 1, "lessons": 300, "spread_minutes": 60}]}
    protected = simulate(plan(workload=burst, policy={"scale_in_cooldown_seconds": 60}))
    assert any(e.kind == "scale-in" for e in protected.events)
    assert protected.requeued_by_scale_in == 0 and protected.lost_work_seconds == 0
    assert int(np.isfinite(protected.end).sum()) == 300


def test_search_picks_the_cheapest_candidate_meeting_the_targets() -> None:
    daily = plan(workload={"lessons_per_day": 150, "days": 1})
    grid = {"accumulation_max_wait_seconds": [0, 3600], "transcribe_backlog_per_task_target": [1]}
    found = search({"daily": daily}, grid, Targets(15, 0.0, 1000))
    assert found["verdict"] == "meets every target"
    assert found["chosen"]["policy"]["accumulation_max_wait_seconds"] == 0
    assert len(found["candidates"]) == 2
    # An unreachable busy share is reported as such, never claimed.
    strict = search({"daily": daily}, grid, Targets(15, 0.99, 1000))
    assert strict["chosen"]["passes"] is False and "no candidate reaches" in strict["verdict"]


def test_an_empty_grid_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="at least one value"):
        grid_points({"scale_in_cooldown_seconds": []})


def test_plan_capacity_search_on_the_command_line() -> None:
    import json

    from typer.testing import CliRunner

    from scribe.capacity.cli import app

    result = CliRunner().invoke(app, ["plan-capacity", "--search", "--days", "2", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["scenarios"] == ["daily", "daily + import"]
    assert len(found["candidates"]) == len(grid_points(DEFAULT_GRID))
    assert found["chosen"] is not None and found["chosen"] in found["candidates"]
