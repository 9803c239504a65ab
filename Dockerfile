# 心愿池 wishpool — production image for the API (with the follow-up engine) and the bot.
# The bot talks to your Wechaty puppet service gateway: set WECHATY_PUPPET_SERVICE_ENDPOINT and
# WECHATY_PUPPET_SERVICE_TOKEN. The local fake WeChat account (gateway/) is for demos and tests
# and is not part of this image, nor is Node: `wishpool run` and `wishpool demo` are
# development-only commands (a source checkout after `make install`) and here only print so.
# The image offers `wishpool api` (the default), `wishpool bot`, `wishpool scheduler`,
# `wishpool db upgrade` and `wishpool token create`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md config.yaml ./
COPY api ./api
COPY bot ./bot
COPY models ./models
COPY nlp ./nlp
RUN pip install . && useradd --create-home wishpool && mkdir -p /app/data && chown wishpool /app/data && chmod 700 /app/data
USER wishpool

ENV WISHPOOL_API__HOST=0.0.0.0
VOLUME ["/app/data"]
EXPOSE 8000
# `wishpool bot` runs the bot instead (one bot per gateway).
CMD ["wishpool", "api"]
