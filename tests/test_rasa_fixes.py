"""rasa_server/patches/fixes.py: a message waiting behind the ticket of a dead request is served once that
ticket expires (Rasa 3.6 alone leaves it waiting forever), and `GET /` names no Rasa version. Each
test fails on stock Rasa (only_when_patched)."""
import asyncio
import time
import uuid

from rasa import server
from rasa.core.lock_store import InMemoryLockStore
from sanic import Sanic

from tests.support.rasa_patches import only_when_patched


def test_a_message_behind_a_dead_replicas_ticket_is_served_after_its_lifetime():
    async def scenario():
        store = InMemoryLockStore()
        store.issue_ticket("citizen", lock_lifetime=2)   # a replica took the lock, then died
        await asyncio.sleep(0.2)                          # this message arrives just after
        started = time.monotonic()
        async with store.lock("citizen", lock_lifetime=2, wait_time_in_seconds=0.5):
            waited = time.monotonic() - started
        return waited, store.get_lock("citizen")

    def check():
        try:
            waited, lock_after = asyncio.run(asyncio.wait_for(scenario(), timeout=6))
        except asyncio.TimeoutError:
            raise AssertionError("the message was never served") from None
        assert 1.5 < waited < 4, waited          # served once the dead ticket expired, not never
        assert lock_after is None                # and the lock was cleaned up

    only_when_patched(check)


def test_messages_of_a_live_conversation_are_served_in_order_and_a_waiting_ticket_stays_alive():
    lifetime = 5

    async def scenario():
        store = InMemoryLockStore()
        served, waiting_ticket_left = [], []

        async def message(n, hold):
            async with store.lock("citizen", lock_lifetime=lifetime, wait_time_in_seconds=0.05):
                served.append(n)
                if n == 2:   # message 3 has waited a second: its ticket was renewed meanwhile
                    waiting = store.get_lock("citizen").tickets[-1]
                    waiting_ticket_left.append(waiting.expires - time.time())
                await asyncio.sleep(hold)

        await asyncio.gather(message(1, 1.0), message(2, 0.1), message(3, 0))
        return served, waiting_ticket_left[0]

    def check():
        served, left = asyncio.run(scenario())
        assert served == [1, 2, 3]
        assert left > lifetime - 0.5, left   # stock Rasa: the lifetime minus the time it waited

    only_when_patched(check)


def test_get_root_does_not_announce_the_rasa_version():
    def check():
        app = Sanic(f"root_{uuid.uuid4().hex}")
        server.add_root_route(app)   # what Rasa's server does when it starts
        (route,) = app.router.routes_all.values()
        body = asyncio.run(route.handler(None)).body.decode()
        assert body == "Hello from Rasa", body

    only_when_patched(check)
