"""Deletes one conversation (its tracker) on the Rasa server: `POST /webhooks/forget/conversation`.

Rasa's HTTP API stays off; channels that let a citizen erase their history (Telegram's /forget)
call this endpoint instead, on loopback, with `Authorization: Bearer <SEGIB_FORGET_TOKEN>` and the
body {"sender": "<conversation id>"}. Without SEGIB_FORGET_TOKEN the endpoint answers 404 (off).

Running inside the Rasa server, it deletes through the server's own tracker store (whatever
endpoints.yml configures: SQL, Redis, Mongo or in-memory) while holding the conversation's lock
from the lock store, so no message of that conversation is being processed meanwhile.
Rasa 3.6's TrackerStore has no delete method: the per-store deletion is done here.
"""
import logging
from typing import Any, Dict, Optional

from rasa.core.agent import Agent
from rasa.core.tracker_store import (InMemoryTrackerStore, MongoTrackerStore, RedisTrackerStore, SQLTrackerStore,
                                     TrackerStore)
from bot import tracker_db
from bot.channels.private import PrivateInput
from handoff.store import forget_sender

logger = logging.getLogger(__name__)


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


def _forget(agent: Agent, sender: str) -> bool:
    """Deletes `sender`'s tracker and hand-off records (the caller holds the conversation's lock)."""
    deleted = delete_conversation(agent.tracker_store, sender)
    cases = forget_sender(sender)
    # No sender id in the log: only that a request was served.
    logger.info("Deleted a conversation on request (%s; hand-off cases: %d)",
                "found" if deleted else "none stored", cases)
    return deleted or bool(cases)


async def forget_conversation(agent: Agent, sender: str) -> bool:
    """Deletes `sender`'s conversation and hand-off cases, holding the conversation's lock so that
    no message of it is being processed meanwhile. True if there was anything. Raises
    NotImplementedError for a store it cannot delete from. Used by the web widget's "forget my
    conversation" (bot.channels.socketio)."""
    async with agent.lock_store.lock(sender):
        return _forget(agent, sender)


class ForgetInput(PrivateInput):
    channel, route, what = "forget", "/conversation", "deleting the conversation"

    async def change(self, agent: Agent, sender: str) -> Dict[str, Any]:
        return {"deleted": _forget(agent, sender)}
