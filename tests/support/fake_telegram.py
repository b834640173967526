"""A stand-in Telegram Bot API server on loopback, for testing the gateway without the internet.

It speaks the real Bot API's HTTP shapes (`POST /bot<token>/<method>`, form or JSON parameters,
`{"ok": true, "result": ...}` / `{"ok": false, "error_code", "description", "parameters"}`) for the
methods the gateway uses, and is as strict as Telegram where mistakes would show: HTML that does
not parse, messages over 4,096 characters, callback_data over 64 bytes and unknown callback query
ids are refused with Telegram's 400 errors. deleteMessage removes a message from the chat (the bot's
or a member's), refusing ids that do not exist and messages older than 48 hours as Telegram does;
sendDocument keeps the file's bytes for the test to read.

Tests drive it from their own thread: inject what citizens do (text, commands, button taps,
photos, stickers, edits, member changes), read what each citizen sees, and inject faults (429
with retry_after, 500). Updates are served by getUpdates (long polling, offsets confirm) or, once
setWebhook is called, POSTed in order to the webhook with the secret token header.
"""
import asyncio
import html
import itertools
import json
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional, Union

from aiohttp import ClientSession, ClientTimeout, web

# A fake token, assembled so that no token-shaped string is tracked in the repository.
TOKEN = "123456789:" + "AAF-stand-in_TOKEN-for-tests_0123456789"
BOT = {"id": 123456789, "is_bot": True, "first_name": "SEGIB", "username": "segib_test_bot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
# Parameters that PTB sends as raw strings; every other one is JSON-encoded.
_STRING_PARAMS = {"text", "parse_mode", "action", "callback_query_id", "url", "secret_token", "language_code",
                  "caption", "inline_message_id", "emoji"}
_HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
              "pre", "blockquote", "tg-emoji"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class TelegramError(Exception):
    def __init__(self, code: int, description: str, parameters: Optional[dict] = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


def parse_html(text: str) -> str:
    """What a Telegram client shows for an HTML-parse-mode text; raises like Telegram on bad markup."""
    index = 0
    for match in re.finditer(r"<|&", text):
        if match.start() < index:
            continue
        if match.group() == "<":
            tag = _TAG.match(text, match.start())
            if not tag or tag.group(2).lower() not in _HTML_TAGS:
                raise TelegramError(400, f"Bad Request: can't parse entities: Unsupported start tag at byte "
                                         f"offset {len(text[:match.start()].encode())}")
            index = tag.end()
        else:
            if not _ENTITY.match(text, match.start()):
                raise TelegramError(400, "Bad Request: can't parse entities: Unsupported entity at byte offset "
                                         f"{len(text[:match.start()].encode())}")
    return html.unescape(_TAG.sub("", text))


def chat_id_of(params: dict) -> int:
    """The chat a method is for; Telegram answers 400 "chat not found" to anything else."""
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        raise TelegramError(400, "Bad Request: chat not found") from None


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    method: str
    params: Dict[str, Any]
    at: float
    status: int = 200


@dataclass
class Shown:
    """A message as the citizen sees it in the chat."""
    chat_id: int
    message_id: int
    text: str
    buttons: List[List[Dict[str, str]]] = field(default_factory=list)
    at: float = 0.0                      # Unix time (the message's date)
    seen: float = field(default_factory=time.monotonic)   # when it reached the "citizen"
    reply_to: Optional[int] = None       # the message it answers (reply_parameters), if any

    @property
    def titles(self) -> List[str]:
        return [b["text"] for row in self.buttons for b in row]


@dataclass
class Document:
    """A file the bot sent (sendDocument), as the citizen receives it."""
    chat_id: int
    message_id: int
    filename: str
    content: bytes
    caption: str = ""


# Telegram lets a bot delete a message for 48 hours after it was sent.
DELETABLE_SECONDS = 48 * 3600


class FakeTelegram:
    def __init__(self, token: str = TOKEN, first_message_id: int = 1000) -> None:
        """`first_message_id`: where each chat's message ids start (Telegram never reuses an id in a
        chat: stand-ins that follow one another on the same chats and store start further on)."""
        self.token = token
        self.port = 0
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._runner: Optional[web.AppRunner] = None
        self._changed = threading.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids: Dict[int, itertools.count] = defaultdict(lambda: itertools.count(first_message_id))
        self._query_ids = itertools.count(1)
        self.pending: List[dict] = []             # updates not yet confirmed (polling) / delivered
        self.calls: List[Call] = []
        self.shown: List[Shown] = []              # what the bot sent, as citizens see it
        self.documents: List[Document] = []       # files the bot sent (sendDocument)
        self.typed: List[Shown] = []              # what people typed in chats (injected messages)
        self.deleted: List[Shown] = []            # messages deleted with deleteMessage
        self.open_queries: Dict[str, int] = {}    # callback query id -> chat id, until answered
        self.answered: Dict[str, Optional[str]] = {}
        self.faults: Dict[str, Deque[tuple]] = defaultdict(deque)
        self.webhook: Dict[str, Any] = {"url": "", "secret_token": None}
        self.webhook_deliveries: List[int] = []   # HTTP status of each webhook POST
        self._wake: Optional[asyncio.Event] = None        # getUpdates waits on this one
        self._wake_hook: Optional[asyncio.Event] = None   # the webhook delivery on this one

    # ---- lifecycle -------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        """The value for TELEGRAM_BOT_API_URL (PTB's base_url)."""
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> "FakeTelegram":
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._start())
            ready.set()
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=serve, name="fake-telegram", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the stand-in Bot API server did not start")
        return self

    async def _start(self) -> None:
        self._wake, self._wake_hook = asyncio.Event(), asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # A handler still waiting (a long poll) must not hold up stop() under load: 2 s, not aiohttp's 60 s.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        self._delivery = asyncio.ensure_future(self._deliver_webhooks())

    async def _stop(self) -> None:
        self._delivery.cancel()
        await asyncio.gather(self._delivery, return_exceptions=True)
        await self._runner.shutdown()
        await self._runner.cleanup()
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def stop(self) -> None:
        if self._loop and self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()
        if self._loop and self._wake:
            self._loop.call_soon_threadsafe(self._wake.set)
            self._loop.call_soon_threadsafe(self._wake_hook.set)

    # ---- citizens' actions -------------------------------------------------------------------
    @staticmethod
    def user(chat_id: int, language_code: Optional[str] = "es", first_name: str = "Citizen") -> dict:
        user = {"id": chat_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def _chat(self, chat_id: int, chat_type: str = "private") -> dict:
        if chat_type == "private":
            return {"id": chat_id, "type": "private", "first_name": "Citizen"}
        return {"id": chat_id, "type": chat_type, "title": "A group"}

    def _message(self, chat_id: int, language_code: Optional[str], chat_type: str = "private",
                 user_id: Optional[int] = None, **content: Any) -> dict:
        message = {"message_id": next(self._message_ids[chat_id]), "date": int(time.time()),
                   "chat": self._chat(chat_id, chat_type),
                   "from": self.user(user_id or chat_id, language_code), **content}
        with self._changed:
            self.typed.append(Shown(chat_id, message["message_id"], content.get("text") or "", at=time.time()))
        return message

    def inject(self, kind: str, payload: dict) -> int:
        with self._changed:
            update_id = next(self._update_ids)
            self.pending.append({"update_id": update_id, kind: payload})
        self._notify()
        return update_id

    def send_text(self, chat_id: int, text: str, language_code: Optional[str] = "es", chat_type: str = "private",
                  user_id: Optional[int] = None, reply_to: Optional[Shown] = None) -> int:
        """A message typed in a chat; `reply_to`: a message of the bot it replies to (in a group, a
        member `user_id` of chat `chat_id` with chat_type "supergroup")."""
        content: Dict[str, Any] = {"text": text, **self._reply(chat_id, chat_type, reply_to)}
        command = re.match(r"^/[A-Za-z0-9_]+(@\w+)?", text)
        if command:
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command.group())}]
        return self.inject("message", self._message(chat_id, language_code, chat_type, user_id, **content))

    def _reply(self, chat_id: int, chat_type: str, reply_to: Optional[Shown]) -> Dict[str, Any]:
        if reply_to is None:
            return {}
        return {"reply_to_message": {
            "message_id": reply_to.message_id, "date": int(reply_to.at), "text": reply_to.text,
            "chat": self._chat(chat_id, chat_type),
            "from": {k: BOT[k] for k in ("id", "is_bot", "first_name", "username")}}}

    def send_photo(self, chat_id: int, language_code: Optional[str] = "es", caption: Optional[str] = None,
                   chat_type: str = "private", user_id: Optional[int] = None, reply_to: Optional[Shown] = None) -> int:
        photo = [{"file_id": f"photo-{chat_id}-{size}", "file_unique_id": f"u{chat_id}{size}", "width": size,
                  "height": size, "file_size": size * 100} for size in (90, 320)]
        extra = {"caption": caption} if caption else {}
        return self.inject("message", self._message(chat_id, language_code, chat_type, user_id, photo=photo,
                                                    **extra, **self._reply(chat_id, chat_type, reply_to)))

    def send_sticker(self, chat_id: int, language_code: Optional[str] = "es") -> int:
        sticker = {"file_id": "sticker-1", "file_unique_id": "s1", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "type": "regular", "emoji": "👍"}
        return self.inject("message", self._message(chat_id, language_code, sticker=sticker))

    def send_voice(self, chat_id: int, language_code: Optional[str] = "es") -> int:
        voice = {"file_id": "voice-1", "file_unique_id": "v1", "duration": 3, "mime_type": "audio/ogg"}
        return self.inject("message", self._message(chat_id, language_code, voice=voice))

    def send_location(self, chat_id: int, language_code: Optional[str] = "es") -> int:
        return self.inject("message", self._message(chat_id, language_code,
                                                    location={"latitude": 40.4168, "longitude": -3.7038}))

    def send_document(self, chat_id: int, language_code: Optional[str] = "es") -> int:
        document = {"file_id": "doc-1", "file_unique_id": "d1", "file_name": "carta.pdf",
                    "mime_type": "application/pdf", "file_size": 12345}
        return self.inject("message", self._message(chat_id, language_code, document=document))

    def edit_message(self, chat_id: int, text: str, language_code: Optional[str] = "es") -> int:
        message = self._message(chat_id, language_code, text=text, edit_date=int(time.time()))
        return self.inject("edited_message", message)

    def member_change(self, chat_id: int, new_status: str = "kicked", old_status: str = "member") -> int:
        """The citizen blocks ("kicked") or unblocks ("member") the bot: an update with no message."""
        bot_user = {k: BOT[k] for k in ("id", "is_bot", "first_name", "username")}

        def member(status: str) -> dict:
            return {"status": status, "user": bot_user, **({"until_date": 0} if status == "kicked" else {})}

        return self.inject("my_chat_member", {
            "chat": self._chat(chat_id), "from": self.user(chat_id), "date": int(time.time()),
            "old_chat_member": member(old_status), "new_chat_member": member(new_status)})

    def press(self, chat_id: int, data: str, message: Optional[Shown] = None,
              language_code: Optional[str] = "es") -> str:
        """Taps a button with this callback_data (on `message`, or on the bot's last message)."""
        message = message or self.shown_to(chat_id)[-1]
        query_id = f"q{next(self._query_ids)}"
        with self._changed:
            self.open_queries[query_id] = chat_id
        self.inject("callback_query", {
            "id": query_id, "from": self.user(chat_id, language_code), "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": {"message_id": message.message_id, "date": int(message.at), "chat": self._chat(chat_id),
                        "from": {k: BOT[k] for k in ("id", "is_bot", "first_name", "username")},
                        "text": message.text,
                        **({"reply_markup": {"inline_keyboard": message.buttons}} if message.buttons else {})}})
        return query_id

    def tap(self, chat_id: int, title: str, language_code: Optional[str] = "es") -> str:
        """Taps the button titled `title` on the most recent message of the chat that shows it."""
        for message in reversed(self.shown_to(chat_id)):
            for row in message.buttons:
                for button in row:
                    if button["text"] == title:
                        return self.press(chat_id, button["callback_data"], message, language_code)
        titles = [m.titles for m in self.shown_to(chat_id)]
        raise AssertionError(f"no button {title!r} in chat {chat_id}: {titles}")

    # ---- faults ------------------------------------------------------------------------------
    def fail(self, method: str, status: int = 500, retry_after: Optional[int] = None, times: int = 1,
             chat_id: Optional[int] = None) -> None:
        """The next `times` calls of `method` (for `chat_id` only, if given) fail with `status`."""
        with self._changed:
            for _ in range(times):
                self.faults[method].append((status, retry_after, chat_id))

    # ---- what happened -------------------------------------------------------------------------
    def shown_to(self, chat_id: int) -> List[Shown]:
        with self._changed:
            return [m for m in self.shown if m.chat_id == chat_id]

    def typed_in(self, chat_id: int) -> List[Shown]:
        """The messages people typed in a chat (not deleted), oldest first."""
        with self._changed:
            return [m for m in self.typed if m.chat_id == chat_id]

    def documents_to(self, chat_id: int) -> List[Document]:
        with self._changed:
            return [d for d in self.documents if d.chat_id == chat_id]

    def texts(self, chat_id: int) -> List[str]:
        return [m.text for m in self.shown_to(chat_id)]

    def calls_of(self, method: str, chat_id: Optional[int] = None) -> List[Call]:
        with self._changed:
            return [c for c in self.calls
                    if c.method == method and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def wait_until(self, condition: Callable[[], Any], timeout: float = 30,
                   what: Union[str, Callable[[], str]] = "condition") -> Any:
        deadline = time.monotonic() + timeout
        with self._changed:   # an RLock: the condition may read the state under it
            while True:
                result = condition()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    what = what() if callable(what) else what
                    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
                self._changed.wait(min(remaining, 0.5))

    def wait_for_messages(self, chat_id: int, count: int, timeout: float = 30) -> List[Shown]:
        """The chat's messages once there are at least `count` of them."""
        def enough() -> Optional[List[Shown]]:
            shown = self.shown_to(chat_id)
            return shown if len(shown) >= count else None
        return self.wait_until(enough, timeout,
                               lambda: f"{count} message(s) in chat {chat_id} (got {self.texts(chat_id)})")

    def wait_for_text(self, chat_id: int, needle: str, timeout: float = 30, after: int = 0) -> Shown:
        def found():
            for message in self.shown_to(chat_id)[after:]:
                if needle.lower() in message.text.lower():
                    return message
            return None
        return self.wait_until(found, timeout,
                               lambda: f"{needle!r} in chat {chat_id} (got {self.texts(chat_id)[after:]})")

    # ---- the Bot API ---------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> Dict[str, Any]:
        params: Dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
                return params
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
            # Uploaded files (sendDocument): name and bytes.
            params.update({k: {"filename": v.filename, "content": v.file.read()} for k, v in form.items()
                           if isinstance(v, web.FileField)})
        for name, value in list(params.items()):
            if name not in _STRING_PARAMS and isinstance(value, str):
                try:
                    params[name] = json.loads(value)
                except ValueError:
                    pass
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        try:
            params = await self._params(request)
        except ConnectionResetError:    # the client gave up on the request (e.g. while stopping)
            return web.Response(status=499)
        call = Call(method, params, time.monotonic())
        with self._changed:
            self.calls.append(call)
            fault = None
            for candidate in self.faults[method]:
                if candidate[2] is None or candidate[2] == params.get("chat_id"):
                    fault = candidate
                    self.faults[method].remove(candidate)
                    break
        try:
            if fault:
                status, retry_after, _ = fault
                if status == 429:
                    raise TelegramError(429, f"Too Many Requests: retry after {retry_after or 1}",
                                        {"retry_after": retry_after or 1})
                raise TelegramError(status, "Internal Server Error" if status >= 500 else "Bad Request")
            handler = getattr(self, f"api_{method.lower()}", None)
            if handler is None:
                raise TelegramError(404, "Not Found")
            result = await handler(params)
        except TelegramError as error:
            call.status = error.code
            self._notify()
            body = {"ok": False, "error_code": error.code, "description": error.description}
            if error.parameters:
                body["parameters"] = error.parameters
            return web.json_response(body, status=error.code)
        self._notify()
        return web.json_response({"ok": True, "result": result})

    async def api_getme(self, params: dict) -> dict:
        return BOT

    async def api_getupdates(self, params: dict) -> list:
        if self.webhook["url"]:
            raise TelegramError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                     "use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            self._wake.clear()
            with self._changed:
                if offset:
                    self.pending = [u for u in self.pending if u["update_id"] >= offset]
                batch = [u for u in self.pending if u["update_id"] >= offset][:limit]
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0:
                return batch
            try:
                await asyncio.wait_for(self._wake.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def api_setwebhook(self, params: dict) -> bool:
        with self._changed:
            self.webhook = {"url": params.get("url", ""), "secret_token": params.get("secret_token"),
                            "allowed_updates": params.get("allowed_updates")}
            if params.get("drop_pending_updates"):
                self.pending.clear()
        self._wake.set()
        self._wake_hook.set()
        return True

    async def api_deletewebhook(self, params: dict) -> bool:
        with self._changed:
            self.webhook = {"url": "", "secret_token": None}
            if params.get("drop_pending_updates"):
                self.pending.clear()
        return True

    async def api_getwebhookinfo(self, params: dict) -> dict:
        with self._changed:
            return {"url": self.webhook["url"], "has_custom_certificate": False,
                    "pending_update_count": len(self.pending)}

    async def api_setmycommands(self, params: dict) -> bool:
        return True

    async def api_sendchataction(self, params: dict) -> bool:
        chat_id_of(params)
        return True

    async def api_answercallbackquery(self, params: dict) -> bool:
        query_id = params.get("callback_query_id")
        with self._changed:
            if query_id not in self.open_queries:
                raise TelegramError(400, "Bad Request: query is too old and response timeout expired or query ID "
                                         "is invalid")
            self.open_queries.pop(query_id)
            self.answered[query_id] = params.get("text")
        return True

    async def api_getchatmembercount(self, params: dict) -> int:
        chat_id_of(params)
        return 3

    async def api_sendmessage(self, params: dict) -> dict:
        chat_id = chat_id_of(params)
        raw = params.get("text")
        if not isinstance(raw, str) or not raw.strip():
            raise TelegramError(400, "Bad Request: message text is empty")
        text = parse_html(raw) if str(params.get("parse_mode", "")).upper() == "HTML" else raw
        if utf16_len(text) > 4096:
            raise TelegramError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup") or {}
        buttons = markup.get("inline_keyboard") or []
        for row in buttons:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not (1 <= len(data.encode()) <= 64):
                    raise TelegramError(400, "Bad Request: BUTTON_DATA_INVALID")
        message_id = next(self._message_ids[chat_id])
        reply = params.get("reply_parameters") or {}
        shown = Shown(chat_id, message_id, text, buttons, time.time(),
                      reply_to=reply.get("message_id") if isinstance(reply, dict) else None)
        with self._changed:
            self.shown.append(shown)
        result = {"message_id": message_id, "date": int(shown.at), "chat": self._chat(chat_id),
                  "from": {k: BOT[k] for k in ("id", "is_bot", "first_name", "username")}, "text": text}
        if buttons:
            result["reply_markup"] = {"inline_keyboard": buttons}
        return result

    async def api_deletemessage(self, params: dict) -> bool:
        chat_id = chat_id_of(params)
        message_id = params.get("message_id")
        with self._changed:
            for messages in (self.shown, self.typed):
                for message in messages:
                    if message.chat_id == chat_id and message.message_id == message_id:
                        if time.time() - message.at > DELETABLE_SECONDS:
                            raise TelegramError(400, "Bad Request: message can't be deleted for everyone")
                        messages.remove(message)
                        self.deleted.append(message)
                        return True
        raise TelegramError(400, "Bad Request: message to delete not found")

    async def api_senddocument(self, params: dict) -> dict:
        chat_id = chat_id_of(params)
        upload = params.get("document")
        if not isinstance(upload, dict) or not upload.get("content"):
            raise TelegramError(400, "Bad Request: file must be non-empty")
        message_id = next(self._message_ids[chat_id])
        document = Document(chat_id, message_id, upload["filename"] or "document", upload["content"],
                            params.get("caption") or "")
        with self._changed:
            self.documents.append(document)
        return {"message_id": message_id, "date": int(time.time()), "chat": self._chat(chat_id),
                "from": {k: BOT[k] for k in ("id", "is_bot", "first_name", "username")},
                "document": {"file_id": f"doc-{message_id}", "file_unique_id": f"d{message_id}",
                             "file_name": document.filename, "file_size": len(document.content)},
                **({"caption": document.caption} if document.caption else {})}

    # ---- webhook delivery ----------------------------------------------------------------------
    async def _deliver_webhooks(self) -> None:
        async with ClientSession(timeout=ClientTimeout(total=10)) as session:
            while True:
                with self._changed:
                    url, secret = self.webhook["url"], self.webhook.get("secret_token")
                    update = self.pending[0] if url and self.pending else None
                if update is None:
                    self._wake_hook.clear()
                    try:
                        await asyncio.wait_for(self._wake_hook.wait(), 0.5)
                    except asyncio.TimeoutError:
                        pass
                    continue
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                try:
                    async with session.post(url, json=update, headers=headers) as response:
                        status = response.status
                except Exception:
                    status = 0
                with self._changed:
                    self.webhook_deliveries.append(status)
                    if status == 200 and self.pending and self.pending[0] is update:
                        self.pending.pop(0)
                self._notify()
                if status != 200:
                    await asyncio.sleep(0.3)
