"""A held message's file inside the batching worker, and the hooks the decoder calls on it.

:class:`HeldFile` ties one delivery to its decode; :func:`gives_up` (asked between fallback
rounds), :func:`report_progress` (called as a batch goes on) and :func:`as_pairs` are what
:class:`~scribe.worker.batching.SharedBatches` hands the
:class:`~scribe.stages.transcribe.batched.decoder.BatchDecoder`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from scribe.errors import JobCancelled, WorkerStopping
from scribe.stages.base import StageContext
from scribe.stages.transcribe.batched.assembly import FileDecode
from scribe.stages.transcribe.batched.decoder import BatchDecoder
from scribe.worker.delivery import Delivery

log = logging.getLogger(__name__)


@dataclass(eq=False)
class HeldFile:
    """One held message's file on its way through the pipeline."""

    delivery: Delivery
    ctx: StageContext
    decode: FileDecode
    transcriber: Any
    # Why the decoder gave the file up between fallback rounds (a cancel, the worker stopping).
    stopped: Exception | None = None

    @property
    def settled(self) -> bool:
        """Whether the core has settled the file's message."""
        return self.delivery.settled

    @property
    def decoder(self) -> BatchDecoder:
        """The batch decoder of the file's model."""
        decoder: BatchDecoder = self.transcriber.batch_decoder
        return decoder

    @property
    def batch_key(self) -> tuple[int, Any]:
        """Files with the same key may share a batch (same model, same decode options)."""
        return (id(self.decoder), self.decode.key)


def gives_up(decode: FileDecode) -> bool:
    """The decoder's stop check between fallback rounds: the file's job was cancelled or the
    worker is stopping past its deadline; the reason is kept on the file for settling it (a
    failing check decides nothing here: the next checkpoint reports it)."""
    file: HeldFile = decode.owner
    try:
        if file.ctx.should_stop():
            file.stopped = JobCancelled("cancelled during transcription")
    except WorkerStopping as exc:
        file.stopped = exc
    except Exception:
        return False
    return file.stopped is not None


def report_progress(files: list[HeldFile]) -> None:
    """Progress of the files of a batch under way (called by the decoder as the batch goes
    on, also from its progress thread): a failing report is logged, never raised."""
    for file in files:
        if file.settled:
            continue
        try:
            file.ctx.progress(min(0.999, file.decode.progress))
        except Exception:
            log.warning("could not report progress of job %s", file.delivery.task.job_id)


def as_pairs(batch: list[tuple[HeldFile, int]]) -> list[tuple[FileDecode, int]]:
    """A batch as the decoder takes it."""
    return [(file.decode, index) for file, index in batch]
