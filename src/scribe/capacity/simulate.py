"""A discrete-event simulation of the transcription service's autoscaling on ECS.

The model, one event heap, deterministic for a seed:

- Jobs arrive on one FIFO queue (SQS ordering is best effort; FIFO is the fair reading).
  A job released by a stopped task goes back to the head of the queue.
- A task holds up to ``files_per_batch + prefetch_files`` messages, as the batching worker
  does: up to ``files_per_batch`` files decode together and share the GPU (processor
  sharing: n files together go ``1 + (batch_speedup - 1)(n - 1)/(files_per_batch - 1)``
  times as fast as one alone), the rest wait prefetched. A job's queue wait ends when it
  starts decoding. The GPU counts as busy while at least one file decodes.
- Every ``evaluation_seconds`` (CloudWatch's 1-minute period) the policy looks at the queue
  as it was ``metric_delay_seconds`` ago (CloudWatch publishes SQS metrics with a lag):
  target tracking on backlog per running task (Terraform: visible + in-flight messages
  divided by RunningTaskCount x files_per_batch, i.e. batches per task), new desired count
  ``ceil(desired x metric / target)`` after
  ``scale_out_datapoints`` periods above target, or ``scale_in_datapoints`` periods below 90%
  of it; scale-out waits ``scale_out_cooldown_seconds`` after a scale-out, scale-in waits
  ``scale_in_cooldown_seconds`` after a scale-in unless a scale-out came since (AWS stops
  the scale-in cooldown on a scale-out). With no running task target tracking has
  no data; a step policy adds one task when nothing is in flight and a batch's worth of
  messages waits (``accumulation_messages``) or the oldest has waited
  ``accumulation_max_wait_seconds`` (the accumulation rule), with the task warm-up as its
  cooldown. With task scale-in protection a scale-in stops idle tasks only; a task holding
  messages finishes them, then stops.
- One task per GPU instance. A task lands on an idle instance of its group if there is one;
  otherwise managed scaling launches up to ``max_scaling_step_size`` instances a period. An
  instance hosts a task after ``gpu_instance_warmup_seconds`` (a warm-pool instance after
  ``warm_resume_seconds``), the task takes work ``task_startup_seconds`` later. An instance
  with no task is terminated after ``instance_idle_release_seconds``.
- The first task runs on the on-demand warm-pool group when it is enabled, every further one
  on the mixed group, where on-demand instances are the base plus the rounded-up on-demand
  share of the rest (EC2 Auto Scaling rounds in favour of on-demand).
- A Spot instance is reclaimed with ``spot_interruptions_per_hour``: two minutes of notice,
  its task stops at once. A stopped busy task finishes its job when it can within
  ``stop_timeout_seconds``; otherwise the job returns to the queue and the work is lost.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable

import numpy as np

from scribe.capacity.model import PlanInputs
from scribe.capacity.policy import TargetTracking
from scribe.capacity.records import Instance, LaneQueue, ScalingEvent, SimResult, Task
from scribe.capacity.tasks import TaskWork
from scribe.capacity.workload import generate_arrivals

ARRIVAL, EVALUATE, INSTANCE_READY, TASK_READY, JOB_DONE, SPOT_NOTICE, IDLE_CHECK = range(7)
SPOT_NOTICE_SECONDS = 120.0
DRAIN_LIMIT_SECONDS = 30 * 86400.0


class Simulation:
    """One run of the policy against a workload; call :meth:`run` once."""

    def __init__(
        self, inputs: PlanInputs, *, progress: Callable[[float, float], None] | None = None
    ) -> None:
        self.inputs = inputs
        self.p = inputs.policy
        self.fleet = inputs.fleet
        self.progress = progress
        self.arrivals = generate_arrivals(inputs.workload, inputs.seed)
        self.rng = random.Random(inputs.seed * 7919 + 17)
        n = len(self.arrivals)
        self.start = np.full(n, np.nan)
        self.end = np.full(n, np.nan)
        self.attempts = np.zeros(n, dtype=np.int64)
        self.done = 0
        self.heap: list[tuple[float, int, int, int, int]] = []
        self.seq = itertools.count()
        low = {b.name for b in inputs.workload.bursts if b.lane == "low"}
        lane_by_class = np.array([int(name in low) for name in self.arrivals.class_names])
        self.queue = LaneQueue(lane_by_class[self.arrivals.classes], self.arrivals.times)
        self.tasks: dict[int, Task] = {}
        self.instances: list[Instance] = []
        self.tw = TaskWork(
            inputs.fleet, self.arrivals.audio_seconds, self.instances, self.p.stop_timeout_seconds
        )
        self.live: dict[int, Instance] = {}
        self.task_ids = itertools.count()
        self.desired = self.p.min_tasks
        self.events: list[ScalingEvent] = []
        self.policy = TargetTracking(self.p, self.fleet)
        self.timeline: dict[str, list[float]] = {
            k: []
            for k in ("time", "visible", "inflight", "desired", "running", "instances", "decoding")
        }
        self.requeued = {"scale-in": 0, "spot": 0}
        self.lost_work = 0.0

    # -- the event loop ---------------------------------------------------------------------

    def push(self, time: float, kind: int, a: int = 0, b: int = 0) -> None:
        """Schedule an event."""
        heapq.heappush(self.heap, (time, next(self.seq), kind, a, b))

    def run(self) -> SimResult:
        """Simulate until every job is done after the horizon (or a 30-day drain limit)."""
        horizon = self.inputs.workload.days * 86400.0
        for job, time in enumerate(self.arrivals.times):
            self.push(float(time), ARRIVAL, job)
        for _ in range(self.p.min_tasks):
            task = self._new_task(0.0)
            if self.p.start_warm:
                self._place(task, self._launch(task.group, 0.0, ready_now=True), 0.0)
                task.state = "idle"
        self.push(0.0, EVALUATE)
        now = 0.0
        handlers = {
            ARRIVAL: self._on_arrival,
            INSTANCE_READY: self._on_instance_ready,
            TASK_READY: self._on_task_ready,
            JOB_DONE: self._on_job_done,
            SPOT_NOTICE: self._on_spot_notice,
            IDLE_CHECK: self._on_idle_check,
        }
        while self.heap:
            now, _, kind, a, b = heapq.heappop(self.heap)
            if kind != EVALUATE:
                handlers[kind](now, a, b)
                continue
            self._evaluate(now)
            if now >= horizon and (
                self.done == len(self.arrivals) or now >= horizon + DRAIN_LIMIT_SECONDS
            ):
                break
            self.push(now + self.p.evaluation_seconds, EVALUATE)
        for inst in self.instances:
            if inst.ended is None or inst.ended > now:
                inst.ended = now
        return SimResult(
            inputs=self.inputs,
            arrivals=self.arrivals,
            start=self.start,
            end=self.end,
            attempts=self.attempts,
            instances=self.instances,
            events=self.events,
            timeline={k: np.asarray(v) for k, v in self.timeline.items()},
            horizon=horizon,
            finished_at=now,
            requeued_by_scale_in=self.requeued["scale-in"],
            requeued_by_spot=self.requeued["spot"],
            lost_work_seconds=self.lost_work,
        )

    # -- jobs -------------------------------------------------------------------------------

    def _on_arrival(self, now: float, job: int, _: int) -> None:
        self.queue.append(job)
        self._dispatch(now)

    def _schedule(self, task: Task, now: float) -> None:
        """The next completion of ``task`` (its earlier one is void), and its state."""
        task.epoch += 1
        if not task.decoding:
            task.state = "idle"
            return
        task.state = "busy"
        rate = self.tw.rate(len(task.decoding))
        task.job_end = now + max(0.0, min(task.decoding.values())) / rate
        self.push(task.job_end, JOB_DONE, task.id, task.epoch)

    def _start_decoding(self, task: Task, job: int, now: float) -> None:
        assert task.instance is not None
        self.start[job] = now
        task.decoding[job] = self.tw.work(job, self.instances[task.instance].type)

    def _dispatch(self, now: float) -> None:
        batch, hold = (
            self.fleet.files_per_batch,
            self.fleet.files_per_batch + self.fleet.prefetch_files,
        )
        ready = sorted(
            (t for t in self.tasks.values() if t.state in ("idle", "busy") and not t.draining),
            key=lambda t: t.id,
        )
        for task in ready:
            if not self.queue:
                return
            if task.held >= hold:
                continue
            self.tw.advance(task, now)
            while self.queue and task.held < hold:
                job = self.queue.popleft()
                self.attempts[job] += 1
                if len(task.decoding) < batch:
                    self._start_decoding(task, job, now)
                else:
                    task.prefetched.append(job)
            self._schedule(task, now)

    def _on_job_done(self, now: float, task_id: int, epoch: int) -> None:
        task = self.tasks.get(task_id)
        if task is None or task.epoch != epoch or task.state != "busy":
            return
        self.tw.advance(task, now)
        for job in [j for j, left in task.decoding.items() if left <= 1e-6]:
            del task.decoding[job]
            self.end[job] = now
            self.done += 1
        while task.prefetched and len(task.decoding) < self.fleet.files_per_batch:
            self._start_decoding(task, task.prefetched.popleft(), now)
        self._schedule(task, now)
        if task.draining and task.held == 0:
            self._remove_task(task, now)
        self._dispatch(now)

    # -- tasks and instances ----------------------------------------------------------------

    def _new_task(self, now: float) -> Task:
        warm_taken = any(t.group == "warm" for t in self.tasks.values())
        group = "warm" if self.p.gpu_warm_pool_enabled and not warm_taken else "gpu"
        task = Task(id=next(self.task_ids), group=group)
        self.tasks[task.id] = task
        for inst in self.live.values():
            if inst.group == group and inst.ready and inst.task is None:
                self._place(task, inst, now)
                break
        return task

    def _place(self, task: Task, inst: Instance, now: float) -> None:
        task.instance, task.state = inst.id, "starting"
        inst.task = task.id
        task.epoch += 1
        self.push(now + self.fleet.task_startup_seconds, TASK_READY, task.id, task.epoch)

    def _on_task_ready(self, now: float, task_id: int, epoch: int) -> None:
        task = self.tasks.get(task_id)
        if task is not None and task.epoch == epoch and task.state == "starting":
            task.state = "idle"
            self._dispatch(now)

    def _launch(self, group: str, now: float, *, ready_now: bool = False) -> Instance:
        p = self.p
        if group == "warm":
            itype, spot = p.gpu_warm_instance_type, False
            boot = (
                p.warm_resume_seconds
                if p.gpu_warm_pool_min_size > 0
                else p.gpu_instance_warmup_seconds
            )
        else:
            itype, boot = self.fleet.instance_type, p.gpu_instance_warmup_seconds
            live = [i for i in self.live.values() if i.group == "gpu"]
            n = len(live) + 1
            base = min(n, p.gpu_on_demand_base_capacity)
            need_od = base + math.ceil((n - base) * (1.0 - p.spot_share) - 1e-9)
            spot = sum(not i.spot for i in live) >= need_od
        inst = Instance(id=len(self.instances), group=group, type=itype, spot=spot, started=now)
        self.instances.append(inst)
        self.live[inst.id] = inst
        if ready_now:
            inst.ready = True
        else:
            self.push(now + boot, INSTANCE_READY, inst.id)
        if spot and p.spot_interruptions_per_hour > 0:
            life = self.rng.expovariate(p.spot_interruptions_per_hour) * 3600.0
            self.push(now + life, SPOT_NOTICE, inst.id)
        return inst

    def _on_instance_ready(self, now: float, inst_id: int, _: int) -> None:
        inst = self.instances[inst_id]
        if inst.ended is not None:
            return
        inst.ready = True
        self._instance_idle(inst, now)

    def _instance_idle(self, inst: Instance, now: float) -> None:
        """A ready instance without a task: host a waiting task, or start the release clock."""
        waiting = [
            t for t in self.tasks.values() if t.state == "provisioning" and t.group == inst.group
        ]
        if waiting:
            self._place(min(waiting, key=lambda t: t.id), inst, now)
            return
        inst.idle_token += 1
        self.push(now + self.p.instance_idle_release_seconds, IDLE_CHECK, inst.id, inst.idle_token)

    def _on_idle_check(self, now: float, inst_id: int, token: int) -> None:
        inst = self.instances[inst_id]
        if inst.ended is None and inst.task is None and inst.idle_token == token:
            inst.ended = now
            del self.live[inst.id]

    def _remove_task(self, task: Task, now: float) -> None:
        """Stop ``task``; one holding work finishes it within the stop timeout or releases it."""
        if task.held:
            self.tw.advance(task, now)
            if self.tw.finishable(task):
                task.draining = True
                return
            assert task.instance is not None
            itype = self.instances[task.instance].type
            self.lost_work += sum(
                self.tw.work(j, itype) - left for j, left in task.decoding.items()
            )
            for job in [*task.prefetched, *task.decoding][::-1]:
                self.queue.appendleft(job)
            task.decoding.clear()
            task.prefetched.clear()
        task.state = "stopped"
        task.epoch += 1
        del self.tasks[task.id]
        if task.instance is not None:
            inst = self.instances[task.instance]
            inst.task = None
            if inst.ended is None and inst.ready:
                self._instance_idle(inst, now)

    def _on_spot_notice(self, now: float, inst_id: int, _: int) -> None:
        inst = self.instances[inst_id]
        if inst.ended is not None:
            return
        inst.ended = now + SPOT_NOTICE_SECONDS
        del self.live[inst.id]
        self.events.append(ScalingEvent(now, "spot-interruption", self.desired, self.desired))
        if inst.task is not None:
            task = self.tasks[inst.task]
            self.tw.advance(task, now)
            if not self.tw.finishable(task):
                self.requeued["spot"] += task.held
            self._remove_task(task, now)
        self._reconcile(now)
        self._dispatch(now)

    def _stop_tasks(self, count: int, now: float) -> None:
        order = {"provisioning": 0, "starting": 1}
        live = [t for t in self.tasks.values() if not t.draining]
        early = sorted((t for t in live if t.state in order), key=lambda t: (order[t.state], -t.id))
        running = [t for t in live if t.state not in order]
        if self.p.task_scale_in_protection:
            running.sort(key=lambda t: (t.held > 0, t.id))
        else:
            self.rng.shuffle(running)
        for task in (early + running)[:count]:
            if task.held:
                self.tw.advance(task, now)
                if not self.tw.finishable(task):
                    if self.p.task_scale_in_protection:
                        task.draining = True
                        continue
                    self.requeued["scale-in"] += task.held
            self._remove_task(task, now)

    def _reconcile(self, now: float) -> None:
        live = sum(not t.draining for t in self.tasks.values())
        for _ in range(self.desired - live):
            self._new_task(now)
        if live > self.desired:
            self._stop_tasks(live - self.desired, now)

    def _capacity_provider(self, now: float) -> None:
        for group in ("warm", "gpu"):
            waiting = sum(
                t.state == "provisioning" and t.group == group for t in self.tasks.values()
            )
            alive = [i for i in self.live.values() if i.group == group]
            coming = sum(not i.ready for i in alive)
            limit = 1 if group == "warm" else self.p.gpu_max_instances
            launches = min(waiting - coming, self.p.max_scaling_step_size, limit - len(alive))
            for _ in range(max(0, launches)):
                self._launch(group, now)

    # -- the policy -------------------------------------------------------------------------

    def _evaluate(self, now: float) -> None:
        p = self.p
        oldest = now - self.queue.oldest_arrival() if self.queue else 0.0
        now_seen = (
            len(self.queue),
            sum(t.held for t in self.tasks.values()),
            sum(t.state in ("idle", "busy") for t in self.tasks.values()),
            oldest,
        )
        for kind, new in self.policy.evaluate(now, now_seen, self.desired):
            self.events.append(ScalingEvent(now, kind, self.desired, new))
            self.desired = new
        self._reconcile(now)
        self._capacity_provider(now)
        for key, value in (
            ("time", now),
            ("visible", now_seen[0]),
            ("inflight", now_seen[1]),
            ("desired", self.desired),
            ("running", now_seen[2]),
            ("instances", len(self.live)),
            ("decoding", sum(bool(t.decoding) for t in self.tasks.values())),
        ):
            self.timeline[key].append(value)
        if self.progress is not None and now % 3600.0 < p.evaluation_seconds:
            self.progress(now, self.inputs.workload.days * 86400.0)


def simulate(
    inputs: PlanInputs, *, progress: Callable[[float, float], None] | None = None
) -> SimResult:
    """Run one simulation of ``inputs``; ``progress(now, horizon)`` is called every hour."""
    return Simulation(inputs, progress=progress).run()
