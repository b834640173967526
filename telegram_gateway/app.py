"""Builds the python-telegram-bot Application and runs it in polling or webhook mode until stopped."""
import asyncio
import logging
import signal
from typing import Optional

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, TypeHandler

from handoff.store import CaseStore
from handoff.texts import CaseTexts
from knowledge.phrases import Phrases
from telegram_gateway.config import Settings
from telegram_gateway.handlers import Gateway, PrivacyNotice
from telegram_gateway.health import GatewayHealth, HealthServer
from telegram_gateway.ordering import PerChatUpdateProcessor
from telegram_gateway.outbox import Outbox
from telegram_gateway.phrases import ChatLanguages
from telegram_gateway.rasa import RasaClient
from telegram_gateway.retry import RetryingRateLimiter
from telegram_gateway.staff import HandoffRelay
from telegram_gateway.webhook import WebhookServer

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
POLL_TIMEOUT = 30          # seconds a getUpdates long poll stays open
# Connections to the Bot API. PTB's default (256) makes httpcore's pool bookkeeping cost more CPU
# per request than it saves; requests beyond this wait for a free connection (pool_timeout).
CONNECTIONS = 16
HEALTH_GROUP = -1000       # the handler group that notes every update first (telegram_gateway/health.py)


def file_url(api_url: str) -> str:
    """The file download URL that goes with a Bot API URL (.../bot -> .../file/bot)."""
    base = api_url.rstrip("/")
    return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base


def build_relay(settings: Settings, phrases: Phrases, rasa: RasaClient) -> HandoffRelay:
    """The hand-off relay with its case store and outbox (docs/handoff.md)."""
    relay = HandoffRelay(CaseStore(), CaseTexts(phrases, settings.staff_language), settings.hours,
                         settings.staff_chat, settings.office_chats, settings.hours_by_office)
    relay.outbox = Outbox(relay.store, relay.texts, rasa, relay.staff_chat_for, settings.outbox_every)
    return relay


def build(settings: Settings, rasa: Optional[RasaClient] = None) -> Application:
    rasa = rasa or RasaClient(settings.rest_url, settings.rasa_timeout, settings.rasa_concurrency,
                              settings.rasa_retry_after, settings.forget_url, settings.forget_token,
                              settings.resume_url, settings.rest_secret, export_url=settings.export_url)
    phrases = Phrases()
    relay = build_relay(settings, phrases, rasa)
    gateway = Gateway(rasa, phrases, ChatLanguages(), groups=settings.groups, relay=relay,
                      privacy=PrivacyNotice(settings.privacy_url, settings.retention_days))
    processor = PerChatUpdateProcessor(settings.chat_rate, settings.chat_burst, settings.chat_queue,
                                       on_dropped=gateway.on_dropped, exempt=relay.staff_chats)
    builder = (Application.builder()
               .token(settings.token)
               .base_url(settings.api_url)
               .base_file_url(file_url(settings.api_url))
               .concurrent_updates(processor)
               .rate_limiter(RetryingRateLimiter(settings.telegram_rate, settings.telegram_retries))
               .connection_pool_size(CONNECTIONS).connect_timeout(5).read_timeout(10).write_timeout(10)
               .pool_timeout(30)
               .get_updates_read_timeout(POLL_TIMEOUT + 10))
    if settings.mode == "webhook":
        builder = builder.updater(None)
    app = builder.build()
    health = GatewayHealth(settings.mode, relay.store, {
        **({settings.staff_chat: None} if settings.staff_chat is not None else {}),
        **{chat: office for office, chat in settings.office_chats.items()}})
    relay.health = relay.outbox.health = health   # staff chats that cannot be reached (NOTES-ops.md)
    app.add_handler(TypeHandler(Update, health.on_update), group=HEALTH_GROUP)
    gateway.register(app)
    app.bot_data["gateway"] = gateway
    app.bot_data["health"] = health
    app.bot_data["rasa"] = rasa
    return app


async def _initialize(app: Application, stop: asyncio.Event) -> bool:
    """Initializes (getMe) until Telegram answers; False if stopped first. A bad token raises."""
    delay = 1.0
    while not stop.is_set():
        try:
            await app.initialize()
            return True
        except InvalidToken:
            raise
        except NetworkError as error:
            logger.warning("Telegram is not reachable (%s); retrying in %.0f s", error, delay)
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
            except asyncio.TimeoutError:
                pass
            delay = min(delay * 2, 30.0)
    return False


async def run(settings: Settings, stop: Optional[asyncio.Event] = None) -> int:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    app = build(settings)
    gateway: Gateway = app.bot_data["gateway"]
    rasa: RasaClient = app.bot_data["rasa"]
    health: GatewayHealth = app.bot_data["health"]
    webhook: Optional[WebhookServer] = None
    outbox: Optional[asyncio.Task] = None
    stale: Optional[asyncio.Task] = None
    remind: Optional[asyncio.Task] = None
    watcher: Optional[asyncio.Task] = None
    # Up before Telegram answers: /health then says "down" instead of nothing at all.
    health_server = HealthServer(health, settings.http_listen, settings.http_port)
    await health_server.start()
    try:
        if not await _initialize(app, stop):
            return 0
    except InvalidToken:
        logger.error("Telegram refused TELEGRAM_BOT_TOKEN (invalid or revoked): get a new one from @BotFather")
        await rasa.close()
        await health_server.stop()
        return 2
    try:
        await app.start()
        await gateway.set_commands(app)
        if settings.mode == "webhook":
            webhook = WebhookServer(app, settings.webhook_secret, settings.webhook_path, settings.webhook_listen,
                                    settings.webhook_port)
            try:
                await webhook.start()
            except OSError as error:
                logger.error("The webhook server cannot listen on %s:%d: %s", settings.webhook_listen,
                             settings.webhook_port, error)
                return 1
            try:
                await app.bot.set_webhook(settings.webhook_url, secret_token=settings.webhook_secret,
                                          allowed_updates=ALLOWED_UPDATES, max_connections=40)
            except TelegramError as error:
                logger.error("Telegram refused the webhook %s: %s (it must be a public HTTPS URL on port "
                             "443, 80, 88 or 8443)", settings.webhook_url, error)
                return 1
        else:
            await app.updater.start_polling(timeout=POLL_TIMEOUT, bootstrap_retries=-1,
                                            allowed_updates=ALLOWED_UPDATES, error_callback=health.on_poll_error)
        health.receiving = True
        watcher = asyncio.create_task(health.watch_staff_chats(app.bot, stop), name="staff-chat-check")
        relay = gateway.relay
        outbox = asyncio.create_task(relay.outbox.run(app.bot, stop), name="handoff-outbox")
        stale = asyncio.create_task(relay.close_stale_cases(settings.stale_hours, stop), name="handoff-stale")
        if settings.remind_minutes:
            remind = asyncio.create_task(relay.remind_unanswered(settings.remind_minutes, stop), name="handoff-remind")
        logger.info("Hand-off: %d staff chat(s), hours %s", len(relay.staff_chats), relay.hours.text)
        logger.info("Telegram gateway running as @%s (%s mode), relaying to %s", app.bot.username, settings.mode,
                    settings.rest_url)
        await stop.wait()
        logger.info("Stopping the Telegram gateway")
    finally:
        health.receiving = False
        for task in (outbox, stale, remind, watcher):
            if task:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await health_server.stop()
        if webhook:
            await webhook.stop()
        if app.updater and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await rasa.close()
    return 0
