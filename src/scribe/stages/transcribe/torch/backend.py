"""A PyTorch stand-in for ``ctranslate2.models.Whisper``: the same ``encode``, ``generate``,
``align`` and ``detect_language`` calls and result shapes, so faster-whisper's transcription
loop and Scribe's batch decoder run on it unchanged."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from scribe.stages.transcribe.torch.align import CrossAttentionProbe, alignment_path
from scribe.stages.transcribe.torch.decode import Decoder, Request, SpecialTokens


@dataclass
class GenerationResult:
    """What CTranslate2's ``WhisperGenerationResult`` carries (one hypothesis)."""

    sequences_ids: list[list[int]]
    scores: list[float]
    no_speech_prob: float


@dataclass
class AlignmentResult:
    """What CTranslate2's ``WhisperAlignmentResult`` carries."""

    alignments: list[tuple[int, int]]
    text_token_probs: list[float]


def special_tokens(tokenizer: Any, vocab_size: int) -> SpecialTokens:
    """The decoding rules' token ids from a ``tokenizers.Tokenizer``."""
    no_speech = tokenizer.token_to_id("<|nospeech|>")
    if no_speech is None:
        no_speech = tokenizer.token_to_id("<|nocaptions|>")
    return SpecialTokens(
        eot=tokenizer.token_to_id("<|endoftext|>"),
        sot=tokenizer.token_to_id("<|startoftranscript|>"),
        no_timestamps=tokenizer.token_to_id("<|notimestamps|>"),
        no_speech=no_speech,
        blank=tuple(tokenizer.encode(" ", add_special_tokens=False).ids),
        vocab_size=vocab_size,
    )


