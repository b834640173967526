# Telegram gateway (telegram_gateway). In production it runs in webhook mode behind the load balancer
# and calls the Rasa replicas' REST channel with the X-SEGIB-Secret header (REST_SHARED_SECRET).
# No Rasa, no TensorFlow (requirements/gateway.txt).
#   docker build -f deploy/gateway.Dockerfile -t segib/gateway .
FROM python:3.10-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 LOG_FORMAT=json GATEWAY_HTTP_PORT=8090
WORKDIR /app
COPY requirements/ requirements/
COPY constraints.txt ./
RUN pip install -r requirements/gateway.txt -c constraints.txt && useradd --system --uid 1001 --home /app segib
COPY contracts.py .
COPY telegram_gateway/ telegram_gateway/
COPY knowledge/ knowledge/
COPY handoff/ handoff/
COPY ops/ ops/
COPY data/knowledge/ data/knowledge/
USER 1001
# /health and /metrics (telegram_gateway/health.py); GATEWAY_HTTP_LISTEN=0.0.0.0 lets Prometheus in on
# the private network (compose and Helm set it); 8081 is the webhook server's.
EXPOSE 8090
HEALTHCHECK --interval=15s --timeout=6s --start-period=30s --retries=3 \
  CMD ["python", "-m", "ops.healthcheck", "http://127.0.0.1:8090/health"]
CMD ["python", "-m", "telegram_gateway"]
