"""Deletes one conversation (its tracker) on the Rasa server: `POST /webhooks/forget/conversation`.

Rasa's HTTP API stays off; channels that let a citizen erase their history (Telegram's /forget)
call this endpoint instead, on loopback, with `Authorization: Bearer <SEGIB_FORGET_TOKEN>` and the
body {"sender": "<conversation id>"}. Without SEGIB_FORGET_TOKEN the endpoint answers 404 (off).

Running inside the Rasa server, it deletes through the server's own tracker store (whatever
endpoints.yml configures: SQL, Redis, Mongo or in-memory) while holding the conversation's lock
from the lock store, so no message of that conversation is being processed meanwhile.
Rasa 3.6's TrackerStore has no delete method: the per-store deletion is done here.
"""
import hmac
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.tracker_store import (InMemoryTrackerStore, MongoTrackerStore, RedisTrackerStore, SQLTrackerStore,
                                     TrackerStore)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import tracker_db

logger = logging.getLogger(__name__)

TOKEN_ENV = "SEGIB_FORGET_TOKEN"
MAX_SENDER_CHARS = 128


def _stores(store: Optional[TrackerStore]):
    """The concrete stores behind Rasa's wrappers (AwaitableTrackerStore, FailSafeTrackerStore)."""
    seen = set()
    pending = [store]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        inner = getattr(current, "_tracker_store", None)
        fallback = getattr(current, "_fallback_tracker_store", None)
        if inner is not None or fallback is not None:
            pending += [inner, fallback]
        else:
            yield current


def delete_conversation(store: TrackerStore, sender: str) -> bool:
    """Deletes every event of `sender`; True if there was any. Unknown store types raise."""
    deleted = False
    for concrete in _stores(store):
        if isinstance(concrete, SQLTrackerStore):   # PostgreSQL, SQLite (ours too: a subclass)
            with concrete.engine.begin() as connection:
                deleted |= bool(tracker_db.delete_events(connection, sender))
        elif isinstance(concrete, InMemoryTrackerStore):
            deleted |= concrete.store.pop(sender, None) is not None
        elif isinstance(concrete, RedisTrackerStore):
            deleted |= bool(concrete.red.delete(concrete.key_prefix + sender))
        elif isinstance(concrete, MongoTrackerStore):
            deleted |= bool(concrete.conversations.delete_many({"sender_id": sender}).deleted_count)
        else:
            raise NotImplementedError(f"deleting from a {type(concrete).__name__} is not supported")
    return deleted


async def forget_conversation(agent: Any, sender: str) -> bool:
    """Deletes `sender`'s conversation through the running server's tracker store, holding the
    conversation's lock so that no message of it is being processed meanwhile. True if there was
    one. Raises NotImplementedError for a store it cannot delete from. Used by this endpoint and
    the web widget's "forget my conversation" (bot.channels.socketio)."""
    async with agent.lock_store.lock(sender):
        deleted = delete_conversation(agent.tracker_store, sender)
    # No sender id in the log: only that a request was served.
    logger.info("Deleted a conversation on request (%s)", "found" if deleted else "none stored")
    return deleted


def ready_agent(app: Any) -> Optional[Any]:
    """The Rasa server's agent once it can serve (a model and a tracker store), else None."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    return agent if agent is not None and agent.tracker_store is not None else None


class ForgetInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "forget"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls((credentials or {}).get("token") or os.environ.get(TOKEN_ENV))

    def __init__(self, token: Optional[str] = None) -> None:
        self.token = token or None

    def _authorized(self, request: Request) -> bool:
        given = request.headers.get("Authorization", "")
        expected = f"Bearer {self.token}"
        return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        forget = Blueprint(f"segib_forget_{type(self).__name__}", __name__)

        @forget.route("/conversation", methods=["POST"])
        async def delete(request: Request) -> HTTPResponse:
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
                deleted = await forget_conversation(agent, sender)
            except NotImplementedError as error:
                return response.json({"error": str(error)}, status=501)
            except Exception:
                logger.exception("Deleting a conversation failed")
                return response.json({"error": "deleting the conversation failed"}, status=500)
            return response.json({"deleted": deleted})

        return forget
