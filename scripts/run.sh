#!/usr/bin/env bash
# Starts the embedded default: action server (5055), Rasa server (5005: REST and web widget
# channels, HTTP API off), the demo page with the widget (8080), all on loopback, and the Telegram
# gateway (polling) when TELEGRAM_BOT_TOKEN is set. Ctrl-C stops them all. Reads .env when present.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# .env is read by python-dotenv (ops/envfile.py), as the gateway and `make doctor` read it, never
# sourced by bash: an unquoted `HANDOFF_HOURS=mon-fri 09:00-18:00 Europe/Madrid` is one value, and
# a malformed line stops here with its line number. The environment wins over the file.
# SEGIB_ENV_FILE names another file (as for the gateway); empty reads none.
ENV_FILE="${SEGIB_ENV_FILE-.env}"
if [ -n "$ENV_FILE" ] && [ -f "$ENV_FILE" ]; then ENV_EXPORTS="$($PY -m ops.envfile "$ENV_FILE")"; eval "$ENV_EXPORTS"; fi
RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_SERVER_PORT:-5055}"  # 5055 is the port endpoints.yml names (a contract)
ENDPOINTS="${SEGIB_ENDPOINTS:-endpoints.yml}"  # another endpoints file (the benchmark uses its own ports)
WEB_PORT="${WEB_PORT:-8080}"
export WIDGET_SOCKET_URL="${WIDGET_SOCKET_URL:-http://127.0.0.1:$RASA_PORT}"
if [ "$WEB_PORT" != 8080 ] && [ -z "${WIDGET_ALLOWED_ORIGINS:-}" ]; then  # credentials.yml names :8080
  export WIDGET_ALLOWED_ORIGINS="http://localhost:$WEB_PORT,http://127.0.0.1:$WEB_PORT"
fi
mkdir -p .state logs
# Shared by the Rasa server and the Telegram gateway for /forget (rasa_server/channels/forget.py); a fresh
# random one per run unless set.
export SEGIB_FORGET_TOKEN="${SEGIB_FORGET_TOKEN:-$($PY -c 'import secrets; print(secrets.token_urlsafe(32))')}"
# Signs the web widget's resume tokens (rasa_server/channels/socketio.py): kept in .state/ so that a restart
# does not turn open widgets' conversations into new ones.
if [ -z "${SOCKETIO_SESSION_SECRET:-}" ]; then
  if [ ! -s .state/socketio_session_secret ]; then
    (umask 077; $PY -c 'import secrets; print(secrets.token_hex(32))' >.state/socketio_session_secret)
  fi
  SOCKETIO_SESSION_SECRET="$(cat .state/socketio_session_secret)"
fi
export SOCKETIO_SESSION_SECRET
# With the Telegram gateway on, the REST channel trusts only callers with the shared secret (the
# gateway: its `telegram:` senders and hand-off metadata); kept in .state/ for `make shell`. Callers
# without the header are still served, as the public (REST_ALLOW_PUBLIC, rasa_server/channels/rest.py).
if [ -n "${TELEGRAM_BOT_TOKEN:-}" ] && [ -z "${REST_SHARED_SECRET:-}" ]; then
  if [ ! -s .state/rest_shared_secret ]; then
    (umask 077; $PY -c 'import secrets; print(secrets.token_hex(32))' >.state/rest_shared_secret)
  fi
  REST_SHARED_SECRET="$(cat .state/rest_shared_secret)"
  export REST_SHARED_SECRET
  export REST_ALLOW_PUBLIC="${REST_ALLOW_PUBLIC:-1}"
fi
# Everything here listens on loopback, so every local client (the demo page's visitors, make shell,
# scripts) has the address 127.0.0.1: per-address limits would count them all as one client. They
# stay per connection and per conversation (rasa_server/limits.py); behind nginx in production,
# TRUSTED_PROXIES gives each citizen their own address and the per-address defaults apply.
export RATE_LIMIT_ADDRESS_BURST="${RATE_LIMIT_ADDRESS_BURST:-100000}"
export RATE_LIMIT_ADDRESS_PER_SECOND="${RATE_LIMIT_ADDRESS_PER_SECOND:-100000}"
export HANDOFF_CASES_PER_CLIENT_HOUR="${HANDOFF_CASES_PER_CLIENT_HOUR:-100000}"
MODEL="$($PY scripts/model.py ensure)"

