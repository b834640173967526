"""The socket.io channel of the website widget: its own InputChannel, compatible with Rasa's
`socketio` channel on the wire (events session_request / session_confirm / user_uttered /
bot_uttered, Rasa's SocketIOOutput), written anew because Rasa 3.6's channel
- calls `sio.enter_room(...)` without `await`: with python-socketio >= 5.10 that is a coroutine
  that never runs, so with `session_persistence` the browser never joins its room and never gets
  a reply (RasaHQ/rasa#13027);
- creates its server with `cors_allowed_origins=[]`, which turns origin checks off: any web page
  could talk to the bot from a visitor's browser;
- accepts messages of any size (up to engine.io's 1 MB packets);
- passes the client's metadata through unchecked (and reads it from `metadata`, while web
  widgets send `customData`);
- ignores a message without a session id and sends nothing when processing fails;
- lets any socket join any conversation by naming its id (`session_request` and `user_uttered`
  take the client's id as it comes), although the id is no secret (it is the tracker's sender id,
  in exports and hand-off records).

Sessions here cannot be taken over: the server issues each new conversation its id and a resume
token, an HMAC of the id under SOCKETIO_SESSION_SECRET (`session_confirm` answers
{"session_id", "resume_token"}). `session_request` continues a conversation only with the token
of its id (a reload or a second tab of the same browser sends both); an id without its token gets
a new conversation. A socket is bound to the one session it was confirmed (the sio session keeps
it): its messages go to that conversation whatever id they name, a message from a socket without
a session is refused, and `forget_conversation` (the widget's "forget my conversation") deletes
only that conversation (rasa_server.channels.forget, under the conversation's lock), and
`export_conversation` (the widget's "download my conversation") returns data_protection.rights's JSON document
of that conversation only.
"""
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import uuid
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from contracts import RELAY_KEY, WEB_CHANNEL
from rasa_server.channels.forget import export_conversation, forget_conversation
from rasa_server.channels.livecase import WebLiveCases
from rasa_server.channels.private import ready_agent
from rasa_server.channels.rest import clean_metadata, hinted_language, rate_limited, run_assistant, unavailable
from rasa_server.limits import Client, channel_guard
from rasa_server.patches.version import require_supported_rasa

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
SESSION_SECRET_ENV = "SOCKETIO_SESSION_SECRET"
MIN_SECRET_CHARS = 32


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


class ResumeTokens:
    """Resume tokens of widget conversations: HMAC-SHA256 of the session id under the server secret.

    Every replica of the Rasa server needs the same secret (a token issued by one is honoured by
    all), and it must survive restarts, or open widgets start new conversations after one.
    """

    def __init__(self, secret: str) -> None:
        self._key = secret.encode("utf-8")

    @classmethod
    def from_environment(cls) -> "ResumeTokens":
        secret = os.environ.get(SESSION_SECRET_ENV, "")
        if len(secret) < MIN_SECRET_CHARS:
            if secret:
                raise ValueError(f"{SESSION_SECRET_ENV} is shorter than {MIN_SECRET_CHARS} characters; "
                                 f"generate one with: openssl rand -hex 32")
            logger.warning("%s is not set: a random one is used, so after a restart the widget's open "
                           "conversations continue as new ones (make run keeps one in .state/)",
                           SESSION_SECRET_ENV)
            secret = secrets.token_hex(32)
        return cls(secret)

    def issue(self, session_id: str) -> str:
        return hmac.new(self._key, f"widget-session:{session_id}".encode(), hashlib.sha256).hexdigest()

    def valid(self, session_id: str, token: Any) -> bool:
        return isinstance(token, str) and hmac.compare_digest(token.encode("utf-8", "replace"),
                                                              self.issue(session_id).encode())


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


