# 心愿池 wishpool — production images, built in stages:
#
#   web-deps      Node 20: `npm ci` of the admin page's chart library (web/package-lock.json)
#   builder       Python 3.11 with build tools: installs the product into /opt/venv
#   gateway-deps  Node 20: `npm ci` of the gateway's pinned packages (package-lock.json)
#   gateway       Node 20 runtime: gateway/server.js in real mode (a real WeChat account through
#                 wechaty-puppet-wechat4u or another puppet package), no build tools
#   runtime       Python 3.11 slim (the default target): `wishpool api` (the default command),
#                 `wishpool scheduler`, `wishpool bot`, `wishpool db upgrade`, `wishpool token
#                 create`, `wishpool backup` / `wishpool restore` (PostgreSQL 15 client inside)
#
#   docker build -t wishpool .                          # the runtime image
#   docker build -t wishpool-gateway --target gateway . # the gateway image
#
# compose.yaml runs both (PostgreSQL, API workers, one scheduler, the gateway, the bot). The
# runtime image has no Node and no gateway files: `wishpool run` and `wishpool demo` (the fake
# account, for a source checkout) refuse there with one line. Both images run as a non-root
# user and keep their state in a 0700 data volume.

# ---- web-deps: the admin page's chart library, exactly as locked, served from the package -------
FROM node:20-bookworm-slim AS web-deps
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# ---- builder: the Python package and its dependencies in a virtual environment ------------------
FROM python:3.11-slim-bookworm AS builder
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY api ./api
COPY bot ./bot
COPY models ./models
COPY nlp ./nlp
COPY --from=web-deps /web/node_modules/chart.js/dist/chart.umd.min.js ./api/http/static/vendor/
RUN /opt/venv/bin/pip install .

# ---- gateway-deps: the gateway's npm packages, exactly as locked ---------------------------------
FROM node:20-bookworm-slim AS gateway-deps
WORKDIR /gateway
COPY gateway/package.json gateway/package-lock.json gateway/.npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# ---- gateway: a real WeChat account served as a Wechaty puppet service ---------------------------
FROM node:20-bookworm-slim AS gateway
ENV NODE_ENV=production WECHATY_LOG=warn
WORKDIR /gateway
COPY --from=gateway-deps /gateway/node_modules ./node_modules
COPY gateway/package.json gateway/server.js ./
# The session (a login credential: session.memory-card.json) lives in /data/gateway, 0700.
RUN mkdir -p /data/gateway && chown node:node /data/gateway && chmod 700 /data/gateway
USER node
VOLUME ["/data/gateway"]
EXPOSE 8788 8789
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:8789/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# gRPC on every interface of the container network (plaintext: never publish it outside);
# the control port (/health, /login) too, for the admin page's login state.
CMD ["node", "server.js", "--mode", "real", "--grpc-host", "0.0.0.0", "--control-host", "0.0.0.0", "--data-dir", "/data/gateway"]

# ---- runtime: the API, the scheduler and the bot -------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
# postgresql-client 15 (bookworm's): pg_dump / pg_restore for `wishpool backup` / `restore`,
# the same major version as the compose file's server.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 wishpool \
    && mkdir -p /app/data && chown wishpool:wishpool /app/data && chmod 700 /app/data
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY config.yaml ./
USER wishpool
ENV WISHPOOL_API__HOST=0.0.0.0
VOLUME ["/app/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4).status == 200 else 1)"]
# `wishpool bot` / `wishpool scheduler` run the other processes from this image (compose.yaml).
CMD ["wishpool", "api"]
