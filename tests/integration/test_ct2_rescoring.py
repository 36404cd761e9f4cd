"""CTranslate2's lexicon bias in a job: the beam's n best rescored by the job's terms, through
the batching worker, with the real model on a real lesson clip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scribe.config import Settings
from scribe.domain.jobs import Stage
from scribe.messages import StageOptions, StageTask
from scribe.stages.transcribe.biasing.rescoring import TermRescorer
from scribe.stages.transcribe.handler import TranscribeHandler
from scribe.worker.batching import SharedBatches
from scribe.worker.service import build_worker
from tests.integration.test_torch_worker import (
    TERMS,
    decoded_text,
    queue_lesson_jobs,
    transcript_of,
)


class RecordingModel:
    """The loaded CTranslate2 model, with each ``generate`` call's hypothesis count noted."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.hypotheses: list[int] = []

    def generate(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("sampling_temperature", 0) == 0:
            self.hypotheses.append(int(kwargs.get("num_hypotheses", 1)))
        return self._model.generate(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


def test_shared_batches_rescore_the_beam_for_jobs_with_biasing_on(
    settings: Settings, lesson_wav: Path
) -> None:
    settings.whisper.batch_size = 8
    settings.whisper.bias_weight = 3.0
    settings.whisper.bias_prompt = False  # only the rescoring can bring the terms
    broker, store, jobs = queue_lesson_jobs(settings, lesson_wav)
    worker = build_worker(Stage.TRANSCRIBE, settings)
    assert isinstance(worker.strategy, SharedBatches)
    handler = worker.handler
    assert isinstance(handler, TranscribeHandler)
    assert handler.transcriber.engine == "ctranslate2"
    recording = RecordingModel(handler.transcriber.model.model)
    handler.transcriber.model.model = recording
    try:
        assert worker.run_once()
    finally:
        broker.close()
    biased, plain = transcript_of(store, jobs[True]), transcript_of(store, jobs[False])
    assert biased["options"]["decoder_bias"]["weight"] == 3.0
    assert "decoder_bias" not in plain["options"]
    # the plain job's batches asked for one hypothesis, the biased job's for the whole beam
    assert 1 in recording.hypotheses and 5 in recording.hypotheses
    found = sum(decoded_text(biased).count(term) for term in TERMS)
    assert found >= sum(decoded_text(plain).count(term) for term in TERMS)


def test_sequential_decoding_has_no_rescorer(settings: Settings) -> None:
    task = StageTask(
        job_id="j",
        stage=Stage.TRANSCRIBE,
        input_key="k",
        options=StageOptions(lexicon_bias=True, bias_terms=TERMS),
    )
    settings.whisper.batch_size = 8
    batched = TranscribeHandler(settings)
    transcriber, _ = batched.decode_options(task)
    bias = batched.decoder_bias(task, transcriber)
    assert isinstance(bias, TermRescorer) and bias is batched.decoder_bias(task, transcriber)
    assert "metronome" in bias.terms
    settings.whisper.batch_size = 1
    sequential = TranscribeHandler(settings)
    transcriber, _ = sequential.decode_options(task)
    assert sequential.decoder_bias(task, transcriber) is None
