"""Real-time factor of both engines on one file, side by side in one run: 60 s of real speech
(the LibriVox fixtures joined), sequential (beam 5, faster-whisper's loop) and batched (the
batch decoder, ``--batch`` chunks a pass), CTranslate2 int8 against PyTorch float32 on CPU.
Rounds alternate between the engines so machine noise hits both.

Usage: ``.venv/bin/python bench/rtf_engines.py [--seconds 60] [--rounds 2] [--batch 8]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from gpu_check_torch import speech  # noqa: E402
from scribe.config import WhisperSettings  # noqa: E402
from scribe.stages.transcribe.torch import create_engine  # noqa: E402


def main() -> None:
    """Load each engine at each batch size, then time the file, rounds alternating."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads, 0: the default")
    parser.add_argument("--model", default="tiny.en")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        audio = Path(tmp) / "speech.wav"
        with wave.open(str(audio), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(16000)
            pcm = np.clip(speech(args.seconds), -1, 1) * 32767
            out.writeframes(pcm.astype("<i2").tobytes())
        engines = {}
        for engine in ("ctranslate2", "torch"):
            for size in (1, args.batch):
                whisper = WhisperSettings(
                    engine=engine,
                    model=args.model,
                    device="cpu",
                    batch_size=size,
                    cpu_threads=args.threads,
                    cache_dir=Path(tmp) if args.model != "tiny.en" else ROOT / "bench/out/models",
                )
                engines[(engine, size)] = create_engine(whisper)
        times: dict[tuple[str, int], list[float]] = {key: [] for key in engines}
        for number in range(args.rounds):
            for key, transcriber in engines.items():
                started = time.perf_counter()
                text = transcriber.transcribe(audio).text
                times[key].append(time.perf_counter() - started)
                print(
                    f"round {number + 1} {key[0]} batch {key[1]}: {times[key][-1]:.1f} s "
                    f"({len(text.split())} words)",
                    flush=True,
                )
    print(f"\n{args.seconds:.0f} s of speech, {args.model}, CPU; median of {args.rounds} rounds")
    print(f"{'engine':12s} {'batch':>5s} {'seconds':>8s} {'RTF':>7s} {'÷ CTranslate2':>14s}")
    for (engine, size), seconds in times.items():
        median = statistics.median(seconds)
        base = statistics.median(times[("ctranslate2", size)])
        print(
            f"{engine:12s} {size:5d} {median:8.1f} {median / args.seconds:7.3f} "
            f"{median / base:13.2f}×"
        )


if __name__ == "__main__":
    main()
