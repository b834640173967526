# Rasa server (one replica; run several behind the load balancer). Build from the repository root
# after `make train` (the image carries the trained model):
#   docker build -f deploy/rasa.Dockerfile -t segib/rasa .
FROM python:3.10-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 RASA_TELEMETRY_ENABLED=false \
    ENDPOINTS_FILE=endpoints.production.yml SANIC_REQUEST_MAX_SIZE=65536
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install -r requirements.txt -c constraints.txt && useradd --system --uid 1001 --home /app segib
COPY config.yml domain.yml credentials.yml endpoints.production.yml ./
COPY contracts.py .
COPY bot/ bot/
COPY knowledge/ knowledge/
COPY handoff/ handoff/
COPY nlu/ nlu/
COPY data/ data/
COPY models/segib-*.tar.gz models/
USER 1001
EXPOSE 5005
# HTTP API off (no --enable-api), no --cors: only the REST and web widget channels are served.
# The replica listens on all the container's interfaces; publish it only through the load balancer.
CMD ["sh", "-c", "exec python -m rasa run --model models --endpoints \"$ENDPOINTS_FILE\" --credentials credentials.yml --interface 0.0.0.0 --port 5005"]
