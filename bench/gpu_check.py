"""GPU check of the transcription path (run by ``bench/gpu_check.sh`` on a machine with an
NVIDIA GPU).

1. Says what is missing when CUDA cannot be used: the driver (``libcuda.so.1``), CUDA 12
   cuBLAS (``libcublas.so.12``) or cuDNN 9 (``libcudnn*.so.9``), which CTranslate2 4.x loads.
2. Real-time factor of one long lesson-like file (``--seconds``, default 600), decoded
   sequentially and batched, on the GPU.
3. A batch-size sweep (``--sizes 1,4,8,16,32``): 20 clips of 20-90 s decoded in shared
   batches (as the transcribe worker does) at each size: audio seconds per second, word error
   rate against the references, mean GPU utilisation sampled through NVML, peak GPU memory.
   A size that runs out of memory is reported (the decoder halves it and goes on).

Usage: ``.venv/bin/python bench/gpu_check.py [--model tiny.en] [--compute-type float16]``
"""

from __future__ import annotations

import argparse
import ctypes
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from _common import lesson_speech, write_wav
from scribe.config import WhisperSettings
from scribe.errors import ModelError
from scribe.stages.transcribe.batched.assembly import FileDecode
from scribe.stages.transcribe.batched.decoder import BatchDecoder
from scribe.stages.transcribe.batched.preparation import prepare_audio
from scribe.stages.transcribe.transcriber import Transcriber
from throughput import Utilisation, build_clips, wer

LIBRARIES = [
    (
        "libcuda.so.1",
        "the NVIDIA driver (install the driver; in a container use the NVIDIA runtime)",
    ),
    ("libcublas.so.12", "CUDA 12 cuBLAS: pip install nvidia-cublas-cu12"),
    ("libcudnn_ops.so.9", "cuDNN 9: pip install 'nvidia-cudnn-cu12==9.*'"),
]


def missing_libraries() -> list[str]:
    """The CUDA libraries CTranslate2 needs that cannot be loaded, with how to get each."""
    missing = []
    for name, hint in LIBRARIES:
        try:
            ctypes.CDLL(name)
        except OSError:
            if name.startswith("libcudnn"):
                try:
                    ctypes.CDLL("libcudnn.so.9")
                    continue
                except OSError:
                    pass
            missing.append(f"{name}: {hint}")
    return missing


def gpu_memory_mib() -> float | None:
    """Used memory of GPU 0 in MiB, through NVML."""
    try:
        import pynvml

        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        return float(pynvml.nvmlDeviceGetMemoryInfo(handle).used) / 2**20
    except Exception:
        return None


def decode_all(decoder: BatchDecoder, files: list[FileDecode]) -> None:
    """Shared batches over every file, oldest chunks first (the worker's order)."""
    while any(f.pending for f in files):
        batch: list[tuple[FileDecode, int]] = []
        for file in files:
            batch += [(file, i) for i in file.take(decoder.batch_size - len(batch))]
            if len(batch) >= decoder.batch_size:
                break
        decoder.decode(batch)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--compute-type", default="float16")
    parser.add_argument("--device-index", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--sizes", default="1,4,8,16,32")
    parser.add_argument("--clips", type=int, default=20)
    args = parser.parse_args()

    import ctranslate2

    count = ctranslate2.get_cuda_device_count()
    missing = missing_libraries()
    print(f"CTranslate2 {ctranslate2.__version__}: {count} CUDA device(s)")
    if missing:
        print("MISSING (CTranslate2 needs these to run on the GPU):")
        for line in missing:
            print(f"  - {line}")
    if count == 0:
        print("No usable CUDA device: nothing to measure.")
        return 2
    whisper = WhisperSettings(
        model=args.model,
        device="cuda",
        device_index=args.device_index,
        compute_type=args.compute_type,
        batch_size=1,
        replicas=1,
    )
    try:
        transcriber = Transcriber(whisper)
    except ModelError as exc:
        print(f"The model does not load on the GPU: {exc}")
        if missing:
            print("Install what is listed as MISSING above, then run this again.")
        return 3
    print(
        f"model {transcriber.model_name} on cuda:{args.device_index} "
        f"({transcriber.compute_type}), loaded in {transcriber.load_seconds:.1f} s, "
        f"GPU memory used {gpu_memory_mib() or 0:.0f} MiB"
    )
    try:
        return measure(transcriber, args)
    except RuntimeError as exc:  # e.g. cuDNN found at load time but not at the first encode
        print(f"Decoding on the GPU failed: {exc}")
        if missing:
            print("Install what is listed as MISSING above, then run this again.")
        return 4


def measure(transcriber: Transcriber, args: argparse.Namespace) -> int:
    """The real-time factor and the batch-size sweep."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        long = write_wav(lesson_speech(args.seconds), folder / "long.wav")
        options = transcriber.default_options
        rows: list[tuple[str, float, Any]] = []
        for label, size in (("sequential", 1), ("batched 16", 16)):
            decoder = BatchDecoder(transcriber.model, batch_size=size)
            with Utilisation() as usage:
                if size == 1:
                    transcriber.transcribe(long)
                else:
                    file = FileDecode(
                        prepare_audio(transcriber.model, long, options=options), options
                    )
                    decode_all(decoder, [file])
            rows.append((label, usage.wall / args.seconds, usage.gpu_busy))
        print(f"\nreal-time factor, one {args.seconds:.0f}-second lesson-like file:")
        for label, rtf, gpu in rows:
            gpu_text = f"{gpu:.0%}" if gpu is not None else "n/a"
            print(f"  {label:<12} RTF {rtf:.4f}  ({1 / rtf:.0f}x real time)  GPU busy {gpu_text}")

        clips = build_clips(folder, args.clips, seed=7)
        audio = sum(c.seconds for c in clips)
        prepared = [prepare_audio(transcriber.model, c.path, options=options) for c in clips]
        print(f"\nbatch-size sweep: {len(clips)} clips, {audio:.0f} s, shared batches")
        print(f"  {'batch':>5} {'audio s/s':>10} {'WER':>7} {'GPU busy':>9} {'GPU MiB':>8}  note")
        for size in [int(x) for x in args.sizes.split(",")]:
            decoder = BatchDecoder(transcriber.model, batch_size=size)
            files = [  # fresh chunk lists: re-decoded tails are appended to them
                FileDecode(replace(p, features=list(p.features), chunks=list(p.chunks)), options)
                for p in prepared
            ]
            started = time.perf_counter()
            with Utilisation() as usage:
                decode_all(decoder, files)
            elapsed = time.perf_counter() - started
            texts = [
                f.transcript(
                    model_name=transcriber.model_name,
                    device="cuda",
                    compute_type=transcriber.compute_type,
                    batch_size=size,
                ).text
                for f in files
            ]
            score = wer([c.reference for c in clips], texts)
            gpu = f"{usage.gpu_busy:.0%}" if usage.gpu_busy is not None else "n/a"
            note = (
                f"out of memory: halved to {decoder.batch_size}"
                if decoder.batch_size < size
                else ""
            )
            memory = gpu_memory_mib()
            print(
                f"  {size:>5} {audio / elapsed:>10.1f} {score:>7.4f} {gpu:>9} "
                f"{(memory or 0):>8.0f}  {note}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
