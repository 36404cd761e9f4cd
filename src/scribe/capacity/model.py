"""The inputs of a capacity plan: workload, fleet, scaling policy and prices.

Every field has a default that matches the Terraform stack (``infra/terraform/variables.tf``)
or a documented assumption. Where a Terraform variable exists the field carries its name, so
a ``.tfvars`` file maps onto these models one to one (see :mod:`scribe.capacity.tfvars`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scribe.errors import ConfigError

#: A working day: quiet nights, a rise from 07:00, most uploads 09:00-17:00, an evening tail.
WORKING_HOURS_WEIGHTS: tuple[float, ...] = (
    0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 1.0,  # 00-07
    3.0, 6.0, 8.0, 8.0, 6.0, 7.0, 8.0, 8.0,  # 08-15
    7.0, 5.0, 3.0, 2.0, 1.5, 1.0, 0.5, 0.2,  # 16-23
)  # fmt: skip

#: Assumed real-time factors (processing seconds per audio second) of faster-whisper
#: ``medium.en``, fp16, on one NVIDIA T4. Both types have the same GPU; the 2xlarge has twice
#: the vCPUs for decoding and VAD. Replace them with measured values when you have them.
DEFAULT_RTF: dict[str, float] = {"g4dn.xlarge": 0.08, "g4dn.2xlarge": 0.07}

#: On-demand USD per hour, us-east-1 (the plan's figure for g4dn.xlarge).
DEFAULT_ON_DEMAND_HOURLY: dict[str, float] = {"g4dn.xlarge": 0.526, "g4dn.2xlarge": 0.752}

HOURS_PER_MONTH = 730.0


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Burst(_Model):
    """A batch of lessons enqueued at once, such as a course import."""

    name: str = Field(default="import", description="Label of the burst's jobs in the report.")
    day: float = Field(ge=0, description="Day of the burst, counted from 0 (a Monday).")
    hour: float = Field(default=10.0, ge=0, lt=24, description="Hour of the day it starts.")
    lessons: int = Field(gt=0, description="Number of lessons enqueued.")
    spread_minutes: float = Field(
        default=30.0, ge=0, description="Minutes over which the lessons arrive (evenly)."
    )
    median_minutes: float | None = Field(
        default=None, gt=0, description="Median lesson length; the workload's when null."
    )
    lane: Literal["normal", "low"] = Field(
        default="low",
        description="Queue lane of the burst's jobs: `low` (a course import submitted with "
        "priority low: workers take the normal lane first) or `normal` (one FIFO with the "
        "daily lessons).",
    )


class Workload(_Model):
    """What arrives on the transcribe queue."""

    days: float = Field(default=30.0, gt=0, le=366, description="Simulated days.")
    lessons_per_day: float = Field(default=150.0, ge=0, description="Mean lessons a day.")
    hourly_weights: tuple[float, ...] = Field(
        default=WORKING_HOURS_WEIGHTS,
        description="24 relative arrival rates, hour 0 to 23 (the diurnal shape).",
    )
    weekend_factor: float = Field(
        default=1.0, ge=0, description="Rate on Saturdays and Sundays relative to weekdays."
    )
    arrival_process: Literal["poisson", "uniform"] = Field(
        default="poisson",
        description="Poisson arrivals, or evenly spaced ones (deterministic, for tests).",
    )
    duration_median_minutes: float = Field(
        default=12.0, gt=0, description="Median lesson length (lognormal)."
    )
    duration_sigma: float = Field(
        default=0.6, ge=0, description="Lognormal sigma of the length; 0 makes all lengths equal."
    )
    duration_min_minutes: float = Field(default=1.0, gt=0, description="Shortest lesson.")
    duration_max_minutes: float = Field(default=120.0, gt=0, description="Longest lesson.")
    bursts: tuple[Burst, ...] = Field(default=(), description="Course imports and the like.")

    @model_validator(mode="after")
    def _check(self) -> Workload:
        if len(self.hourly_weights) != 24 or min(self.hourly_weights) < 0:
            raise ValueError("hourly_weights needs 24 non-negative numbers")
        if sum(self.hourly_weights) <= 0:
            raise ValueError("hourly_weights must not all be 0")
        if self.duration_min_minutes > self.duration_max_minutes:
            raise ValueError("duration_min_minutes is above duration_max_minutes")
        for burst in self.bursts:
            if burst.day * 24 + burst.hour >= self.days * 24:
                raise ValueError(f"burst {burst.name!r} starts after the last simulated day")
        return self


class Fleet(_Model):
    """The GPU instances and how fast they transcribe."""

    instance_type: str = Field(
        default="g4dn.xlarge",
        description="Instance type of the mixed GPU group (first of gpu_instance_types).",
    )
    rtf: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_RTF),
        description="Real-time factor per instance type (processing s per audio s).",
    )
    job_overhead_seconds: float = Field(
        default=10.0, ge=0, description="Per-job time besides decoding (fetch audio, write)."
    )
    task_startup_seconds: float = Field(
        default=120.0, ge=0, description="Task start on a ready instance: image, model load."
    )
    files_per_batch: int = Field(
        default=8,
        ge=1,
        description="Files a task decodes together (SCRIBE_WHISPER__MAX_FILES_PER_BATCH); 1 "
        "decodes one file at a time.",
    )
    prefetch_files: int = Field(
        default=2,
        ge=0,
        description="Files a task holds ahead of the decoder (SCRIBE_WHISPER__PREFETCH_FILES); "
        "they are in flight for SQS but not yet decoding.",
    )
    batch_speedup: float = Field(
        default=2.5,
        ge=1,
        description="Throughput of a full batch over one file decoded alone (assumed for the "
        "T4; 1.5 measured on 2 CPU cores with batch 8). Between 1 and files_per_batch files "
        "it grows linearly; `rtf` is the one-file figure.",
    )

    @model_validator(mode="after")
    def _check(self) -> Fleet:
        if any(v <= 0 for v in self.rtf.values()):
            raise ValueError("every rtf must be above 0")
        return self

    def rtf_of(self, instance_type: str) -> float:
        """The real-time factor of ``instance_type``; a ConfigError when none is known."""
        if instance_type not in self.rtf:
            known = ", ".join(sorted(self.rtf)) or "none"
            raise ConfigError(f"no real-time factor for {instance_type!r} (known: {known})")
        return self.rtf[instance_type]


class Policy(_Model):
    """The transcription service's autoscaling, as ``infra/terraform`` configures it."""

    transcribe_backlog_per_task_target: float = Field(
        default=1.0,
        gt=0,
        description="Target of the backlog metric: messages per task, or with `per-batch` "
        "(Terraform) batches of files_per_batch messages per task.",
    )
    backlog_metric: Literal["per-batch", "visible+inflight", "visible"] = Field(
        default="per-batch",
        description="`per-batch` (Terraform): (visible + in flight) / (tasks x files_per_batch); "
        "`visible+inflight` or `visible`: messages per task (the old policy).",
    )
    accumulation_messages: int | None = Field(
        default=None,
        ge=1,
        description="Scale from zero only once this many messages wait (null: files_per_batch) "
        "or the oldest has waited accumulation_max_wait_seconds (transcribe_accumulation_*).",
    )
    accumulation_max_wait_seconds: float = Field(
        default=0.0,
        ge=0,
        description="Age of the oldest waiting message that starts a task with less than a "
        "batch waiting; 0 starts one for any message (no accumulation).",
    )
    scale_out_cooldown_seconds: float = Field(default=60.0, ge=0)
    scale_in_cooldown_seconds: float = Field(default=600.0, ge=0)
    gpu_instance_warmup_seconds: float = Field(
        default=300.0, ge=0, description="Launch of a GPU instance until it can host a task."
    )
    min_tasks: int = Field(default=0, ge=0, description="services.transcribe.min_capacity.")
    max_tasks: int = Field(default=4, ge=0, description="services.transcribe.max_capacity.")
    scale_from_zero_evaluation_minutes: int = Field(default=1, ge=1)
    scale_from_zero_cooldown_seconds: float | None = Field(
        default=None,
        ge=0,
        description="Cooldown of the scale-from-zero step; null: instance warm-up plus task "
        "start, as Terraform sets it (worker_warmup_seconds).",
    )
    gpu_max_instances: int = Field(default=4, ge=0, description="Size limit of the gpu group.")
    gpu_spot_percentage: float = Field(default=70.0, ge=0, le=100)
    gpu_on_demand_base_capacity: int = Field(default=0, ge=0)
    gpu_warm_pool_enabled: bool = Field(
        default=True, description="The first task runs on an on-demand warm-pool instance."
    )
    gpu_warm_pool_min_size: int = Field(default=1, ge=0)
    gpu_warm_instance_type: str = Field(default="g4dn.xlarge")
    warm_resume_seconds: float = Field(
        default=90.0, ge=0, description="Start of a stopped warm-pool instance (booted before)."
    )
    spot_interruptions_per_hour: float = Field(
        default=0.01, ge=0, description="Chance per hour that a Spot instance is reclaimed."
    )
    evaluation_seconds: float = Field(
        default=60.0, gt=0, description="Period of the CloudWatch metrics and alarms."
    )
    metric_delay_seconds: float = Field(
        default=60.0, ge=0, description="Age of the queue figures the policy sees (CloudWatch lag)."
    )
    scale_out_datapoints: int = Field(
        default=3, ge=1, description="Periods above target before a scale-out (AWS: 3)."
    )
    scale_in_datapoints: int = Field(
        default=15, ge=1, description="Periods below 90% of target before a scale-in (AWS: 15)."
    )
    max_scaling_step_size: int = Field(
        default=2, ge=1, description="Instances managed scaling launches per period."
    )
    instance_idle_release_seconds: float = Field(
        default=900.0, ge=0, description="An instance with no task is terminated after this."
    )
    stop_timeout_seconds: float = Field(
        default=25.0, ge=0, description="A stopped task finishes its job if it can in this."
    )
    task_scale_in_protection: bool = Field(
        default=True,
        description="Scale-in stops idle tasks only: a task holding messages protects itself "
        "(ECS task scale-in protection, as the transcribe worker does).",
    )
    start_warm: bool = Field(
        default=True, description="The min_tasks tasks are running at time 0 (steady state)."
    )

    @model_validator(mode="after")
    def _check(self) -> Policy:
        if self.min_tasks > self.max_tasks:
            raise ValueError("min_tasks is above max_tasks")
        return self

    @property
    def spot_share(self) -> float:
        """Share (0-1) of gpu-group instances above the on-demand base that are Spot."""
        return self.gpu_spot_percentage / 100.0


