"""scribe plan-capacity: the scaling simulation against answers known by hand."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from scribe.capacity.cli import app, load_plan_inputs
from scribe.capacity.model import PlanInputs, build_inputs, deep_merge
from scribe.capacity.report import summarize
from scribe.capacity.simulate import simulate
from scribe.capacity.tfvars import (
    inputs_from_terraform,
    load_terraform_values,
    parse_hcl,
    variable_defaults,
)
from scribe.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
FLAT = [1.0] * 24


def fixed_fleet(tasks: int, **policy: Any) -> dict[str, Any]:
    """``tasks`` on-demand instances running from time 0, no scaling, no warm pool."""
    return {
        "min_tasks": tasks,
        "max_tasks": tasks,
        "gpu_max_instances": tasks,
        "gpu_warm_pool_enabled": False,
        "gpu_spot_percentage": 0,
        "start_warm": True,
        **policy,
    }


def inputs(**sections: Any) -> PlanInputs:
    """Inputs for the hand-checked cases: one file at a time per task (no batching)."""
    base: dict[str, Any] = {
        "fleet": {"job_overhead_seconds": 0.0, "files_per_batch": 1, "prefetch_files": 0},
        "policy": {"backlog_metric": "visible+inflight", "transcribe_backlog_per_task_target": 2},
    }
    return build_inputs(deep_merge(base, sections))


def test_constant_load_below_capacity_has_no_queue_wait() -> None:
    # 96 lessons a day, one every 15 minutes, each 12 min x 0.08 = 57.6 s of GPU: never a queue.
    plan = inputs(
        workload={
            "days": 2,
            "lessons_per_day": 96,
            "hourly_weights": FLAT,
            "arrival_process": "uniform",
            "duration_sigma": 0,
        },
        policy=fixed_fleet(1),
    )
    result = simulate(plan)
    waits = result.start - result.arrivals.times
    assert len(waits) == 192
    assert np.all(np.isfinite(result.end))
    assert waits.max() == pytest.approx(0.0)
    service = result.end - result.start
    assert service == pytest.approx(np.full(192, 12 * 60 * 0.08))


def test_poisson_load_well_below_capacity_has_near_zero_wait() -> None:
    plan = inputs(
        workload={"days": 7, "lessons_per_day": 150, "hourly_weights": FLAT},
        policy=fixed_fleet(2),
    )
    figures = summarize(simulate(plan))
    assert figures["waits"]["daily"]["wait_p50_min"] == 0.0
    assert figures["waits"]["daily"]["wait_p95_min"] < 1.0
    assert figures["unfinished_jobs"] == 0


@pytest.mark.parametrize(("lessons", "tasks"), [(400, 4), (90, 3), (50, 1)])
def test_burst_drains_at_n_d_rtf_over_k(lessons: int, tasks: int) -> None:
    minutes, rtf = 10.0, 0.1
    plan = inputs(
        workload={
            "days": 2,
            "lessons_per_day": 0,
            "duration_sigma": 0,
            "duration_median_minutes": minutes,
            "bursts": [{"day": 0, "hour": 1, "lessons": lessons, "spread_minutes": 0}],
        },
        fleet={"rtf": {"g4dn.xlarge": rtf, "g4dn.2xlarge": rtf}},
        policy=fixed_fleet(tasks),
    )
    result = simulate(plan)
    drain = result.end.max() - 3600.0
    expected = lessons * minutes * 60 * rtf / tasks
    assert drain == pytest.approx(expected, rel=0.01)
    # Linear drain: halfway through, about half the burst is still visible.
    tl = result.timeline
    halfway = np.searchsorted(tl["time"], 3600.0 + expected / 2)
    assert tl["visible"][halfway] == pytest.approx(lessons / 2, abs=tasks + 2)
    assert set(tl["running"]) == {tasks}


def test_scale_to_zero_with_no_arrivals_costs_no_instance_hours() -> None:
    idle = inputs(workload={"days": 3, "lessons_per_day": 0})
    figures = summarize(simulate(idle))
    assert figures["fleet"]["instance_hours"] == 0.0
    assert figures["fleet"]["launches"] == 0
    assert figures["cost"]["monthly_on_demand_usd"] == 0.0
    # One task kept: 24 on-demand hours a day.
    always_on = inputs(workload={"days": 3, "lessons_per_day": 0}, policy={"min_tasks": 1})
    figures = summarize(simulate(always_on))
    assert figures["fleet"]["instance_hours_on_demand"] == pytest.approx(72.0)
    assert figures["cost"]["monthly_on_demand_usd"] == pytest.approx(730 * 0.526, rel=0.01)


def test_scale_from_zero_starts_a_task_when_messages_wait() -> None:
    plan = inputs(
        workload={
            "days": 1,
            "lessons_per_day": 0,
            "duration_sigma": 0,
            "bursts": [{"day": 0, "hour": 2, "lessons": 1, "spread_minutes": 0}],
        },
        policy={"gpu_warm_pool_enabled": False},
    )
    result = simulate(plan)
    kinds = [e.kind for e in result.events]
    assert kinds[0] == "scale-from-zero"
    # Metric lag 60 s + alarm (<= 1 period) + instance warm-up 300 s + task start 120 s.
    wait = result.start[0] - result.arrivals.times[0]
    assert 480.0 <= wait <= 540.0
    assert result.timeline["instances"][-1] == 0


@pytest.mark.parametrize("metric", ["visible+inflight", "visible"])
def test_cooldowns_are_respected(metric: str) -> None:
    plan = inputs(
        workload={"days": 3, "bursts": [{"day": 1, "hour": 9, "lessons": 2000}]},
        policy={
            "max_tasks": 12,
            "gpu_max_instances": 12,
            "transcribe_backlog_per_task_target": 1,
            "backlog_metric": metric,
            "scale_out_cooldown_seconds": 600,
            "scale_in_cooldown_seconds": 900,
        },
    )
    events = simulate(plan).events
    outs = [e.time for e in events if e.kind == "scale-out"]
    assert len(outs) >= 2
    assert min(np.diff(outs)) >= 600
    # A scale-in waits 900 s after the last scale-in, unless a scale-out came in between.
    scaling = [e for e in events if e.kind in ("scale-out", "scale-in", "scale-from-zero")]
    last_in = None
    for before, after in itertools.pairwise(scaling):
        if after.kind == "scale-in":
            if last_in is not None and before.kind == "scale-in":
                assert after.time - last_in >= 900
            last_in = after.time
    assert sum(e.kind == "scale-in" for e in scaling) >= 2
    assert all(e.after <= 12 for e in scaling)


def test_same_seed_same_figures_other_seed_other_figures() -> None:
    def run(seed: int) -> dict[str, Any]:
        return summarize(
            simulate(
                inputs(seed=seed, workload={"days": 5}, policy={"spot_interruptions_per_hour": 0.2})
            )
        )

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_spot_share_rounds_in_favour_of_on_demand_and_interrupted_jobs_return() -> None:
    plan = inputs(
        workload={"days": 2, "bursts": [{"day": 0, "hour": 9, "lessons": 300}]},
        policy=fixed_fleet(3, gpu_spot_percentage=70, spot_interruptions_per_hour=0.5),
    )
    result = simulate(plan)
    first_three = [inst.spot for inst in result.instances[:3]]
    assert first_three == [False, True, True]
    assert np.all(np.isfinite(result.end))  # every job finished despite interruptions
    figures = summarize(result)
    assert figures["fleet"]["spot_interruptions"] > 0
    assert figures["fleet"]["instance_hours_spot"] > 0


TFVARS = """
# Production scaling (example)
transcribe_backlog_per_task_target = 3   // per task
scale_out_cooldown_seconds = 120
scale_in_cooldown_seconds  = 900
gpu_instance_warmup_seconds = 240.5
gpu_spot_percentage = 50
gpu_warm_pool_enabled = false
gpu_instance_types = ["g4dn.2xlarge", "g4dn.xlarge",]
peer_vpc_id = null
/* a block comment
   over two lines */
