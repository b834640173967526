#!/usr/bin/env bash
# Measures each service's install (docs/production.md "Lean images"): a fresh venv per service with
# only requirements/<service>.txt (pinned through constraints.txt), its size on disk, and a check
# that the service's modules import there (and that Rasa does not, outside the Rasa server's).
# Usage: scripts/install_sizes.sh [DIR] [SERVICE...]   (default /tmp/segib-install-sizes, all four)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-/tmp/segib-install-sizes}"; shift || true
SERVICES=("${@:-gateway actions web rasa}")
PYTHON="$(scripts/find_python.sh)"
declare -A CHECK=(
  [gateway]="import telegram_gateway.app, telegram_gateway.health, ops.envfile"
  [actions]="import actions.actions, ops.action_server"
  [web]="import website.server"
  [rasa]="import rasa.core.agent, rasa_server.channels.rest, rasa_server.channels.socketio, nlu.intent_classifier, rasa_server.metrics"
)
mkdir -p "$OUT"
for service in ${SERVICES[@]}; do
  venv="$OUT/$service"
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install --disable-pip-version-check -q -r "requirements/$service.txt" -c constraints.txt
  "$venv/bin/pip" check >/dev/null
  "$venv/bin/python" -c "${CHECK[$service]}"
  if [ "$service" != rasa ] && "$venv/bin/python" -c "import rasa" 2>/dev/null; then
    echo "$service: Rasa is installed in its venv" >&2; exit 1
  fi
  size="$(du -sm "$venv" | cut -f1)"
  packages="$("$venv/bin/pip" list --format=freeze 2>/dev/null | wc -l)"
  echo "$service: ${size} MB, ${packages} packages, imports OK"
done
