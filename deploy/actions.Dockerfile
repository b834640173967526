# Action server (stateless: scale it like the Rasa replicas). No Rasa, no TensorFlow
# (requirements/actions.txt).
#   docker build -f deploy/actions.Dockerfile -t segib/actions .
FROM python:3.10-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 ACTION_SERVER_PORT=5055 LOG_FORMAT=json
WORKDIR /app
COPY requirements/ requirements/
COPY constraints.txt ./
RUN pip install -r requirements/actions.txt -c constraints.txt && useradd --system --uid 1001 --home /app segib
COPY contracts.py .
COPY actions/ actions/
COPY knowledge/ knowledge/
COPY handoff/ handoff/
COPY ops/ ops/
COPY data/knowledge/ data/knowledge/
USER 1001
EXPOSE 5055
HEALTHCHECK --interval=15s --timeout=6s --start-period=30s --retries=3 \
  CMD ["python", "-m", "ops.healthcheck", "http://127.0.0.1:5055/health"]
# ACTION_SERVER_HOST: 0.0.0.0 inside its container (docker compose and Helm set it), on the private
# network only; never publish this port outside it. /metrics is on the same port.
CMD ["python", "-m", "actions"]
