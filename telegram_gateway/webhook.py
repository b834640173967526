"""Webhook mode: a small aiohttp server that accepts Telegram's POSTs and feeds them to PTB.

PTB's built-in webhook server (tornado) checks X-Telegram-Bot-Api-Secret-Token with `!=` and logs
a wrong token at DEBUG; this one compares in constant time (hmac.compare_digest), logs nothing of
the header and answers 403 before reading the body, so a request without the right secret reaches
nothing. It listens on loopback by default: put a TLS reverse proxy in front (docs/telegram.md).
"""
import hmac
import json
import logging
from typing import Optional

from aiohttp import web
from telegram import Update
from telegram.ext import Application

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20   # Telegram's updates are a few KB; refuse anything larger than 1 MiB


class WebhookServer:
    def __init__(self, app: Application, secret: str, path: str, listen: str = "127.0.0.1",
                 port: int = 8081) -> None:
        if not secret:
            raise ValueError("the webhook needs a secret token")
        self.app = app
        self._secret = secret.encode()
        self.path = path if path.startswith("/") else "/" + path
        self.listen = listen
        self.port = port
        self._runner: Optional[web.AppRunner] = None

    def authorized(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        return hmac.compare_digest(given, self._secret)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.authorized(request):
            return web.Response(status=403, text="Forbidden")
        try:
            data = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError, RecursionError):   # RecursionError: "[[[[..." nested too deep
            return web.Response(status=400, text="the body must be a JSON update")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="the body must be a JSON update")
        try:
            update = Update.de_json(data, self.app.bot)
        except Exception:
            logger.warning("An undecodable update was ignored")
            return web.Response(status=200)   # Telegram would resend it forever otherwise
        await self.app.update_queue.put(update)
        return web.Response(status=200)

    async def start(self) -> None:
        server = web.Application(client_max_size=MAX_BODY)
        server.router.add_post(self.path, self.handle)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        logger.info("Webhook server listening on %s:%d%s", self.listen, self.port, self.path)

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None
