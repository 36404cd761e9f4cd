"""A Hugging Face Whisper module built from converted CTranslate2 weights, and a compact
quantised copy of those weights (int8 or 4-bit with per-group scales) for sending a model to
a machine that cannot read CTranslate2 files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scribe.errors import ModelError

QUANT_GROUP = 64  # values sharing one scale in a packed weight


def build_model(tensors: dict[str, Any], config: dict[str, Any], device: str, dtype: Any) -> Any:
    """``WhisperForConditionalGeneration`` with these weights, in eval mode on ``device``."""
    import torch
    from transformers import WhisperConfig, WhisperForConditionalGeneration

    settings = {k: v for k, v in config.items() if k != "alignment_heads"}
    hf_config = WhisperConfig(**settings)
    with torch.device("meta"):
        model = WhisperForConditionalGeneration(hf_config)
    state = dict(tensors)
    state["proj_out.weight"] = state["model.decoder.embed_tokens.weight"]
    try:
        model.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as exc:
        raise ModelError(f"converted weights do not fit the Whisper module: {exc}") from exc
    model.tie_weights()
    model = model.to(device=device, dtype=dtype)  # type: ignore[call-arg]
    model.eval()
    return model


def quantise(tensors: dict[str, Any], bits: int = 8) -> dict[str, Any]:
    """Every 2-D+ float weight as ``bits``-bit integers with one float16 scale per
    :data:`QUANT_GROUP` values (4-bit values packed two a byte); vectors stay float16."""
    import torch

    if bits not in (4, 8):
        raise ValueError("bits must be 4 or 8")
    packed: dict[str, Any] = {}
    top = 2 ** (bits - 1) - 1
    for name, value in tensors.items():
        value = value.float()
        if value.ndim < 2 or value.numel() % QUANT_GROUP:
            packed[name] = value.half()
            continue
        groups = value.reshape(-1, QUANT_GROUP)
        scale = groups.abs().amax(dim=1, keepdim=True).clamp(min=1e-8) / top
        q = torch.round(groups / scale).clamp(-top, top).to(torch.int8)
        if bits == 4:
            u = (q + 8).to(torch.uint8).reshape(-1, 2)
            q = (u[:, 0] | (u[:, 1] << 4)).contiguous()
        packed[name + f".q{bits}"] = q
        packed[name + ".scale"] = scale.half()
        packed[name + ".shape"] = torch.tensor(list(value.shape), dtype=torch.int64)
    return packed


def dequantise(packed: dict[str, Any]) -> dict[str, Any]:
    """The float16 weights of :func:`quantise`'s output."""
    import torch

    tensors: dict[str, Any] = {}
    for name, value in packed.items():
        if name.endswith((".scale", ".shape")):
            continue
        for bits in (4, 8):
            suffix = f".q{bits}"
            if name.endswith(suffix):
                base = name[: -len(suffix)]
                if bits == 4:
                    low = (value & 0x0F).to(torch.int16) - 8
                    high = (value >> 4).to(torch.int16) - 8
                    value = torch.stack([low, high], dim=1).reshape(-1)
                scale = packed[base + ".scale"].float()
                groups = value.float().reshape(-1, QUANT_GROUP) * scale
                shape = [int(d) for d in packed[base + ".shape"].tolist()]
                tensors[base] = groups.reshape(shape).half()
                break
        else:
            tensors[name] = value
    return tensors


def save_packed(tensors: dict[str, Any], config: dict[str, Any], path: Path, bits: int) -> None:
    """Write :func:`quantise`'s output and the config next to it (``path`` and ``.json``)."""
    import json

    from safetensors.torch import save_file

    save_file(quantise(tensors, bits), str(path))
    path.with_suffix(".json").write_text(json.dumps(config))


def load_packed(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The float16 weights and the config written by :func:`save_packed`."""
    import json

    from safetensors.torch import load_file

    return dequantise(load_file(str(path))), json.loads(path.with_suffix(".json").read_text())
