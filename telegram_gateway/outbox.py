"""Delivers the hand-off outbox (handoff.store) to Telegram, in order, once, surviving restarts.

A row is marked sent only after Telegram confirmed it, so rows queued while the gateway was down,
or that failed, go out at the next round (a restart starts with one). Rows for one chat go in the
order they were queued: when one fails, the later rows of that chat wait for the next round, and
a live citizen whose case or message could not reach staff is told once that the answer may take
longer.
A round starts when woken (a message was queued) or every `every` seconds. Within a round the chats
are served concurrently, each in its own order.

Several gateways may share one case store (webhook mode behind a balancer): only the one holding the
store's "outbox" lease delivers, renewing it before each row; the others only queue. A gateway that
dies loses the lease after LEASE_SECONDS, and another takes over. The holder's name is the host's
(HANDOFF_GATEWAY_ID overrides it, for several gateways on one host), so a gateway restarted on the
same host resumes delivery at once.

A staff chat that Telegram refuses (Forbidden: the bot was removed from the group; BadRequest: a
wrong chat id) keeps its rows: they are retried with a growing pause (STAFF_RETRY_FIRST seconds,
doubling up to STAFF_RETRY_MAX), an alert is logged at ERROR once per outage, and the gateway's
health state (`health`, telegram_gateway/health.py: staff_chat_failed / staff_chat_ok) reports the chat
unreachable until a message gets through again. Only a citizen's chat drops a refused message
(the citizen blocked the bot).

Kinds of rows: `case` (the case message, to staff), `citizen` (a citizen's message as they typed it,
from any channel, to staff as a reply to the case message, with the case's reference), `notice` (to
staff or citizen), `staff` (a staff answer, to the citizen), `resume` (not a message: the
conversation is handed back to the assistant in Rasa, for every channel; the web widget's other
citizen rows are delivered by the Rasa server, rasa_server/channels/livecase.py),
`erase` and `erased` (a citizen's "forget me", queued by data_protection.rights.forget wherever it ran: delete
one of their case's messages in a staff chat with deleteMessage or, for what Telegram no longer lets
a bot delete (older than 48 hours), tell the group which case was erased so that staff delete it).
"""
import asyncio
import json
import logging
import os
import socket
import time
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from telegram import ReplyParameters
from telegram.error import BadRequest, Forbidden, TelegramError

from handoff.relay import telegram_chat as citizen_chat
from handoff.store import ERASE, ERASED, LIVE, NO_CASE, RESUME, STAFF, WEB, Case, CaseStore, Outgoing
from handoff.texts import CaseTexts, fit
from telegram_gateway.rasa import ForgetDisabled, RasaClient, RasaUnavailable

logger = logging.getLogger(__name__)

# Retries of one send within a round (PTB drops a rate_limit_args of 0): the outbox retries itself,
# every round, without holding the other chats' messages back.
RETRIES_PER_ROUND = 1
PAGE = 500   # outbox rows read at once
LEASE = "outbox"
LEASE_SECONDS = 30.0
HOLDER_ENV = "HANDOFF_GATEWAY_ID"
STAFF_RETRY_FIRST = 5.0      # seconds before retrying a staff chat Telegram refused
STAFF_RETRY_MAX = 300.0


def holder_name() -> str:
    return os.environ.get(HOLDER_ENV, "").strip() or socket.gethostname()


