# Telegram gateway (bot/telegram, finished on its own branch; issue 4 adds the hand-off). In
# production it runs in webhook mode behind the load balancer and calls the Rasa replicas' REST
# channel with the X-SEGIB-Secret header (REST_SHARED_SECRET).
#   docker build -f deploy/gateway.Dockerfile -t segib/gateway .
FROM python:3.10-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install -r requirements.txt -c constraints.txt && useradd --system --uid 1001 --home /app segib
COPY contracts.py .
COPY bot/ bot/
COPY knowledge/ knowledge/
COPY handoff/ handoff/
COPY data/knowledge/ data/knowledge/
COPY endpoints.production.yml ./
USER 1001
CMD ["python", "-m", "bot.telegram"]
