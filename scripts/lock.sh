#!/usr/bin/env bash
# Refresh the lock files in requirements/ from pyproject.toml (`make lock`):
#   requirements/api.txt         the api image: base + the `api` extra
#   requirements/extract.txt     the extract image: base + `extract`
#   requirements/terms.txt       the terms image: base + `terms`
#   requirements/transcribe.txt  the transcribe image: base + `transcribe` + `gpu` (the CUDA
#                                wheels CTranslate2 was built with)
#   requirements/dev.txt         one machine: base + `all` + `accurate` (Whisper base) + `dev`
#                                (make install, CI)
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
compile requirements/api.txt --extra api
compile requirements/extract.txt --extra extract
compile requirements/terms.txt --extra terms
compile requirements/transcribe.txt --extra transcribe --extra gpu
compile requirements/dev.txt --extra all --extra accurate --extra dev
# The stack test's moto server (deploy/compose/moto): its closure, with dev.txt's pins.
"$LOCK_VENV/bin/python" scripts/lock_moto.py
