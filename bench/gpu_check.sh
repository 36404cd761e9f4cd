#!/usr/bin/env bash
# GPU check of Scribe's transcription path, for a machine with an NVIDIA GPU.
#
# Reports: the GPU and driver (nvidia-smi), which CUDA libraries are missing if any, the
# real-time factor of a long file (sequential and batched), a batch-size sweep with GPU
# utilisation sampled through NVML (bench/gpu_check.py), then the worker-against-sequential
# throughput benchmark on the GPU (bench/throughput.py --device cuda).
#
# Python: the project's .venv when it exists, else a new .venv-gpu with the project installed.
# CUDA 12 cuBLAS and cuDNN 9 are found where the system has them or, when installed from PyPI
# (nvidia-cublas-cu12, nvidia-cudnn-cu12), in the venv: this script adds those folders to
# LD_LIBRARY_PATH. Set INSTALL_CUDA_LIBS=1 to pip-install them into the venv when missing.
#
# Usage: bench/gpu_check.sh [--model tiny.en] [--compute-type float16] [--sizes 1,4,8,16,32]
#        SKIP_THROUGHPUT=1 bench/gpu_check.sh   # only the check and the sweep
#        PY=/path/to/python bench/gpu_check.sh --device cpu --sizes 1,4   # a CPU dry run
# --device (cuda by default) applies to every step; PY picks the interpreter.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

device=cuda
previous=""
rest=()  # the arguments for gpu_check.py (everything but --device)
for arg in "$@"; do
    if [[ "$previous" == "--device" ]]; then
        device="$arg"
    elif [[ "$arg" == --device=* ]]; then
        device="${arg#--device=}"
    elif [[ "$arg" != "--device" ]]; then
        rest+=("$arg")
    fi
    previous="$arg"
done

if [[ -n "${PY:-}" ]]; then
    :
elif [[ -x .venv/bin/python ]]; then
    PY=.venv/bin/python
else
    echo "== no .venv: creating .venv-gpu with the project installed"
    if [[ ! -x .venv-gpu/bin/python ]]; then
        python3 -m venv .venv-gpu
    fi
    .venv-gpu/bin/python -m pip install --quiet --upgrade pip
    .venv-gpu/bin/python -m pip install --quiet -e .
    PY=.venv-gpu/bin/python
fi
echo "== python: $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"

echo "== GPU and driver"
if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=index,name,driver_version,memory.total,memory.used,utilization.gpu \
        --format=csv || echo "nvidia-smi failed: is the driver loaded?"
else
    echo "MISSING: nvidia-smi (the NVIDIA driver is not installed, or this container was" \
        "started without the NVIDIA runtime)"
fi

# CUDA libraries installed from PyPI live in site-packages/nvidia/*/lib.
nvidia_libs() {
    "$PY" - <<'EOF'
import glob, os, site
paths = []
for base in site.getsitepackages():
    paths += sorted(glob.glob(os.path.join(base, "nvidia", "*", "lib")))
print(":".join(paths))
EOF
}
if [[ "${INSTALL_CUDA_LIBS:-0}" == "1" ]]; then
    echo "== installing CUDA 12 cuBLAS and cuDNN 9 into the venv"
    "$PY" -m pip install --quiet nvidia-cublas-cu12 'nvidia-cudnn-cu12==9.*'
fi
EXTRA="$(nvidia_libs)"
if [[ -n "$EXTRA" ]]; then
    export LD_LIBRARY_PATH="$EXTRA${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "== using CUDA libraries from the venv: $EXTRA"
fi

echo "== NVML"
"$PY" -c 'import pynvml; pynvml.nvmlInit(); print("NVML", pynvml.nvmlSystemGetDriverVersion(), "devices:", pynvml.nvmlDeviceGetCount())' 2>/dev/null \
    || echo "MISSING: NVML (libnvidia-ml.so.1 from the driver); GPU utilisation cannot be sampled"

if [[ "$device" == "cuda" ]]; then
    echo "== check, real-time factor and batch-size sweep"
    status=0
    "$PY" bench/gpu_check.py ${rest[@]+"${rest[@]}"} || status=$?
    if [[ $status -ne 0 ]]; then
        echo "gpu_check.py stopped (exit $status): see MISSING above"
        exit "$status"
    fi
else
    echo "== --device $device: the CTranslate2 GPU check (bench/gpu_check.py) is CUDA only, skipped"
fi

if [[ "${SKIP_THROUGHPUT:-0}" != "1" ]]; then
    echo "== transcribe worker against sequential faster-whisper, on the GPU"
    "$PY" bench/throughput.py --device "$device" --rounds 2 --sweep 1,8,16,32
fi

if [[ "${SKIP_TORCH:-0}" != "1" ]]; then
    # The PyTorch engine (needs torch + transformers; runs where CTranslate2's CUDA 12
    # libraries are missing). TORCH_PACKED names quantised weights sent with the run
    # (bench/gpu_check_torch.py --pack), else the bundled model is converted here.
    echo "== PyTorch engine: batch sweep, GPU busy share, peak memory"
    "$PY" bench/gpu_check_torch.py --device "$device" --model "${TORCH_MODEL:-tiny.en}" \
        ${TORCH_PACKED:+--packed "$TORCH_PACKED"} --sizes "${TORCH_SIZES:-1,2,4,8,16,32,64}" \
        --files "${TORCH_FILES:-8}" --seconds "${TORCH_SECONDS:-60}"
fi