class TorchWhisperBackend:
    """A loaded Hugging Face Whisper module behind CTranslate2's ``Whisper`` interface.

    ``bias`` (a :class:`~scribe.stages.transcribe.torch.bias.LexiconBias`) applies to every
    ``generate`` call while set; :meth:`biased` sets it for one thread's calls."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        alignment_heads: list[tuple[int, int]],
        device: str,
        dtype: Any,
    ) -> None:
        self.module = model
        self.tokenizer = tokenizer
        config = model.config
        self.is_multilingual = config.vocab_size >= 51865
        self.n_mels = config.num_mel_bins
        self.device = device
        self.device_index = [0]
        self.dtype = dtype
        self.special = special_tokens(tokenizer, config.vocab_size)
        self.alignment_heads = alignment_heads or [
            (layer, head)
            for layer in range(config.decoder_layers // 2, config.decoder_layers)
            for head in range(config.decoder_attention_heads)
        ]
        self.decoder = Decoder(model, self.special)
        self._local = threading.local()
        self.lang_ids = self._language_ids()

    @property
    def bias(self) -> Any:
        """The lexicon bias applied to this thread's ``generate`` calls, if any."""
        return getattr(self._local, "bias", None)

    @bias.setter
    def bias(self, value: Any) -> None:
        self._local.bias = value

    def _language_ids(self) -> list[int]:
        translate = self.tokenizer.token_to_id("<|translate|>")
        if translate is None:
            return []
        return list(range(self.special.sot + 1, translate))

    def _tensor(self, value: Any) -> Any:
        import torch

        if isinstance(value, torch.Tensor):
            return value
        return torch.as_tensor(np.asarray(value), device=self.device)

    def encode(self, features: Any, to_cpu: bool = False) -> Any:
        """Encoder output (windows × 1500 × dim) of log-mel features (windows × mels × 3000)."""
        import torch

        del to_cpu
        batch = np.asarray(features, dtype=np.float32)
        if batch.ndim == 2:
            batch = batch[None]
        with torch.inference_mode():
            inputs = torch.from_numpy(np.ascontiguousarray(batch)).to(self.device, self.dtype)
            return self.module.model.encoder(inputs).last_hidden_state

    def generate(
        self,
        encoder_output: Any,
        prompts: list[list[int]],
        *,
        beam_size: int = 5,
        patience: float = 1.0,
        num_hypotheses: int = 1,
        length_penalty: float = 1.0,
        max_length: int = 448,
        suppress_blank: bool = True,
        suppress_tokens: Any = (-1,),
        max_initial_timestamp_index: int = 50,
        sampling_temperature: float = 1.0,
        sampling_topk: int = 1,
        **_ignored: Any,
    ) -> list[GenerationResult]:
        """Decode each window after its prompt: beam search, or with ``sampling_topk`` other
        than 1 best-of-``num_hypotheses`` sampling at ``sampling_temperature``."""
        encoded = self._tensor(encoder_output)
        suppress = tuple(t for t in (suppress_tokens or ()) if t >= 0)
        sampling = sampling_topk != 1 and beam_size == 1
        request = Request(
            beam_size=beam_size,
            patience=patience,
            num_hypotheses=num_hypotheses,
            length_penalty=length_penalty,
            max_length=max_length,
            suppress_blank=suppress_blank,
            suppress_tokens=suppress,
            max_initial_timestamp_index=max_initial_timestamp_index,
            temperature=sampling_temperature if sampling else 0.0,
            bias=self.bias,
        )
        results: list[GenerationResult | None] = [None] * len(prompts)
        groups: dict[tuple[int, ...], list[int]] = {}
        for index, prompt in enumerate(prompts):
            groups.setdefault(tuple(prompt), []).append(index)
        for shared, indices in groups.items():
            found = self.decoder.generate(encoded[indices], list(shared), request)
            for index, hypothesis in zip(indices, found, strict=True):
                results[index] = GenerationResult(
                    sequences_ids=[hypothesis.tokens],
                    scores=[hypothesis.score],
                    no_speech_prob=hypothesis.no_speech_prob,
                )
        return [r for r in results if r is not None]

    def align(
        self,
        encoder_output: Any,
        start_sequence: list[int],
        text_tokens: list[list[int]],
        num_frames: int | list[int],
        median_filter_width: int = 7,
    ) -> list[AlignmentResult]:
        """Token-to-frame alignment of each window's text (one decoder pass for all). A text
        too long for the decoder's positions is aligned as far as they reach; the tokens past
        that keep the last time, with probability 0."""
        import torch

        encoded = self._tensor(encoder_output)
        sp = self.special
        frames = num_frames if isinstance(num_frames, list) else [num_frames] * len(text_tokens)
        room = self.module.config.max_target_positions - len(start_sequence) - 2
        full = text_tokens
        text_tokens = [text[:room] for text in text_tokens]
        sequences = [[*start_sequence, sp.no_timestamps, *text, sp.eot] for text in text_tokens]
        longest = max(len(s) for s in sequences)
        padded = [s + [sp.eot] * (longest - len(s)) for s in sequences]
        ids = torch.tensor(padded, dtype=torch.long, device=encoded.device)
        with (
            torch.inference_mode(),
            CrossAttentionProbe(self.module, self.alignment_heads) as probe,
        ):
            out = self.module.model.decoder(
                input_ids=ids, encoder_hidden_states=encoded, use_cache=False
            )
            logits = self.module.proj_out(out.last_hidden_state).float()
            attention = probe.logits()
        begin = len(start_sequence)
        results: list[AlignmentResult] = []
        for row, text in enumerate(text_tokens):
            probs = logits[row, begin : begin + len(text), : sp.eot].softmax(dim=-1)
            picked = probs[torch.arange(len(text)), torch.tensor(text, dtype=torch.long)]
            text_idx, time_idx = alignment_path(
                attention[row], len(sequences[row]), begin, frames[row] // 2, median_filter_width
            )
            pairs = list(zip(text_idx.tolist(), time_idx.tolist(), strict=True))
            probs_out = picked.tolist()
            missing = len(full[row]) - len(text)
            if missing:
                last = pairs[-1][1] if pairs else 0
                pairs += [(len(text) + 1 + i, last) for i in range(missing)]
                probs_out += [0.0] * missing
            results.append(AlignmentResult(alignments=pairs, text_token_probs=probs_out))
        return results

    def detect_language(self, encoder_output: Any) -> list[list[tuple[str, float]]]:
        """Per window, the language tokens with their probabilities, most likely first."""
        import torch

        encoded = self._tensor(encoder_output)
        ids = torch.full(
            (encoded.shape[0], 1), self.special.sot, dtype=torch.long, device=encoded.device
        )
        with torch.inference_mode():
            out = self.module.model.decoder(
                input_ids=ids, encoder_hidden_states=encoded, use_cache=False
            )
            logits = self.module.proj_out(out.last_hidden_state)[:, 0].float()
        if not self.lang_ids:
            return [[("<|en|>", 1.0)] for _ in range(encoded.shape[0])]
        probs = logits[:, self.lang_ids].softmax(dim=-1).tolist()
        names = [self.tokenizer.id_to_token(i) for i in self.lang_ids]
        return [sorted(zip(names, row, strict=True), key=lambda p: -p[1]) for row in probs]
