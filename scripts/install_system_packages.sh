#!/usr/bin/env bash
# System packages that PyPI cannot give: Debian's Chromium for the browser tests (Playwright's
# own browser download is not possible offline) and espeak-ng, the speech synthesiser the
# term-recall benchmark (bench/eval_asr.py) speaks lesson sentences with. Idempotent; runs as
# root or through sudo; does nothing when both are already there.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "missing: ${missing[*]} (install them with apt-get)" >&2; exit 1; }
  sudo="sudo"
fi
$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
  --no-install-recommends "${missing[@]}" >/dev/null
