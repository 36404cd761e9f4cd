#!/usr/bin/env bash
# Refresh the lock files in requirements/ from pyproject.toml (`make lock`):
#   requirements/base.txt  the runtime (api, extract and terms images)
#   requirements/gpu.txt   the runtime + the `gpu` extra: the CUDA wheels CTranslate2 was built
#                          with (transcribe image)
#   requirements/dev.txt   the runtime + the `dev` extra (make install, CI)
# Every line is pinned with its sha256 hashes; pip installs them with --require-hashes.
# uv resolves for CPython 3.11 on x86_64 manylinux (the images' platform), into .venv-lock.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
UV_VERSION="0.13.8"
LOCK_VENV=".venv-lock"

if [[ ! -x "$LOCK_VENV/bin/uv" ]] || [[ "$("$LOCK_VENV/bin/uv" --version)" != "uv $UV_VERSION"* ]]; then
    "$PYTHON" -m venv "$LOCK_VENV"
    "$LOCK_VENV/bin/python" -m pip install --quiet "uv==$UV_VERSION"
fi

compile() { # compile OUTPUT [uv args...]
    local output="$1"
    shift
    "$LOCK_VENV/bin/uv" pip compile pyproject.toml "$@" --generate-hashes --python-version 3.11 \
        --python-platform x86_64-manylinux_2_28 --no-header --quiet -o "$output"
    echo "locked $output ($(grep -c '==' "$output") packages)"
}

mkdir -p requirements
compile requirements/base.txt
compile requirements/gpu.txt --extra gpu
compile requirements/dev.txt --extra dev
