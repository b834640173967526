"""The web widget's live hand-off, on the Rasa server's side (docs/handoff.md, "Live in the widget").

The widget is one adapter of the channel-independent relay (handoff.relay): with a staff group
configured (TELEGRAM_STAFF_CHAT_ID or TELEGRAM_STAFF_CHATS in this server's environment), the
socket.io channel tells the assistant `relay: open` and, within the office's hours, the citizen's
"yes" opens a live case like Telegram's. Then:

- the visitor's messages go to staff (`intercept`: a `citizen` row in the outbox, which the Telegram
  gateway posts to the staff group), not to the assistant; "/bot" closes the case; other commands
  and old buttons' payloads get "you are talking to a person, /bot to go back";
- staff replies and notices are outbox rows for the citizen, which this process delivers: every
  POLL_SECONDS it sends the rows of connected visitors as `staff_uttered` {"id", "text", "kind"}
  to their conversation's room, and a row counts as delivered only when the widget acknowledges it
  (`staff_seen` {"id"}: everything of this conversation up to that row id was shown). A visitor
  who closed the tab gets them, once and in order, when the same browser comes back (`joined`,
  after the session is confirmed); the widget ignores ids it has shown already;
- a visitor with no connected socket for HANDOFF_WEB_OFFLINE_MINUTES (default 10) is announced to
  staff as offline, once per absence. Each Rasa server records when it last saw the visitor's page
  connected (the case's `visitor_seen_at`, every SEEN_EVERY seconds), so with several replicas the
  one without the visitor's socket does not think them gone, and the notice is queued once (its
  `source` names the absence). (Sending staff replies by email afterwards is not done: the
  case message says so and the email form stays the way out of hours.)

Rows survive any restart: they are in the case store, and only an acknowledgement marks them sent.
"""
import asyncio
import logging
import os
import time
import uuid
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional

from contracts import RELAY_OPEN
from handoff.relay import CaseRelay
from handoff.store import shared_store

logger = logging.getLogger(__name__)

STAFF_EVENT = "staff_uttered"        # server -> widget: a staff reply or notice
SEEN_EVENT = "staff_seen"            # widget -> server: shown up to this row id
RELAYED_EVENT = "handoff_relayed"    # server -> widget: your message went to staff (no bot reply comes)
POLL_SECONDS = 0.5
SEEN_EVERY = 5.0                     # seconds between two records of a connected visitor
OFFLINE_ENV = "HANDOFF_WEB_OFFLINE_MINUTES"
DEFAULT_OFFLINE_MINUTES = 10.0
LEAVE_COMMAND = "/bot"


def staff_configured(env: Mapping[str, str]) -> bool:
    return bool(env.get("TELEGRAM_STAFF_CHAT_ID", "").strip() or env.get("TELEGRAM_STAFF_CHATS", "").strip())


def offline_minutes(env: Mapping[str, str]) -> float:
    raw = env.get(OFFLINE_ENV, "").strip()
    try:
        value = float(raw) if raw else DEFAULT_OFFLINE_MINUTES
    except ValueError:
        raise ValueError(f"{OFFLINE_ENV} must be a number of minutes, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{OFFLINE_ENV} must be more than 0 minutes, got {raw!r}")
    return value


