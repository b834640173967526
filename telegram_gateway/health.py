"""The gateway's operator endpoints: `GET /health` and `GET /metrics` on GATEWAY_HTTP_PORT.

An aiohttp listener (the gateway already runs aiohttp for its webhook), on 127.0.0.1:8090 by default
(GATEWAY_HTTP_LISTEN / GATEWAY_HTTP_PORT; port 0 turns it off). It is separate from the webhook
server, which must face Telegram, while these must not face the internet.

/health answers JSON, HTTP 200 when the gateway serves citizens ("ok", or "degraded" when a staff
group is unreachable or getUpdates keeps failing: restarting would not fix those) and 503 when it
does not ("down": polling stopped, or the webhook is not set). The shape is agreed with the outbox's
owner in NOTES-ops.md; the outbox reports staff-chat failures through `staff_chat_failed` / `_ok`:

    {"status": "ok", "telegram": {"mode": "polling", "receiving": true, "last_update_age_seconds": 3.2},
     "outbox": {"pending": 0, "oldest_pending_age_seconds": null},
     "staff_chats": {"configured": 1, "unreachable": []}, "problems": []}

No citizen's chat id or text appears in either answer.
"""
import asyncio
import logging
import time
from typing import Any, Dict, List, Optional

from aiohttp import web
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector
from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError

from contracts import telegram_sender
from handoff.store import CaseStore
from ops import logs
from ops.metrics import TELEGRAM_API_ERRORS, exposition
from ops.store_gauges import read_figures

logger = logging.getLogger(__name__)

OK, DEGRADED, DOWN = "ok", "degraded", "down"
POLL_ERRORS_RECENT = 120.0      # seconds: getUpdates failures this recent (and no update since) degrade
STAFF_CHECK_EVERY = 300.0       # seconds between checks that the bot can still reach the staff groups


