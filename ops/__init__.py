"""Operations: Prometheus metrics (`metrics.py`, one place for every metric name), the `/metrics`
hooks of the Rasa server (`rasa_server.py`) and the action server (`action_server.py`), the
case-store gauges (`store_gauges.py`), one logging setup for every service (`logs.py`) and one
`.env` reader (`envfile.py`). Imports nothing from Rasa at module level, so the lean gateway,
action-server and web installs can use it (docs/production.md).
"""
