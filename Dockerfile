# syntax=docker/dockerfile:1
# One image for every service; the command names the service:
#   docker run IMAGE scoring --host 0.0.0.0 --port 8001
#   docker run --entrypoint python IMAGE -m services.sync.worker
#   docker run --entrypoint python IMAGE -m services.migrate_all
#
# Base image pinned by digest (python 3.11.16 on Debian 12): a rebuild gets the same bytes. To move
# it, resolve the tag's current digest and replace it in this one line (or let Renovate/Dependabot):
#   docker buildx imagetools inspect python:3.11-slim-bookworm --format '{{json .Manifest.Digest}}'
ARG PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b

# --- build: resolve and install the pinned dependencies into a virtualenv ---------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# dependencies first, exactly as locked (versions and sha256 of every file; `make lock` writes the
# lock, and make and CI install from its dev twin): this layer is reused until the lock changes
COPY requirements/runtime.lock ./requirements/runtime.lock
RUN pip install --require-hashes --no-deps -r requirements/runtime.lock
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY bench ./bench
# the installed package, not the source tree, must hold everything (migrations, framework documents);
# --no-deps: nothing beyond the lock is installed
RUN pip install --no-deps . \
    && cd / \
    && python -c "import services.serve, services.migrate_all, services.sync.worker, services.sync.fake_csdl, services.web.main"

# --- runtime: the virtualenv only, a non-root user, no build tools ---------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8000
# the papers' PDF needs a serif font covering Vietnamese (Liberation Serif: Times New Roman metrics)
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-liberation \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 chiso \
    && useradd --system --uid 10001 --gid chiso --home-dir /app --shell /usr/sbin/nologin chiso \
    && mkdir -p /app/data \
    && chown chiso:chiso /app/data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER 10001:10001
EXPOSE 8000 8001 8002 8003 8080
# liveness of whichever service runs here, on $PORT (set per service by compose / Kubernetes)
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', timeout=2)"]
ENTRYPOINT ["python", "-m", "services.serve"]
CMD ["gateway", "--host", "0.0.0.0"]
