#!/usr/bin/env bash
# make stack-test: the compose stack from the built images, one lesson end to end, a worker
# stopped mid-job, then down. Needs a Docker daemon, docker-compose, the images of
# `make images`, python3, and (by default) a PostgreSQL on 127.0.0.1:5432 that `psql -U
# postgres` can administer (it gets a fresh database scribe_stack each run).
#
#   compose.yaml + compose.stack-test.yaml: api, extract, transcribe, terms as in
#   production compose, all on the host network; moto's server for SQS and S3
#
# Environment: STACK_DATABASE_URL (another PostgreSQL; then no database is made),
# KEEP_STACK=1 (leave it running), SKIP_DRAIN=1, DRAIN_SECONDS (length of the drain test's
# recording, default 120), SCRIBE_IMAGE_PREFIX / SCRIBE_IMAGE_TAG (as make images).
# Writes the figures (JSON) to var/stack-test.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export COMPOSE_PROJECT_NAME="${COMPOSE_PROJECT_NAME:-scribe-stack-test}"
export SCRIBE_IMAGE_PREFIX="${SCRIBE_IMAGE_PREFIX:-scribe}" SCRIBE_IMAGE_TAG="${SCRIBE_IMAGE_TAG:-local}"
export STACK_API_PORT="${STACK_API_PORT:-18000}"
# compose.yaml publishes the api's port; a host-network container publishes nothing, and
# docker-compose 1.x refuses the pair (an override can only add ports, not drop them), so the
# merged configuration, less those ports, is what runs.
mkdir -p var
merged=var/stack-test.compose.yaml
docker-compose -f deploy/compose/compose.yaml -f deploy/compose/compose.stack-test.yaml config \
    | python3 -c '
import sys, yaml
config = yaml.safe_load(sys.stdin)
for service in config["services"].values():
    if service.get("network_mode") == "host":
        service.pop("ports", None)
yaml.safe_dump(config, sys.stdout, sort_keys=False)' >"$merged"
compose=(docker-compose -f "$merged")
workers=(extract transcribe terms)

log() { printf '\n==> %s\n' "$*"; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

for image in api extract transcribe terms moto; do
    docker image inspect "$SCRIBE_IMAGE_PREFIX/$image:$SCRIBE_IMAGE_TAG" >/dev/null 2>&1 \
        || { echo "image $SCRIBE_IMAGE_PREFIX/$image:$SCRIBE_IMAGE_TAG missing: run make images" >&2; exit 2; }
done

log "transcribe image: CUDA libraries from the wheels, no GPU needed to import"
docker run --rm --network none --entrypoint python "$SCRIBE_IMAGE_PREFIX/transcribe:$SCRIBE_IMAGE_TAG" -c '
import ctypes, ctranslate2
for lib in ("libcublas.so.12", "libcublasLt.so.12", "libcudnn.so.9", "libcudnn_ops.so.9",
            "libcudnn_cnn.so.9"):
    ctypes.CDLL(lib)  # found through LD_LIBRARY_PATH (the wheels lib folders)
print("ctranslate2", ctranslate2.__version__, "CUDA devices:", ctranslate2.get_cuda_device_count(),
      "- cuBLAS and cuDNN load")'

teardown() {
    local rc=$?
    if [[ -n "${KEEP_STACK:-}" ]]; then
        echo "KEEP_STACK set: the stack is still up (${compose[*]} down -v)"
        return
    fi
    log "down"
    if [[ $rc -ne 0 ]]; then
        for service in api "${workers[@]}"; do
            echo "--- last log lines of $service"
            "${compose[@]}" logs --no-color --tail 25 "$service" 2>/dev/null || true
        done
    fi
    "${compose[@]}" down -v --remove-orphans || true
}
trap teardown EXIT

if [[ -z "${STACK_DATABASE_URL:-}" ]]; then
    log "fresh database scribe_stack on 127.0.0.1:5432"
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d postgres <<'SQL'
DROP DATABASE IF EXISTS scribe_stack WITH (FORCE);
DROP ROLE IF EXISTS scribe_stack;
CREATE ROLE scribe_stack LOGIN PASSWORD 'scribe-stack-local';
CREATE DATABASE scribe_stack OWNER scribe_stack;
SQL
fi

container() { "${compose[@]}" ps -q "$1"; }

wait_healthy() { # wait_healthy SERVICE TIMEOUT
    local id deadline=$(( $(date +%s) + $2 )) status
    id="$(container "$1")"
    while :; do
        status="$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id")"
        [[ "$status" == healthy ]] && return 0
        if [[ "$status" == unhealthy || $(date +%s) -gt $deadline ]]; then
            echo "$1 is $status" >&2
            return 1
        fi
        sleep 1
    done
}

start=$(now)
"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
log "moto (SQS, S3), queues and buckets"
"${compose[@]}" up -d --no-deps moto
"${compose[@]}" run --rm --no-deps stack-init
log "api"
"${compose[@]}" up -d --no-deps api
wait_healthy api 120
log "workers: ${workers[*]}"
"${compose[@]}" up -d --no-deps "${workers[@]}"
for service in "${workers[@]}"; do wait_healthy "$service" 300; done
up_seconds=$(since "$start")
"${compose[@]}" ps

log "non-root users"
for service in api "${workers[@]}"; do
    printf '%-11s %s\n' "$service" "$(docker exec "$(container "$service")" id)"
    [[ "$(docker exec "$(container "$service")" id -u)" != 0 ]] || { echo "$service runs as root" >&2; exit 1; }
done

log "an API key, made in the api container as its README says"
key="$("${compose[@]}" exec -T api scribe keys create stack-test --scope write | head -n 1)"
[[ "$key" == sk_* ]] || { echo "no key: $key" >&2; exit 1; }

log "end to end"
drain_args=()
[[ -n "${SKIP_DRAIN:-}" ]] && drain_args=(--skip-drain)
python3 tests/stack/e2e.py --api "http://127.0.0.1:$STACK_API_PORT" --key "$key" \
    --transcribe-container "$(container transcribe)" \
    --drain-seconds "${DRAIN_SECONDS:-120}" "${drain_args[@]}" | tee var/stack-test.out
tail -n 1 var/stack-test.out | python3 -c "
import json, sys
figures = json.loads(sys.stdin.read())
figures['stack_up_seconds'] = float(sys.argv[1])
json.dump(figures, open('var/stack-test.json', 'w'), indent=1)
print('figures:', json.dumps(figures))" "$up_seconds"
log "stack test passed (stack up in $up_seconds s)"
