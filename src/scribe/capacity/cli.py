"""``scribe plan-capacity``: simulate the transcription autoscaling against a workload.

Register with ``app.command("plan-capacity")(plan_capacity)``; :data:`app` runs it alone.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from scribe.capacity.model import PlanInputs, build_inputs, deep_merge
from scribe.capacity.report import plot, print_summary, summarize
from scribe.capacity.search import Targets, search
from scribe.capacity.simulate import simulate
from scribe.capacity.tfvars import inputs_from_terraform, load_terraform_values
from scribe.errors import ConfigError

app = typer.Typer(
    help="Capacity planning for the GPU transcription service.",
    pretty_exceptions_enable=False,
    add_completion=False,
)

_PANEL_IN, _PANEL_POLICY, _PANEL_OUT = "Inputs", "Policy (overrides files)", "Output"
_PANEL_SEARCH = "Search"
#: The course import the search uses when the inputs name no burst.
DEFAULT_SEARCH_BURST = {"name": "import", "day": 9, "hour": 14, "lessons": 2000, "lane": "low"}


def _leaves(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_leaves(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a JSON object")
    return data


def _parse_burst(text: str) -> dict[str, Any]:
    parts = text.split(":")
    keys = ("day", "hour", "lessons", "name", "spread_minutes")
    if not 3 <= len(parts) <= 5:
        raise ConfigError(f"--burst {text!r}: expected DAY:HOUR:LESSONS[:NAME[:SPREAD_MINUTES]]")
    burst: dict[str, Any] = {k: v for k, v in zip(keys, parts, strict=False) if v != ""}
    try:
        for key, kind in (
            ("day", float),
            ("hour", float),
            ("lessons", int),
            ("spread_minutes", float),
        ):
            if key in burst:
                burst[key] = kind(burst[key])
    except ValueError:
        raise ConfigError(f"--burst {text!r}: {key} is not a number") from None
    return burst


def _parse_window(text: str) -> tuple[float, float]:
    try:
        first, last = (float(x) for x in text.split(":"))
    except ValueError:
        raise ConfigError(f"--plot-window {text!r}: expected FIRST_DAY:LAST_DAY") from None
    if last <= first:
        raise ConfigError(f"--plot-window {text!r}: the last day must come after the first")
    return first, last


def load_plan_inputs(
    config: Path | None, tfvars: list[Path], overrides: dict[str, Any]
) -> PlanInputs:
    """Inputs from defaults, Terraform files, a JSON file and overrides (CLI), in that order.

    The JSON file and the Terraform files must not disagree on a value: the infrastructure
    is the truth, a what-if goes on the command line.
    """
    from_tf = inputs_from_terraform(load_terraform_values(tfvars)) if tfvars else {}
    from_json = _read_json(config) if config else {}
    json_leaves = _leaves(from_json)
    for key, value in _leaves(from_tf).items():
        if key in json_leaves and json_leaves[key] != value:
            raise ConfigError(
                f"{config} sets {key}={json_leaves[key]!r} but the Terraform files say "
                f"{value!r}; remove it from the JSON or override it on the command line"
            )
    return build_inputs(deep_merge(deep_merge(from_json, from_tf), overrides))


def _set(target: dict[str, Any], dotted: str, value: Any) -> None:
    if value is None:
        return
    *parents, last = dotted.split(".")
    for key in parents:
        target = target.setdefault(key, {})
    target[last] = value


def plan_capacity(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="JSON file of inputs: {seed, workload, fleet, policy, prices} (see "
            "docs/operations/scaling.md; examples in bench/data/capacity/).",
            rich_help_panel=_PANEL_IN,
        ),
    ] = None,
    tfvars: Annotated[
        list[Path] | None,
        typer.Option(
            "--tfvars",
            help="Terraform file to take the policy from, repeatable, later wins: a "
            "variables.tf (its defaults), a .tfvars or a .tfvars.json.",
            rich_help_panel=_PANEL_IN,
        ),
    ] = None,
    days: Annotated[
        float | None, typer.Option(help="Simulated days.", rich_help_panel=_PANEL_IN)
    ] = None,
    lessons_per_day: Annotated[
        float | None,
        typer.Option(help="Mean lessons a day (working-hours shape).", rich_help_panel=_PANEL_IN),
    ] = None,
    median_minutes: Annotated[
        float | None,
        typer.Option(help="Median lesson length, minutes (lognormal).", rich_help_panel=_PANEL_IN),
    ] = None,
    burst: Annotated[
        list[str] | None,
        typer.Option(
            help="A course import: DAY:HOUR:LESSONS[:NAME[:SPREAD_MINUTES]], e.g. "
            "9:14:2000:import:30; repeatable; replaces the config's bursts.",
            rich_help_panel=_PANEL_IN,
        ),
    ] = None,
    instance_type: Annotated[
        str | None,
        typer.Option(
            help="GPU instance type (g4dn.xlarge, g4dn.2xlarge).", rich_help_panel=_PANEL_IN
        ),
    ] = None,
    rtf: Annotated[
        float | None,
        typer.Option(
            help="Real-time factor of --instance-type (measured).", rich_help_panel=_PANEL_IN
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed.", rich_help_panel=_PANEL_IN)
    ] = None,
    target_backlog: Annotated[
        float | None,
        typer.Option(
            help="Backlog per task target (transcribe_backlog_per_task_target).",
            rich_help_panel=_PANEL_POLICY,
        ),
    ] = None,
    backlog_metric: Annotated[
        str | None,
        typer.Option(
            help="What the target counts: visible+inflight (as Terraform) or visible.",
            rich_help_panel=_PANEL_POLICY,
        ),
    ] = None,
    scale_out_cooldown: Annotated[
        float | None,
        typer.Option(help="Seconds (scale_out_cooldown_seconds).", rich_help_panel=_PANEL_POLICY),
    ] = None,
    scale_in_cooldown: Annotated[
        float | None,
        typer.Option(help="Seconds (scale_in_cooldown_seconds).", rich_help_panel=_PANEL_POLICY),
    ] = None,
    instance_warmup: Annotated[
        float | None,
        typer.Option(
            help="Seconds from launch to hosting a task (gpu_instance_warmup_seconds).",
            rich_help_panel=_PANEL_POLICY,
        ),
    ] = None,
    scale_from_zero_cooldown: Annotated[
        float | None,
        typer.Option(
            help="Seconds between scale-from-zero steps; default warm-up + task start.",
            rich_help_panel=_PANEL_POLICY,
        ),
    ] = None,
    metric_delay: Annotated[
        float | None,
        typer.Option(
            help="Age in seconds of the queue figures the policy sees (CloudWatch lag).",
            rich_help_panel=_PANEL_POLICY,
        ),
    ] = None,
    min_tasks: Annotated[
        int | None,
        typer.Option(
            help="services.transcribe.min_capacity; 0 scales to zero.",
            rich_help_panel=_PANEL_POLICY,
        ),
    ] = None,
    max_tasks: Annotated[
        int | None,
        typer.Option(help="services.transcribe.max_capacity.", rich_help_panel=_PANEL_POLICY),
    ] = None,
    max_instances: Annotated[
        int | None,
        typer.Option(
            help="Size limit of the gpu group (gpu_max_instances).", rich_help_panel=_PANEL_POLICY
        ),
    ] = None,
    spot_percentage: Annotated[
        float | None,
        typer.Option(help="Spot share 0-100 (gpu_spot_percentage).", rich_help_panel=_PANEL_POLICY),
    ] = None,
    spot_interruption_rate: Annotated[
        float | None,
        typer.Option(
            help="Chance per hour a Spot instance is reclaimed.", rich_help_panel=_PANEL_POLICY
        ),
    ] = None,
    spot_discount: Annotated[
        float | None,
        typer.Option(
            help="Spot price = on-demand x (1 - this), e.g. 0.7.", rich_help_panel=_PANEL_POLICY
        ),
    ] = None,
    warm_pool: Annotated[
        bool | None,
        typer.Option(
            "--warm-pool/--no-warm-pool",
            help="First task on an on-demand warm-pool instance (gpu_warm_pool_enabled).",
            rich_help_panel=_PANEL_POLICY,
        ),
    ] = None,
    scale_in_protection: Annotated[
        bool | None,
        typer.Option(
            "--scale-in-protection/--no-scale-in-protection",
            help="Busy tasks are protected from scale-in (ECS task scale-in protection).",
            rich_help_panel=_PANEL_POLICY,
        ),
    ] = None,
    search_policy: Annotated[
        bool,
        typer.Option(
            "--search",
            help="Search the policy grid (target, accumulation wait, scale-in cooldown) for "
            "the cheapest setting meeting the targets, on the daily load and on it plus the "
            "bursts (the config's, --burst's, or a 2,000-lesson import on day 9).",
            rich_help_panel=_PANEL_SEARCH,
        ),
    ] = False,
    max_wait: Annotated[
        float,
        typer.Option(help="Search target: p95 queue wait, minutes.", rich_help_panel=_PANEL_SEARCH),
    ] = 15.0,
    min_busy: Annotated[
        float,
        typer.Option(
            help="Search target: GPU busy share of running instance time (0-1).",
            rich_help_panel=_PANEL_SEARCH,
        ),
    ] = 0.70,
    budget: Annotated[
        float,
        typer.Option(help="Search target: monthly GPU cost, USD.", rich_help_panel=_PANEL_SEARCH),
    ] = 400.0,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the figures as JSON.", rich_help_panel=_PANEL_OUT),
    ] = False,
    plot_path: Annotated[
        Path | None,
        typer.Option(
            "--plot", help="Write a PNG of backlog and instances.", rich_help_panel=_PANEL_OUT
        ),
    ] = None,
    plot_window: Annotated[
        str | None,
        typer.Option(
            help="Days shown in the plot, FIRST:LAST, e.g. 9:10.5.", rich_help_panel=_PANEL_OUT
        ),
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Progress bar; default: when stderr is a terminal.",
            rich_help_panel=_PANEL_OUT,
        ),
    ] = None,
) -> None:
    """Simulate the GPU transcription service's scaling policy: queue waits, GPU use, cost.

    A discrete-event simulation of the production policy (target tracking on backlog per
    task, cooldowns, instance warm-up, scale from zero, Spot share and interruptions)
    against a diurnal daily load and bursts such as course imports. Deterministic for a seed.
    """
    overrides: dict[str, Any] = {}
    for dotted, value in (
        ("seed", seed),
        ("workload.days", days),
        ("workload.lessons_per_day", lessons_per_day),
        ("workload.duration_median_minutes", median_minutes),
        ("fleet.instance_type", instance_type),
        ("policy.transcribe_backlog_per_task_target", target_backlog),
        ("policy.backlog_metric", backlog_metric),
        ("policy.scale_out_cooldown_seconds", scale_out_cooldown),
        ("policy.scale_in_cooldown_seconds", scale_in_cooldown),
        ("policy.gpu_instance_warmup_seconds", instance_warmup),
        ("policy.scale_from_zero_cooldown_seconds", scale_from_zero_cooldown),
        ("policy.metric_delay_seconds", metric_delay),
        ("policy.min_tasks", min_tasks),
        ("policy.max_tasks", max_tasks),
        ("policy.gpu_max_instances", max_instances),
        ("policy.gpu_spot_percentage", spot_percentage),
        ("policy.spot_interruptions_per_hour", spot_interruption_rate),
        ("policy.gpu_warm_pool_enabled", warm_pool),
        ("policy.task_scale_in_protection", scale_in_protection),
        ("prices.spot_discount", spot_discount),
    ):
        _set(overrides, dotted, value)
    if burst:
        _set(overrides, "workload.bursts", [_parse_burst(b) for b in burst])
    window = _parse_window(plot_window) if plot_window else None
    inputs = load_plan_inputs(config, tfvars or [], overrides)
    if rtf is not None:
        fleet = inputs.fleet.model_dump()
        fleet["rtf"][inputs.fleet.instance_type] = rtf
        inputs = build_inputs({**inputs.model_dump(), "fleet": fleet})

    show = sys.stderr.isatty() if progress is None else progress
    if search_policy:
        _run_search(inputs, Targets(max_wait, min_busy, budget), as_json=as_json, show=show)
        return
    if show:
        with Progress(
            TextColumn("simulating"),
            BarColumn(),
            TextColumn("day {task.completed:.0f}/{task.total:.0f}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task("simulate", total=inputs.workload.days)
            result = simulate(
                inputs, progress=lambda now, _: bar.update(task, completed=now / 86400.0)
            )
    else:
        result = simulate(inputs)
    summary = summarize(result)
    if plot_path is not None:
        summary["plot"] = str(plot(result, plot_path, window=window))
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
    else:
        print_summary(summary)
        if plot_path is not None:
            typer.echo(f"plot: {plot_path}")


_SHORT = {
    "transcribe_backlog_per_task_target": "target",
    "accumulation_max_wait_seconds": "acc_wait_s",
    "scale_in_cooldown_seconds": "in_cool_s",
}


def _run_search(inputs: PlanInputs, targets: Targets, *, as_json: bool, show: bool) -> None:
    data = inputs.model_dump()
    day = min(9.0, float(int(inputs.workload.days // 2)))
    bursts = data["workload"]["bursts"] or [{**DEFAULT_SEARCH_BURST, "day": day}]
    daily = build_inputs(deep_merge(data, {"workload": {"bursts": []}}))
    with_burst = build_inputs(deep_merge(data, {"workload": {"bursts": bursts}}))
    scenarios = {"daily": daily, "daily + import": with_burst}
    if show:
        with Progress(
            TextColumn("searching"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} runs"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task("search", total=1)
            found = search(
                scenarios,
                targets=targets,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    else:
        found = search(scenarios, targets=targets)
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    console = Console()
    table = Table(title=f"Policy search: {found['verdict']}", title_justify="left")
    for column in ("policy", "$/month", *[f"{s} p95 wait / busy" for s in found["scenarios"]]):
        table.add_column(column)
    for row in found["candidates"]:
        mark = "[bold]*[/bold] " if row == found["chosen"] else ""
        table.add_row(
            mark + " ".join(f"{_SHORT.get(k, k)}={v:g}" for k, v in row["policy"].items()),
            f"{row['monthly_usd']:,.0f}",
            *[
                f"{f['wait_p95_min']:.1f} min / {f['gpu_busy']:.0%}"
                for f in row["scenarios"].values()
            ],
        )
    console.print(table)


@app.callback()
def _group() -> None:
    """Capacity planning for the GPU transcription service."""


app.command("plan-capacity")(plan_capacity)
