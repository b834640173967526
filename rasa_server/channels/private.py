"""Base of the Rasa server's private endpoints for the channel gateways (forget, hand-off resume).

Rasa's HTTP API stays off; a gateway calls these on loopback with
`Authorization: Bearer <SEGIB_FORGET_TOKEN>` and the body {"sender": "<conversation id>"}. Without
the token set, the endpoints answer 404 (off). Each request holds the conversation's lock from the
lock store while it changes the conversation, so no message of it is being processed meanwhile.
"""
import hmac
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from contracts import FORGET_TOKEN_ENV

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128

Change = Callable[[Agent, str], Awaitable[Dict[str, Any]]]   # (agent, sender) -> the JSON answer


def ready_agent(app: Any) -> Optional[Agent]:
    """The Rasa server's agent once it can serve (a model and a tracker store), else None."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    return agent if agent is not None and agent.tracker_store is not None else None


class PrivateInput(InputChannel):
    """Subclasses give their `channel` name and `route` (the URL /webhooks/<channel><route>, from
    contracts.channel_route of its path), `what` it does (for errors) and `change`, run on the sender's
    conversation under its lock."""
    channel = ""
    route = ""
    what = ""

    @classmethod
    def name(cls) -> Text:
        return cls.channel

    async def change(self, agent: Agent, sender: str) -> Dict[str, Any]:
        raise NotImplementedError

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint(f"segib_{self.name()}_{type(self).__name__}", __name__)

        @blueprint.route(self.route, methods=["POST"])
        async def handle(request: Request) -> HTTPResponse:
            return await self.locked(request, self.change, self.what)

        return blueprint

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls((credentials or {}).get("token") or os.environ.get(FORGET_TOKEN_ENV))

    def __init__(self, token: Optional[str] = None) -> None:
        self.token = token or None

    def _authorized(self, request: Request) -> bool:
        given = request.headers.get("Authorization", "")
        expected = f"Bearer {self.token}"
        return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())

    async def locked(self, request: Request, change: Change, what: str) -> HTTPResponse:
        """Checks the request, then runs `change` on its sender's conversation under the lock."""
        if not self.token:
            return response.json({"error": "not found"}, status=404)
        if not self._authorized(request):
            return response.json({"error": "forbidden"}, status=403)
        try:
            body = request.json
        except Exception:
            body = None
        sender = body.get("sender") if isinstance(body, dict) else None
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            return response.json({"error": "'sender' must be a non-empty string"}, status=400)
        agent = ready_agent(request.app)
        if agent is None:
            return response.json({"error": "the assistant is not ready"}, status=503)
        try:
            async with agent.lock_store.lock(sender):
                return response.json(await change(agent, sender))
        except NotImplementedError as error:
            return response.json({"error": str(error)}, status=501)
        except Exception:
            logger.exception("%s failed", what.capitalize())
            return response.json({"error": f"{what} failed"}, status=500)
