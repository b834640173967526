#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter: PATH first, then pyenv. Rasa 3.6 needs 3.10.
set -euo pipefail
is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }
for candidate in python3.10 python3 python; do
  if command -v "$candidate" >/dev/null 2>&1 && is_310 "$(command -v "$candidate")"; then
    command -v "$candidate"; exit 0
  fi
done
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
if command -v pyenv >/dev/null 2>&1; then pyenv_root="$(pyenv root)"; fi
for candidate in "$pyenv_root"/versions/3.10*/bin/python3.10; do
  if [ -x "$candidate" ] && is_310 "$candidate"; then echo "$candidate"; exit 0; fi
done
echo "No Python 3.10 found (Rasa 3.6 needs it). Install it, e.g. 'pyenv install 3.10.13', then run make again." >&2
exit 1
