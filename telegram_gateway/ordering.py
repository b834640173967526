"""Concurrency for python-telegram-bot: chats in parallel, one chat's updates in order, floods slowed.

PTB processes one update at a time unless `concurrent_updates` is set, and with a plain number it
runs them in any order. This update processor runs different chats concurrently while each chat's
updates go one after another, in arrival order (a FIFO lock per chat). A chat that sends faster
than `rate` messages per second (after a burst of `burst`) is slowed down; one with more than
`queue` updates waiting gets the rest dropped and is told once. Other chats are unaffected.
Staff chats (`exempt`) keep their order but are never slowed down nor dropped: staff replies and
/close must always reach the citizen, however busy the staff group is.
Updates not shaped as Telegram sends them (telegram_gateway.wellformed) are dropped first.
"""
import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Collection, Dict, Optional

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from telegram_gateway.wellformed import well_formed

logger = logging.getLogger(__name__)

# High enough that PTB's semaphore never queues updates in practice (its wake-up order is not
# strictly FIFO); the real limits are the per-chat queue and the Rasa client's concurrency.
MAX_CONCURRENT_UPDATES = 4096


class ChatThrottle:
    """Per-chat token bucket (virtual scheduling): how long a chat's next message must wait."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate
        self.allowance = burst * self.interval
        self.clock = clock
        self._next: Dict[int, float] = {}

    def delay(self, chat_id: int) -> float:
        now = self.clock()
        if len(self._next) > 10_000:   # forget idle chats
            self._next = {c: t for c, t in self._next.items() if t > now}
        theoretical = max(self._next.get(chat_id, now), now) + self.interval
        self._next[chat_id] = theoretical
        return max(0.0, theoretical - now - self.allowance)


@dataclass
class _ChatQueue:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    pending: int = 0
    warned: bool = False


def chat_of(update: Any) -> Optional[int]:
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, rate: float, burst: int, queue: int,
                 on_dropped: Optional[Callable[[Update, bool], Awaitable[None]]] = None,
                 exempt: Collection[int] = ()) -> None:
        super().__init__(MAX_CONCURRENT_UPDATES)
        self.exempt = frozenset(exempt)
        self.throttle = ChatThrottle(rate, burst)
        self.queue = queue
        self.on_dropped = on_dropped
        self._chats: Dict[int, _ChatQueue] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not well_formed(update):
            coroutine.close()  # type: ignore[attr-defined]  # never run: not what Telegram sends
            logger.info("A malformed update was ignored")
            return
        chat_id = chat_of(update)
        if chat_id is None:
            await coroutine
            return
        chat = self._chats.setdefault(chat_id, _ChatQueue())
        exempt = chat_id in self.exempt
        if chat.pending >= self.queue and not exempt:
            coroutine.close()  # type: ignore[attr-defined]  # never run: dropped
            first = not chat.warned
            chat.warned = True
            logger.info("Chat is flooding: dropped an update (%d waiting)", chat.pending)
            if self.on_dropped:
                try:
                    await self.on_dropped(update, first)  # type: ignore[arg-type]
                except Exception:
                    logger.exception("Telling a flooding chat to slow down failed")
            return
        chat.pending += 1
        try:
            async with chat.lock:
                wait = 0 if exempt else self.throttle.delay(chat_id)
                if wait:
                    await asyncio.sleep(wait)
                await coroutine
        finally:
            chat.pending -= 1
            if chat.pending == 0:
                self._chats.pop(chat_id, None)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
