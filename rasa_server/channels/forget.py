"""The Rasa server's side of a citizen's data-protection rights, on two private endpoints:

- `POST /webhooks/forget/conversation` (Telegram's /forget): erases the conversation, its hand-off
  cases and queues the erasure of the staff group's copies (data_protection.rights.forget);
- `POST /webhooks/privacy/export` (Telegram's /mydata): the citizen's data as one JSON document
  (data_protection.rights.export_document), answered as {"document": {...}}.

Rasa's HTTP API stays off; the gateway calls these on loopback with
`Authorization: Bearer <SEGIB_FORGET_TOKEN>` and the body {"sender": "<conversation id>"}. Without
SEGIB_FORGET_TOKEN they answer 404 (off). The web widget reaches the same functions through its
socket (rasa_server.channels.socketio), for the socket's own conversation only.

Running inside the Rasa server, they read and delete through the server's own tracker store
(whatever endpoints.yml configures: SQL, Redis, Mongo or in-memory) while holding the
conversation's lock from the lock store, so no message of that conversation is being processed
meanwhile. Rasa 3.6's TrackerStore has no delete method: the per-store deletion is done here. The
deletions run in a worker thread (blocking database calls), off the server's event loop.
"""
import asyncio
import logging
from functools import partial
from typing import Any, Dict, Optional

from rasa.core.agent import Agent
from rasa.core.tracker_store import (
    InMemoryTrackerStore,
    MongoTrackerStore,
    RedisTrackerStore,
    SQLTrackerStore,
    TrackerStore,
)

from contracts import EXPORT_PATH, FORGET_PATH, channel_route
from data_protection import rights as privacy, tracker_db
from rasa_server.channels.private import PrivateInput
from rasa_server.patches.version import require_supported_rasa

logger = logging.getLogger(__name__)


def _stores(store: Optional[TrackerStore]):
    """The concrete stores behind Rasa's wrappers (AwaitableTrackerStore, FailSafeTrackerStore), through
    their private `_tracker_store` and `_fallback_tracker_store` (Rasa 3.6: checked where the
    channels that delete are created, ForgetInput and the web widget's)."""
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


async def _forget(agent: Agent, sender: str) -> bool:
    """Erases `sender` (the caller holds the conversation's lock); True if anything was stored."""
    forgotten = await asyncio.to_thread(privacy.forget, sender, partial(delete_conversation, agent.tracker_store))
    return forgotten.anything


async def forget_conversation(agent: Agent, sender: str) -> bool:
    """Erases `sender`'s conversation, hand-off cases and staff-group copies, holding the
    conversation's lock. True if there was anything. Raises NotImplementedError for a store it
    cannot delete from. Used by the web widget's "forget my conversation" (rasa_server.channels.socketio)."""
    async with agent.lock_store.lock(sender):
        return await _forget(agent, sender)


async def export_conversation(agent: Agent, sender: str) -> Dict[str, Any]:
    """`sender`'s data as data_protection.rights's JSON document (the widget's "download my conversation")."""
    tracker = await agent.tracker_store.retrieve_full_tracker(sender)
    events = [event.as_dict() for event in tracker.events] if tracker else []
    cases = await asyncio.to_thread(privacy.case_store().cases_of, sender)
    return privacy.export_document(sender, events, cases)


class ForgetInput(PrivateInput):
    (channel, route), what = channel_route(FORGET_PATH), "deleting the conversation"

    def __init__(self, token: Optional[str] = None) -> None:
        require_supported_rasa("The forget endpoint (rasa_server.channels.forget)")
        super().__init__(token)

    async def change(self, agent: Agent, sender: str) -> Dict[str, Any]:
        return {"deleted": await _forget(agent, sender)}


class ExportInput(PrivateInput):
    (channel, route), what = channel_route(EXPORT_PATH), "exporting the conversation"

    async def change(self, agent: Agent, sender: str) -> Dict[str, Any]:
        return {"document": await export_conversation(agent, sender)}
