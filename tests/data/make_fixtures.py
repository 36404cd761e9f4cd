"""Regenerate the committed test fixtures (needs Debian's espeak-ng and pocketsphinx-testdata).

- ``librivox/*.wav`` and ``librivox/reference.txt``: real recorded English speech (LibriVox,
  public domain; shipped by pocketsphinx-testdata under a BSD licence); ``librivox_extra/``:
  the package's two other clips, for long speech that does not repeat itself.
- ``lesson.mp4``: a short generated "lesson" video (H.264 + AAC) whose speech is synthesised by
  espeak-ng from ``lesson.txt``.
- ``silent_video.mp4``: a video with no audio stream.

Run: ``.venv/bin/python tests/data/make_fixtures.py``
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

HERE = Path(__file__).resolve().parent
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
CLIPS = (
    "sense_and_sensibility_01_austen_64kb-0870",
    "sense_and_sensibility_01_austen_64kb-0880",
    "sense_and_sensibility_01_austen_64kb-0930",
)
# The package's other two clips: only the long-speech helper uses them (tests/helpers.py).
EXTRA_CLIPS = (
    "sense_and_sensibility_01_austen_64kb-0890",
    "sense_and_sensibility_01_austen_64kb-0920",
)


def copy_librivox(folder: str, clips: tuple[str, ...]) -> None:
    """Copy ``clips`` and their reference transcriptions into ``folder``."""
    out = HERE / folder
    out.mkdir(exist_ok=True)
    references = {}
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        text, _, clip = line.rpartition("(")
        references[clip.rstrip(")").strip()] = text.replace("<s>", "").replace("</s>", "").strip()
    lines = []
    for clip in clips:
        shutil.copyfile(LIBRIVOX / f"{clip}.wav", out / f"{clip}.wav")
        lines.append(f"{clip}\t{references[clip]}")
    (out / "reference.txt").write_text("\n".join(lines) + "\n")


def synthesise(text: str, target: Path) -> None:
    """Speak ``text`` into a WAV with espeak-ng."""
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(target), text], check=True)


def write_video(wav: Path | None, target: Path, seconds: float) -> None:
    """An MP4 with small solid-colour frames and, when given, the WAV as AAC audio."""
    width, height, fps = 96, 64, 4
    with av.open(str(target), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio_stream = None
        samples = None
        rate = 16000
        if wav is not None:
            with wave.open(str(wav)) as handle:
                rate = handle.getframerate()
                samples = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16)
            audio_stream = out.add_stream("aac", rate=rate)
            audio_stream.layout = "mono"
        frames = int(seconds * fps)
        for i in range(frames):
            shade = int(40 + 150 * i / max(1, frames))
            image = np.full((height, width, 3), (shade, 90, 160), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if audio_stream is not None and samples is not None:
            step = 1024
            for start in range(0, len(samples), step):
                chunk = samples[start : start + step].reshape(1, -1)
                sound = av.AudioFrame.from_ndarray(chunk, format="s16", layout="mono")
                sound.sample_rate = rate
                sound.pts = start
                for packet in audio_stream.encode(sound):
                    out.mux(packet)
            for packet in audio_stream.encode():
                out.mux(packet)


def main() -> None:
    """Write every fixture."""
    copy_librivox("librivox", CLIPS)
    copy_librivox("librivox_extra", EXTRA_CLIPS)
    text = (HERE / "lesson.txt").read_text().strip()
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "lesson.wav"
        synthesise(text, wav)
        with wave.open(str(wav)) as handle:
            seconds = handle.getnframes() / handle.getframerate()
        write_video(wav, HERE / "lesson.mp4", seconds)
    write_video(None, HERE / "silent_video.mp4", 2.0)
    for path in sorted(HERE.rglob("*")):
        if path.is_file():
            print(f"{path.relative_to(HERE)}\t{path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
