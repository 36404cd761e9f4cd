"""The transcribe stage's handler: ``audio.wav`` → the transcript in every format.

It picks the model and decode options of a job's preset, decodes (unless the batching worker
already did), applies the lexicon (prompt; with the torch engine a bias inside the decoder;
second pass, correction) and stores every format.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from scribe.config import Settings
from scribe.domain.jobs import Stage
from scribe.domain.transcript import Transcript
from scribe.lexicon import Lexicon, load_lexicon
from scribe.messages import StageOptions, StageTask
from scribe.stages.base import StageContext, StageOutcome
from scribe.stages.transcribe.biasing.decoder import DecoderBiases
from scribe.stages.transcribe.options import DecodeOptions
from scribe.stages.transcribe.outputs import write_transcript
from scribe.stages.transcribe.presets import resolve_preset
from scribe.stages.transcribe.transcriber import Transcriber


class TranscribeHandler:
    """``audio.wav`` → ``transcript.json`` / ``.txt`` / ``.srt`` / ``.vtt``."""

    stage = Stage.TRANSCRIBE

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._models: dict[str, Transcriber] = {}
        self._lexicon: Lexicon | None = None
        self._biases = DecoderBiases()

    @property
    def lexicon(self) -> Lexicon:
        """The lexicon biasing draws on (loaded on first use)."""
        if self._lexicon is None:
            self._lexicon = load_lexicon(self.settings.terms.lexicon_path)
        return self._lexicon

    def load(self) -> None:
        """Load the default model once (other presets' models load on first use)."""
        self.model_for(None)

    @property
    def transcriber(self) -> Transcriber:
        """The default model, loaded."""
        return self.model_for(None)

    def model_for(self, model: str | None) -> Transcriber:
        """The loaded transcriber of a model name (None: ``whisper.model``), kept for reuse."""
        name = model or self.settings.whisper.model
        if name not in self._models:
            from scribe.observability.metrics import MODEL_LOAD_SECONDS

            # SCRIBE_WHISPER__ENGINE picks faster-whisper (CTranslate2) or the PyTorch engine,
            # which is a Transcriber too (torch is imported only when it is chosen).
            from scribe.stages.transcribe.torch.engine import create_engine

            loaded = create_engine(self.settings.whisper.model_copy(update={"model": name}))
            MODEL_LOAD_SECONDS.labels(loaded.model_name, loaded.device).set(loaded.load_seconds)
            self._models[name] = loaded
        return self._models[name]

    def _prompt(self, options: StageOptions) -> str | None:
        """The initial prompt: the job's own, plus lexicon terms unless biasing (or
        ``whisper.bias_prompt``) is off."""
        if not options.lexicon_bias or not self.settings.whisper.bias_prompt:
            return options.initial_prompt or None
        from scribe.stages.transcribe.biasing.prompts import prompt_for

        return prompt_for(
            self.lexicon,
            user_prompt=options.initial_prompt,
            chosen=options.bias_terms,
        )

    def decoder_bias(self, task: StageTask, transcriber: Transcriber) -> Any:
        """The lexicon bias the decoder applies to a task, with biasing on and
        ``whisper.bias_weight`` above 0: a trie over the job's lexicon terms (built once per
        model, lexicon version, chosen terms and weight), for the torch engine's shallow fusion
        or CTranslate2's n-best rescoring (batched decoding only); else None."""
        if not task.options.lexicon_bias:
            return None
        return self._biases.get(
            transcriber,
            self.lexicon,
            chosen=task.options.bias_terms,
            weight=self.settings.whisper.bias_weight,
        )

    def biased(self, task: StageTask, transcriber: Transcriber) -> AbstractContextManager[Any]:
        """A block in which this thread's decoding applies the task's decoder bias."""
        bias = self.decoder_bias(task, transcriber)
        if bias is None:
            return nullcontext()
        context: AbstractContextManager[Any] = transcriber.biased(bias)
        return context

    def decode_options(self, task: StageTask) -> tuple[Transcriber, DecodeOptions]:
        """The transcriber (by preset) and the decode options of a task."""
        preset = resolve_preset(self.settings, task.options.preset)
        transcriber = self.model_for(preset.model)
        options = transcriber.default_options.for_job(
            language=task.options.language or preset.language,
            initial_prompt=self._prompt(task.options),
            hotwords=task.options.hotwords,
            beam_size=preset.beam_size,
        )
        return transcriber, options

    def _with_lexicon(self, task: StageTask, ctx: StageContext, first: Transcript) -> Transcript:
        """Lexicon biasing after the first pass: windows whose words sound like a term they
        do not spell are decoded again with those terms as the prompt, then words that still
        sound like a term are corrected to it (see :mod:`scribe.stages.transcribe.biasing`)."""
        from scribe.stages.transcribe.biasing.correction import correct_transcript
        from scribe.stages.transcribe.biasing.prompts import second_pass

        if not self.settings.whisper.second_pass:
            return correct_transcript(first, self.lexicon)
        transcriber, options = self.decode_options(task)
        with ctx.store.local_copy(task.input_key) as audio, self.biased(task, transcriber):
            transcript = second_pass(
                transcriber,
                audio,
                first,
                self.lexicon,
                options=options,
                user_prompt=task.options.initial_prompt,
                chosen=task.options.bias_terms,
                should_stop=ctx.should_stop,
            )
        return correct_transcript(transcript, self.lexicon)

    def handle(self, task: StageTask, ctx: StageContext) -> StageOutcome:
        """Transcribe (unless ``ctx.decoded`` holds the transcript) and store every format."""
        transcriber, options = self.decode_options(task)
        if ctx.decoded is not None:
            transcript: Transcript = ctx.decoded
        else:
            with ctx.store.local_copy(task.input_key) as audio, self.biased(task, transcriber):
                transcript = transcriber.transcribe(
                    audio, options=options, progress=ctx.progress, should_stop=ctx.should_stop
                )
        bias = self.decoder_bias(task, transcriber)
        if bias is not None:
            transcript.options["decoder_bias"] = {
                "weight": bias.weight,
                "spellings": len(bias.terms),
            }
        if task.options.lexicon_bias:
            transcript = self._with_lexicon(task, ctx, transcript)
        outputs = write_transcript(ctx.store, task.job_id, transcript)
        words = transcript.words
        return StageOutcome(
            outputs=outputs,
            facts={
                "transcript": {
                    "language": transcript.language,
                    "language_probability": transcript.language_probability,
                    "segments": len(transcript.segments),
                    "words": len(words),
                    "mean_word_probability": round(
                        sum(w.probability for w in words) / len(words), 4
                    )
                    if words
                    else None,
                    "model": transcript.model,
                    **transcript.timings,
                }
            },
            next_input=outputs["json"],
        )
