"""Operations: Prometheus metrics (`metrics.py`, one place for every metric name), the action
server's `/metrics` hook (`action_server.py`; the Rasa server's is rasa_server/metrics.py), the
case-store gauges (`store_gauges.py`), one logging setup for every service (`logs.py`) and one
`.env` reader (`envfile.py`). Imports nothing from Rasa at module level, so the lean gateway,
action-server and web installs can use it (docs/production.md).
"""
