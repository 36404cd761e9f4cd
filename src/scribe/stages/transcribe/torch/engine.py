"""The PyTorch transcription engine: the same Transcript as the CTranslate2 one.

faster-whisper's transcription loop (VAD, 30-second windows, temperature fallback, hallucination
guards, word placement) and Scribe's batch decoder drive a model object; here that object is
:class:`~scribe.stages.transcribe.torch.backend.TorchWhisperBackend`, so every rule that shapes
a transcript is shared code, and only the network and the search run in PyTorch (where a
lexicon bias can act on the decoder's scores).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from scribe.config import WhisperSettings
from scribe.domain.transcript import Segment, Transcript
from scribe.errors import JobCancelled, ModelError
from scribe.stages.transcribe.batched.assembly import FileDecode
from scribe.stages.transcribe.batched.decoder import BatchDecoder
from scribe.stages.transcribe.batched.preparation import prepare_audio
from scribe.stages.transcribe.model import resolve_batch_size, resolve_model
from scribe.stages.transcribe.options import DecodeOptions, ProgressCallback, StopCheck
from scribe.stages.transcribe.segments import guard_segment, segment_from
from scribe.stages.transcribe.transcriber import Transcriber

log = logging.getLogger(__name__)


def pick_torch_device(whisper: WhisperSettings) -> tuple[str, Any, str]:
    """The device, the torch dtype and its name: CUDA/float16 with a GPU, CPU/float32
    without (``compute_type`` float32 or float16 forces one)."""
    import torch

    device: str = whisper.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelError("SCRIBE_WHISPER__DEVICE is cuda but PyTorch sees no GPU")
    name = whisper.compute_type
    if name not in ("float16", "float32", "bfloat16"):
        name = "float16" if device == "cuda" else "float32"
    if device == "cuda":
        device = f"cuda:{whisper.device_index}"
    return device, getattr(torch, name), name


def load_backend(
    folder: Path, *, cache_dir: Path | None, device: str, dtype: Any, packed: Path | None = None
) -> Any:
    """A :class:`TorchWhisperBackend` for a CTranslate2 folder (converted once, cached in
    ``cache_dir``), or for quantised weights written by ``model.save_packed``."""
    from tokenizers import Tokenizer

    from scribe.stages.transcribe.torch.backend import TorchWhisperBackend
    from scribe.stages.transcribe.torch.convert import load_converted
    from scribe.stages.transcribe.torch.model import build_model, load_packed

    if packed is not None:
        tensors, config = load_packed(packed)
    else:
        tensors, config = load_converted(folder, cache_dir)
    model = build_model(tensors, config, device, dtype)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    heads = [(int(layer), int(head)) for layer, head in config.get("alignment_heads", [])]
    return TorchWhisperBackend(model, tokenizer, heads, device.split(":")[0], dtype)


def faster_whisper_model(folder: Path, backend: Any) -> Any:
    """faster-whisper's ``WhisperModel`` around ``backend`` instead of CTranslate2."""
    from faster_whisper.transcribe import WhisperModel

    class TorchFasterWhisper(WhisperModel):  # type: ignore[misc]
        """faster-whisper's loop over the PyTorch backend."""

        def __init__(self) -> None:  # the parent's loads CTranslate2: set its fields here
            from faster_whisper.feature_extractor import FeatureExtractor
            from faster_whisper.utils import get_logger

            self.logger = get_logger()
            self.model = backend
            self.hf_tokenizer = backend.tokenizer
            self.feat_kwargs = self._get_feature_kwargs(str(folder))
            self.feat_kwargs.setdefault("feature_size", backend.n_mels)
            self.feature_extractor = FeatureExtractor(**self.feat_kwargs)
            self.input_stride = 2
            self.num_samples_per_token = self.feature_extractor.hop_length * self.input_stride
            self.frames_per_second = (
                self.feature_extractor.sampling_rate // self.feature_extractor.hop_length
            )
            self.tokens_per_second = (
                self.feature_extractor.sampling_rate // self.num_samples_per_token
            )
            self.time_precision = 0.02
            self.max_length = 448

        def encode(self, features: np.ndarray) -> Any:
            return backend.encode(features)

    return TorchFasterWhisper()


