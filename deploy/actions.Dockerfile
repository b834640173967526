# Action server (stateless: scale it like the Rasa replicas).
#   docker build -f deploy/actions.Dockerfile -t segib/actions .
FROM python:3.10-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 ACTION_SERVER_PORT=5055
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install -r requirements.txt -c constraints.txt && useradd --system --uid 1001 --home /app segib
COPY contracts.py .
COPY actions/ actions/
COPY knowledge/ knowledge/
COPY handoff/ handoff/
COPY data/knowledge/ data/knowledge/
USER 1001
EXPOSE 5055
# ACTION_SERVER_HOST: the container's private-network address (docker compose sets it); never
# publish this port outside the private network.
CMD ["python", "-m", "actions"]
