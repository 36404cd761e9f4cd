"""Search the scaling policy's parameters for the cheapest setting that meets the targets.

Each candidate (one point of a grid over :class:`~scribe.capacity.model.Policy` fields) is
simulated against every scenario (a daily load, a course-import burst); it passes when, in
every scenario, the daily lessons' p95 queue wait is within ``max_wait_p95_min`` (during a
burst: the daily lessons that arrive while it drains, which the low lane keeps ahead of the
import), the GPU is busy at least ``min_gpu_busy`` of the running instance time (in a burst
scenario: while the burst drains) and the monthly cost is within ``max_monthly_usd``. The
chosen candidate is the cheapest that passes; when none does, the cheapest that meets the
wait and the cost, with the highest GPU busy share, is reported as a compromise, marked so.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scribe.capacity.model import PlanInputs, build_inputs, deep_merge
from scribe.capacity.report import summarize
from scribe.capacity.simulate import simulate
from scribe.errors import ConfigError

#: The default grid: the Terraform-settable levers of the transcription service's policy.
DEFAULT_GRID: dict[str, list[Any]] = {
    "transcribe_backlog_per_task_target": [0.5, 1.0, 2.0],
    "accumulation_max_wait_seconds": [0, 180, 360],
    "scale_in_cooldown_seconds": [120, 600],
}


@dataclass(frozen=True)
class Targets:
    """What a policy must achieve in every scenario."""

    max_wait_p95_min: float = 15.0
    min_gpu_busy: float = 0.70
    max_monthly_usd: float = 400.0


@dataclass
class Candidate:
    """One grid point and its figures per scenario."""

    policy: dict[str, Any]
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)

    def wait(self, scenario: str) -> float:
        """The p95 wait of the daily lessons that the target is about, minutes."""
        waits = self.figures[scenario]["waits"]
        row = waits.get("daily during bursts") or waits.get("daily") or waits["all"]
        value = row["wait_p95_min"]
        return float("inf") if value is None else float(value)

    def busy(self, scenario: str) -> float:
        """GPU busy share of running instance time (during the bursts when there are any)."""
        fleet = self.figures[scenario]["fleet"]
        during = fleet.get("gpu_busy_share_during_bursts")
        return float(during if during is not None else fleet["gpu_busy_share"])

    @property
    def monthly_usd(self) -> float:
        """The dearest scenario's monthly cost."""
        return max(float(f["cost"]["monthly_usd"]) for f in self.figures.values())

    def meets_wait_and_cost(self, targets: Targets) -> bool:
        """Every scenario within the wait target, and within the budget."""
        return self.monthly_usd <= targets.max_monthly_usd and all(
            self.wait(s) <= targets.max_wait_p95_min and not self.figures[s]["unfinished_jobs"]
            for s in self.figures
        )

    def passes(self, targets: Targets) -> bool:
        """Meets every target in every scenario."""
        return self.meets_wait_and_cost(targets) and all(
            self.busy(s) >= targets.min_gpu_busy for s in self.figures
        )

    def row(self, targets: Targets) -> dict[str, Any]:
        """JSON-ready figures of this candidate."""
        return {
            "policy": self.policy,
            "monthly_usd": round(self.monthly_usd, 2),
            "scenarios": {
                s: {"wait_p95_min": self.wait(s), "gpu_busy": round(self.busy(s), 3)}
                for s in self.figures
            },
            "meets_wait_and_cost": self.meets_wait_and_cost(targets),
            "passes": self.passes(targets),
        }


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, in a stable order."""
    if not grid or any(not values for values in grid.values()):
        raise ConfigError("the search grid needs at least one value for each parameter")
    keys = sorted(grid)
    return [
        dict(zip(keys, values, strict=True))
        for values in itertools.product(*(grid[k] for k in keys))
    ]


def search(
    scenarios: Mapping[str, PlanInputs],
    grid: Mapping[str, Sequence[Any]] | None = None,
    targets: Targets | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Simulate every grid point in every scenario; the chosen policy and all candidates."""
    targets = targets or Targets()
    points = grid_points(grid or DEFAULT_GRID)
    candidates: list[Candidate] = []
    total, done = len(points) * len(scenarios), 0
    for point in points:
        candidate = Candidate(policy=point)
        for name, inputs in scenarios.items():
            data = deep_merge(inputs.model_dump(), {"policy": point})
            candidate.figures[name] = summarize(simulate(build_inputs(data)))
            done += 1
            if progress is not None:
                progress(done, total)
        candidates.append(candidate)
    candidates.sort(key=lambda c: (c.monthly_usd, sorted(c.policy.items())))
    passing = [c for c in candidates if c.passes(targets)]
    compromise = [c for c in candidates if c.meets_wait_and_cost(targets)]
    chosen: Candidate | None = None
    verdict = "no candidate meets the wait and cost targets"
    if passing:
        chosen, verdict = passing[0], "meets every target"
    elif compromise:
        chosen = max(compromise, key=lambda c: (min(c.busy(s) for s in c.figures), -c.monthly_usd))
        verdict = (
            f"no candidate reaches GPU busy >= {targets.min_gpu_busy:.0%} in every scenario; "
            "chosen: the highest busy share that meets the wait and cost targets"
        )
    return {
        "targets": vars(targets),
        "scenarios": list(scenarios),
        "verdict": verdict,
        "chosen": chosen.row(targets) if chosen else None,
        "candidates": [c.row(targets) for c in candidates],
    }
