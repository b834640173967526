"""The socket.io channel of the website widget, built on Rasa's SocketIOInput with five fixes.

Rasa 3.6's channel
- calls `sio.enter_room(...)` without `await`: with python-socketio >= 5.10 that is a coroutine
  that never runs, so with `session_persistence` the browser never joins its room and never gets
  a reply (RasaHQ/rasa#13027);
- creates its server with `cors_allowed_origins=[]`, which turns origin checks off: any web page
  could talk to the bot from a visitor's browser;
- accepts messages of any size (up to engine.io's 1 MB packets);
- passes the client's metadata through unchecked (and reads it from `metadata`, while web
  widgets send `customData`);
- ignores a message without a session id and sends nothing when processing fails.

This subclass keeps Rasa's server, events and output format and replaces the two handlers that
need it. The socket a session was requested on is bound to that session (the sio session keeps
it), so a reply always goes to a room the sender is in. It adds one event, `forget_conversation`:
the widget's "forget my conversation" deletes the socket's own conversation on the server
(bot.channels.forget, under the conversation's lock), and `export_conversation`, its "download
my conversation" (bot.privacy's JSON document of the socket's own conversation).
"""
import json
import logging
import os
import re
import uuid
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.forget import export_conversation, forget_conversation
from bot.channels.livecase import WebLiveCases
from bot.channels.private import ready_agent
from bot.channels.rest import clean_metadata, hinted_language, run_assistant, unavailable

logger = logging.getLogger(__name__)

ALLOWED_ORIGINS_ENV = "WIDGET_ALLOWED_ORIGINS"
DEFAULT_ALLOWED_ORIGINS = ("http://localhost:8080", "http://127.0.0.1:8080")
DEFAULT_MAX_MESSAGE_CHARS = 2_000
# engine.io packet limit: a message of the maximum length in 4-byte UTF-8 plus the JSON around it.
MAX_PACKET_BYTES = 64 * 1024
_ORIGIN = re.compile(r"^https?://[a-z0-9.\-]+(:\d{1,5})?$|^https?://\[[0-9a-f:.]+\](:\d{1,5})?$")
FORGET_EVENT = "forget_conversation"
EXPORT_EVENT = "export_conversation"
_SESSION_ID = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")


def parse_origins(value: Any) -> List[str]:
    """Origins from a list or a comma/space-separated string, checked and normalised.

    An origin is scheme://host[:port] exactly as browsers send it (no path, no trailing slash).
    "*" is refused: the point of the setting is to name the sites that embed the widget.
    """
    items = re.split(r"[,\s]+", value) if isinstance(value, str) else list(value or [])
    origins = []
    for item in items:
        origin = str(item).strip().rstrip("/").lower()
        if not origin:
            continue
        if not _ORIGIN.match(origin):
            raise ValueError(f"'{item}' is not a web origin like https://www.segib.org "
                             f"(set {ALLOWED_ORIGINS_ENV} or allowed_origins in credentials.yml)")
        if origin not in origins:
            origins.append(origin)
    return origins


def configured_origins(credentials: Dict[Text, Any]) -> List[str]:
    """WIDGET_ALLOWED_ORIGINS when set, else `allowed_origins` from credentials.yml, else localhost:8080."""
    from_env = os.environ.get(ALLOWED_ORIGINS_ENV, "").strip()
    if from_env:
        return parse_origins(from_env)
    if credentials.get("allowed_origins"):
        return parse_origins(credentials["allowed_origins"])
    return list(DEFAULT_ALLOWED_ORIGINS)


