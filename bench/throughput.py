"""Transcription throughput: the batching transcribe worker against bare faster-whisper.

Twenty clips of 20 to 90 seconds are built from the fixtures (the generated lesson and the
LibriVox recordings, whole pieces with pauses between them, so each clip's reference text is
exact). Measured side by side in one run, rounds alternating so machine noise hits both:

- **sequential**: bare faster-whisper, the model already loaded, transcribing the clips one
  after another with the worker's model and decode options (what a synchronous Whisper server
  does);
- **worker**: the same clips as stage messages on a real queue (the embedded SQLite queue) and
  blob store, consumed by the transcribe worker ``scribe worker transcribe`` runs (batched
  across files, prefetching, writing every format), timed from the first message sent to the
  last ``completed`` event.

Printed per mode: audio seconds per wall second (median of the rounds), CPU seconds of this
process per audio second (steadier than wall time on a shared machine), the word error rate
against the references, and the busy share of the machine sampled while it ran (CPU from
/proc/stat; GPU utilisation through NVML where there is a GPU). Target: worker ≥ 1.4× the
sequential throughput with a WER no more than 0.5 points worse. ``--sweep 1,4,8,16`` adds a
batch-size sweep of the worker path.

Jobs run with ``lexicon_bias`` off by default so both modes decode with identical options
(``--lexicon-bias`` turns the lexicon prompt and second pass on in the worker, as a job's
default is).

Usage: ``.venv/bin/python bench/throughput.py [--rounds 3] [--clips 20] [--sweep 1,4,8,16]``
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jiwer
import numpy as np

from _common import DATA, decode_16k, write_wav
from scribe import artifacts
from scribe.config import Settings, load_settings
from scribe.domain.jobs import Stage
from scribe.domain.options import lanes
from scribe.domain.transcript import Transcript
from scribe.messages import EventType, StageOptions, StageTask
from scribe.queues import EVENTS_QUEUE, open_broker
from scribe.stages.transcribe.transcriber import Transcriber
from scribe.storage import open_store
from scribe.worker.service import build_worker


@dataclass
class Clip:
    path: Path
    reference: str
    seconds: float


def normalise(text: str) -> str:
    """Lowercase words without punctuation, hyphens as spaces (as the tests do)."""
    text = text.lower().replace("-", " ")
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text).split())


def wer(references: list[str], hypotheses: list[str]) -> float:
    return float(jiwer.wer(normalise(" ".join(references)), normalise(" ".join(hypotheses))))


def build_clips(folder: Path, count: int, seed: int) -> list[Clip]:
    """``count`` clips of 20-90 s: whole fixture pieces in a rotating order with 0.3-1.5 s
    pauses, so each reference is exact."""
    pieces = [(decode_16k(DATA / "lesson.mp4"), (DATA / "lesson.txt").read_text().strip())]
    for line in (DATA / "librivox" / "reference.txt").read_text().splitlines():
        name, _, text = line.partition("\t")
        pieces.append((decode_16k(DATA / "librivox" / f"{name}.wav"), text))
    rng = random.Random(seed)
    clips = []
    for number in range(count):
        target = rng.uniform(20, 75)  # the last piece adds up to ~14 s
        audio: list[np.ndarray] = []
        texts: list[str] = []
        total = 0
        position = number
        while total < target * 16000:
            samples, text = pieces[position % len(pieces)]
            gap = np.zeros(int(rng.uniform(0.3, 1.5) * 16000), dtype=np.int16)
            audio += [samples, gap]
            texts.append(text)
            total += samples.size + gap.size
            position += 1
        path = write_wav(np.concatenate(audio), folder / f"clip{number:02d}.wav")
        clips.append(Clip(path, " ".join(texts), total / 16000))
    return clips


class Utilisation:
    """Samples the machine's CPU busy share (/proc/stat) and, where NVML finds a GPU, its
    utilisation, while a block runs."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.gpu_samples: list[float] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._nvml: Any = None
        self._handles: list[Any] = []
        try:
            import pynvml

            pynvml.nvmlInit()
            self._nvml = pynvml
            count = pynvml.nvmlDeviceGetCount()
            self._handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
        except Exception:
            self._nvml = None

    @staticmethod
    def _cpu_times() -> tuple[int, int]:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields) - idle, sum(fields)

    def __enter__(self) -> Utilisation:
        self._cpu_start = self._cpu_times()
        self._own_start = _own_cpu()
        self._wall_start = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()
        busy, total = self._cpu_times()
        self.cpu_busy = (busy - self._cpu_start[0]) / max(1, total - self._cpu_start[1])
        self.wall = time.perf_counter() - self._wall_start
        self.own_cpu = _own_cpu() - self._own_start

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            if self._nvml is not None:
                for handle in self._handles:
                    rates = self._nvml.nvmlDeviceGetUtilizationRates(handle)
                    self.gpu_samples.append(float(rates.gpu))

    @property
    def gpu_busy(self) -> float | None:
        """Mean GPU utilisation (0..1) over the samples, None without a GPU."""
        if not self.gpu_samples:
            return None
        return statistics.fmean(self.gpu_samples) / 100


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Round:
    wall: float
    own_cpu: float
    cpu_busy: float
    gpu_busy: float | None
    wer: float
    words: int


