"""Helpers the benchmarks share: lesson-like media and a running system."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import wave
from pathlib import Path

import av
import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def decode_16k(path: Path) -> np.ndarray:
    """Any media file as 16 kHz mono int16 samples."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
    chunks = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
    return np.concatenate(chunks).astype(np.int16)


def lesson_speech(seconds: float) -> np.ndarray:
    """Real and synthetic lesson speech from the fixtures, repeated to ``seconds``."""
    pieces = [decode_16k(DATA / "lesson.mp4")]
    pieces += [decode_16k(p) for p in sorted((DATA / "librivox").glob("*.wav"))]
    gap = np.zeros(8000, dtype=np.int16)
    out: list[np.ndarray] = []
    total = 0
    while total < seconds * 16000:
        for piece in pieces:
            out += [piece, gap]
            total += piece.size + gap.size
    return np.concatenate(out)[: int(seconds * 16000)]


def write_wav(samples: np.ndarray, path: Path) -> Path:
    """16 kHz mono WAV."""
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16000)
        handle.writeframes(samples.tobytes())
    return path


def write_m4a(samples: np.ndarray, path: Path) -> Path:
    """AAC in an MP4 container, as lesson recordings usually are."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000)
        stream.layout = "mono"
        for start in range(0, samples.size, 1024):
            frame = av.AudioFrame.from_ndarray(
                samples[start : start + 1024].reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate = 16000
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def free_port() -> int:
    """A free TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningScribe:
    """``scribe up`` in a subprocess on its own data folder."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("SCRIBE_")}
        environ.update({"SCRIBE_DATA_DIR": str(data_dir), "SCRIBE_LOG__LEVEL": "WARNING", **env})
        self.log = open(data_dir.parent / f"{data_dir.name}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scribe", "up", "--port", str(self.port)],
            env=environ,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        time.sleep(3)  # let the workers load their models

    def submit(self, path: Path) -> str:
        """Upload a file; returns the job id."""
        with open(path, "rb") as handle:
            response = httpx.post(
                f"{self.base}/api/v1/jobs", files={"file": (path.name, handle)}, timeout=60
            )
        response.raise_for_status()
        return str(response.json()["jobs"][0]["id"])

    def wait(self, job_id: str, poll: float = 0.5) -> dict:
        """Poll until final (slowly: the polling must not load the machine it measures)."""
        while True:
            job = httpx.get(f"{self.base}/api/v1/jobs/{job_id}", timeout=10).json()
            if job["state"] in ("completed", "failed", "cancelled"):
                return job
            time.sleep(poll)

    def close(self) -> None:
        """Stop the system."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.log.close()
