"""Shared test helpers: fixture paths, word error rate, and running the system."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import jiwer

if TYPE_CHECKING:
    from scribe.stages.terms.recognizer import TermRecognizer

DATA = Path(__file__).resolve().parent / "data"
LIBRIVOX = DATA / "librivox"
# Two more clips of the same recording, used only for long speech without repeated text.
LIBRIVOX_EXTRA = DATA / "librivox_extra"
LESSON_MP4 = DATA / "lesson.mp4"
LESSON_TEXT = (DATA / "lesson.txt").read_text().strip()
SILENT_VIDEO = DATA / "silent_video.mp4"


def term_spans(recognizer: TermRecognizer, text: str, category: str) -> list[str]:
    """The span texts of ``text``'s terms in ``category``, in order."""
    return [m.text for m in recognizer.find_in_text(text) if m.category == category]


def librivox_references() -> dict[Path, str]:
    """Each LibriVox clip with its reference text."""
    return _references(LIBRIVOX)


def _references(folder: Path) -> dict[Path, str]:
    refs = {}
    for line in (folder / "reference.txt").read_text().splitlines():
        clip, _, text = line.partition("\t")
        refs[folder / f"{clip}.wav"] = text
    return refs


def normalise(text: str) -> str:
    """Lowercase words without punctuation, hyphens as spaces."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return " ".join(text.split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """WER after :func:`normalise`."""
    return float(jiwer.wer(normalise(reference), normalise(hypothesis)))


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scribe_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a scribe subprocess on its own data folder, quick to react."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRIBE_")}
    env.update(
        {
            "SCRIBE_DATA_DIR": str(data_dir),
            "SCRIBE_QUEUE__WAIT_SECONDS": "0.5",
            "SCRIBE_WORKER__RETRY_BASE_DELAY": "0.5",
            "SCRIBE_WHISPER__CPU_THREADS": "2",
        }
    )
    env.update(extra)
    return env


def start_scribe(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``scribe ARGS`` with output to ``log``."""
    handle = open(log, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "scribe", *args], env=env, stdout=handle, stderr=subprocess.STDOUT
    )


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if it does not exit in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_http(url: str, timeout: float = 60) -> None:
    """Wait until ``url`` answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def wait_job(base: str, job_id: str, timeout: float = 180, states: tuple[str, ...] = ()) -> dict:
    """Poll a job until it is final (or in one of ``states``)."""
    wanted = set(states) or {"completed", "failed", "cancelled"}
    deadline = time.monotonic() + timeout
    job: dict = {}
    while time.monotonic() < deadline:
        job = httpx.get(f"{base}/api/v1/jobs/{job_id}", timeout=5).json()
        if job["state"] in wanted:
            return job
        time.sleep(0.2)
    raise TimeoutError(f"job {job_id} still {job.get('state')} after {timeout} s")


def long_speech_pieces(folder: Path) -> list[tuple[Path, str]]:
    """Every distinct piece of real speech the fixtures hold, with its reference text, in the
    order :func:`make_long_speech` plays them: five LibriVox clips with the lesson's speech
    (extracted into ``folder``) between them, 38 s in all."""
    from scribe.stages.extract.media import extract_audio

    lesson = folder / "lesson-speech.wav"
    if not lesson.exists():
        extract_audio(LESSON_MP4, lesson)
    clips = list(librivox_references().items()) + list(_references(LIBRIVOX_EXTRA).items())
    clips.sort(key=lambda item: item[0].name)
    return [*clips[:3], (lesson, LESSON_TEXT), *clips[3:]]


def said_six_times(target: Path) -> Path:
    """One short LibriVox sentence six times over, half a second apart: its text compresses
    like a decoding loop, so Whisper's fallback decodes it again, hotter."""
    import wave

    clip = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0880.wav"
    with wave.open(str(clip)) as source, wave.open(str(target), "wb") as out:
        out.setparams(source.getparams())
        frames = source.readframes(source.getnframes())
        for _ in range(6):
            out.writeframes(frames + b"\0\0" * (source.getframerate() // 2))
    return target


def make_long_speech(target: Path, seconds: float) -> tuple[float, str]:
    """A WAV of real speech at least ``seconds`` long and its reference text.

    The pieces of :func:`long_speech_pieces` follow one another with half a second of silence
    between them, so up to 38 s no sentence is said twice (a window of repeated text
    compresses like a decoding loop and sends Whisper to its sampled, random fallbacks);
    longer files repeat the pieces."""
    import wave

    pieces = long_speech_pieces(target.parent)
    written, texts = 0.0, []
    with wave.open(str(target), "wb") as out:
        params = None
        while written < seconds:
            for clip, text in pieces:
                with wave.open(str(clip)) as source:
                    if params is None:
                        params = source.getparams()
                        out.setparams(params)
                    elif source.getparams()[:3] != params[:3]:
                        raise ValueError(f"{clip.name}: not {params.framerate} Hz mono 16-bit")
                    pause = int(0.5 * source.getframerate())
                    out.writeframes(source.readframes(source.getnframes()))
                    out.writeframes(b"\0\0" * pause)
                    written += (source.getnframes() + pause) / source.getframerate()
                texts.append(text)
                if written >= seconds:
                    break
    return written, " ".join(texts)
