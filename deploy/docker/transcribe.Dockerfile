# syntax=docker/dockerfile:1.7
# Scribe transcribe worker: faster-whisper (CTranslate2) on the GPU.
# CTranslate2 4.5+ needs the CUDA 12 runtime, cuBLAS and cuDNN 9: the CUDA "cudnn-runtime"
# image carries all three (the NVIDIA driver comes from the host, the ECS GPU AMI).
# Build from the repository root:
#   docker build -f deploy/docker/transcribe.Dockerfile -t scribe/transcribe:$(git rev-parse --short HEAD) .
# Bake a model into the image instead of using the mounted cache (bigger image, no EFS):
#   docker build -f deploy/docker/transcribe.Dockerfile --build-arg BAKE_MODEL=medium.en ...
# and deploy with SCRIBE_WHISPER__MODEL=/opt/scribe/baked/medium.en (Terraform: whisper_model).
#
# Base image pinned to a patch release; pin the digest too when publishing.
ARG CUDA_IMAGE=nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04

################################################################################
# python-base: CUDA runtime + cuDNN + Python 3.11 (Ubuntu 22.04's python3.11 packages)
################################################################################
FROM ${CUDA_IMAGE} AS python-base

ENV DEBIAN_FRONTEND=noninteractive

RUN apt-get update \
 && apt-get install -y --no-install-recommends python3.11 python3.11-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*

################################################################################
# builder: build the scribe wheel, install it and its dependencies into a venv
################################################################################
FROM python-base AS builder

# The scribe package's dependency group for this service (pyproject.toml; no database driver:
# workers never touch the database).
ARG PACKAGE_EXTRAS=transcribe

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

RUN python3.11 -m venv /opt/venv \
 && pip install --upgrade pip setuptools wheel

WORKDIR /build
COPY pyproject.toml README.md* ./
COPY src ./src

RUN pip wheel --no-deps --wheel-dir /dist . \
 && wheel="$(ls /dist/scribe-*.whl)" \
 && spec="$wheel" \
 && if [ -n "$PACKAGE_EXTRAS" ]; then spec="$wheel[$PACKAGE_EXTRAS]"; fi \
 && pip install "$spec" \
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
# runtime: CUDA libraries, the venv and the (optional) baked model, as user 10001
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
