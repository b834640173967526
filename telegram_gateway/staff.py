"""The Telegram side of a hand-off: citizens' messages to staff while a case is open, and what staff
do in their group (reply to a case message, `/close` in reply, `/cases`).

Only the configured staff chats (TELEGRAM_STAFF_CHAT_ID, TELEGRAM_STAFF_CHATS) can act on cases: a
staff command from any other chat is ignored and logged (the command and chat type, no text, no
ids). Every message goes through the durable outbox (telegram_gateway/outbox.py), so nothing is lost
when Telegram or the gateway is down.

A case left without a staff reply for HANDOFF_REMIND_MINUTES (default 10) within its office's hours
is posted again in its group with its waiting time; the first staff reply is announced with the
wait, and /cases shows both.

Live cases nobody closed within HANDOFF_STALE_HOURS (default 72) are closed by the gateway, with a
notice to the staff group and to the citizen, who is handed back to the assistant; closed cases then
fall under retention (data_protection.retention), so no transcript is kept for ever.
"""
import asyncio
import logging
import time
from typing import Awaitable, Callable, Dict, FrozenSet, Optional

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from contracts import RELAY_CLOSED, RELAY_OPEN, telegram_message_source, telegram_sender
from handoff.hours import OfficeHours, Schedule
from handoff.relay import CaseRelay, answerable
from handoff.store import CITIZEN, CLOSED, REFERENCE, STAFF, Case, CaseStore
from handoff.texts import CaseTexts, age
from telegram_gateway.outbox import Outbox

logger = logging.getLogger(__name__)


async def every(seconds: float, job: Callable[[], Awaitable[object]], stop: asyncio.Event, what: str) -> None:
    """Runs `job` every `seconds` until `stop`; a failure (the database away) is logged and retried."""
    while not stop.is_set():
        try:
            await job()
        except Exception:
            logger.exception("%s failed", what)
        try:
            await asyncio.wait_for(stop.wait(), seconds)
        except asyncio.TimeoutError:
            pass


def message_source(message) -> str:
    """The outbox `source` of a Telegram message (contracts.telegram_message_source)."""
    return telegram_message_source(message.chat_id, message.message_id, int(message.date.timestamp()))


HEADQUARTERS = "headquarters"
STAFF_COMMANDS = ("cases", "close")


