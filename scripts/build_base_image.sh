#!/usr/bin/env bash
# A Debian bookworm base image made with debootstrap and `docker import`: no registry needed.
# It stands in for python:3.11.11-slim-bookworm where no registry can be reached (the images'
# PYTHON_IMAGE build argument picks it): Debian's python3 (3.11), venv, ca-certificates.
#
# Usage: scripts/build_base_image.sh [IMAGE]      (default scribe-base:bookworm; run as root)
#   DEBIAN_MIRROR=http://deb.debian.org/debian    the mirror debootstrap and the image's apt use
#   DEBIAN_SUITE=bookworm
set -euo pipefail

IMAGE="${1:-scribe-base:bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE="${DEBIAN_SUITE:-bookworm}"
PACKAGES="python3,python3-venv,python-is-python3,ca-certificates"

command -v debootstrap >/dev/null || { echo "debootstrap missing (apt-get install debootstrap)" >&2; exit 2; }
[[ "$(id -u)" == 0 ]] || { echo "debootstrap needs root" >&2; exit 2; }

ROOTFS="$(mktemp -d "${TMPDIR:-/var/tmp}/scribe-base.XXXXXX")"
trap 'rm -rf "$ROOTFS"' EXIT

debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR"

# The image's own apt sources (the suite, its updates and security), then no caches, lists,
# documentation or man pages: what the python slim images leave out too.
cat >"$ROOTFS/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${DEBIAN_SECURITY_MIRROR:-${MIRROR%/debian}/debian-security} $SUITE-security main
SOURCES
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* \
    "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* \
    "$ROOTFS"/var/log/*.log "$ROOTFS"/var/cache/debconf/*-old
find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'C*' -exec rm -rf {} + 2>/dev/null || true

tar -C "$ROOTFS" --numeric-owner -c . | docker import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["python3"]' \
    --message "debootstrap --variant=minbase $SUITE + $PACKAGES" \
    - "$IMAGE"
docker run --rm --network none "$IMAGE" python -c 'import sys, venv; print(sys.version)'
