"""Arrivals on the transcribe queue: a diurnal daily load plus bursts (course imports)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scribe.capacity.model import Workload

DAILY = "daily"


@dataclass(frozen=True)
class Arrivals:
    """Jobs sorted by arrival: times and lengths in seconds, and each job's class index."""

    times: np.ndarray
    audio_seconds: np.ndarray
    classes: np.ndarray
    class_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.times)


def _durations(workload: Workload, rng: np.random.Generator, n: int, median: float) -> np.ndarray:
    minutes = median * np.exp(workload.duration_sigma * rng.standard_normal(n))
    minutes = np.clip(minutes, workload.duration_min_minutes, workload.duration_max_minutes)
    return np.asarray(minutes * 60.0, dtype=float)


def _daily_times(workload: Workload, rng: np.random.Generator) -> np.ndarray:
    weights = np.asarray(workload.hourly_weights, dtype=float)
    weights = weights / weights.sum()
    hours = int(np.ceil(workload.days * 24))
    rate = np.empty(hours)
    for h in range(hours):
        weekend = (h // 24) % 7 >= 5
        factor = workload.weekend_factor if weekend else 1.0
        rate[h] = workload.lessons_per_day * weights[h % 24] * factor
    # The last hour may be partial.
    rate[-1] *= workload.days * 24 - (hours - 1)
    if workload.arrival_process == "poisson":
        counts = rng.poisson(rate)
        starts = np.repeat(np.arange(hours) * 3600.0, counts)
        times = starts + rng.uniform(0.0, 3600.0, counts.sum())
    else:
        # Evenly spaced in "expected arrivals": the i-th job comes when the cumulative rate
        # reaches i + 0.5 (deterministic, no clustering).
        cumulative = np.concatenate([[0.0], np.cumsum(rate)])
        targets = np.arange(int(np.floor(cumulative[-1]))) + 0.5
        times = np.interp(targets, cumulative, np.arange(hours + 1) * 3600.0)
    return np.asarray(np.sort(times[times < workload.days * 86400.0]), dtype=float)


def generate_arrivals(workload: Workload, seed: int) -> Arrivals:
    """All arrivals of the simulated period, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    names: list[str] = [DAILY]
    daily = _daily_times(workload, rng)
    times = [daily]
    lengths = [_durations(workload, rng, len(daily), workload.duration_median_minutes)]
    classes = [np.zeros(len(daily), dtype=np.int64)]
    for burst in workload.bursts:
        if burst.name not in names:
            names.append(burst.name)
        start = (burst.day * 24 + burst.hour) * 3600.0
        spread = burst.spread_minutes * 60.0
        offsets = np.arange(burst.lessons) * (spread / burst.lessons) if spread else 0.0
        times.append(start + np.zeros(burst.lessons) + offsets)
        median = burst.median_minutes or workload.duration_median_minutes
        lengths.append(_durations(workload, rng, burst.lessons, median))
        classes.append(np.full(burst.lessons, names.index(burst.name), dtype=np.int64))
    all_times = np.concatenate(times)
    order = np.argsort(all_times, kind="stable")
    return Arrivals(
        times=all_times[order],
        audio_seconds=np.concatenate(lengths)[order],
        classes=np.concatenate(classes)[order],
        class_names=tuple(names),
    )
