# Demo page with the chat widget (website/server.py). A real website embeds the widget instead
# (docs/widget.md); this image serves the demo behind the same TLS proxy. No Rasa, no TensorFlow
# (requirements/web.txt).
#   docker build -f deploy/web.Dockerfile -t segib/web .
FROM node:20-bookworm-slim AS widget
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.10-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LOG_FORMAT=json
WORKDIR /app
COPY requirements/ requirements/
COPY constraints.txt ./
RUN pip install --no-cache-dir -r requirements/web.txt -c constraints.txt && useradd --system --uid 1001 --home /app segib
COPY contracts.py .
COPY website/ website/
COPY knowledge/ knowledge/
COPY ops/ ops/
COPY data/knowledge/ data/knowledge/
COPY docs/privacy.md docs/privacy.md
COPY web/ web/
COPY --from=widget /web/node_modules web/node_modules
USER 1001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=6s --start-period=20s --retries=3 \
  CMD ["python", "-m", "ops.healthcheck", "http://127.0.0.1:8080/health"]
CMD ["sh", "-c", "exec python -m website --host 0.0.0.0 --port 8080 --socket-url \"$WIDGET_SOCKET_URL\""]