class Prices(_Model):
    """USD prices; monthly figures assume 730 hours a month."""

    on_demand_hourly: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_ON_DEMAND_HOURLY),
        description="On-demand price per instance type and hour.",
    )
    spot_discount: float = Field(
        default=0.70, ge=0, lt=1, description="Spot price = on-demand x (1 - discount)."
    )
    ebs_gb_month: float = Field(default=0.08, ge=0, description="gp3 root volume per GB-month.")
    gpu_root_volume_gib: float = Field(default=100.0, ge=0)

    def hourly(self, instance_type: str, *, spot: bool) -> float:
        """The hourly price of one instance."""
        if instance_type not in self.on_demand_hourly:
            known = ", ".join(sorted(self.on_demand_hourly)) or "none"
            raise ConfigError(f"no price for {instance_type!r} (known: {known})")
        price = self.on_demand_hourly[instance_type]
        return price * (1.0 - self.spot_discount) if spot else price


class PlanInputs(_Model):
    """Everything one simulation needs."""

    seed: int = Field(default=1, description="Seed of every random draw.")
    workload: Workload = Field(default_factory=Workload)
    fleet: Fleet = Field(default_factory=Fleet)
    policy: Policy = Field(default_factory=Policy)
    prices: Prices = Field(default_factory=Prices)

    @model_validator(mode="after")
    def _check(self) -> PlanInputs:
        for instance_type in {self.fleet.instance_type, self.policy.gpu_warm_instance_type}:
            self.fleet.rtf_of(instance_type)
            self.prices.hourly(instance_type, spot=False)
        return self


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` laid over it; nested dicts merge, everything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def build_inputs(data: dict[str, Any]) -> PlanInputs:
    """Validate a nested dict into :class:`PlanInputs`; a one-line ConfigError when invalid."""
    try:
        return PlanInputs.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'inputs'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid capacity inputs: {problems}") from None
