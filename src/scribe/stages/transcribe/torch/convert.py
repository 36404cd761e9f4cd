"""CTranslate2 Whisper ``model.bin`` to a Hugging Face ``WhisperForConditionalGeneration`` state.

CTranslate2's binary layout (``ModelSpec.save`` in its ``python/ctranslate2/specs/model_spec.py``,
read by ``models::Model::load`` in its C++ sources), all little-endian:

- ``uint32`` binary version (6 here), a string spec name (``WhisperSpec``), ``uint32`` revision;
- ``uint32`` count of variables, then for each: a string name, ``uint8`` rank, ``uint32`` per
  dimension, ``uint8`` data type (0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16),
  ``uint32`` byte count and the raw bytes; an int8 weight comes with a float32 ``<name>_scale``
  (one per output row: ``weight = int8 / scale``);
- ``uint32`` count of aliases, then pairs of strings (``decoder/projection/weight`` names the
  embedding it shares).

A string is a ``uint16`` length (with the terminating NUL), the UTF-8 bytes and a NUL.

The spec fuses projections that Hugging Face keeps apart: self-attention's ``linear_0`` is
q, k and v stacked (k without a bias: its slice of the fused bias is zero), the decoder's
cross-attention ``linear_1`` is k and v stacked. :func:`convert` splits them back. The result
is cached once per source file (:func:`load_converted`).
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from scribe.errors import ModelError

DTYPES = {
    0: np.float32,
    1: np.int8,
    2: np.int16,
    3: np.int32,
    4: np.float16,
    5: np.uint16,  # bfloat16, widened below
}
SUPPORTED_VERSIONS = (5, 6)
CACHE_FORMAT = 1  # bump when the converted layout changes


@dataclass(frozen=True)
class WhisperDims:
    """The architecture a CTranslate2 Whisper spec describes."""

    vocab_size: int
    n_mels: int
    d_model: int
    encoder_layers: int
    decoder_layers: int
    encoder_heads: int
    decoder_heads: int
    encoder_ffn: int
    decoder_ffn: int
    max_source_positions: int
    max_target_positions: int


def _string(stream: BinaryIO) -> str:
    (length,) = struct.unpack("<H", stream.read(2))
    return stream.read(length)[:-1].decode("utf-8")


def read_ctranslate2(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The variables (name to array, int8 weights de-quantised to float32) and aliases of a
    CTranslate2 ``model.bin``."""
    raw: dict[str, np.ndarray] = {}
    aliases: dict[str, str] = {}
    try:
        with path.open("rb") as stream:
            (version,) = struct.unpack("<I", stream.read(4))
            if version not in SUPPORTED_VERSIONS:
                raise ModelError(f"{path}: CTranslate2 binary version {version} is not supported")
            spec = _string(stream)
            if spec != "WhisperSpec":
                raise ModelError(f"{path}: a {spec}, not a Whisper model")
            stream.read(4)  # revision
            (count,) = struct.unpack("<I", stream.read(4))
            for _ in range(count):
                name = _string(stream)
                rank = stream.read(1)[0]
                shape = struct.unpack(f"<{rank}I", stream.read(4 * rank))
                dtype = stream.read(1)[0]
                (size,) = struct.unpack("<I", stream.read(4))
                if dtype not in DTYPES:
                    raise ModelError(f"{path}: variable {name} has unknown data type {dtype}")
                data = np.frombuffer(stream.read(size), dtype=DTYPES[dtype])
                if dtype == 5:
                    data = (data.astype(np.uint32) << 16).view(np.float32)
                raw[name] = data.reshape(shape)
            (count,) = struct.unpack("<I", stream.read(4))
            for _ in range(count):
                alias = _string(stream)
                aliases[alias] = _string(stream)
    except (OSError, struct.error, ValueError, IndexError) as exc:
        raise ModelError(f"cannot read CTranslate2 model {path}: {exc}") from exc
    variables: dict[str, np.ndarray] = {}
    for name, value in raw.items():
        if name.endswith("_scale") and name[: -len("_scale")] in raw:
            continue
        scale = raw.get(name + "_scale")
        if value.dtype == np.int8 and scale is not None and value.ndim == 2:
            value = value.astype(np.float32) / scale.astype(np.float32).reshape(-1, 1)
        variables[name] = value
    return variables, aliases


