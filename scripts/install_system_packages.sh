#!/usr/bin/env bash
# System packages the test suite needs that PyPI cannot give: Debian's Chromium for the
# browser tests (Playwright's own browser download is not possible offline). Idempotent; runs
# as root or through sudo; does nothing when Chromium is already there.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "chromium is missing: install it (apt-get install chromium)" >&2; exit 1; }
  sudo="sudo"
fi
$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
  --no-install-recommends chromium >/dev/null
