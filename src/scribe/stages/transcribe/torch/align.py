"""Word timing from cross-attention: the alignment heads' attention over the audio frames,
normalised and median-filtered, then dynamic time warping (as openai-whisper's ``timing.py``
and CTranslate2's ``Whisper.align`` do)."""

from __future__ import annotations

from typing import Any

import numpy as np


def median_filter(x: Any, width: int) -> Any:
    """A median filter of odd ``width`` along the last axis (reflect padding)."""
    import torch.nn.functional as F

    pad = width // 2
    if x.shape[-1] <= pad:
        return x
    shape = x.shape
    padded = F.pad(x.reshape(-1, 1, shape[-1]), (pad, pad), mode="reflect")
    return padded.unfold(-1, width, 1).median(dim=-1).values.reshape(shape)


def dtw(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cheapest monotonic path through ``cost`` (tokens × frames): the token and frame
    index of each step. Filled one anti-diagonal at a time (each depends only on the two
    before it), with openai-whisper's tie-breaking."""
    n, m = cost.shape
    total = np.full((n + 1, m + 1), np.inf, dtype=np.float64)
    trace = np.full((n + 1, m + 1), -1, dtype=np.int8)
    total[0, 0] = 0.0
    for d in range(2, n + m + 1):
        i = np.arange(max(1, d - m), min(n, d - 1) + 1)
        j = d - i
        c0 = total[i - 1, j - 1]
        c1 = total[i - 1, j]
        c2 = total[i, j - 1]
        pick0 = (c0 < c1) & (c0 < c2)
        pick1 = ~pick0 & (c1 < c0) & (c1 < c2)
        best = np.where(pick0, c0, np.where(pick1, c1, c2))
        total[i, j] = cost[i - 1, j - 1] + best
        trace[i, j] = np.where(pick0, 0, np.where(pick1, 1, 2))
    trace[0, :] = 2
    trace[:, 0] = 1
    i, j = n, m
    path: list[tuple[int, int]] = []
    while i > 0 or j > 0:
        path.append((i - 1, j - 1))
        step = trace[i, j]
        if step == 0:
            i, j = i - 1, j - 1
        elif step == 1:
            i -= 1
        else:
            j -= 1
    steps = np.array(path[::-1], dtype=np.int64).reshape(-1, 2)
    return steps[:, 0], steps[:, 1]


class CrossAttentionProbe:
    """Captures the cross-attention inputs of the layers holding alignment heads during one
    decoder pass, and turns them into those heads' attention logits."""

    def __init__(self, model: Any, heads: list[tuple[int, int]]) -> None:
        self.model = model
        self.heads = heads
        self.inputs: dict[int, tuple[Any, Any]] = {}
        self._handles: list[Any] = []

    def __enter__(self) -> CrossAttentionProbe:
        layers = self.model.model.decoder.layers
        for index in sorted({layer for layer, _head in self.heads}):
            attention = layers[index].encoder_attn

            def hook(_module: Any, args: Any, kwargs: Any, _out: Any, index: int = index) -> None:
                hidden = kwargs.get("hidden_states", args[0] if args else None)
                states = kwargs.get("key_value_states")
                self.inputs[index] = (hidden, states)

            self._handles.append(attention.register_forward_hook(hook, with_kwargs=True))
        return self

    def __exit__(self, *_exc: object) -> None:
        for handle in self._handles:
            handle.remove()

    def logits(self) -> Any:
        """(batch, heads, tokens, frames) attention logits of the alignment heads."""
        import torch

        layers = self.model.model.decoder.layers
        out = []
        for layer, head in self.heads:
            attention = layers[layer].encoder_attn
            hidden, states = self.inputs[layer]
            dim = attention.head_dim
            rows = slice(head * dim, (head + 1) * dim)
            q = hidden @ attention.q_proj.weight[rows].T + attention.q_proj.bias[rows]
            k = states @ attention.k_proj.weight[rows].T
            out.append((q.float() @ k.float().transpose(-1, -2)) * dim**-0.5)
        return torch.stack(out, dim=1)


def alignment_path(
    logits: Any, length: int, sot_length: int, frames: int, median_width: int
) -> tuple[np.ndarray, np.ndarray]:
    """DTW path of one sequence from its heads' attention logits (heads × tokens × frames),
    ``length`` tokens long, over its first ``frames`` encoder frames."""
    import torch

    weights = logits[:, :length, : max(1, frames)].softmax(dim=-1)
    std, mean = torch.std_mean(weights, dim=-2, keepdim=True, correction=0)
    weights = (weights - mean) / std.clamp(min=1e-10)
    weights = median_filter(weights, median_width)
    matrix = weights.mean(dim=0)[sot_length:-1]
    return dtw(-matrix.double().cpu().numpy())