class SegibSocketIOInput(InputChannel):
    """`rasa_server.channels.socketio.SegibSocketIOInput` in credentials.yml. Options: `user_message_evt`,
    `bot_message_evt`, `namespace`, `socketio_path`, `metadata_key` as in Rasa's `socketio`
    channel (sessions always persist: Rasa's `session_persistence` is accepted and ignored), plus
    `allowed_origins` (list) and `max_message_chars`.

    Built on Rasa 3.6's SocketBlueprint and SocketIOOutput (overriding its private `_send_message`):
    created only on Rasa 3.6.x (rasa_server/patches/version.py)."""

    @classmethod
    def name(cls) -> Text:
        return WEB_CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SegibSocketIOInput":
        credentials = dict(credentials or {})
        channel = cls(user_message_evt=credentials.get("user_message_evt") or "user_uttered",
                      bot_message_evt=credentials.get("bot_message_evt") or "bot_uttered",
                      namespace=credentials.get("namespace"),
                      socketio_path=credentials.get("socketio_path") or "/socket.io",
                      metadata_key=credentials.get("metadata_key") or "customData",
                      allowed_origins=configured_origins(credentials),
                      max_message_chars=int(credentials.get("max_message_chars") or DEFAULT_MAX_MESSAGE_CHARS))
        logger.info("Web widget channel: origins allowed %s", ", ".join(channel.allowed_origins))
        return channel

    def __init__(self, user_message_evt: Text = "user_uttered", bot_message_evt: Text = "bot_uttered",
                 namespace: Optional[Text] = None, socketio_path: Text = "/socket.io",
                 metadata_key: Text = "customData", allowed_origins: Optional[List[str]] = None,
                 max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
                 tokens: Optional[ResumeTokens] = None) -> None:
        require_supported_rasa("The web widget's channel (rasa_server.channels.socketio)")
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.namespace = namespace or "/"
        self.socketio_path = socketio_path
        self.metadata_key = metadata_key
        self.allowed_origins = list(allowed_origins or DEFAULT_ALLOWED_ORIGINS)
        self.max_message_chars = max_message_chars
        self.tokens = tokens or ResumeTokens.from_environment()
        self.sio: Optional[AsyncServer] = None
        self.live_cases: Optional[WebLiveCases] = None   # the live hand-off, once the blueprint exists
        self._server: Any = None   # the Sanic app, once it starts

    def get_output_channel(self) -> Optional[OutputChannel]:
        return SocketIOOutput(self.sio, self.bot_message_evt) if self.sio is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # A browser on any other site gets "400 not an accepted origin" on the handshake (HTTP
        # polling and WebSocket alike). Clients that send no Origin (curl, servers) are not
        # browsers acting for a visitor; they get the same checks and limits as the widget.
        self.sio = sio = AsyncServer(async_mode="sanic", cors_allowed_origins=list(self.allowed_origins),
                                     max_http_buffer_size=MAX_PACKET_BYTES)
        webhook = SocketBlueprint(sio, self.socketio_path, "segib_socketio_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.listener("before_server_start")
        async def remember_server(app: Any, _loop: Any) -> None:
            self._server = app   # its ctx.agent is the one serving this channel's messages

        async def handle_message(sid: Text, data: Any) -> None:
            await self._on_message(on_new_message, sid, data if isinstance(data, dict) else {})

        sio.on("connect", self._on_connect, namespace=self.namespace)
        sio.on("disconnect", self._on_disconnect, namespace=self.namespace)
        sio.on("session_request", self._on_session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        sio.on(FORGET_EVENT, self._on_forget, namespace=self.namespace)
        sio.on(EXPORT_EVENT, self._on_export, namespace=self.namespace)
        self.live_cases = WebLiveCases(sio, self.namespace, self._session_id)   # rasa_server/channels/livecase.py
        self.live_cases.attach(webhook)
        return webhook

    async def _on_connect(self, sid: Text, environ: Dict[str, Any], _auth: Any = None) -> None:
        request = environ.get("sanic.request")   # engine.io's environ says REMOTE_ADDR 127.0.0.1 always
        address = channel_guard().address(getattr(request, "ip", None), environ.get("HTTP_X_FORWARDED_FOR"))
        await self.sio.save_session(sid, {"address": address}, namespace=self.namespace)

    async def _on_disconnect(self, sid: Text) -> None:
        channel_guard().limits.connections.forget(sid)

    async def _session_id(self, sid: Text) -> Optional[str]:
        return (await self.sio.get_session(sid, namespace=self.namespace)).get("session_id")

    async def _bind(self, sid: Text, session_id: Optional[str]) -> None:
        """Binds the socket to `session_id` (None: to no session), leaving its previous room."""
        previous = await self._session_id(sid)
        if previous and previous != session_id:   # "new conversation" or forget on the same socket
            await self.sio.leave_room(sid, previous, namespace=self.namespace)
        if session_id:
            await self.sio.enter_room(sid, session_id, namespace=self.namespace)
        async with self.sio.session(sid, namespace=self.namespace) as session:
            session["session_id"] = session_id

    async def _on_session_request(self, sid: Text, data: Any) -> None:
        data = data if isinstance(data, dict) else {}
        requested = valid_session_id(data.get("session_id"))
        if requested and self.tokens.valid(requested, data.get("resume_token")):
            session_id = requested
        else:
            if requested:
                logger.info("Socket %s asked for a conversation without its resume token: a new one", sid)
            session_id = uuid.uuid4().hex
        await self._bind(sid, session_id)
        await self.sio.emit("session_confirm", {"session_id": session_id,
                                                "resume_token": self.tokens.issue(session_id)},
                            room=sid, namespace=self.namespace)
        if self.live_cases is not None:
            await self.live_cases.joined(sid, session_id)   # staff replies sent while the visitor was away

    async def _on_message(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sid: Text,
                          data: Dict[str, Any]) -> None:
        session = await self.sio.get_session(sid, namespace=self.namespace)
        session_id = session.get("session_id")
        if session_id is None:
            # Never bound to the id the message names: that would let anyone write into (and read
            # the replies of) a conversation whose id they know.
            logger.info("Socket %s sent a message without a session of its own: refused", sid)
            await self.sio.emit(self.bot_message_evt, {"text": phrase(
                "widget_session_required", hinted_language(self._metadata(data)))},
                room=sid, namespace=self.namespace)
            return
        if data.get("session_id") not in (None, session_id):
            logger.warning("Socket %s sent a message for another session; kept its own", sid)
        await self._process(on_new_message, self.sio, session_id, data,
                            Client(connection=sid, address=session.get("address")))

    async def _on_forget(self, sid: Text, _data: Any = None) -> Dict[str, Any]:
        """The widget's "forget my conversation": deletes the conversation this socket is bound
        to (never one the client names) and unbinds it, so that its next message is refused until
        it asks for a new session. The reply is the socket.io acknowledgement: {"ok", "deleted"}."""
        session_id = await self._session_id(sid)
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
        await self._bind(sid, None)
        return {"ok": True, "deleted": deleted}

    async def _on_export(self, sid: Text, _data: Any = None) -> Dict[str, Any]:
        """The widget's "download my conversation": the JSON document of the conversation this socket
        is bound to (data_protection.rights), as the acknowledgement {"ok": bool, "document": {...}}."""
        session_id = await self._session_id(sid)
        agent = ready_agent(self._server)
        if session_id is None or agent is None:
            return {"ok": False}
        try:
            async with agent.lock_store.lock(session_id):
                return {"ok": True, "document": await export_conversation(agent, session_id)}
        except Exception:
            logger.exception("Exporting a web widget conversation failed")
            return {"ok": False}

    def _metadata(self, data: Dict[str, Any]) -> Dict[str, str]:
        raw = data.get(self.metadata_key)
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raw = None
        return clean_metadata(raw)

    async def _process(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sio: Any,
                       session_id: str, data: Dict[str, Any], client: Optional[Client] = None) -> None:
        output = _CountingOutput(sio, self.bot_message_evt)
        metadata = self._metadata(data)
        if self.live_cases is not None and self.live_cases.relay_state():   # only the server says so
            metadata[RELAY_KEY] = self.live_cases.relay_state()
        language = hinted_language(metadata)
        text = data.get("message")
        text = text if isinstance(text, str) else ""
        if len(text) > self.max_message_chars:
            await output._send_message(session_id, {
                "text": phrase("message_too_long", language, limit=self.max_message_chars)})
            return
        message = UserMessage(text, output, session_id, input_channel=self.name(), metadata=metadata)

        async def within_limits() -> bool:   # a message to staff passes the same rate limits
            return not await rate_limited(message, client or Client())

        if self.live_cases is not None and await self.live_cases.intercept(session_id, text, within_limits):
            return   # in a live case with staff: for them, not for the assistant
        await run_assistant(on_new_message, message, client or Client())
        if not output.sent:
            await output._send_message(session_id, {"text": unavailable(language)})