def dims_of(variables: dict[str, np.ndarray]) -> WhisperDims:
    """The architecture from the variables' shapes and scalars."""

    def layers(side: str) -> int:
        parts = {n.split("/")[1] for n in variables if n.startswith(f"{side}/layer_")}
        return sum(1 for part in parts if part[len("layer_") :].isdigit())

    embedding = variables["decoder/embeddings/weight"]
    return WhisperDims(
        vocab_size=int(embedding.shape[0]),
        n_mels=int(variables["encoder/conv1/weight"].shape[1]),
        d_model=int(embedding.shape[1]),
        encoder_layers=layers("encoder"),
        decoder_layers=layers("decoder"),
        encoder_heads=int(variables["encoder/num_heads"]),
        decoder_heads=int(variables["decoder/num_heads"]),
        encoder_ffn=int(variables["encoder/layer_0/ffn/linear_0/weight"].shape[0]),
        decoder_ffn=int(variables["decoder/layer_0/ffn/linear_0/weight"].shape[0]),
        max_source_positions=int(variables["encoder/position_encodings/encodings"].shape[0]),
        max_target_positions=int(variables["decoder/position_encodings/encodings"].shape[0]),
    )


def _linear(out: dict[str, np.ndarray], src: dict[str, np.ndarray], ct2: str, hf: str) -> None:
    out[f"{hf}.weight"] = src[f"{ct2}/weight"]
    if f"{ct2}/bias" in src:
        out[f"{hf}.bias"] = src[f"{ct2}/bias"]


def _norm(out: dict[str, np.ndarray], src: dict[str, np.ndarray], ct2: str, hf: str) -> None:
    out[f"{hf}.weight"] = src[f"{ct2}/gamma"]
    out[f"{hf}.bias"] = src[f"{ct2}/beta"]


def _split(
    out: dict[str, np.ndarray], src: dict[str, np.ndarray], ct2: str, hf: str, names: list[str]
) -> None:
    """A fused projection split into ``names`` (k has no bias in Whisper)."""
    weights = np.split(src[f"{ct2}/weight"], len(names), axis=0)
    biases = np.split(src[f"{ct2}/bias"], len(names), axis=0)
    for name, weight, bias in zip(names, weights, biases, strict=True):
        out[f"{hf}.{name}.weight"] = weight
        if name != "k_proj":
            out[f"{hf}.{name}.bias"] = bias


def to_hf_state(variables: dict[str, np.ndarray], dims: WhisperDims) -> dict[str, np.ndarray]:
    """The Hugging Face names for CTranslate2's variables (``proj_out`` is tied, not stored)."""
    src = variables
    out: dict[str, np.ndarray] = {}
    enc, dec = "model.encoder", "model.decoder"
    for conv in ("conv1", "conv2"):
        _linear(out, src, f"encoder/{conv}", f"{enc}.{conv}")
    out[f"{enc}.embed_positions.weight"] = src["encoder/position_encodings/encodings"]
    for i in range(dims.encoder_layers):
        c, h = f"encoder/layer_{i}", f"{enc}.layers.{i}"
        _norm(out, src, f"{c}/self_attention/layer_norm", f"{h}.self_attn_layer_norm")
        _split(
            out,
            src,
            f"{c}/self_attention/linear_0",
            f"{h}.self_attn",
            ["q_proj", "k_proj", "v_proj"],
        )
        _linear(out, src, f"{c}/self_attention/linear_1", f"{h}.self_attn.out_proj")
        _norm(out, src, f"{c}/ffn/layer_norm", f"{h}.final_layer_norm")
        _linear(out, src, f"{c}/ffn/linear_0", f"{h}.fc1")
        _linear(out, src, f"{c}/ffn/linear_1", f"{h}.fc2")
    _norm(out, src, "encoder/layer_norm", f"{enc}.layer_norm")
    out[f"{dec}.embed_tokens.weight"] = src["decoder/embeddings/weight"]
    out[f"{dec}.embed_positions.weight"] = src["decoder/position_encodings/encodings"]
    for i in range(dims.decoder_layers):
        c, h = f"decoder/layer_{i}", f"{dec}.layers.{i}"
        _norm(out, src, f"{c}/self_attention/layer_norm", f"{h}.self_attn_layer_norm")
        _split(
            out,
            src,
            f"{c}/self_attention/linear_0",
            f"{h}.self_attn",
            ["q_proj", "k_proj", "v_proj"],
        )
        _linear(out, src, f"{c}/self_attention/linear_1", f"{h}.self_attn.out_proj")
        _norm(out, src, f"{c}/attention/layer_norm", f"{h}.encoder_attn_layer_norm")
        _linear(out, src, f"{c}/attention/linear_0", f"{h}.encoder_attn.q_proj")
        _split(out, src, f"{c}/attention/linear_1", f"{h}.encoder_attn", ["k_proj", "v_proj"])
        _linear(out, src, f"{c}/attention/linear_2", f"{h}.encoder_attn.out_proj")
        _norm(out, src, f"{c}/ffn/layer_norm", f"{h}.final_layer_norm")
        _linear(out, src, f"{c}/ffn/linear_0", f"{h}.fc1")
        _linear(out, src, f"{c}/ffn/linear_1", f"{h}.fc2")
    _norm(out, src, "decoder/layer_norm", f"{dec}.layer_norm")
    return out


