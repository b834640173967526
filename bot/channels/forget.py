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
from bot.channels.private import PrivateInput

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
        if isinstance(concrete, SQLTrackerStore):
            with concrete.session_scope() as session:
                count = session.query(concrete.SQLEvent).filter(concrete.SQLEvent.sender_id == sender).delete()
                session.commit()
            deleted |= bool(count)
        elif isinstance(concrete, InMemoryTrackerStore):
            deleted |= concrete.store.pop(sender, None) is not None
        elif isinstance(concrete, RedisTrackerStore):
            deleted |= bool(concrete.red.delete(concrete.key_prefix + sender))
        elif isinstance(concrete, MongoTrackerStore):
            deleted |= bool(concrete.conversations.delete_many({"sender_id": sender}).deleted_count)
        else:
            raise NotImplementedError(f"deleting from a {type(concrete).__name__} is not supported")
    return deleted


class ForgetInput(PrivateInput):
    channel, route, what = "forget", "/conversation", "deleting the conversation"

    async def change(self, agent: Agent, sender: str) -> Dict[str, Any]:
        deleted = delete_conversation(agent.tracker_store, sender)
        logger.info("Deleted a conversation on request (%s)", "found" if deleted else "none stored")
        return {"deleted": deleted}