def valid_session_id(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and _SESSION_ID.match(value) else None


@lru_cache(maxsize=1)
def _messages():
    from knowledge.loader import DEFAULT_MESSAGES_FILE, load_messages

    return load_messages(DEFAULT_MESSAGES_FILE)


def phrase(key: str, language: str, **values: Any) -> str:
    return _messages().text(key, language, **values)


class _CountingOutput(SocketIOOutput):
    """Rasa's socket.io output that counts what it sent, so that silence can be noticed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent = 0

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        await super()._send_message(socket_id, response)
        self.sent += 1

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await super().send_custom_json(recipient_id, json_message, **kwargs)
        self.sent += 1


class SegibSocketIOInput(SocketIOInput):
    """`bot.channels.socketio.SegibSocketIOInput` in credentials.yml; same options as Rasa's
    `socketio` plus `allowed_origins` (list) and `max_message_chars`."""

    allowed_origins: List[str] = list(DEFAULT_ALLOWED_ORIGINS)
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS
    _server: Any = None   # the Sanic app, once it starts
    live_cases: Optional[WebLiveCases] = None   # the live hand-off, once the blueprint exists

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SegibSocketIOInput":
        credentials = dict(credentials or {})
        credentials.setdefault("metadata_key", "customData")
        channel = super().from_credentials(credentials)
        channel.allowed_origins = configured_origins(credentials)
        channel.max_message_chars = int(credentials.get("max_message_chars") or DEFAULT_MAX_MESSAGE_CHARS)
        logger.info("Web widget channel: origins allowed %s", ", ".join(channel.allowed_origins))
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        # A browser on any other site gets "400 not an accepted origin" on the handshake (HTTP
        # polling and WebSocket alike). Clients that send no Origin (curl, servers) are not
        # browsers acting for a visitor; they could use the REST channel anyway.
        sio.eio.cors_allowed_origins = list(self.allowed_origins)
        sio.eio.max_http_buffer_size = MAX_PACKET_BYTES
        namespace = self.namespace or "/"

        async def session_of(sid: Text) -> Optional[str]:
            return (await sio.get_session(sid, namespace=namespace)).get("session_id")

        live = self.live_cases = WebLiveCases(sio, namespace, session_of)   # the live hand-off (livecase.py)

        async def bind_session(sid: Text, requested: Any) -> str:
            session_id = valid_session_id(requested) or uuid.uuid4().hex
            if self.session_persistence:
                previous = (await sio.get_session(sid, namespace=namespace)).get("session_id")
                if previous and previous != session_id:  # "new conversation" on the same socket
                    await sio.leave_room(sid, previous, namespace=namespace)
                await sio.enter_room(sid, session_id, namespace=namespace)
            else:
                session_id = sid
            await sio.save_session(sid, {"session_id": session_id}, namespace=namespace)
            return session_id

        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = await bind_session(sid, requested)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)
            logger.debug("Socket %s bound to session %s", sid, session_id)
            await live.joined(sid, session_id)   # staff replies sent while the visitor was away

        async def handle_message(sid: Text, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = (await sio.get_session(sid, namespace=namespace)).get("session_id")
            if session_id is None:
                # No session_request first (Rasa ignored such messages): bind one now, so the
                # reply reaches this socket instead of being dropped.
                session_id = await bind_session(sid, data.get("session_id"))
                logger.info("Socket %s sent a message before requesting a session", sid)
            elif data.get("session_id") not in (None, session_id):
                logger.warning("Socket %s sent a message for another session; kept its own", sid)
            await self._process(on_new_message, sio, session_id, data)

        async def forget(sid: Text, _data: Any = None) -> Dict[str, Any]:
            """The widget's "forget my conversation": deletes the conversation this socket is bound
            to (never one the client names) and unbinds it, so that its next message starts a new
            one. The reply is the socket.io acknowledgement: {"ok": bool, "deleted": bool}."""
            session_id = (await sio.get_session(sid, namespace=namespace)).get("session_id")
            if session_id is None:
                return {"ok": True, "deleted": False}
            agent = ready_agent(self._server)
            if agent is None:
                return {"ok": False, "deleted": False}
            try:
                deleted = await forget_conversation(agent, session_id)
            except Exception:
                logger.exception("Forgetting a web widget conversation failed")
                return {"ok": False, "deleted": False}
            if self.session_persistence:
                await sio.leave_room(sid, session_id, namespace=namespace)
            await sio.save_session(sid, {}, namespace=namespace)
            return {"ok": True, "deleted": deleted}

        async def export(sid: Text, _data: Any = None) -> Dict[str, Any]:
            """The widget's "download my conversation": the JSON document of the conversation this
            socket is bound to (bot.privacy), as the acknowledgement {"ok": bool, "document": {...}}."""
            session_id = (await sio.get_session(sid, namespace=namespace)).get("session_id")
            agent = ready_agent(self._server)
            if session_id is None or agent is None:
                return {"ok": False}
            try:
                async with agent.lock_store.lock(session_id):
                    return {"ok": True, "document": await export_conversation(agent, session_id)}
            except Exception:
                logger.exception("Exporting a web widget conversation failed")
                return {"ok": False}

        async def remember_server(app: Any, _loop: Any) -> None:
            self._server = app   # its ctx.agent is the one serving this channel's messages

        socketio_webhook.listener("before_server_start")(remember_server)
        sio.on("session_request", session_request, namespace=namespace)
        sio.on(self.user_message_evt, handle_message, namespace=namespace)
        sio.on(FORGET_EVENT, forget, namespace=namespace)
        sio.on(EXPORT_EVENT, export, namespace=namespace)
        live.attach(socketio_webhook)
        return socketio_webhook

    def _metadata(self, data: Dict[str, Any]) -> Dict[str, str]:
        raw = data.get(self.metadata_key)
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raw = None
        return clean_metadata(raw)

    async def _process(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sio: Any,
                       session_id: str, data: Dict[str, Any]) -> None:
        output = _CountingOutput(sio, self.bot_message_evt)
        metadata = self._metadata(data)
        metadata.pop("relay", None)   # only the server says whether staff can answer live
        if self.live_cases is not None and self.live_cases.relay_state():
            metadata["relay"] = self.live_cases.relay_state()
        language = hinted_language(metadata)
        text = data.get("message")
        text = text if isinstance(text, str) else ""
        if len(text) > self.max_message_chars:
            await output._send_message(session_id, {
                "text": phrase("message_too_long", language, limit=self.max_message_chars)})
            return
        if self.live_cases is not None and await self.live_cases.intercept(session_id, text):
            return   # in a live case with staff: for them, not for the assistant
        await run_assistant(on_new_message, UserMessage(text, output, session_id, input_channel=self.name(),
                                                        metadata=metadata))
        if not output.sent:
            await output._send_message(session_id, {"text": unavailable(language)})

