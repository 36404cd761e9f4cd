"""Capacity planning: a discrete-event simulation of the GPU transcription autoscaling.

``scribe plan-capacity`` (:func:`scribe.capacity.cli.plan_capacity`) runs it from the command
line; :func:`simulate` and :func:`summarize` are the library entry points.
"""

from scribe.capacity.model import PlanInputs, build_inputs
from scribe.capacity.report import summarize
from scribe.capacity.simulate import simulate

__all__ = ["PlanInputs", "build_inputs", "simulate", "summarize"]
