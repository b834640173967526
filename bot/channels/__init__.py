"""Custom Rasa input channels (loaded by the Rasa server from credentials.yml).

Loading them also removes per-message waste inside the Rasa server (bot/speedups.py), fixes the
Rasa 3.6 behaviour the project depends on (bot/rasa_fixes.py), adds `/metrics` and the per-message
counts (ops/rasa_server.py) and, with LOG_FORMAT=json, switches the server's logs to JSON lines
(ops/logs.py; Rasa's own text format otherwise).
"""
from bot import rasa_fixes, speedups
from ops import logs, rasa_server

speedups.install()
rasa_fixes.install()
rasa_server.install()
if logs.log_format() == "json":
    logs.setup("rasa")