class TorchWhisperEngine(Transcriber):
    """Whisper in PyTorch behind the transcriber's interface (``transcribe``, ``redecode``,
    ``batch_decoder``), with lexicon biasing in the decoder and a many-file batch call."""

    engine = "torch"

    def __init__(self, whisper: WhisperSettings, *, packed: Path | None = None) -> None:
        import torch

        self.settings = whisper
        path, self.model_name = resolve_model(whisper)
        folder = Path(path)
        if not (folder / "model.bin").is_file() and packed is None:
            raise ModelError(f"the torch engine needs a local model folder, not {path!r}")
        self.device, dtype, self.compute_type = pick_torch_device(whisper)
        if whisper.cpu_threads and self.device == "cpu":
            torch.set_num_threads(whisper.cpu_threads)
        self.replicas = 1
        started = time.perf_counter()
        cache = whisper.cache_dir
        if cache is None:
            cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "scribe"
        try:
            self.backend = load_backend(
                folder, cache_dir=cache, device=self.device, dtype=dtype, packed=packed
            )
        except (RuntimeError, ValueError, OSError, MemoryError) as exc:
            raise ModelError(f"cannot load model {self.model_name!r} in PyTorch: {exc}") from exc
        self.model = faster_whisper_model(folder, self.backend)
        self.load_seconds = time.perf_counter() - started
        self.default_options = DecodeOptions.from_settings(whisper)
        self.batch_size = resolve_batch_size(whisper, self.device.split(":")[0])
        self.batch_decoder = BatchDecoder(self.model, batch_size=self.batch_size)
        self._bias_lock = threading.Lock()

    @contextmanager
    def biased(self, bias: Any) -> Iterator[None]:
        """Apply a :class:`~scribe.stages.transcribe.torch.bias.LexiconBias` to this
        thread's decoding inside the block."""
        previous = self.backend.bias
        self.backend.bias = bias
        try:
            yield
        finally:
            self.backend.bias = previous

    def _bias_context(self, bias: Any) -> AbstractContextManager[None]:
        """``bias`` applied inside the block; None keeps a bias an outer :meth:`biased`
        block set (the transcribe handler's, for a job)."""
        return self.biased(bias) if bias is not None else nullcontext()

    def lexicon_bias(self, terms: Sequence[str], **options: Any) -> Any:
        """A :class:`~scribe.stages.transcribe.torch.bias.LexiconBias` over ``terms`` with
        this model's tokenizer (``weight``, ``start_floor``, ``min_tokens`` as options)."""
        from scribe.stages.transcribe.torch.bias import LexiconBias

        return LexiconBias(self.backend.tokenizer, terms, eot=self.backend.special.eot, **options)

    def transcribe(
        self,
        audio: Path | np.ndarray,
        *,
        options: DecodeOptions | None = None,
        progress: ProgressCallback | None = None,
        should_stop: StopCheck | None = None,
        bias: Any = None,
    ) -> Transcript:
        """Transcribe a 16 kHz WAV file or float32 samples (16 kHz mono), optionally with
        a lexicon bias; otherwise as the CTranslate2 transcriber does."""
        opts = options or self.default_options
        with self._bias_context(bias):
            if self.batch_size > 1:
                from scribe.stages.transcribe.batched.decoder import transcribe_batched

                return transcribe_batched(
                    self,
                    audio,  # type: ignore[arg-type]  # prepare_audio reads samples too
                    options=opts,
                    progress=progress,
                    should_stop=should_stop,
                )
            return self._sequential(audio, opts, progress, should_stop)

    def _sequential(
        self,
        audio: Path | np.ndarray,
        opts: DecodeOptions,
        progress: ProgressCallback | None,
        should_stop: StopCheck | None,
    ) -> Transcript:
        started = time.perf_counter()
        source = audio if isinstance(audio, np.ndarray) else str(audio)
        segments_iter, info = self.model.transcribe(source, **opts.transcribe_kwargs())
        segments: list[Segment] = []
        for raw in segments_iter:
            segment = guard_segment(segment_from(len(segments), raw))
            if segment is not None:
                segments.append(segment)
            if progress and info.duration:
                progress(min(0.999, raw.end / info.duration))
            if should_stop and should_stop():
                raise JobCancelled("cancelled during transcription")
        elapsed = time.perf_counter() - started
        spoken = any(segment.words or segment.text.strip() for segment in segments)
        return Transcript(
            flags=[] if spoken else ["no_speech"],
            speech_duration=round(float(getattr(info, "duration_after_vad", info.duration)), 3),
            language=info.language,
            language_probability=round(float(info.language_probability), 4),
            duration=round(float(info.duration), 3),
            model=self.model_name,
            options={**opts.to_dict(), **self._engine_options()},
            timings={
                "transcribe_seconds": round(elapsed, 3),
                "real_time_factor": round(elapsed / info.duration, 4) if info.duration else 0.0,
            },
            segments=segments,
        )

    def _engine_options(self) -> dict[str, Any]:
        return {"device": self.device, "compute_type": self.compute_type, "engine": self.engine}

    def transcribe_many(
        self,
        audios: Sequence[Path | np.ndarray],
        options: DecodeOptions | None = None,
        *,
        bias: Any = None,
        batch_size: int | None = None,
    ) -> list[Transcript]:
        """Transcribe several files with their speech chunks sharing batches (up to
        ``batch_size`` chunks a pass, from any of the files)."""
        opts = options or self.default_options
        size = max(1, batch_size or self.batch_size)
        chunk = self.settings.batch_chunk_seconds
        files = [
            FileDecode(prepare_audio(self.model, a, options=opts, chunk_seconds=chunk), opts)
            for a in audios
        ]
        with self._bias_context(bias):
            while any(file.pending for file in files):
                work: list[tuple[FileDecode, int]] = []
                for file in files:
                    if len(work) < size and file.pending:
                        work.extend((file, i) for i in file.take(size - len(work)))
                self.batch_decoder.decode(work)
        transcripts = []
        for file in files:
            transcript = file.transcript(
                model_name=self.model_name,
                device=self.device,
                compute_type=self.compute_type,
                batch_size=size,
            )
            transcript.options["engine"] = self.engine
            transcripts.append(transcript)
        return transcripts


def create_engine(settings: Any) -> Transcriber:
    """The transcriber ``SCRIBE_WHISPER__ENGINE`` names: ``ctranslate2`` (faster-whisper, the
    default) or ``torch``. Takes the whole settings or their ``whisper`` group."""
    whisper: WhisperSettings = getattr(settings, "whisper", settings)
    engine = getattr(whisper, "engine", "ctranslate2")
    if engine == "torch":
        try:
            import torch  # noqa: F401
            import transformers  # noqa: F401
        except ImportError as exc:
            raise ModelError(
                "SCRIBE_WHISPER__ENGINE=torch needs PyTorch and transformers: "
                "pip install 'scribe[torch]'"
            ) from exc
        return TorchWhisperEngine(whisper)
    return Transcriber(whisper)