@dataclass
class Mode:
    name: str
    rounds: list[Round] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(r, attribute) for r in self.rounds)


def sequential_round(transcriber: Transcriber, clips: list[Clip]) -> Round:
    """Bare faster-whisper, one clip after another, the worker's options."""
    opts = transcriber.default_options
    hypotheses = []
    with Utilisation() as usage:
        for clip in clips:
            segments, _info = transcriber.model.transcribe(
                str(clip.path), **opts.transcribe_kwargs()
            )
            hypotheses.append(" ".join(segment.text for segment in segments))
    references = [clip.reference for clip in clips]
    return Round(
        wall=usage.wall,
        own_cpu=usage.own_cpu,
        cpu_busy=usage.cpu_busy,
        gpu_busy=usage.gpu_busy,
        wer=wer(references, hypotheses),
        words=sum(len(normalise(h).split()) for h in hypotheses),
    )


class WorkerPath:
    """The transcribe worker on an embedded queue and a local store, in a thread."""

    def __init__(self, data_dir: Path, whisper: dict[str, Any], lexicon_bias: bool) -> None:
        self.settings: Settings = load_settings(
            data_dir=data_dir,
            queue={"wait_seconds": 0.2, "visibility_timeout": 60},
            whisper=whisper,
            log={"level": "WARNING"},
        )
        self.lexicon_bias = lexicon_bias
        self.broker = open_broker(self.settings)
        self.store = open_store(self.settings)
        self.queue = self.broker.queue(lanes(Stage.TRANSCRIBE.value)[1])
        self.events = self.broker.queue(EVENTS_QUEUE)
        self.worker = build_worker(Stage.TRANSCRIBE, self.settings)
        self.thread = threading.Thread(target=self.worker.run, daemon=True)
        self.thread.start()
        while not self.worker.status.ready:
            time.sleep(0.05)

    def round(self, clips: list[Clip]) -> Round:
        jobs = {}
        for clip in clips:  # the audio is in the store before the clock starts
            job_id = uuid.uuid4().hex
            key = artifacts.artifact_key(job_id, artifacts.AUDIO_WAV)
            self.store.put_file(key, clip.path)
            jobs[job_id] = (clip, key)
        done: dict[str, dict[str, Any]] = {}
        with Utilisation() as usage:
            for job_id, (clip, key) in jobs.items():
                task = StageTask(
                    job_id=job_id,
                    stage=Stage.TRANSCRIBE,
                    input_key=key,
                    options=StageOptions(lexicon_bias=self.lexicon_bias),
                    audio_seconds=clip.seconds,
                )
                self.queue.send(task.model_dump(mode="json"))
            while len(done) < len(jobs):
                for message in self.events.receive(max_messages=10, wait_seconds=0.1):
                    body = message.body
                    self.events.delete(message.receipt)
                    if body.get("job_id") not in jobs:
                        continue
                    if body["type"] == EventType.COMPLETED:
                        done[body["job_id"]] = body
                    elif body["type"] in (EventType.FAILED, EventType.RETRYING):
                        raise RuntimeError(f"job failed in the worker: {body}")
        references, hypotheses = [], []
        for job_id, (clip, _key) in jobs.items():
            transcript = Transcript.model_validate_json(
                self.store.get_bytes(artifacts.transcript_key(job_id, "json"))
            )
            references.append(clip.reference)
            hypotheses.append(transcript.text.replace("\n", " "))
        return Round(
            wall=usage.wall,
            own_cpu=usage.own_cpu,
            cpu_busy=usage.cpu_busy,
            gpu_busy=usage.gpu_busy,
            wer=wer(references, hypotheses),
            words=sum(len(normalise(h).split()) for h in hypotheses),
        )

    def close(self) -> None:
        self.worker.request_stop()
        self.thread.join(timeout=60)
        self.broker.close()


