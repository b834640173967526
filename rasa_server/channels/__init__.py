"""Custom Rasa input channels (loaded by the Rasa server from credentials.yml).

Loading them also removes per-message waste inside the Rasa server (rasa_server/patches/speedups.py), fixes the
Rasa 3.6 behaviour the project depends on (rasa_server/patches/fixes.py), adds `/metrics` and the per-message
counts (rasa_server/metrics.py) and, with LOG_FORMAT=json, switches the server's logs to JSON lines
(ops/logs.py; Rasa's own text format otherwise).
"""
from ops import logs
from rasa_server import metrics
from rasa_server.patches import fixes, speedups

speedups.install()
fixes.install()
metrics.install()
if logs.log_format() == "json":
    logs.setup("rasa")