class Outbox:
    def __init__(self, store: CaseStore, texts: CaseTexts, rasa: RasaClient,
                 staff_chat_for: Callable[[Case], Optional[int]], every: float = 5.0,
                 holder: Optional[str] = None, health: Optional[Any] = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.holder = holder or holder_name()
        self.texts = texts
        self.rasa = rasa
        self.staff_chat_for = staff_chat_for
        self.every = every
        self._wake = asyncio.Event()
        self._warned: Set[int] = set()        # cases whose citizen was told "it may take longer"
        self.health = health                   # the gateway's health state (None: not reported)
        self.clock = clock
        self._refused: Dict[int, Tuple[float, float]] = {}   # staff chat -> (pause, retry at)

    def wake(self) -> None:
        self._wake.set()

    async def run(self, bot, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.deliver(bot)
            except Exception:   # a bug or the database away: log, and try again next round
                logger.exception("Delivering the hand-off outbox failed")
            try:
                await asyncio.wait_for(self._wake.wait(), self.every)
            except asyncio.TimeoutError:
                pass

    async def deliver(self, bot) -> None:
        """One round: every undelivered row, page by page (rows that cannot go yet never hide the rest).
        Each chat's rows go in order, the chats concurrently: a slow or flooded chat (a staff group
        flooded with cases, a citizen who blocked the bot) never delays another."""
        blocked: Set[object] = set()
        cases: Dict[int, Optional[Case]] = {}
        after = 0
        while True:
            items = await asyncio.to_thread(self.store.pending, PAGE, after)
            if not items:
                break
            after = items[-1].id
            if not await asyncio.to_thread(self.store.hold_lease, LEASE, self.holder, LEASE_SECONDS):
                return   # another gateway delivers
            by_chat: Dict[object, List[Outgoing]] = {}
            for item in items:
                if item.kind in (ERASE, ERASED):   # no case any more: the staff chat is in the row
                    by_chat.setdefault(int(json.loads(item.text)["chat"]), []).append(item)
                    continue
                if item.case_id not in cases:
                    cases[item.case_id] = await asyncio.to_thread(self.store.case, item.case_id)
                case = cases[item.case_id]
                if case is None:
                    continue
                if item.target != STAFF and case.channel == WEB and item.kind != RESUME:
                    continue   # the widget's: the Rasa server delivers it to the visitor (livecase.py)
                chat = self.staff_chat_for(case) if item.target == STAFF else citizen_chat(case)
                if item.kind == RESUME and chat is None:
                    chat = case.sender   # a call to the Rasa server, for a channel without a Telegram chat
                if item.target == STAFF and chat is None:
                    continue   # no staff group for it: the case waits in the store until there is one
                if chat is None:   # an email case has no chat to answer in
                    await asyncio.to_thread(self.store.mark_sent, item)
                    continue
                by_chat.setdefault(chat, []).append(item)
            if not await self._deliver_chats(bot, by_chat, cases, blocked):
                return

    async def _deliver_chats(self, bot, by_chat: Dict[object, List[Outgoing]], cases: Dict[int, Optional[Case]],
                             blocked: Set[object]) -> bool:
        """Each chat's rows in order, the chats at once; False when the lease was lost meanwhile."""
        lost = asyncio.Event()

        async def one_chat(chat: object, items: List[Outgoing]) -> None:
            if chat in self._refused and self.clock() < self._refused[chat][1]:
                blocked.add(chat)   # a refusing staff chat: not before its next retry
            for item in items:
                if chat in blocked or lost.is_set():
                    return   # an earlier row of this chat failed in this round: later
                if not await asyncio.to_thread(self.store.hold_lease, LEASE, self.holder, LEASE_SECONDS):
                    lost.set()
                    return
                await self._round_item(bot, item, chat, cases, blocked)

        await asyncio.gather(*(one_chat(chat, items) for chat, items in by_chat.items()))
        return not lost.is_set()

    async def _round_item(self, bot, item: Outgoing, chat: object, cases: Dict[int, Optional[Case]],
                          blocked: Set[object]) -> None:
        if item.kind in (ERASE, ERASED):
            await self._erase(bot, item)
            return
        case = cases[item.case_id]
        if not await self._deliver_one(bot, item, case, chat):
            blocked.add(chat)
            if item.target == STAFF and item.kind in ("case", "citizen") and case.mode == LIVE:
                await self._warn(bot, case)   # a citizen waiting live for staff that cannot be reached
        elif item.target == STAFF and item.kind == "case":
            cases[item.case_id] = await asyncio.to_thread(self.store.case, item.case_id)  # its message id

    async def _deliver_one(self, bot, item: Outgoing, case: Case, chat: int) -> bool:
        if item.kind == RESUME:
            try:
                await self.rasa.resume(case.sender)
            except (RasaUnavailable, ForgetDisabled) as error:
                logger.warning("Handing a conversation back to the assistant failed (%s); will retry", error)
                return False
            await asyncio.to_thread(self.store.mark_sent, item)
            return True
        if item.kind == "case":
            text = self.texts.announcement(case)
        elif item.target == STAFF and item.kind == "citizen":   # a citizen's words, from any channel
            text = fit([self.texts.staff("handoff_staff_relayed", reference=case.reference, text=item.text)], 0)
        else:
            text = fit([item.text], 0)
        reply_to = case.staff_message_id if item.target == STAFF and item.kind != "case" else None
        try:
            message = await bot.send_message(
                chat, text, rate_limit_args=RETRIES_PER_ROUND,
                reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None)
        except (Forbidden, BadRequest) as error:
            if item.target == STAFF:   # the bot removed from the group, a wrong chat id: kept for later
                self._staff_refused(chat, "forbidden" if isinstance(error, Forbidden) else "bad_request", error)
                return False
            logger.warning("Telegram refused a hand-off message to a citizen (%s); dropped", error)
            await asyncio.to_thread(self.store.mark_sent, item)
            return True
        except TelegramError as error:
            logger.warning("A hand-off message could not be delivered yet (%s); queued", error)
            return False
        await asyncio.to_thread(self.store.mark_sent, item, chat, message.message_id)
        if item.target == STAFF:
            self._warned.discard(case.id)
            self._staff_reachable(chat)
        return True

    async def _erase(self, bot, item: Outgoing) -> None:
        """An erased citizen's copy in a staff chat: deleted, or named in the chat for staff to delete."""
        target = json.loads(item.text)
        chat, reference = int(target["chat"]), str(target["reference"])
        try:
            if item.kind == ERASE:
                await bot.delete_message(chat, int(target["message"]), rate_limit_args=RETRIES_PER_ROUND)
            else:
                await bot.send_message(chat, self.texts.staff("handoff_staff_erased", reference=reference),
                                       rate_limit_args=RETRIES_PER_ROUND)
        except Forbidden:
            logger.warning("The bot can no longer reach a staff chat to erase a case's messages; dropped")
        except BadRequest as error:
            if item.kind == ERASE and "not found" not in str(error).lower():
                # Too old for a bot to delete (48 hours), or a colleague's message the bot may not
                # delete: the group is told once which case to clean up by hand.
                await asyncio.to_thread(self.store.enqueue, NO_CASE, STAFF, ERASED,
                                        json.dumps({"chat": chat, "reference": reference}),
                                        f"erased:{chat}:{reference}")
                self.wake()
            elif item.kind == ERASED:
                logger.error("Telegram refused the erasure notice in a staff chat: %s", error)
        except TelegramError as error:
            logger.warning("Erasing a case's message in a staff chat failed (%s); will retry", error)
            return
        await asyncio.to_thread(self.store.mark_sent, item)

    def _staff_refused(self, chat: int, reason: str, error: Exception) -> None:
        pause = min(STAFF_RETRY_MAX, self._refused[chat][0] * 2) if chat in self._refused else STAFF_RETRY_FIRST
        if chat not in self._refused:
            logger.error("ALERT: Telegram refuses messages to a staff group (%s: %s); hand-off messages are "
                         "kept and retried. Add the bot to the group again or fix the staff chat id.",
                         reason, error)
        else:
            logger.warning("A staff group still refuses messages (%s); next try in %.0f s", reason, pause)
        self._refused[chat] = (pause, self.clock() + pause)
        if self.health is not None:
            self.health.staff_chat_failed(chat, reason)

    def _staff_reachable(self, chat: int) -> None:
        if self._refused.pop(chat, None) is not None:
            logger.warning("A staff group that refused messages takes them again; the kept ones are delivered")
        if self.health is not None:
            self.health.staff_chat_ok(chat)

    async def _warn(self, bot, case: Case) -> None:
        chat = citizen_chat(case)
        if chat is None or case.id in self._warned:
            return
        self._warned.add(case.id)
        try:
            await bot.send_message(chat, self.texts.citizen(case, "handoff_delayed"))
        except TelegramError as error:
            logger.info("The 'may take longer' notice could not be sent: %s", error)