class GatewayHealth(Collector):
    def __init__(self, mode: str, store: Optional[CaseStore] = None,
                 staff_chats: Optional[Dict[int, Optional[str]]] = None) -> None:
        self.mode = mode
        self.store = store
        self.staff_chats = dict(staff_chats or {})       # chat id -> office id (None: every office)
        self.unreachable: Dict[int, str] = {}            # chat id -> reason
        self.receiving = False                           # polling running / webhook set
        self.last_update: Optional[float] = None         # time.monotonic() of the latest update
        self.last_poll_error: Optional[float] = None

    # ---- what the gateway reports ---------------------------------------------------------------
    async def on_update(self, update: Update, _context: Any) -> None:
        """First handler of every update (group -1000): its time, and its conversation for the logs."""
        self.last_update = time.monotonic()
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is not None and isinstance(chat.id, int):
            logs.set_conversation(telegram_sender(chat.id))   # the Rasa sender id

    def on_poll_error(self, error: TelegramError) -> None:
        """PTB's polling error callback: getUpdates failed (it keeps retrying)."""
        self.last_poll_error = time.monotonic()
        TELEGRAM_API_ERRORS.labels("getUpdates").inc()
        logger.warning("getUpdates failed: %s", type(error).__name__)

    def staff_chat_failed(self, chat_id: int, reason: str) -> None:
        if self.unreachable.get(chat_id) != reason:
            logger.error("Staff chat for %s unreachable: %s", self.staff_chats.get(chat_id) or "every office", reason)
        self.unreachable[chat_id] = reason

    def staff_chat_ok(self, chat_id: int) -> None:
        if self.unreachable.pop(chat_id, None):
            logger.info("Staff chat for %s reachable again", self.staff_chats.get(chat_id) or "every office")

    async def check_staff_chats(self, bot: Any) -> None:
        for chat_id in self.staff_chats:
            try:
                await bot.get_chat_member_count(chat_id)   # cheap; Forbidden once the bot was removed
            except Forbidden:
                self.staff_chat_failed(chat_id, "forbidden")
            except BadRequest:
                self.staff_chat_failed(chat_id, "chat_not_found")
            except TelegramError as error:   # network: says nothing about the chat
                logger.warning("Checking a staff chat failed: %s", type(error).__name__)
            else:
                self.staff_chat_ok(chat_id)

    async def watch_staff_chats(self, bot: Any, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.check_staff_chats(bot)
            try:
                await asyncio.wait_for(stop.wait(), STAFF_CHECK_EVERY)
            except asyncio.TimeoutError:
                pass

    # ---- what /health and /metrics answer -------------------------------------------------------
    def last_update_age(self) -> Optional[float]:
        return None if self.last_update is None else round(time.monotonic() - self.last_update, 1)

    def report(self) -> Dict[str, Any]:
        problems: List[str] = []
        if not self.receiving:
            problems.append("polling is not running" if self.mode == "polling" else "the webhook is not set")
        if self.last_poll_error is not None and time.monotonic() - self.last_poll_error < POLL_ERRORS_RECENT \
                and (self.last_update is None or self.last_update < self.last_poll_error):
            problems.append("getUpdates is failing")
        problems += [f"staff chat unreachable: {reason}" for reason in self.unreachable.values()]
        outbox: Dict[str, Any] = {"pending": None, "oldest_pending_age_seconds": None}
        if self.store is not None:
            try:
                figures = read_figures(self.store)
                outbox = {"pending": figures.pending,
                          "oldest_pending_age_seconds": None if figures.oldest_pending_seconds is None
                          else round(figures.oldest_pending_seconds, 1)}
            except Exception as error:
                problems.append(f"the case store cannot be read ({type(error).__name__})")
        status = DOWN if not self.receiving else DEGRADED if problems else OK
        return {"status": status,
                "telegram": {"mode": self.mode, "receiving": self.receiving,
                             "last_update_age_seconds": self.last_update_age()},
                "outbox": outbox,
                "staff_chats": {"configured": len(self.staff_chats),
                                "unreachable": [{"office": self.staff_chats.get(chat), "reason": reason}
                                                for chat, reason in self.unreachable.items()]},
                "problems": problems}

    def collect(self):
        up = GaugeMetricFamily("segib_telegram_receiving", "1 while the gateway receives updates "
                               "(polling running or webhook set)", value=1 if self.receiving else 0)
        yield up
        age = self.last_update_age()
        if age is not None:
            yield GaugeMetricFamily("segib_telegram_last_update_age_seconds",
                                    "Seconds since the gateway received its latest update", value=age)
        yield GaugeMetricFamily("segib_staff_chats_unreachable", "Staff chats the bot cannot post to",
                                value=len(self.unreachable))


class HealthServer:
    def __init__(self, health: GatewayHealth, listen: str = "127.0.0.1", port: int = 8090) -> None:
        self.health = health
        self.listen = listen
        self.port = port
        self._runner: Optional[web.AppRunner] = None

    async def health_page(self, _request: web.Request) -> web.Response:
        report = await asyncio.get_running_loop().run_in_executor(None, self.health.report)   # a DB query
        return web.json_response(report, status=503 if report["status"] == DOWN else 200)

    async def metrics_page(self, _request: web.Request) -> web.Response:
        body, content_type = exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def start(self) -> bool:
        """Listens; False (logged) when the port is taken: citizens are still served."""
        if not self.port:
            return False
        server = web.Application()
        server.router.add_get("/health", self.health_page)
        server.router.add_get("/metrics", self.metrics_page)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.listen, self.port).start()
        except OSError as error:
            logger.error("The health and metrics listener cannot listen on %s:%d (%s); set GATEWAY_HTTP_PORT",
                         self.listen, self.port, error)
            await self.stop()
            return False
        REGISTRY.register(self.health)
        logger.info("Health and metrics on http://%s:%d/health and /metrics", self.listen, self.port)
        return True

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None
            try:
                REGISTRY.unregister(self.health)
            except KeyError:   # it never started listening
                pass
