"""The torch engine in a job: the lexicon bias reaches the decoder through the batching worker
and through the handler's sequential path, with the real model on a real lesson clip; the
accurate preset's Whisper base runs on the torch engine."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from scribe import artifacts
from scribe.config import Settings
from scribe.domain.jobs import Stage
from scribe.messages import StageOptions, StageTask
from scribe.queues import open_broker
from scribe.stages.transcribe import bundled
from scribe.stages.transcribe.handler import TranscribeHandler
from scribe.stages.transcribe.presets import resolve_preset
from scribe.storage import open_store
from scribe.worker.batching import SharedBatches
from scribe.worker.service import build_worker
from tests.helpers import librivox_references, word_error_rate

TERMS = ["alternate picking", "metronome", "hammer-on"]


@pytest.fixture
def torch_settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings.whisper.engine = "torch"
    settings.whisper.cpu_threads = 2
    settings.whisper.bias_weight = 3.0
    # The prompt would hint the terms too: without it, only the decoder bias can write them.
    settings.whisper.bias_prompt = False
    settings.whisper.cache_dir = tmp_path_factory.getbasetemp() / "torch-models"
    return settings


def queue_lesson_jobs(settings: Settings, wav: Path) -> tuple[Any, Any, dict[bool, str]]:
    """The broker, the store and two transcribe jobs of ``wav`` queued (the job ids, by
    lexicon biasing on or off), biased towards :data:`TERMS`."""
    broker = open_broker(settings)
    queue, store = broker.queue("transcribe"), open_store(settings)
    jobs = {}
    for bias in (True, False):
        job_id = uuid.uuid4().hex
        key = artifacts.artifact_key(job_id, artifacts.AUDIO_WAV)
        store.put_file(key, wav)
        options = StageOptions(lexicon_bias=bias, bias_terms=TERMS)
        task = StageTask(job_id=job_id, stage=Stage.TRANSCRIBE, input_key=key, options=options)
        queue.send(task.model_dump(mode="json"))
        jobs[bias] = job_id
    return broker, store, jobs


def transcript_of(store: Any, job_id: str) -> dict[str, Any]:
    key = artifacts.artifact_key(job_id, artifacts.TRANSCRIPT_JSON)
    data: dict[str, Any] = json.loads(store.get_bytes(key))
    return data


def decoded_text(transcript: dict[str, Any]) -> str:
    """The decoder's own words: the transcript's text with the lexicon corrections undone."""
    words = [w["text"] for s in transcript["segments"] for w in s["words"]]
    text = "".join(words).lower()
    for correction in transcript["options"].get("corrections", []):
        text = text.replace(correction["corrected"].lower(), correction["heard"].lower())
    return text


def test_shared_batches_apply_the_jobs_lexicon_bias_in_the_decoder(
    torch_settings: Settings, lesson_wav: Path
) -> None:
    torch_settings.whisper.batch_size = 8
    broker, store, jobs = queue_lesson_jobs(torch_settings, lesson_wav)
    worker = build_worker(Stage.TRANSCRIBE, torch_settings)
    assert isinstance(worker.strategy, SharedBatches)
    handler = worker.handler
    assert isinstance(handler, TranscribeHandler)
    assert handler.transcriber.engine == "torch"
    backend: Any = handler.transcriber.model.model
    seen: list[Any] = []
    real_generate = backend.generate

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append(backend.bias)
        return real_generate(*args, **kwargs)

    backend.generate = recording
    try:
        assert worker.run_once()
    finally:
        broker.close()
    biased, plain = transcript_of(store, jobs[True]), transcript_of(store, jobs[False])
    assert biased["options"]["decoder_bias"]["weight"] == 3.0
    assert "decoder_bias" not in plain["options"]
    assert any(b is not None for b in seen) and any(b is None for b in seen)
    text = decoded_text(biased)
    assert "alternate picking" in text and "metronome" in text  # written by the decoder
    assert "alternate picking" not in decoded_text(plain)


def test_the_sequential_handler_path_applies_the_bias_and_caches_it(
    torch_settings: Settings, lesson_wav: Path
) -> None:
    torch_settings.whisper.batch_size = 1
    handler = TranscribeHandler(torch_settings)
    task = StageTask(
        job_id="j",
        stage=Stage.TRANSCRIBE,
        input_key="k",
        options=StageOptions(lexicon_bias=True, bias_terms=TERMS),
    )
    transcriber, options = handler.decode_options(task)
    assert options.initial_prompt is None  # bias_prompt off
    bias = handler.decoder_bias(task, transcriber)
    assert bias is not None and bias is handler.decoder_bias(task, transcriber)
    assert "metronome" in bias.terms
    with handler.biased(task, transcriber):
        text = transcriber.transcribe(lesson_wav, options=options).text.lower()
    assert "alternate picking" in text and "metronome" in text
    off = task.model_copy(update={"options": StageOptions(lexicon_bias=False)})
    assert handler.decoder_bias(off, transcriber) is None


@pytest.mark.skipif(not bundled.base_installed(), reason="the `accurate` extra is not installed")
def test_the_accurate_preset_runs_whisper_base_on_the_torch_engine(
    torch_settings: Settings,
) -> None:
    torch_settings.whisper.batch_size = 1
    handler = TranscribeHandler(torch_settings)
    preset = resolve_preset(torch_settings, "accurate")
    transcriber = handler.model_for(preset.model)
    assert transcriber.engine == "torch" and transcriber.model_name == bundled.BASE_MODEL
    clip, reference = next(iter(librivox_references().items()))
    options = transcriber.default_options.for_job(language=preset.language, beam_size=1)
    transcript = transcriber.transcribe(clip, options=options)
    assert transcript.model == "base" and transcript.options["engine"] == "torch"
    assert word_error_rate(reference, transcript.text) <= 0.1
