# Scribe terms worker: music-term recognition with spaCy and the lexicon (CPU).
# Build from the repository root (the .dockerignore there keeps the context small):
#   docker build -f deploy/docker/terms.Dockerfile -t scribe/terms:$(git rev-parse --short HEAD) .
# BuildKit (Docker 20.10 or newer) builds it with its own Dockerfile frontend: no `# syntax=`
# line, so no frontend image is pulled and offline builds work (`make images`).
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

# pip-ca: an optional build secret, the CA bundle of a private index or a TLS proxy
# (`--secret id=pip-ca,src=FILE`), mounted for the pip steps only and never in a layer.
RUN --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
 && python -m venv /opt/venv \
 && pip install --upgrade pip setuptools wheel

WORKDIR /build
# The lock file: every dependency pinned with its sha256 hashes (`make lock` refreshes it).
ARG LOCK_FILE=requirements/terms.txt
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

HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
  CMD ["python", "/opt/scribe/healthcheck.py", "http://127.0.0.1:9100/healthz"]

ENTRYPOINT ["scribe"]
CMD ["worker", "terms"]
