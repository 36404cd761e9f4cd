"""Figures of a simulation: queue waits, GPU use, instance hours, cost; a table and a plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from scribe.capacity.model import HOURS_PER_MONTH
from scribe.capacity.records import SimResult
from scribe.errors import ConfigError


def _percentiles(values: np.ndarray) -> dict[str, float | None]:
    if values.size == 0:
        return {"p50": None, "p95": None, "max": None}
    p50, p95 = np.percentile(values, [50, 95])
    return {
        "p50": round(float(p50), 2),
        "p95": round(float(p95), 2),
        "max": round(float(values.max()), 2),
    }


def summarize(result: SimResult) -> dict[str, Any]:
    """The plan's figures as a JSON-ready dict (minutes, hours, USD)."""
    inputs, arrivals = result.inputs, result.arrivals
    done = np.isfinite(result.end)
    wait = (result.start - arrivals.times) / 60.0
    turnaround = (result.end - arrivals.times) / 60.0
    groups: list[tuple[str, np.ndarray]] = [("all", done)]
    groups += [
        (name, done & (arrivals.classes == i)) for i, name in enumerate(arrivals.class_names)
    ]
    if len(arrivals.class_names) > 1:
        # Daily lessons that arrived while a burst was in the queue wait behind it (FIFO).
        during = np.zeros(len(arrivals), dtype=bool)
        for i in range(1, len(arrivals.class_names)):
            burst = arrivals.classes == i
            last = (
                np.nanmax(np.where(burst, result.end, np.nan)) if (burst & done).any() else np.inf
            )
            during |= (arrivals.times >= arrivals.times[burst].min()) & (arrivals.times <= last)
        groups.append(("daily during bursts", done & during & (arrivals.classes == 0)))
    waits: dict[str, Any] = {}
    for name, chosen in groups:
        w, t = _percentiles(wait[chosen]), _percentiles(turnaround[chosen])
        waits[name] = {
            "jobs": int(chosen.sum()),
            "wait_p50_min": w["p50"],
            "wait_p95_min": w["p95"],
            "wait_max_min": w["max"],
            "turnaround_p95_min": t["p95"],
        }

    prices = inputs.prices
    hours = {"on_demand": 0.0, "spot": 0.0}
    compute_usd = {"on_demand": 0.0, "spot": 0.0}
    busy = 0.0
    for inst in result.instances:
        assert inst.ended is not None
        h = (inst.ended - inst.started) / 3600.0
        kind = "spot" if inst.spot else "on_demand"
        hours[kind] += h
        compute_usd[kind] += h * prices.hourly(inst.type, spot=inst.spot)
        busy += inst.busy_seconds / 3600.0
    total_hours = hours["on_demand"] + hours["spot"]
    period_hours = result.horizon / 3600.0
    to_month = HOURS_PER_MONTH / period_hours
    ebs_per_hour = prices.gpu_root_volume_gib * prices.ebs_gb_month / HOURS_PER_MONTH
    gpu_hours = sum(
        (i.ended - i.started) / 3600.0 for i in result.instances if i.group == "gpu" and i.ended
    )
    warm_volumes = (
        inputs.policy.gpu_warm_pool_min_size if inputs.policy.gpu_warm_pool_enabled else 0
    )
    ebs_usd = ebs_per_hour * (gpu_hours + warm_volumes * period_hours)
    kinds = [e.kind for e in result.events]
    tl = result.timeline
    burst_window = np.zeros(len(tl["time"]), dtype=bool)
    for i in range(1, len(arrivals.class_names)):
        chosen = (arrivals.classes == i) & done
        if chosen.any():
            first, last = arrivals.times[chosen].min(), np.nanmax(result.end[chosen])
            burst_window |= (tl["time"] >= first) & (tl["time"] <= last)
    burst_instances = float(tl["instances"][burst_window].sum())
    busy_in_bursts = (
        round(float(tl["decoding"][burst_window].sum()) / burst_instances, 3)
        if burst_instances
        else None
    )
    return {
        "scenario": {
            "days": inputs.workload.days,
            "seed": inputs.seed,
            "jobs": len(arrivals),
            "jobs_by_class": {
                name: int((arrivals.classes == i).sum())
                for i, name in enumerate(arrivals.class_names)
            },
            "audio_hours": round(float(arrivals.audio_seconds.sum()) / 3600.0, 1),
            "instance_type": inputs.fleet.instance_type,
            "rtf": inputs.fleet.rtf_of(inputs.fleet.instance_type),
        },
        "waits": waits,
        "unfinished_jobs": int((~done).sum()),
        "fleet": {
            "instance_hours_on_demand": round(hours["on_demand"], 1),
            "instance_hours_spot": round(hours["spot"], 1),
            "instance_hours": round(total_hours, 1),
            "gpu_busy_share": round(busy / total_hours, 3) if total_hours else 0.0,
            "busy_hours": round(busy, 1),
            "gpu_busy_share_during_bursts": busy_in_bursts,
            "launches": len(result.instances),
            "peak_instances": int(result.timeline["instances"].max(initial=0)),
            "scale_outs": kinds.count("scale-out"),
            "scale_from_zero": kinds.count("scale-from-zero"),
            "scale_ins": kinds.count("scale-in"),
            "spot_interruptions": kinds.count("spot-interruption"),
            "jobs_requeued_by_scale_in": result.requeued_by_scale_in,
            "jobs_requeued_by_spot": result.requeued_by_spot,
            "lost_gpu_hours": round(result.lost_work_seconds / 3600.0, 2),
        },
        "cost": {
            "period_usd": round(sum(compute_usd.values()) + ebs_usd, 2),
            "monthly_usd": round((sum(compute_usd.values()) + ebs_usd) * to_month, 2),
            "monthly_on_demand_usd": round(compute_usd["on_demand"] * to_month, 2),
            "monthly_spot_usd": round(compute_usd["spot"] * to_month, 2),
            "monthly_ebs_usd": round(ebs_usd * to_month, 2),
        },
    }


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def print_summary(summary: dict[str, Any], console: Console | None = None) -> None:
    """A readable report of :func:`summarize`'s figures."""
    console = console or Console()
    sc, fleet, cost = summary["scenario"], summary["fleet"], summary["cost"]
    console.print(
        f"[bold]Plan (seed {sc['seed']})[/bold]: {sc['days']:g} days, {sc['jobs']:,} lessons, "
        f"{sc['audio_hours']:,.0f} h audio, {sc['instance_type']} RTF {sc['rtf']:g}"
    )
    waits = Table(title="Queue wait (minutes)", title_justify="left")
    for column in ("jobs", "class", "p50", "p95", "max", "turnaround p95"):
        waits.add_column(column, justify="left" if column == "class" else "right")
    rows_of = summary["waits"]
    for name, row in rows_of.items():
        if name == "all" and len(rows_of) == 2:
            continue  # one class: "all" repeats it
        waits.add_row(
            f"{row['jobs']:,}",
            name,
            _fmt(row["wait_p50_min"]),
            _fmt(row["wait_p95_min"]),
            _fmt(row["wait_max_min"]),
            _fmt(row["turnaround_p95_min"]),
        )
    console.print(waits)
    table = Table(title="Fleet and cost", title_justify="left", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("instance hours, on demand", _fmt(fleet["instance_hours_on_demand"])),
        ("instance hours, spot", _fmt(fleet["instance_hours_spot"])),
        ("GPU busy share of instance time", f"{fleet['gpu_busy_share']:.1%}"),
        (
            "GPU busy share during bursts",
            "-"
            if fleet["gpu_busy_share_during_bursts"] is None
            else f"{fleet['gpu_busy_share_during_bursts']:.1%}",
        ),
        ("peak instances", str(fleet["peak_instances"])),
        ("instance launches", f"{fleet['launches']:,}"),
        (
            "scale-outs / from zero / ins",
            f"{fleet['scale_outs']} / {fleet['scale_from_zero']} / {fleet['scale_ins']}",
        ),
        ("spot interruptions", str(fleet["spot_interruptions"])),
        (
            "jobs requeued (scale-in / spot)",
            f"{fleet['jobs_requeued_by_scale_in']} / {fleet['jobs_requeued_by_spot']}",
        ),
        ("cost of the period", f"${cost['period_usd']:,.2f}"),
        ("monthly: on demand", f"${cost['monthly_on_demand_usd']:,.2f}"),
        ("monthly: spot", f"${cost['monthly_spot_usd']:,.2f}"),
        ("monthly: root volumes", f"${cost['monthly_ebs_usd']:,.2f}"),
        ("[bold]monthly GPU cost[/bold]", f"[bold]${cost['monthly_usd']:,.2f}[/bold]"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    if summary["unfinished_jobs"]:
        console.print(
            f"[yellow]{summary['unfinished_jobs']:,} jobs were still queued 30 days after the "
            "last simulated day (max_tasks too low?)[/yellow]"
        )


def plot(result: SimResult, path: Path, *, window: tuple[float, float] | None = None) -> Path:
    """Write a PNG of the backlog and the fleet over time; ``window`` is (first, last) day."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ConfigError("--plot needs matplotlib: pip install matplotlib") from None
    tl = result.timeline
    days = tl["time"] / 86400.0
    start, stop = window if window else (0.0, float(days.max(initial=0.0)))
    if stop <= start:
        raise ConfigError(f"empty plot window {start:g}:{stop:g}")
    chosen = (days >= start) & (days <= stop)
    short = stop - start <= 3
    x = (tl["time"][chosen] / 3600.0) if short else days[chosen]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(9, 5), dpi=90)
    top.step(x, tl["visible"][chosen], where="post", label="visible", color="tab:red", lw=0.8)
    top.step(x, tl["inflight"][chosen], where="post", label="in flight", color="tab:blue", lw=0.8)
    top.set_ylabel("messages")
    top.legend(loc="upper right", fontsize=8)
    top.set_title("Transcribe queue backlog and GPU fleet", fontsize=10)
    bottom.step(x, tl["instances"][chosen], where="post", label="instances", color="k", lw=0.9)
    bottom.step(
        x, tl["desired"][chosen], where="post", label="desired tasks", color="tab:orange", lw=0.8
    )
    bottom.step(
        x, tl["running"][chosen], where="post", label="running tasks", color="tab:green", lw=0.8
    )
    bottom.set_ylabel("count")
    bottom.set_xlabel("hours since start" if short else "day")
    bottom.legend(loc="upper right", fontsize=8)
    for axis in (top, bottom):
        axis.grid(alpha=0.3)
        axis.set_ylim(bottom=0)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
