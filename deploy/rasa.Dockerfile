# Rasa server (one replica; run several behind the load balancer). Build from the repository root
# after `make train` (the image carries the trained model):
#   docker build -f deploy/rasa.Dockerfile -t segib/rasa .
# The only image with Rasa and TensorFlow (requirements/rasa.txt; sizes in docs/production.md).
FROM python:3.10-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 RASA_TELEMETRY_ENABLED=false \
    ENDPOINTS_FILE=endpoints.production.yml SANIC_REQUEST_MAX_SIZE=65536 TF_CPP_MIN_LOG_LEVEL=2 LOG_FORMAT=json
WORKDIR /app
COPY requirements/ requirements/
COPY constraints.txt ./
RUN pip install -r requirements/rasa.txt -c constraints.txt && useradd --system --uid 1001 --home /app segib
COPY config.yml domain.yml credentials.yml endpoints.production.yml ./
COPY contracts.py .
COPY rasa_server/ rasa_server/
COPY data_protection/ data_protection/
COPY knowledge/ knowledge/
COPY handoff/ handoff/
COPY nlu/ nlu/
COPY ops/ ops/
COPY data/ data/
COPY models/segib-*.tar.gz models/
USER 1001
EXPOSE 5005
# Healthy once the model is loaded (the REST channel answers 503 before).
HEALTHCHECK --interval=15s --timeout=6s --start-period=90s --retries=3 \
  CMD ["python", "-m", "ops.healthcheck", "http://127.0.0.1:5005/webhooks/rest/"]
# HTTP API off (no --enable-api), no --cors: only the REST and web widget channels (and /metrics)
# are served. The replica listens on all the container's interfaces; publish it only through the
# load balancer, which does not route /metrics. python -m rasa_server = python -m rasa with the
# project's logging and patches (rasa_server/__main__.py; it exits with status 2 if they cannot apply).
CMD ["sh", "-c", "exec python -m rasa_server run --model models --endpoints \"$ENDPOINTS_FILE\" --credentials credentials.yml --interface 0.0.0.0 --port 5005"]