class WebLiveCases:
    """Attached to the socket.io server by the widget's channel (rasa_server/channels/socketio.py)."""

    def __init__(self, sio: Any, namespace: str, session_of: Callable[[str], Awaitable[Optional[str]]],
                 env: Optional[Mapping[str, str]] = None, relay: Optional[CaseRelay] = None) -> None:
        env = os.environ if env is None else env
        self.sio = sio
        self.namespace = namespace
        self.session_of = session_of
        self.enabled = staff_configured(env) or relay is not None
        self.offline_after = offline_minutes(env) * 60
        self._relay = relay
        self._env = env
        self._emitted: Dict[str, int] = {}       # session -> last row id sent to its room
        self._task: Optional[asyncio.Task] = None

    @property
    def relay(self) -> CaseRelay:
        if self._relay is None:   # on first use: no database for a server without a staff group
            from handoff.texts import CaseTexts  # plain text formatting, no Telegram import
            from knowledge.phrases import Phrases
            language = self._env.get("HANDOFF_STAFF_LANGUAGE", "").strip().lower() or "es"
            self._relay = CaseRelay(shared_store(), CaseTexts(Phrases(), language))
        return self._relay

    def relay_state(self) -> Optional[str]:
        """metadata `relay` of the widget's messages: open with a staff group, else none (email form)."""
        return RELAY_OPEN if self.enabled else None

    # ---- the visitor's side ----------------------------------------------------------------------
    async def intercept(self, session_id: str, text: str,
                        allowed: Optional[Callable[[], Awaitable[bool]]] = None) -> bool:
        """True when the message belongs to a live case (passed on to staff, or "/bot" closed it, or
        `allowed` said no: over the channel's rate limits, and told so): the assistant must not
        answer it."""
        if not self.enabled or not text.strip():
            return False
        case = await asyncio.to_thread(self.relay.live_case, session_id)
        if case is None:
            return False
        if allowed is not None and not await allowed():
            return True
        if text.strip().lower() == LEAVE_COMMAND:
            await asyncio.to_thread(self.relay.citizen_leaves, case)
        elif text.startswith("/"):   # a command or an old button's payload: not for staff
            reminder = self.relay.texts.citizen(case, "handoff_in_progress", reference=case.reference)
            await self.sio.emit("bot_uttered", {"text": reminder}, room=session_id, namespace=self.namespace)
        else:
            await asyncio.to_thread(self.relay.from_citizen, case, text.strip(), f"web:{uuid.uuid4().hex}")
            await self.sio.emit(RELAYED_EVENT, {"reference": case.reference}, room=session_id,
                                namespace=self.namespace)
        return True

    async def joined(self, sid: str, session_id: str) -> None:
        """A socket (re)joined its conversation: everything not acknowledged yet, to that socket."""
        if not self.enabled:
            return
        await self._send(session_id, room=sid, after=0)

    async def seen(self, sid: str, data: Any) -> None:
        session_id = await self.session_of(sid)
        up_to = data.get("id") if isinstance(data, dict) else None
        if session_id is None or not isinstance(up_to, int) or not self.enabled:
            return
        await asyncio.to_thread(self.relay.store.web_acknowledged, session_id, up_to)

    # ---- delivery ----------------------------------------------------------------------------------
    def _connected(self, session_id: str) -> bool:
        return any(True for _ in self.sio.manager.get_participants(self.namespace, session_id))

    async def _send(self, session_id: str, room: str, after: int) -> None:
        rows = await asyncio.to_thread(self.relay.store.web_pending, session_id)
        for row in rows:
            if row.id > after:
                await self.sio.emit(STAFF_EVENT, {"id": row.id, "text": row.text, "kind": row.kind}, room=room,
                                    namespace=self.namespace)
        if rows:
            self._emitted[session_id] = max(self._emitted.get(session_id, 0), rows[-1].id)

    async def deliver(self) -> None:
        """One round: new rows to connected visitors; offline visitors of live cases told to staff."""
        for session_id in await asyncio.to_thread(self.relay.store.web_waiting):
            if self._connected(session_id):
                await self._send(session_id, room=session_id, after=self._emitted.get(session_id, 0))
        now = time.time()
        for case in await asyncio.to_thread(self.relay.store.live_web_cases):
            seen = case.visitor_seen_at or case.created_at
            if self._connected(case.sender):
                if now - seen >= SEEN_EVERY:
                    await asyncio.to_thread(self.relay.store.visitor_seen, case.id, now)
            elif now - seen >= self.offline_after + SEEN_EVERY:
                await asyncio.to_thread(self.relay.notify_staff, case, "handoff_staff_visitor_offline",
                                        source=f"web-offline:{case.id}:{int(seen)}",
                                        minutes=f"{self.offline_after / 60:g}")

    async def run(self) -> None:
        while True:
            try:
                await self.deliver()
            except Exception:   # the database away: try again next round
                logger.exception("Delivering staff replies to the web widget failed")
            await asyncio.sleep(POLL_SECONDS)

    def attach(self, blueprint: Any) -> None:
        """Registers `staff_seen` and runs the delivery loop while the server runs."""
        if not self.enabled:
            return
        self.sio.on(SEEN_EVENT, self.seen, namespace=self.namespace)

        async def start(_app: Any, _loop: Any) -> None:
            self._task = asyncio.create_task(self.run(), name="web-live-cases")

        async def stop(_app: Any, _loop: Any) -> None:
            if self._task:
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)

        blueprint.listener("after_server_start")(start)
        blueprint.listener("before_server_stop")(stop)
        logger.info("Web widget: live hand-off to the staff group on (visitor offline after %g min)",
                    self.offline_after / 60)