def report(modes: list[Mode], audio: float) -> None:
    print(
        f"{'mode':<22}{'audio s / wall s':>17}{'CPU s / audio s':>17}{'WER':>8}{'words':>7}"
        f"{'CPU busy':>10}{'GPU busy':>10}"
    )
    for mode in modes:
        gpu = [r.gpu_busy for r in mode.rounds if r.gpu_busy is not None]
        print(
            f"{mode.name:<22}{audio / mode.median('wall'):>17.2f}"
            f"{mode.median('own_cpu') / audio:>17.4f}{mode.median('wer'):>8.4f}"
            f"{int(mode.median('words')):>7d}{mode.median('cpu_busy'):>10.0%}"
            f"{(f'{statistics.median(gpu):.0%}' if gpu else 'n/a'):>10}"
        )


def both(
    folder: Path,
    clips: list[Clip],
    engines: list[str],
    whisper: dict[str, Any],
    bare_whisper: dict[str, Any],
    args: argparse.Namespace,
) -> None:
    """Each engine's sequential and worker paths, rounds alternating over all of them."""
    from scribe.stages.transcribe.torch import create_engine

    runs: list[tuple[Mode, Any]] = []
    paths = []
    for engine in engines:
        settings = load_settings(data_dir=folder / f"bare-{engine}", whisper=bare_whisper)
        bare = create_engine(settings.whisper.model_copy(update={"engine": engine}))
        path = WorkerPath(folder / f"worker-{engine}", {**whisper, "engine": engine}, False)
        path.round(clips[:2])  # warm-up
        paths.append(path)
        runs.append((Mode(f"{engine} sequential"), lambda b=bare: sequential_round(b, clips)))
        runs.append((Mode(f"{engine} worker"), path.round))
    for number in range(args.rounds):
        for mode, run in runs:
            result = run() if mode.name.endswith("sequential") else run(clips)
            mode.rounds.append(result)
            print(f"round {number + 1} {mode.name}: {result.wall:.1f} s", flush=True)
    for path in paths:
        path.close()
    modes = [mode for mode, _run in runs]
    report(modes, sum(c.seconds for c in clips))
    first = {m.name.split()[1]: m for m in modes if m.name.startswith(engines[0])}
    for mode in modes[2:]:
        ratio = mode.median("wall") / first[mode.name.split()[1]].median("wall")
        print(f"{mode.name}: {ratio:.2f}× the wall time of {engines[0]}'s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--cpu-threads", type=int, default=len(os.sched_getaffinity(0)), help="bare decoder's"
    )
    parser.add_argument("--worker-cpu-threads", type=int, default=0, help="0: the worker's auto")
    parser.add_argument("--batch-size", default="auto")
    parser.add_argument("--max-files", type=int, default=8)
    parser.add_argument("--prefetch", type=int, default=2)
    parser.add_argument("--replicas", default="auto")
    parser.add_argument("--chunk-seconds", type=float, default=30.0)
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--sweep", default="", help="batch sizes for a worker sweep, e.g. 1,4,8")
    parser.add_argument("--lexicon-bias", action="store_true")
    parser.add_argument(
        "--engines", default="ctranslate2", help="ctranslate2,torch: both side by side"
    )
    args = parser.parse_args()

    whisper: dict[str, Any] = {
        "model": args.model,
        "device": args.device,
        "cpu_threads": args.worker_cpu_threads,
        "batch_size": args.batch_size,
        "max_files_per_batch": args.max_files,
        "prefetch_files": args.prefetch,
        "replicas": args.replicas,
        "batch_chunk_seconds": args.chunk_seconds,
    }
    bare_whisper = {**whisper, "cpu_threads": args.cpu_threads, "batch_size": 1}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clips = build_clips(folder, args.clips, args.seed)
        audio = sum(c.seconds for c in clips)
        print(
            f"{len(clips)} clips, {audio:.0f} s of audio "
            f"({min(c.seconds for c in clips):.0f}-{max(c.seconds for c in clips):.0f} s each)",
            flush=True,
        )
        engines = args.engines.split(",")
        if engines != ["ctranslate2"]:
            both(folder, clips, engines, whisper, bare_whisper, args)
            return
        bare = Transcriber(load_settings(data_dir=folder / "bare", whisper=bare_whisper).whisper)
        path = WorkerPath(folder / "worker", whisper, args.lexicon_bias)
        loaded = path.worker.handler.transcriber  # type: ignore[attr-defined]
        print(
            f"model {bare.model_name} on {bare.device} ({bare.compute_type}); bare: "
            f"{args.cpu_threads} CPU threads; worker: batch {loaded.batch_decoder.batch_size}, "
            f"{args.max_files} files, prefetch {args.prefetch}, {loaded.replicas} replica(s) "
            f"(cpu_threads {args.worker_cpu_threads or 'auto'}), "
            f"chunks ≤ {args.chunk_seconds:.0f} s",
            flush=True,
        )
        sequential, worker = Mode("sequential (bare)"), Mode("worker (batched)")
        path.round(clips[:2])  # warm-up: first-call allocations
        for number in range(args.rounds):
            for mode, run in (
                (sequential, lambda: sequential_round(bare, clips)),
                (worker, lambda: path.round(clips)),
            ):
                result = run()
                mode.rounds.append(result)
                print(
                    f"round {number + 1} {mode.name}: {result.wall:.1f} s, "
                    f"WER {result.wer:.4f}, CPU busy {result.cpu_busy:.0%}",
                    flush=True,
                )
        path.close()
        report([sequential, worker], audio)
        paired = statistics.median(
            s.wall / w.wall for s, w in zip(sequential.rounds, worker.rounds, strict=True)
        )
        ratio = sequential.median("wall") / worker.median("wall")
        delta = 100 * (worker.median("wer") - sequential.median("wer"))
        print(
            f"throughput ratio (worker ÷ sequential, medians): {ratio:.2f}  "
            f"(median of paired rounds {paired:.2f}; target ≥ 1.4)"
        )
        print(f"WER worker - sequential: {delta:+.2f} points (target ≤ +0.5)")

        if args.sweep:
            modes = []
            for size in [int(x) for x in args.sweep.split(",")]:
                sweep = WorkerPath(
                    folder / f"sweep{size}", {**whisper, "batch_size": size}, args.lexicon_bias
                )
                sweep.round(clips[:2])
                mode = Mode(f"worker batch {size}")
                mode.rounds.append(sweep.round(clips))
                sweep.close()
                modes.append(mode)
                print(f"sweep batch {size}: {mode.rounds[0].wall:.1f} s", flush=True)
            report(modes, audio)


if __name__ == "__main__":
    main()