class HandoffRelay:
    def __init__(self, store: CaseStore, texts: CaseTexts, hours: OfficeHours, staff_chat: Optional[int],
                 office_chats: Optional[Dict[str, int]] = None,
                 office_hours: Optional[Dict[str, OfficeHours]] = None) -> None:
        self.store = store
        self.texts = texts
        self.hours = hours
        self.schedule = Schedule(hours, dict(office_hours or {}))
        self.staff_chat = staff_chat
        self.office_chats = dict(office_chats or {})
        self.outbox: Optional[Outbox] = None   # set by the app once the Rasa client exists
        self.cases = CaseRelay(store, texts, self._wake)
        self.health = None   # telegram_gateway.health.GatewayHealth, set by the app: staff chats it cannot reach

    # ---- configuration -------------------------------------------------------------------------
    @property
    def staff_chats(self) -> FrozenSet[int]:
        return frozenset({*self.office_chats.values(), *([self.staff_chat] if self.staff_chat is not None else [])})

    def staff_chat_for(self, case: Case) -> Optional[int]:
        """One group per office when TELEGRAM_STAFF_CHATS names the case's office, else the main one."""
        return self.office_chats.get(case.office or HEADQUARTERS, self.staff_chat)

    def state(self) -> str:
        """What the gateway tells the assistant (metadata `relay`): is there a staff group to answer
        live? The action server checks the hours of the case's office (actions/handoff.py)."""
        return RELAY_OPEN if self.staff_chats else RELAY_CLOSED

    def _queue(self, case: Case, target: str, kind: str, text: str, source: Optional[str] = None) -> bool:
        return self.cases.queue(case, target, kind, text, source)

    def _wake(self) -> None:
        if self.outbox:
            self.outbox.wake()

    # ---- citizen side (Telegram's adapter of handoff.relay) ----------------------------------------
    async def live_case(self, chat_id: int) -> Optional[Case]:
        return await asyncio.to_thread(self.cases.live_case, telegram_sender(chat_id))

    async def from_citizen(self, case: Case, text: str, source: str) -> None:
        await asyncio.to_thread(self.cases.from_citizen, case, text, source)

    async def citizen_leaves(self, case: Case) -> None:
        """The citizen typed /bot: close the case, tell staff, hand the conversation back."""
        await asyncio.to_thread(self.cases.citizen_leaves, case)

    def _hand_back(self, case: Case, staff_notice: str, citizen_notice: str = "handoff_back", **values: str) -> None:
        self.cases.hand_back(case, staff_notice, citizen_notice, **values)

    # ---- cases nobody closed -------------------------------------------------------------------------
    async def close_stale(self, hours: float, now: Optional[float] = None) -> int:
        """Closes the live cases opened more than `hours` ago; how many it closed."""
        before = (time.time() if now is None else now) - hours * 3600
        closed = 0
        for case in await asyncio.to_thread(self.store.stale, before):
            if await asyncio.to_thread(self.store.close, case.id):   # False: closed meanwhile
                await asyncio.to_thread(self._hand_back, case, "handoff_staff_stale", "handoff_stale",
                                        hours=f"{hours:g}")
                closed += 1
        if closed:
            logger.info("Closed %d hand-off case(s) open for more than %g h", closed, hours)
        return closed

    async def close_stale_cases(self, hours: float, stop: asyncio.Event) -> None:
        """Runs `close_stale` until `stop`: every 5 minutes, or more often for a short HANDOFF_STALE_HOURS."""
        await every(min(300.0, max(0.5, hours * 3600 / 10)), lambda: self.close_stale(hours), stop,
                    "Closing stale hand-off cases")

    # ---- cases nobody answered -------------------------------------------------------------------
    async def remind(self, minutes: float, now: Optional[float] = None) -> int:
        """Posts again, as a reply to its case message, each case left `minutes` without a staff reply
        (since it was opened or last reminded of), when its office is within its hours; how many."""
        now = time.time() if now is None else now
        reminded = 0
        for case in await asyncio.to_thread(self.store.unanswered, now - minutes * 60):
            if not self.schedule.for_office(case.office).open_at():
                continue   # nobody to remind out of hours: the case is reminded of once they are back
            await asyncio.to_thread(self.store.mark_reminded, case.id, now)
            await asyncio.to_thread(self._queue, case, STAFF, "notice",
                                    self.texts.staff("handoff_staff_reminder", reference=case.reference,
                                                     age=age(now - case.created_at)))
            reminded += 1
        return reminded

    async def remind_unanswered(self, minutes: float, stop: asyncio.Event) -> None:
        """Runs `remind` until `stop`, every minute or more often for a short HANDOFF_REMIND_MINUTES."""
        await every(min(60.0, max(0.5, minutes * 60 / 4)), lambda: self.remind(minutes), stop,
                    "Reminding staff of unanswered hand-off cases")

    # ---- staff side --------------------------------------------------------------------------------
    def register(self, app: Application) -> None:
        """Handlers first in the gateway's group: a staff chat's messages never reach the others."""
        staff = filters.Chat(chat_id=list(self.staff_chats)) & filters.UpdateType.MESSAGE
        app.add_handler(CommandHandler("cases", self.on_cases, filters=staff))
        app.add_handler(CommandHandler("close", self.on_close, filters=staff))
        app.add_handler(CommandHandler(STAFF_COMMANDS, self.on_refused, filters=filters.UpdateType.MESSAGE))
        app.add_handler(MessageHandler(staff & filters.REPLY & filters.TEXT & ~filters.COMMAND, self.on_reply))
        app.add_handler(MessageHandler(staff & filters.REPLY & ~filters.TEXT, self.on_attachment))
        app.add_handler(MessageHandler(staff, self.on_chatter))

    async def _case_replied_to(self, update: Update) -> Optional[Case]:
        message = update.message
        replied = message.reply_to_message
        if replied is None:
            return None
        # The bot's messages about a case name it (case message, relayed messages, notices): that
        # holds even for a reply sent before the store recorded the message's id (a fast reply).
        named = REFERENCE.search(replied.text or "") if replied.from_user and \
            replied.from_user.id == update.get_bot().id else None
        if named:
            return await asyncio.to_thread(self.store.by_reference, named.group())
        return await asyncio.to_thread(self.store.for_staff_message, message.chat_id, replied.message_id)

    async def _answer(self, update: Update, text: str) -> None:
        try:
            await update.message.reply_text(text)
        except TelegramError as error:
            logger.warning("Could not answer in the staff group: %s", error)

    async def on_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        case = await self._case_replied_to(update)
        replied = update.message.reply_to_message
        if case is None:
            if replied.from_user and replied.from_user.id == context.bot.id:
                await self._answer(update, self.texts.staff("handoff_staff_not_a_case"))
            return   # a reply to a colleague: staff talking among themselves
        if case.status == CLOSED:
            await self._answer(update, self.texts.staff("handoff_staff_already_closed", reference=case.reference))
            return
        if not answerable(case):
            await self._answer(update, self.texts.staff("handoff_staff_by_email", reference=case.reference,
                                                        email=case.email or "—"))
            return
        text = self.texts.citizen(case, "handoff_staff_says", text=update.message.text)
        source = message_source(update.message)
        if await asyncio.to_thread(self._queue, case, CITIZEN, "staff", text, source):
            logger.info("A staff answer was queued for a case")
            if await asyncio.to_thread(self.store.mark_answered, case.id):
                await asyncio.to_thread(self._queue, case, STAFF, "notice", self.texts.staff(
                    "handoff_staff_first_answer", reference=case.reference, age=age(time.time() - case.created_at)))

    async def on_attachment(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo, file or sticker in reply to a case: not relayed (citizens get text only)."""
        if await self._case_replied_to(update):
            await self._answer(update, self.texts.staff("handoff_staff_text_only"))

    async def on_close(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        case = await self._case_replied_to(update)
        if case is None:
            await self._answer(update, self.texts.staff("handoff_staff_not_a_case"))
            return
        if not await asyncio.to_thread(self.store.close, case.id):
            await self._answer(update, self.texts.staff("handoff_staff_already_closed", reference=case.reference))
            return
        await asyncio.to_thread(self._hand_back, case, "handoff_staff_closed")
        logger.info("Staff closed a case")

    async def on_cases(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.message.chat_id
        cases = [c for c in await asyncio.to_thread(self.store.active) if self.staff_chat_for(c) == chat]
        now = time.time()
        lines = [self.texts.staff("handoff_staff_cases", count=str(len(cases)))]
        lines += [self.texts.case_line(case, now) for case in cases]
        await self._answer(update, "\n".join(lines))

    async def on_refused(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        command = (update.message.text or "").split()[0].split("@")[0].lstrip("/")
        logger.warning("A staff command (/%s) from a chat that is not a staff chat was ignored (%s chat)",
                       command if command in STAFF_COMMANDS else "?", update.effective_chat.type)

    async def on_chatter(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything else in a staff group (colleagues talking): not for the bot."""
