# One image for `shebao serve` (default) or `shebao worker`; migrations run at start.
# The same steps as `make`: the browser libraries from the committed lockfile (`make vendor`), the
# system-deps script, then the package.
FROM node:20-slim AS vendor
WORKDIR /vendor
COPY web/static/vendor/package.json web/static/vendor/package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SHEBAO_VAR_DIR=/var/lib/shebao
WORKDIR /app
COPY scripts/install-system-deps.sh scripts/install-system-deps.sh
RUN bash scripts/install-system-deps.sh --runtime && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY engine engine
COPY casework casework
COPY connectors connectors
COPY forms forms
COPY web web
COPY --from=vendor /vendor/node_modules web/static/vendor/node_modules
COPY sandbox sandbox
COPY workflows workflows
RUN pip install --no-cache-dir . \
 && useradd --system --create-home --home-dir /var/lib/shebao shebao
USER shebao
EXPOSE 8000
# SHEBAO_DATABASE_URL and SHEBAO_DATA_KEY come from the environment; nothing secret is baked in.
ENTRYPOINT ["sh", "-c", "shebao db upgrade && exec shebao \"$@\"", "shebao"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
