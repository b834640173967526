"""The action server's `/metrics` and log context, as a rasa-sdk plugin.

rasa-sdk calls its plugin hook `attach_sanic_app_extensions(app)` before starting its Sanic app
(rasa_sdk/endpoint.py `run`); `python -m actions` registers this module with rasa-sdk's plugin
manager, so no rasa-sdk code is patched. It adds:
- `GET /metrics`: segib_handoff_cases_total (counted by actions/handoff.py via `count_case`) and the
  case store's gauges read at scrape time (ops/store_gauges.py);
- the conversation hash on every log line of an action call (ops/logs.py).
"""
import asyncio
import logging
import re
from typing import Any, Optional

import pluggy
from prometheus_client import REGISTRY

from ops import logs
from ops.metrics import HANDOFF_CASES, channel_label, exposition
from ops.store_gauges import CaseStoreCollector

logger = logging.getLogger(__name__)
hookimpl = pluggy.HookimplMarker("rasa_sdk")
_OFFICE_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")   # knowledge ids (knowledge/schema.py)
_collector: Optional[CaseStoreCollector] = None


def count_case(channel: Optional[str], office: Optional[str]) -> None:
    """One hand-off case opened (live or filed)."""
    office_label = office if office and _OFFICE_ID.match(office) else "none"
    HANDOFF_CASES.labels(channel_label(channel), office_label).inc()


@hookimpl
def attach_sanic_app_extensions(app: Any) -> None:
    from sanic.response import HTTPResponse

    global _collector
    if _collector is None:
        _collector = CaseStoreCollector()
        REGISTRY.register(_collector)

    @app.get("/metrics")
    async def metrics(_request: Any) -> HTTPResponse:
        # In a thread: the case-store gauges query the database, which must not hold up action calls.
        body, content_type = await asyncio.get_running_loop().run_in_executor(None, exposition)
        return HTTPResponse(body=body, content_type=content_type)

    @app.on_request
    async def conversation_context(request: Any) -> None:
        if request.path == "/webhook":
            try:
                body = request.json
            except Exception:
                return
            sender = body.get("sender_id") if isinstance(body, dict) else None
            logs.set_conversation(sender if isinstance(sender, str) else None)


def register() -> None:
    """Registers this module with rasa-sdk's plugin manager (before `endpoint.run`)."""
    import sys

    from rasa_sdk.plugin import plugin_manager

    module = sys.modules[__name__]
    if not plugin_manager().is_registered(module):
        plugin_manager().register(module)
