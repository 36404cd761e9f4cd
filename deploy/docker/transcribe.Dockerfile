# Scribe transcribe worker: faster-whisper (CTranslate2) on the GPU.
# The CUDA libraries come from PyPI wheels, locked in requirements/transcribe.txt with hashes:
# ctranslate2 4.8.5 was built with CUDA 12.8, cuBLAS 12.8.4.1 and cuDNN 9.10.2.21, so the
# lock pins nvidia-cublas-cu12==12.8.4.1 and nvidia-cudnn-cu12==9.10.2.21 (the `gpu` extra of
# pyproject.toml: the one place the versions are named). No nvidia/cuda base image: the image
# builds on any Python base; the NVIDIA driver comes from the host (the ECS GPU AMI; CUDA 12
# minor-version compatibility lets 12.8 libraries run on a 12.x driver, 525 or newer).
# Build from the repository root:
#   docker build -f deploy/docker/transcribe.Dockerfile -t scribe/transcribe:$(git rev-parse --short HEAD) .
# Bake a model into the image instead of using the mounted cache (bigger image, no EFS):
#   docker build -f deploy/docker/transcribe.Dockerfile --build-arg BAKE_MODEL=medium.en ...
# and deploy with SCRIBE_WHISPER__MODEL=/opt/scribe/baked/medium.en (Terraform: whisper_model).
# BuildKit (Docker 20.10 or newer) builds it with its own Dockerfile frontend: no `# syntax=`
# line, so no frontend image is pulled and offline builds work (`make images`).
#
# Base image pinned to a patch release; pin the digest too when publishing. Offline builds
# pass --build-arg PYTHON_IMAGE=<a local base> (docs/operations/deploy.md).
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

################################################################################
# python-base: Python 3.11 (the CUDA libraries arrive with the lock)
################################################################################
FROM ${PYTHON_IMAGE} AS python-base

################################################################################
# builder: build the scribe wheel, install it and its dependencies into a venv
################################################################################
FROM python-base AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

# pip-ca: an optional build secret, the CA bundle of a private index or a TLS proxy
# (`--secret id=pip-ca,src=FILE`), mounted for the pip steps only and never in a layer.
RUN --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
 && python -m venv /opt/venv \
 && pip install --upgrade pip setuptools wheel

WORKDIR /build
# The lock file: every dependency pinned with its sha256 hashes (`make lock` refreshes it).
ARG LOCK_FILE=requirements/transcribe.txt
COPY requirements ./requirements
RUN --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
 && pip install --require-hashes -r "$LOCK_FILE"

COPY pyproject.toml README.md* ./
COPY src ./src

RUN --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
 && pip wheel --no-deps --wheel-dir /dist . \
 && pip install --no-deps /dist/scribe-*.whl \
 && pip check \
 && scribe --help >/dev/null

################################################################################
# model: optionally download one faster-whisper model (BAKE_MODEL) into /opt/scribe/baked
################################################################################
FROM builder AS model

ARG BAKE_MODEL=""

RUN mkdir -p /opt/scribe/baked \
 && if [ -n "$BAKE_MODEL" ]; then \
      python -c "import sys; from faster_whisper import download_model; download_model(sys.argv[1], output_dir='/opt/scribe/baked/' + sys.argv[1])" "$BAKE_MODEL"; \
    fi

################################################################################
# runtime: the venv (CUDA wheels inside) and the (optional) baked model, as user 10001
################################################################################
FROM python-base AS runtime

ARG BAKE_MODEL=""

# The model cache is a mounted volume (EFS access point /models on ECS, a named volume in
# compose), never a layer of the image, unless BAKE_MODEL put one under /opt/scribe/baked.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/home/scribe \
    HF_HOME=/var/lib/scribe/huggingface \
    XDG_CACHE_HOME=/var/lib/scribe/cache \
    LD_LIBRARY_PATH=/opt/venv/lib/python3.11/site-packages/nvidia/cublas/lib:/opt/venv/lib/python3.11/site-packages/nvidia/cudnn/lib \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    SCRIBE_DATA_DIR=/var/lib/scribe \
    SCRIBE_LOG__FORMAT=json \
    SCRIBE_METRICS__HOST=0.0.0.0 \
    SCRIBE_METRICS__PORT=9100 \
    SCRIBE_WHISPER__CACHE_DIR=/models \
    SCRIBE_WHISPER__MODEL=${BAKE_MODEL:+/opt/scribe/baked/}${BAKE_MODEL:-tiny.en}

RUN groupadd --system --gid 10001 scribe \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/scribe --create-home \
      --shell /usr/sbin/nologin scribe \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/scribe /jobs /models

COPY --from=builder /opt/venv /opt/venv
COPY --from=model --chown=10001:10001 /opt/scribe/baked /opt/scribe/baked
COPY deploy/docker/healthcheck.py /opt/scribe/healthcheck.py

USER 10001:10001
WORKDIR /var/lib/scribe
EXPOSE 9100

# Loading a large model from EFS takes a while: a long start period.
HEALTHCHECK --interval=15s --timeout=5s --start-period=300s --retries=3 \
  CMD ["python", "/opt/scribe/healthcheck.py", "http://127.0.0.1:9100/healthz"]

ENTRYPOINT ["scribe"]
CMD ["worker", "transcribe"]