services = {
  api        = { cpu = 1024, memory = 2048, min_capacity = 2, max_capacity = 6 }
  transcribe = {
    cpu          = 3072
    min_capacity = 1
    max_capacity = 8
  }
}
tags = { "Cost Center" = "ai", Owner: "platform" }
notes = <<-EOT
  multi
  line "text"
  EOT
offset = -2
"""


def test_tfvars_parser_reads_the_literal_subset() -> None:
    values = parse_hcl(TFVARS)
    assert values["transcribe_backlog_per_task_target"] == 3
    assert values["gpu_instance_warmup_seconds"] == 240.5
    assert values["gpu_warm_pool_enabled"] is False
    assert values["gpu_instance_types"] == ["g4dn.2xlarge", "g4dn.xlarge"]
    assert values["peer_vpc_id"] is None
    assert values["services"]["transcribe"] == {"cpu": 3072, "min_capacity": 1, "max_capacity": 8}
    assert values["tags"] == {"Cost Center": "ai", "Owner": "platform"}
    assert values["notes"] == '  multi\n  line "text"\n'
    assert values["offset"] == -2
    plan = build_inputs(inputs_from_terraform(values))
    assert plan.policy.transcribe_backlog_per_task_target == 3
    assert plan.policy.scale_in_cooldown_seconds == 900
    assert plan.policy.gpu_spot_percentage == 50
    assert (plan.policy.min_tasks, plan.policy.max_tasks) == (1, 8)
    assert plan.policy.gpu_warm_pool_enabled is False
    assert plan.fleet.instance_type == "g4dn.2xlarge"


def test_tfvars_parser_refuses_expressions_and_reports_the_line() -> None:
    with pytest.raises(ConfigError, match=r"x.tfvars:3: .*only literal values"):
        parse_hcl("a = 1\n\nb = var.a + 1\n", source="x.tfvars")
    with pytest.raises(ConfigError, match="not closed"):
        parse_hcl("a = <<EOT\nno end\n")


def test_variable_defaults_skip_types_and_validations() -> None:
    text = """
