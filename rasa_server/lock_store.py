"""A Redis lock store whose conversation locks hold across replicas (RasaHQ/rasa#9213).

Rasa 3.6's RedisLockStore keeps each conversation's lock as one JSON value that every replica reads,
changes and writes back (issue a ticket, remove expired ones, finish serving). Two replicas doing
that at the same instant overwrite each other: both may get ticket 0, both then "hold" the lock,
and one of the two turns is lost when both save the tracker (5 of 600 in this project's probe).

Here every step is one atomic Redis operation (a Lua script), so there is nothing to overwrite:
- a ticket is a number from INCR on the conversation's counter, queued in a sorted set, with its
  own key that expires after the lock lifetime (TICKET_LOCK_LIFETIME, Rasa's default 60 s);
- a message may go when no live ticket is ahead of its own in the queue; tickets ahead whose key
  expired (their replica died) are dropped from the queue on the way; a waiting ticket renews its
  key at every poll, so it never expires while it waits (the fix of rasa_server/patches/fixes.py, built in);
- finishing removes the ticket and its key.

`lock_store: type: rasa_server.lock_store.RedisTicketLockStore` in the endpoints file, with the settings of
Rasa's `redis` lock store (url, port, password, db, key_prefix, use_ssl...). Keeps Rasa 3.6.21.
"""
import asyncio
import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_server.patches.version import require_supported_rasa

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.02            # a waiting message checks its turn this often (one Redis round trip)
KEEP_MS = 24 * 3600 * 1000     # a conversation's counter and queue outlive its last ticket this long

_ISSUE = """
local number = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], number, number)
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('SET', ARGV[1] .. number, '1', 'PX', ARGV[2])
return number
"""
_TURN = """
redis.call('SET', ARGV[1] .. ARGV[2], '1', 'PX', ARGV[3])
local ahead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
for _, number in ipairs(ahead) do
  if redis.call('EXISTS', ARGV[1] .. number) == 1 then
    return 0
  end
  redis.call('ZREM', KEYS[1], number)
end
return 1
"""
_FINISH = """
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('DEL', ARGV[1] .. ARGV[2])
return 1
"""


class RedisTicketLockStore(RedisLockStore):
    """Replaces RedisLockStore's `lock` and uses its Redis client and key prefix: created only on
    Rasa 3.6.x (rasa_server/patches/version.py)."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        require_supported_rasa("rasa_server.lock_store.RedisTicketLockStore")
        if endpoint_config is not None:   # loaded by Rasa from the endpoints file
            kwargs = {**endpoint_config.kwargs, **kwargs}
            kwargs.setdefault("host", endpoint_config.url or "localhost")
        kwargs.pop("type", None)
        super().__init__(**kwargs)
        self._issue = self.red.register_script(_ISSUE)
        self._turn = self.red.register_script(_TURN)
        self._finish = self.red.register_script(_FINISH)

    def _keys(self, conversation_id: Text):
        base = f"{self.key_prefix}{conversation_id}"
        return f"{base}:counter", f"{base}:queue", f"{base}:ticket:"

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = POLL_SECONDS) -> AsyncGenerator[TicketLock, None]:
        counter, queue, ticket_prefix = self._keys(conversation_id)
        lifetime_ms = max(1, int(lock_lifetime * 1000))
        ticket = int(self._issue(keys=[counter, queue], args=[ticket_prefix, lifetime_ms, max(KEEP_MS, lifetime_ms)]))
        try:
            while not self._turn(keys=[queue], args=[ticket_prefix, ticket, lifetime_ms]):
                await asyncio.sleep(min(wait_time_in_seconds, POLL_SECONDS))
            yield TicketLock(conversation_id)
        finally:
            self._finish(keys=[queue], args=[ticket_prefix, ticket])
