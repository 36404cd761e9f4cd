# syntax=docker/dockerfile:1.7
# Scribe extract worker: audio extraction with FFmpeg through PyAV, in process (CPU).
# Build from the repository root (the .dockerignore there keeps the context small):
#   docker build -f deploy/docker/extract.Dockerfile -t scribe/extract:$(git rev-parse --short HEAD) .
#
# Base image pinned to a patch release; pin the digest too when publishing
# (`docker buildx imagetools inspect python:3.11.11-slim-bookworm` prints it).
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

################################################################################
# builder: build the scribe wheel, install it and its dependencies into a venv
################################################################################
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv \
 && pip install --upgrade pip setuptools wheel

WORKDIR /build
# The lock file: every dependency pinned with its sha256 hashes (`make lock` refreshes it).
ARG LOCK_FILE=requirements/extract.txt
COPY requirements ./requirements
RUN pip install --require-hashes -r "$LOCK_FILE"

COPY pyproject.toml README.md* ./
COPY src ./src

RUN pip wheel --no-deps --wheel-dir /dist . \
 && pip install --no-deps /dist/scribe-*.whl \
 && pip check \
 && scribe --help >/dev/null

################################################################################
# runtime: the venv only, as the non-root user 10001 (the uid of the EFS access points)
################################################################################
FROM ${PYTHON_IMAGE} AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/home/scribe \
    SCRIBE_DATA_DIR=/var/lib/scribe \
    SCRIBE_LOG__FORMAT=json \
    SCRIBE_METRICS__HOST=0.0.0.0 \
    SCRIBE_METRICS__PORT=9100

RUN groupadd --system --gid 10001 scribe \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/scribe --create-home \
      --shell /usr/sbin/nologin scribe \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/scribe /jobs

COPY --from=builder /opt/venv /opt/venv
COPY deploy/docker/healthcheck.py /opt/scribe/healthcheck.py

USER 10001:10001
WORKDIR /var/lib/scribe
EXPOSE 9100

HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "/opt/scribe/healthcheck.py", "http://127.0.0.1:9100/healthz"]

ENTRYPOINT ["scribe"]
CMD ["worker", "extract"]