def hf_config(dims: WhisperDims, folder: Path) -> dict[str, Any]:
    """A ``WhisperConfig`` as plain data: the spec's dimensions, special tokens from the
    folder's tokenizer, alignment heads from its ``config.json``."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    eot = tokenizer.token_to_id("<|endoftext|>")
    sot = tokenizer.token_to_id("<|startoftranscript|>")
    ct2 = (
        json.loads((folder / "config.json").read_text())
        if (folder / "config.json").is_file()
        else {}
    )
    return {
        "vocab_size": dims.vocab_size,
        "num_mel_bins": dims.n_mels,
        "d_model": dims.d_model,
        "encoder_layers": dims.encoder_layers,
        "decoder_layers": dims.decoder_layers,
        "encoder_attention_heads": dims.encoder_heads,
        "decoder_attention_heads": dims.decoder_heads,
        "encoder_ffn_dim": dims.encoder_ffn,
        "decoder_ffn_dim": dims.decoder_ffn,
        "max_source_positions": dims.max_source_positions,
        "max_target_positions": dims.max_target_positions,
        "activation_function": "gelu",
        "bos_token_id": eot,
        "eos_token_id": eot,
        "pad_token_id": eot,
        "decoder_start_token_id": sot,
        "tie_word_embeddings": True,
        "alignment_heads": [list(map(int, pair)) for pair in ct2.get("alignment_heads", [])],
    }


def convert(folder: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The Hugging Face state (float arrays) and config of a CTranslate2 Whisper folder."""
    variables, _aliases = read_ctranslate2(folder / "model.bin")
    try:
        dims = dims_of(variables)
        state = to_hf_state(variables, dims)
    except (KeyError, ValueError, IndexError) as exc:
        raise ModelError(
            f"{folder}: not a CTranslate2 Whisper layout this converter knows ({exc})"
        ) from exc
    return state, hf_config(dims, folder)


def cache_key(model_bin: Path) -> str:
    """Names the converted copy after the source file's size and modification time."""
    stat = model_bin.stat()
    return f"{stat.st_size}-{stat.st_mtime_ns}-v{CACHE_FORMAT}"


def load_converted(folder: Path, cache_dir: Path | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The converted state (torch tensors, float16 for a float16 source) and config of a
    CTranslate2 folder, from ``cache_dir`` when converted before, else converted now and
    written there atomically (a temporary file renamed into place)."""
    import torch
    from safetensors.torch import load_file, save_file

    model_bin = folder / "model.bin"
    if not model_bin.is_file():
        raise ModelError(f"{folder} is not a CTranslate2 model folder (no model.bin)")
    target: Path | None = None
    if cache_dir is not None:
        target = cache_dir / "torch" / f"{folder.name}-{cache_key(model_bin)}.safetensors"
        if target.is_file():
            try:
                tensors = load_file(str(target))
                config = json.loads(target.with_suffix(".json").read_text())
                return tensors, config
            except (OSError, ValueError) as exc:  # a damaged copy: convert again
                del exc
    state, config = convert(folder)
    tensors = {name: torch.from_numpy(np.array(value)) for name, value in state.items()}
    if target is not None:
        _write_atomic(target, tensors, config, save_file)
    return tensors, config


def _write_atomic(target: Path, tensors: dict[str, Any], config: dict[str, Any], save: Any) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix, write in (
        (".json", lambda p: Path(p).write_text(json.dumps(config))),
        (".safetensors", lambda p: save(tensors, p)),
    ):
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        os.close(fd)
        try:
            write(tmp)
            os.replace(tmp, target.with_suffix(suffix))
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