pids=()
stop() { trap - INT TERM EXIT; for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; echo "Stopped."; }
trap stop INT TERM EXIT

wait_for() {  # url, name, pid
  for _ in $(seq 1 240); do
    if curl -fsS "$1" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then echo "$2 failed to start; see logs/$2.log" >&2; tail -20 "logs/$2.log" >&2; exit 1; fi
    sleep 0.5
  done
  echo "$2 did not answer in time; see logs/$2.log" >&2; exit 1
}

# Both servers start at once (the Rasa server needs the action server only to answer).
$PY -m actions --port "$ACTION_PORT" >logs/actions.log 2>&1 & pids+=($!)
$PY -m rasa_server run --model "$MODEL" --credentials credentials.yml --endpoints "$ENDPOINTS" \
  --interface 127.0.0.1 --port "$RASA_PORT" >logs/rasa.log 2>&1 & pids+=($!)
wait_for "http://127.0.0.1:$ACTION_PORT/health" actions "${pids[0]}"
wait_for "http://127.0.0.1:$RASA_PORT/webhooks/rest/" rasa "${pids[1]}"
$PY -m website --host 127.0.0.1 --port "$WEB_PORT" >logs/web.log 2>&1 & pids+=($!)
wait_for "http://127.0.0.1:$WEB_PORT/health" web "${pids[-1]}"

if [ -n "${TELEGRAM_BOT_TOKEN:-}" ]; then
  # The gateway does not stop the assistant if it fails (e.g. a revoked token): it is reported.
  RASA_URL="http://127.0.0.1:$RASA_PORT" $PY -m telegram_gateway >logs/telegram.log 2>&1 & pids+=($!)
  TELEGRAM_STATUS="Telegram: gateway starting (${TELEGRAM_MODE:-polling}); log in logs/telegram.log."
  for _ in $(seq 1 30); do
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then
      TELEGRAM_STATUS="Telegram: the gateway failed to start: $(tail -1 logs/telegram.log)"; break
    fi
    if grep -q "Telegram gateway running" logs/telegram.log; then
      TELEGRAM_STATUS="Telegram: gateway running (${TELEGRAM_MODE:-polling}); log in logs/telegram.log; health: http://127.0.0.1:${GATEWAY_HTTP_PORT:-8090}/health.
  Hand-off to staff: $(grep -o 'Hand-off: .*' logs/telegram.log | tail -1 | cut -c11-) (docs/handoff.md)."; break
    fi
    sleep 0.5
  done
else
  TELEGRAM_STATUS="Telegram: off. To serve citizens on Telegram, create a bot with @BotFather, put
    TELEGRAM_BOT_TOKEN=<token> in .env (or the environment) and run make run again (docs/telegram.md)."
fi

REST_NOTE=""
if [ -n "${REST_SHARED_SECRET:-}" ] && [ "${REST_ALLOW_PUBLIC:-}" != 1 ]; then
  REST_NOTE="
       (the REST channel needs the header X-SEGIB-Secret: \$REST_SHARED_SECRET, from .env or .state/rest_shared_secret)"
fi
cat <<MSG

The SEGIB assistant is running.
  Demo page with the chat widget: http://localhost:$WEB_PORT
  REST channel: http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook
  Try: curl -s -XPOST http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook \\
         -H 'Content-Type: application/json' \\
         -d '{"sender": "me", "message": "¿Cuál es el teléfono de la sede en Madrid?"}'$REST_NOTE
  Terminal chat: make shell (in another terminal)
  $TELEGRAM_STATUS
  Metrics: http://127.0.0.1:$RASA_PORT/metrics, http://127.0.0.1:$ACTION_PORT/metrics (docs/production.md)
  Logs: logs/actions.log, logs/rasa.log, logs/web.log (LOG_FORMAT=json for JSON lines). Press Ctrl-C to stop.
MSG
wait -n "${pids[@]:0:3}"  # actions, rasa, web; a failing Telegram gateway is reported, not fatal
