"""Whisper decoding in PyTorch: beam search and best-of sampling over a batch of audio windows,
with Whisper's logit rules (blank and special-token suppression, timestamp rules) and an
optional additive bias (:mod:`.bias`) that ranks hypotheses but is never counted in the
log-probabilities reported (so the fallback thresholds judge the model, not the bias)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

NEG_INF = float("-inf")


@dataclass(frozen=True)
class SpecialTokens:
    """The token ids the decoding rules need."""

    eot: int
    sot: int
    no_timestamps: int
    no_speech: int | None
    blank: tuple[int, ...]
    vocab_size: int

    @property
    def timestamp_begin(self) -> int:
        """The first timestamp token."""
        return self.no_timestamps + 1


@dataclass
class Request:
    """One decoding call's settings (CTranslate2 ``Whisper.generate``'s parameters)."""

    beam_size: int = 5
    patience: float = 1.0
    num_hypotheses: int = 1
    length_penalty: float = 1.0
    max_length: int = 448
    suppress_blank: bool = True
    suppress_tokens: tuple[int, ...] = ()
    max_initial_timestamp_index: int = 50
    temperature: float = 0.0  # > 0 with beam_size 1: sampling
    bias: Any = None  # a LexiconBias or None


@dataclass
class Hypothesis:
    """The chosen decoding of one window."""

    tokens: list[int]
    score: float  # sum of log-probabilities (with the end token) / len(tokens) ** penalty
    no_speech_prob: float
    bias: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def _cache_kwarg(decoder: Any) -> str:
    """The decoder's name for its key/value cache (``cache`` in newer transformers)."""
    params = inspect.signature(decoder.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


class Decoder:
    """Runs the decoder of a Hugging Face Whisper module step by step with its cache."""

    def __init__(self, model: Any, special: SpecialTokens) -> None:
        self.model = model
        self.special = special
        self.cache_kwarg = _cache_kwarg(model.model.decoder)

    def step(self, tokens: Any, encoded: Any, cache: Any) -> tuple[Any, Any]:
        """Logits (rows × new tokens × vocab) for ``tokens`` after what ``cache`` holds."""
        out = self.model.model.decoder(
            input_ids=tokens,
            encoder_hidden_states=encoded,
            use_cache=True,
            **{self.cache_kwarg: cache},
        )
        cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
        return self.model.proj_out(out.last_hidden_state), cache

    def rule_mask(
        self, logits: Any, generated: Any, request: Request, with_timestamps: bool
    ) -> Any:
        """Apply suppression and timestamp rules in place to float logits (rows × vocab);
        ``generated`` holds the tokens sampled so far (rows × steps)."""
        import torch

        sp = self.special
        tb = sp.timestamp_begin
        steps = generated.shape[1]
        if request.suppress_blank and steps == 0:
            logits[:, [*sp.blank, sp.eot]] = NEG_INF
        if request.suppress_tokens:
            logits[:, list(request.suppress_tokens)] = NEG_INF
        if logits.shape[1] > sp.vocab_size:
            logits[:, sp.vocab_size :] = NEG_INF
        if not with_timestamps:
            logits[:, tb:] = NEG_INF
            return logits
        logits[:, sp.no_timestamps] = NEG_INF
        if steps == 0:
            logits[:, :tb] = NEG_INF
            logits[:, tb + request.max_initial_timestamp_index + 1 :] = NEG_INF
        else:
            last = generated[:, -1]
            last_ts = last >= tb
            pen_ts = generated[:, -2] >= tb if steps > 1 else torch.ones_like(last_ts)
            logits[last_ts & pen_ts, tb:] = NEG_INF
            logits[last_ts & ~pen_ts, : sp.eot] = NEG_INF
            stamps = torch.where(generated >= tb, generated, torch.full_like(generated, -1))
            latest = stamps.max(dim=1).values
            has = latest >= 0
            bound = torch.where(last_ts & ~pen_ts, latest, latest + 1)
            columns = torch.arange(logits.shape[1], device=logits.device)
            forbid = has[:, None] & (columns[None, :] >= tb) & (columns[None, :] < bound[:, None])
            logits.masked_fill_(forbid, NEG_INF)
        logprobs = torch.log_softmax(logits, dim=-1)
        stamp_mass = logprobs[:, tb:].logsumexp(dim=-1)
        text_best = logprobs[:, :tb].max(dim=-1).values
        logits[stamp_mass > text_best, :tb] = NEG_INF
        return logits

    def generate(self, encoded: Any, prompt: list[int], request: Request) -> list[Hypothesis]:
        """Decode every window of ``encoded`` (windows × frames × dim) after one shared
        ``prompt`` (the prompt ends where decoding begins)."""
        import torch

        sp = self.special
        windows = encoded.shape[0]
        sampling = request.temperature > 0 and request.beam_size == 1
        width = request.num_hypotheses if sampling else request.beam_size
        width = max(1, width)
        with_timestamps = sp.no_timestamps not in prompt
        device = encoded.device
        rows = windows * width
        prompt_ids = torch.tensor([prompt] * rows, dtype=torch.long, device=device)
        encoded_rows = encoded.repeat_interleave(width, dim=0)
        with torch.inference_mode():
            logits, cache = self.step(prompt_ids, encoded_rows, None)
            no_speech = [0.0] * windows
            if sp.no_speech is not None and sp.sot in prompt:
                first = logits[::width, prompt.index(sp.sot)].float().softmax(dim=-1)
                no_speech = first[:, sp.no_speech].tolist()
            last = logits[:, -1].float()
            limit = max(1, request.max_length - len(prompt))
            if sampling:
                found = self._sample(
                    last, cache, encoded_rows, request, width, with_timestamps, limit
                )
            else:
                found = self._beam(
                    last, cache, encoded_rows, request, width, with_timestamps, limit
                )
        return [
            Hypothesis(tokens=t, score=s, no_speech_prob=float(p), bias=b)
            for (t, s, b), p in zip(found, no_speech, strict=True)
        ]

    def _score(self, tokens: list[int], logprob: float, request: Request) -> float:
        return float(logprob / max(1, len(tokens)) ** request.length_penalty)

    def _sample(
        self,
        logits: Any,
        cache: Any,
        encoded: Any,
        request: Request,
        width: int,
        with_timestamps: bool,
        limit: int,
    ) -> list[tuple[list[int], float, float]]:
        """Best of ``width`` samples per window at ``request.temperature``."""
        import torch

        eot = self.special.eot
        rows = logits.shape[0]
        device = logits.device
        generated = torch.empty((rows, 0), dtype=torch.long, device=device)
        total = torch.zeros(rows, dtype=torch.float64, device=device)
        bias_total = torch.zeros(rows, dtype=torch.float64, device=device)
        done = torch.zeros(rows, dtype=torch.bool, device=device)
        state = request.bias.start(rows) if request.bias is not None else None
        for step in range(limit):
            masked = self.rule_mask(logits, generated, request, with_timestamps)
            logprobs = torch.log_softmax(masked, dim=-1)
            ranking = logprobs
            if state is not None:
                ranking = request.bias.apply(state, logprobs, generated)
            probs = torch.softmax(ranking / request.temperature, dim=-1)
            probs = torch.nan_to_num(probs, nan=0.0)
            probs[probs.sum(dim=-1) <= 0, eot] = 1.0
            chosen = torch.multinomial(probs, 1).squeeze(1)
            chosen = torch.where(done, torch.full_like(chosen, eot), chosen)
            gained = logprobs.gather(1, chosen[:, None]).squeeze(1).double()
            total += torch.where(done, torch.zeros_like(gained), gained)
            if state is not None:
                extra = (ranking - logprobs).gather(1, chosen[:, None]).squeeze(1).double()
                bias_total += torch.where(done, torch.zeros_like(extra), extra)
                state = request.bias.advance(state, chosen.tolist(), list(range(rows)))
            generated = torch.cat([generated, chosen[:, None]], dim=1)
            done |= chosen == eot
            if bool(done.all()) or step + 1 == limit:
                break
            logits, cache = self.step(chosen[:, None], encoded, cache)
            logits = logits[:, -1].float()
        results: list[tuple[list[int], float, float]] = []
        sequences = generated.tolist()
        totals = total.tolist()
        biases = bias_total.tolist()
        for window in range(rows // width):
            best: tuple[float, list[int], float, float] | None = None
            for row in range(window * width, (window + 1) * width):
                tokens = sequences[row]
                tokens = tokens[: tokens.index(eot)] if eot in tokens else tokens
                ranked = self._score(tokens, totals[row] + biases[row], request)
                if best is None or ranked > best[0]:
                    best = (ranked, tokens, self._score(tokens, totals[row], request), biases[row])
            assert best is not None
            results.append((best[1], best[2], best[3]))
        return results

    def _beam(
        self,
        logits: Any,
        cache: Any,
        encoded: Any,
        request: Request,
        width: int,
        with_timestamps: bool,
        limit: int,
    ) -> list[tuple[list[int], float, float]]:
        """Beam search of ``width`` beams per window; a window is finished once it holds
        ``width × patience`` ended hypotheses (openai-whisper's rule)."""
        import torch

        eot = self.special.eot
        rows = logits.shape[0]
        windows = rows // width
        device = logits.device
        generated = torch.empty((rows, 0), dtype=torch.long, device=device)
        total = torch.zeros(rows, dtype=torch.float64, device=device)
        torch.zeros(rows, dtype=torch.float64, device=device)
        # Only the first beam of each window is live at the start (the others are copies).
        start = torch.full((windows, width), NEG_INF, dtype=torch.float64, device=device)
        start[:, 0] = 0.0
        ranked_total = start.reshape(-1)
        wanted = max(1, round(width * request.patience))
        finished: list[list[tuple[float, list[int], float, float]]] = [[] for _ in range(windows)]
        state = request.bias.start(rows) if request.bias is not None else None
        self_cache = getattr(cache, "self_attention_cache", cache)
        for step in range(limit):
            masked = self.rule_mask(logits, generated, request, with_timestamps)
            logprobs = torch.log_softmax(masked, dim=-1)
            ranking = logprobs
            if state is not None:
                ranking = request.bias.apply(state, logprobs, generated)
            vocab = logprobs.shape[1]
            scores = (ranked_total[:, None] + ranking.double()).reshape(windows, width * vocab)
            top_scores, top_index = scores.topk(2 * width, dim=1)
            top_rows = top_index // vocab + torch.arange(windows, device=device)[:, None] * width
            top_tokens = top_index % vocab
            true_gain = logprobs[top_rows, top_tokens].double()
            picks = zip(
                top_scores.tolist(),
                top_rows.tolist(),
                top_tokens.tolist(),
                true_gain.tolist(),
                strict=True,
            )
            sources: list[int] = []
            new_tokens: list[int] = []
            new_ranked: list[float] = []
            new_true: list[float] = []
            history = generated.tolist()
            totals = total.tolist()
            for window, (w_scores, w_rows, w_tokens, w_gain) in enumerate(picks):
                live = 0
                for score, row, token, gain in zip(w_scores, w_rows, w_tokens, w_gain, strict=True):
                    if score == NEG_INF or live == width:
                        break
                    if token == eot:
                        if len(finished[window]) < wanted:
                            tokens = history[row]
                            finished[window].append(
                                (score, tokens, totals[row] + gain, score - totals[row] - gain)
                            )
                        continue
                    sources.append(row)
                    new_tokens.append(token)
                    new_ranked.append(score)
                    new_true.append(totals[row] + gain)
                    live += 1
                while live < width:  # nothing left alive: keep shape with dead beams
                    sources.append(window * width)
                    new_tokens.append(eot)
                    new_ranked.append(NEG_INF)
                    new_true.append(NEG_INF)
                    live += 1
            if all(len(found) >= wanted for found in finished) or step + 1 == limit:
                break
            index = torch.tensor(sources, dtype=torch.long, device=device)
            chosen = torch.tensor(new_tokens, dtype=torch.long, device=device)
            generated = torch.cat([generated[index], chosen[:, None]], dim=1)
            ranked_total = torch.tensor(new_ranked, dtype=torch.float64, device=device)
            total = torch.tensor(new_true, dtype=torch.float64, device=device)
            if state is not None:
                state = request.bias.advance(state, new_tokens, sources)
            self_cache.reorder_cache(index)
            logits, cache = self.step(chosen[:, None], encoded, cache)
            self_cache = getattr(cache, "self_attention_cache", cache)
            logits = logits[:, -1].float()
        sequences = generated.tolist()
        ranked_list = ranked_total.tolist()
        totals = total.tolist()
        results: list[tuple[list[int], float, float]] = []
        for window in range(windows):
            found = finished[window]
            if not found:  # ran out of length: the live beams stand in
                for row in range(window * width, (window + 1) * width):
                    if ranked_list[row] != NEG_INF:
                        found.append(
                            (
                                ranked_list[row],
                                sequences[row],
                                totals[row],
                                ranked_list[row] - totals[row],
                            )
                        )
            best = max(found, key=lambda f: self._score(f[1], f[0], request))
            results.append((best[1], self._score(best[1], best[2], request), best[3]))
        return results
