# One image for every wires command: worker (the default), feed, dashboard, tail, enrich.
#
#   docker build -t ghcr.io/wires-pipeline/wires:0.1.0 .     (the name: deploy/image.env)
#   docker run IMAGE                         -> wires worker
#   docker run IMAGE dashboard               -> wires dashboard
#   docker run -v "$PWD/inbox:/inbox" IMAGE feed --watch /inbox
#
# Configuration comes only from WIRES_* variables (README.md, "Configuration"). The
# section classifier's model is package data (pipeline/text/data/sections-model.npz),
# so nothing is downloaded at run time. Everything installed comes from PyPI.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# -- builder: build the wheel, install it and its dependencies into /opt/venv ----------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline

# Binary wheels only: the slim image has no compiler, and every dependency ships one.
RUN python -m venv /opt/venv \
 && python -m pip wheel --no-cache-dir --no-deps --wheel-dir /dist . \
 && /opt/venv/bin/pip install --no-cache-dir --only-binary=:all: /dist/*.whl \
 && /opt/venv/bin/python -c "import importlib.resources as r; \
assert (r.files('pipeline.text') / 'data' / 'sections-model.npz').is_file(), 'model missing'" \
 && /opt/venv/bin/wires --version

# -- runtime: the venv, a non-root user, nothing else --------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="wires" \
      org.opencontainers.image.description="Live news-wire pipeline: clean, classify and stream agency copy." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    WIRES_BIND=0.0.0.0 \
    WIRES_DATA_DIR=/var/lib/wires

# Numeric uid (runAsNonRoot can check it); group 0 may write too, for platforms that
# run containers under an arbitrary uid in the root group.
RUN groupadd --system --gid 10001 wires \
 && useradd --system --uid 10001 --gid wires --home-dir /var/lib/wires \
        --shell /usr/sbin/nologin wires \
 && mkdir -p /var/lib/wires /inbox \
 && chown -R 10001:0 /var/lib/wires /inbox \
 && chmod -R g=u /var/lib/wires /inbox

COPY --from=builder /opt/venv /opt/venv
COPY deploy/docker/healthcheck.py /opt/wires/healthcheck.py

USER 10001
WORKDIR /var/lib/wires

# WIRES_METRICS_PORT (worker /metrics), WIRES_DASHBOARD_PORT (dashboard).
EXPOSE 9108 8080

# The worker, the feeder and the dashboard all stop cleanly on SIGINT (KeyboardInterrupt);
# a Python PID 1 has no handler for SIGTERM unless the command installs one.
STOPSIGNAL SIGINT

# Probes the worker's /metrics or the dashboard's /healthz, whichever the command serves.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "/opt/wires/healthcheck.py"]

ENTRYPOINT ["wires"]
CMD ["worker"]
