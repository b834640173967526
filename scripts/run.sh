#!/usr/bin/env bash
# Starts the embedded default: action server (5055) and Rasa server (5005, REST channel only, HTTP
# API off), both on loopback. Ctrl-C stops both. Reads .env when present.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f .env ]; then set -a; . ./.env; set +a; fi
PY=.venv/bin/python
RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_SERVER_PORT:-5055}"
ENDPOINTS="${SEGIB_ENDPOINTS:-endpoints.yml}"  # another endpoints file (the benchmark uses its own ports)
mkdir -p .state logs
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
$PY -m rasa run --model "$MODEL" --credentials credentials.yml --endpoints "$ENDPOINTS" \
  --interface 127.0.0.1 --port "$RASA_PORT" >logs/rasa.log 2>&1 & pids+=($!)
wait_for "http://127.0.0.1:$ACTION_PORT/health" actions "${pids[0]}"
wait_for "http://127.0.0.1:$RASA_PORT/webhooks/rest/" rasa "${pids[1]}"

cat <<MSG

The SEGIB assistant is running.
  REST channel: http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook
  Try: curl -s -XPOST http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook \\
         -H 'Content-Type: application/json' \\
         -d '{"sender": "me", "message": "¿Cuál es el teléfono de la sede en Madrid?"}'
  Terminal chat: make shell (in another terminal)
  Logs: logs/actions.log, logs/rasa.log. Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
