#!/usr/bin/env bash
# make images: the four service images on a base built here, no registry needed.
#   1. the base: scripts/build_base_image.sh (debootstrap + docker import), unless it exists
#      or SCRIBE_BASE_IMAGE names another one (python:3.11.11-slim-bookworm where a registry
#      can be reached)
#   2. deploy/docker/{api,extract,transcribe,terms}.Dockerfile with PYTHON_IMAGE=<the base>,
#      each from its hashed lock in requirements/, tagged ${SCRIBE_IMAGE_PREFIX}/<service>:${SCRIBE_IMAGE_TAG}
#   3. the moto server image of the stack test (deploy/compose/moto), on the same base
# Builds use the host's network (--network host), so pip and apt reach the mirrors the host
# uses. A CA bundle for pip (a private index, a TLS proxy) goes in as a build secret, never
# into a layer: PIP_CA_BUNDLE=FILE, by default the host's PIP_CERT when that is set.
# NO_CACHE=1 rebuilds every layer (for honest build times).
# Prints the build time of each image and the sizes; writes them to var/images.txt.
#
# Usage: scripts/build_images.sh [SERVICE...]     (default: all four and moto)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BASE="${SCRIBE_BASE_IMAGE:-scribe-base:bookworm}"
PREFIX="${SCRIBE_IMAGE_PREFIX:-scribe}"
TAG="${SCRIBE_IMAGE_TAG:-local}"
PIP_CA_BUNDLE="${PIP_CA_BUNDLE:-${PIP_CERT:-}}"
# The BuildKit client of the docker CLI (20.10) builds without the buildx plugin; a newer CLI
# needs buildx for BuildKit. DOCKER=... picks the CLI.
DOCKER="${DOCKER:-}"
if [[ -z "$DOCKER" ]]; then
    DOCKER=docker
    if ! docker buildx version >/dev/null 2>&1; then
        for cli in docker /usr/bin/docker; do
            version="$("$cli" version --format '{{.Client.Version}}' 2>/dev/null || true)"
            if [[ "${version%%.*}" =~ ^[0-9]+$ && "${version%%.*}" -lt 23 ]]; then DOCKER="$cli"; break; fi
        done
    fi
fi
export DOCKER_BUILDKIT=1

if [[ $# -gt 0 ]]; then services=("$@"); else services=(api extract transcribe terms moto); fi

if ! "$DOCKER" image inspect "$BASE" >/dev/null 2>&1; then
    if [[ "$BASE" == scribe-base:* ]]; then
        start=$(date +%s)
        scripts/build_base_image.sh "$BASE"
        base_seconds=$(( $(date +%s) - start ))
        echo "base $BASE built in $base_seconds s"
    else
        echo "base image $BASE missing: pull it or unset SCRIBE_BASE_IMAGE" >&2
        exit 2
    fi
fi

secret=()
if [[ -n "$PIP_CA_BUNDLE" ]]; then
    secret=(--secret "id=pip-ca,src=$PIP_CA_BUNDLE")
fi

# The api image ADDs the RDS CA bundle (RDS_CA_BUNDLE build argument; its default is the
# bundle's URL, what the release builds of docs/operations/deploy.md use). Here: the
# RDS_CA_BUNDLE variable if set (a URL or a file in the build context), else a copy at
# deploy/docker/certs/rds-ca.pem (not tracked), else a placeholder that says so: enough for a
# local PostgreSQL without TLS, never for RDS. No download is tried.
if [[ -n "${RDS_CA_BUNDLE:-}" ]]; then
    api_args=(--build-arg "RDS_CA_BUNDLE=$RDS_CA_BUNDLE")
elif [[ -f deploy/docker/certs/rds-ca.pem ]]; then
    api_args=(--build-arg RDS_CA_BUNDLE=deploy/docker/certs/rds-ca.pem)
else
    mkdir -p deploy/docker/certs
    printf '# No RDS CA bundle: this api image was built for local use (scripts/build_images.sh).\n' \
        >deploy/docker/certs/local-placeholder.pem
    api_args=(--build-arg RDS_CA_BUNDLE=deploy/docker/certs/local-placeholder.pem)
    echo "note: no RDS CA bundle given; the api image carries a placeholder (local use only)"
fi

mkdir -p var
report=var/images.txt
: >"$report.new"
built=("${services[@]}")
if [[ -n "${base_seconds:-}" ]]; then
    size=$("$DOCKER" image inspect --format '{{.Size}}' "$BASE")
    printf '%-12s %-28s build %5d s  size %6d MB\n' base "$BASE" "$base_seconds" $(( size / 1000000 )) \
        >>"$report.new"
    built+=(base)
fi
for service in "${services[@]}"; do
    image="$PREFIX/$service:$TAG"
    args=(--network host --build-arg "PYTHON_IMAGE=$BASE" "${secret[@]}" -t "$image")
    [[ -n "${NO_CACHE:-}" ]] && args+=(--no-cache)
    if [[ "$service" == moto ]]; then
        args+=(-f deploy/compose/moto/Dockerfile deploy/compose/moto)
    else
        [[ "$service" == api ]] && args+=("${api_args[@]}")
        args+=(-f "deploy/docker/$service.Dockerfile" .)
    fi
    echo "==> building $image"
    start=$(date +%s)
    "$DOCKER" build "${args[@]}"
    seconds=$(( $(date +%s) - start ))
    size=$("$DOCKER" image inspect --format '{{.Size}}' "$image")
    printf '%-12s %-28s build %5d s  size %6d MB\n' "$service" "$image" "$seconds" $(( size / 1000000 )) \
        | tee -a "$report.new"
done
# Keep the figures of the images not built this time.
if [[ -f "$report" ]]; then
    grep -v -E "^($(IFS='|'; echo "${built[*]}")) " "$report" >>"$report.new" || true
fi
sort -o "$report" "$report.new" && rm -f "$report.new"
echo
cat "$report"
"$DOCKER" images --filter "reference=$PREFIX/*" --filter "reference=${BASE%%:*}"
