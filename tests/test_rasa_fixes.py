"""rasa_server/patches/fixes.py: a message waiting behind the ticket of a dead request is served once that
ticket expires (Rasa 3.6 alone leaves it waiting forever)."""
import asyncio
import time

from rasa.core.lock_store import InMemoryLockStore

from rasa_server.patches import fixes as rasa_fixes

rasa_fixes.install()


def test_a_message_behind_a_dead_replicas_ticket_is_served_after_its_lifetime():
    async def scenario():
        store = InMemoryLockStore()
        store.issue_ticket("citizen", lock_lifetime=2)   # a replica took the lock, then died
        await asyncio.sleep(0.2)                          # this message arrives just after
        started = time.monotonic()
        async with store.lock("citizen", lock_lifetime=2, wait_time_in_seconds=0.5):
            waited = time.monotonic() - started
        return waited, store.get_lock("citizen")

    waited, lock_after = asyncio.run(asyncio.wait_for(scenario(), timeout=15))
    assert 1.5 < waited < 4, waited          # served once the dead ticket expired, not never
    assert lock_after is None                # and the lock was cleaned up


def test_messages_of_a_live_conversation_are_still_served_in_order():
    async def scenario():
        store = InMemoryLockStore()
        served = []

        async def message(n, hold):
            async with store.lock("citizen", lock_lifetime=5, wait_time_in_seconds=0.05):
                served.append(n)
                await asyncio.sleep(hold)

        await asyncio.gather(message(1, 0.3), message(2, 0.1), message(3, 0))
        return served

    assert asyncio.run(scenario()) == [1, 2, 3]
