"""rasa_server/lock_store.py against a real Redis: one conversation's lock is held by one message at a time
even when "replicas" (threads, each with its own store and connection) ask at the same instant
(RasaHQ/rasa#9213: Rasa 3.6's RedisLockStore lets two in; the replica probe in test_scale_out.py
shows the lost turns)."""
import asyncio
import threading
import time

import pytest

from rasa_server.lock_store import RedisTicketLockStore
from tests.support.databases import Redis


@pytest.fixture(scope="module")
def redis_port():
    server = Redis().start()
    yield server.port
    server.stop()


def hammer(make_store, replicas: int = 4, messages: int = 30, conversations: int = 3):
    """Every replica sends `messages` messages for each conversation at once; the most messages ever
    inside one conversation's lock at the same time, and how many got through."""
    inside = {c: 0 for c in range(conversations)}
    peak, served = [0], [0]
    guard = threading.Lock()
    start = threading.Barrier(replicas)

    def replica() -> None:
        store = make_store()

        async def message(conversation: int) -> None:
            async with store.lock(f"race-{conversation}", lock_lifetime=30, wait_time_in_seconds=0.01):
                with guard:
                    inside[conversation] += 1
                    peak[0] = max(peak[0], inside[conversation])
                await asyncio.sleep(0.002)
                with guard:
                    inside[conversation] -= 1
                    served[0] += 1

        async def run() -> None:
            await asyncio.gather(*(message(n % conversations) for n in range(messages * conversations)))

        start.wait()
        asyncio.run(run())

    threads = [threading.Thread(target=replica) for _ in range(replicas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return peak[0], served[0]


def test_one_message_at_a_time_per_conversation_across_replicas(redis_port):
    peak, served = hammer(lambda: RedisTicketLockStore(host="127.0.0.1", port=redis_port, db=2, key_prefix="t"))
    assert served == 4 * 30 * 3
    assert peak == 1


def test_a_dead_replicas_ticket_stops_blocking_after_its_lifetime(redis_port):
    store = RedisTicketLockStore(host="127.0.0.1", port=redis_port, db=2, key_prefix="dead")
    counter, queue, prefix = store._keys("citizen")
    store._issue(keys=[counter, queue], args=[prefix, 1000, 60_000])   # took the lock, then died

    async def next_message():
        started = time.monotonic()
        async with store.lock("citizen", lock_lifetime=1):
            return time.monotonic() - started

    waited = asyncio.run(asyncio.wait_for(next_message(), 10))
    assert 0.8 < waited < 3, waited
    assert store.red.zcard(queue) == 0          # nothing left behind


def test_loaded_from_the_endpoints_file(redis_port):
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import EndpointConfig

    store = LockStore.create(EndpointConfig.from_dict({
        "type": "rasa_server.lock_store.RedisTicketLockStore", "url": "127.0.0.1", "port": redis_port,
        "password": "", "db": 4, "key_prefix": "segib"}))
    assert isinstance(store, RedisTicketLockStore) and store.key_prefix.startswith("segib:")

    async def use():
        async with store.lock("x"):
            return True

    assert asyncio.run(use())
