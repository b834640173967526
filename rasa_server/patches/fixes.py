"""Fixes to Rasa 3.6 behaviour the project depends on, installed by `rasa_server.patches.install()`.

A message waiting for its conversation's lock keeps its ticket alive
--------------------------------------------------------------------
Rasa 3.6's lock store gives every ticket the same lifetime (TICKET_LOCK_LIFETIME) and, while a
message waits for the ticket ahead of it, removes expired tickets once a second. When the ticket
ahead belongs to a replica that died in the middle of a message, it expires at about the moment the
waiting ticket does (both issued within a second), both are removed together, the waiting message is
never served and its request ends in Sanic's 60 s "Response Timeout" (HTTP 503). Found by the
kill-a-replica test (tests/production/test_scale_out.py). Here the waiting ticket is renewed at every
poll, so only tickets whose request is gone expire.

No version banner
-----------------
Rasa answers `GET /` with "Hello from Rasa: 3.6.21", telling anyone which version (and so which
known bugs) the server runs. Here `GET /` says "Hello from Rasa" only.
"""
import asyncio
import time
from collections import deque
from typing import Text

from rasa_server.patches.patcher import Patcher


def _patch_waiting_tickets(patcher: Patcher) -> None:
    from rasa.core import lock_store as module
    from rasa.core.lock import Ticket, TicketLock
    from rasa.core.lock_store import LockError, LockStore

    def renew(lock: TicketLock, number: int) -> None:
        expires = time.time() + module.LOCK_LIFETIME
        mine = next((t for t in lock.tickets if t.number == number), None)
        if mine is None:  # removed by another process's clean-up: put it back in its place
            lock.tickets = deque(sorted([*lock.tickets, Ticket(number, expires)], key=lambda t: t.number))
        else:
            mine.expires = max(mine.expires, expires)

    async def _acquire_lock(self: LockStore, conversation_id: Text, ticket: int,
                            wait_time_in_seconds: float) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if not lock:
                break
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            lock = self.get_lock(conversation_id)
            if not lock:
                break
            renew(lock, ticket)
            lock.remove_expired_tickets()
            self.save_lock(lock)
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")

    patcher.replace(LockStore, "_acquire_lock", _acquire_lock)


def _patch_root_route(patcher: Patcher) -> None:
    from rasa import server
    from sanic import response

    def add_root_route(app) -> None:
        @app.get("/")
        async def hello(_request):
            return response.text("Hello from Rasa")

    patcher.replace(server, "add_root_route", add_root_route)


PATCHES = {"waiting_tickets": _patch_waiting_tickets, "root_route": _patch_root_route}