variable "services" {
  type = map(object({
    min_capacity = number
  }))
  description = "Bounds."
  default = { transcribe = { min_capacity = 0, max_capacity = 4 } }
}
variable "gpu_spot_percentage" {
  type    = number
  default = 70
  validation {
    condition     = var.gpu_spot_percentage >= 0 && var.gpu_spot_percentage <= 100
    error_message = "0-100."
  }
}
variable "ai_account_id" {
  type = string
}
"""
    defaults = variable_defaults(text)
    assert defaults == {
        "services": {"transcribe": {"min_capacity": 0, "max_capacity": 4}},
        "gpu_spot_percentage": 70,
    }


def test_the_stacks_own_terraform_files_load() -> None:
    variables = REPO / "infra/terraform/variables.tf"
    example = REPO / "infra/terraform/terraform.tfvars.example"
    if not variables.exists():
        pytest.skip("infra/terraform/variables.tf is not there")
    paths = [variables] + ([example] if example.exists() else [])
    plan = build_inputs(inputs_from_terraform(load_terraform_values(paths)))
    assert plan.policy.max_tasks >= plan.policy.min_tasks


def test_json_and_terraform_must_agree(tmp_path: Path) -> None:
    tfvars = tmp_path / "prod.tfvars"
    tfvars.write_text("scale_in_cooldown_seconds = 900\n")
    config = tmp_path / "plan.json"
    config.write_text(json.dumps({"policy": {"scale_in_cooldown_seconds": 300}}))
    with pytest.raises(ConfigError, match="scale_in_cooldown_seconds"):
        load_plan_inputs(config, [tfvars], {})
    # The command line overrides both.
    plan = load_plan_inputs(None, [tfvars], {"policy": {"scale_in_cooldown_seconds": 60}})
    assert plan.policy.scale_in_cooldown_seconds == 60


def test_bad_inputs_are_one_line_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="min_tasks is above max_tasks"):
        build_inputs({"policy": {"min_tasks": 5, "max_tasks": 2}})
    with pytest.raises(ConfigError, match=r"no real-time factor for 'p3\.2xlarge'"):
        build_inputs({"fleet": {"instance_type": "p3.2xlarge"}})
    with pytest.raises(ConfigError, match=r"workload\.lessons_per_day"):
        build_inputs({"workload": {"lessons_per_day": -1}})
    with pytest.raises(ConfigError, match=r"policy\.max_task"):
        build_inputs({"policy": {"max_task": 3}})
    with pytest.raises(ConfigError, match="cannot read"):
        load_plan_inputs(tmp_path / "missing.json", [], {})


def test_cli_json_output_and_help(tmp_path: Path) -> None:
    runner = CliRunner()
    help_text = runner.invoke(app, ["plan-capacity", "--help"], terminal_width=200).output
    for option in ("--tfvars", "--target-backlog", "--scale-in-cooldown", "--burst", "--json"):
        assert option in help_text
    result = runner.invoke(
        app,
        [
            "plan-capacity",
            "--days", "3",
            "--burst", "1:10:200:import:60",
            "--min-tasks", "1",
            "--no-progress",
            "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["scenario"]["jobs_by_class"]["import"] == 200
    assert set(figures["waits"]) == {"all", "daily", "import", "daily during bursts"}
    bad = runner.invoke(app, ["plan-capacity", "--burst", "tomorrow", "--no-progress"])
    assert isinstance(bad.exception, ConfigError)


def test_plot_is_a_small_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from scribe.capacity.report import plot

    result = simulate(inputs(workload={"days": 2}))
    path = plot(result, tmp_path / "fleet.png", window=(0.5, 1.5))
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG")
    assert len(data) < 150_000


def test_default_plan_thirty_days_of_150_lessons() -> None:
    figures = summarize(simulate(build_inputs({})))
    assert figures["unfinished_jobs"] == 0
    assert 4000 < figures["scenario"]["jobs"] < 5000
    assert figures["waits"]["daily"]["wait_p95_min"] < 15


def test_scale_from_zero_cooldown_equal_to_cold_start_adds_a_second_task() -> None:
    # Terraform's step cooldown is warm-up + task start (420 s), exactly the cold start; with
    # a one-period metric lag the alarm still sees "waiting, none in flight" and steps again.
    def steps(cooldown: float | None) -> list[tuple[int, int]]:
        plan = inputs(
            workload={
                "days": 1,
                "lessons_per_day": 0,
                "bursts": [{"day": 0, "hour": 3, "lessons": 1, "spread_minutes": 0}],
            },
            policy={
                "gpu_warm_pool_enabled": False,
                "scale_from_zero_cooldown_seconds": cooldown,
            },
        )
        events = simulate(plan).events
        return [(e.before, e.after) for e in events if e.kind == "scale-from-zero"]

    assert steps(None) == [(0, 1), (1, 2)]
    assert steps(600) == [(0, 1)]
