"""The REST channel (`POST /webhooks/rest/webhook`) with input checks and no silent failures.

Rasa 3.6's RestInput drops the `metadata` field, answers 500 to a JSON body that is not an object,
files messages without a sender under one shared "default" conversation, and returns an empty list
when processing fails. This channel keeps the same URL and request format and fixes those.

Optional shared secret: when the environment variable REST_SHARED_SECRET is set (e.g. in production,
where the Telegram gateway or a trusted backend is the only caller), a POST without the header
X-SEGIB-Secret holding that value gets 403 (compared in constant time; use an ASCII value, e.g.
`openssl rand -hex 32`). Only such trusted callers may name a `telegram:` sender or set the
metadata the assistant believes (`relay`, `channel`, `country`: TRUSTED_METADATA). Unset, the
channel is public: those fields are dropped, `telegram:` senders get 403, and the rate limits
apply (rasa_server/limits.py); and the Rasa server refuses to start on an interface beyond loopback
unless ALLOW_OPEN_REST=1 says that is intended. With the secret set and REST_ALLOW_PUBLIC=1 (what
`make run` does when it makes a secret for its own Telegram gateway), a POST *without* the header is
served as the public is (a wrong header is still 403): the gateway is trusted, everyone else is not.
"""
import hmac
import logging
import math
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from contracts import (
    CHANNEL_KEY,
    CLIENT_KEY,
    COUNTRY_KEY,
    LANGUAGE_KEY,
    RELAY_KEY,
    REPLY_LANGUAGE_KEY,
    REST_CHANNEL,
    SECRET_ENV,
    SECRET_HEADER,
    TELEGRAM_SENDER_PREFIX,
)
from knowledge import choose_language, default_knowledge
from rasa_server.limits import Client, channel_guard

logger = logging.getLogger(__name__)


def secret_matches(expected: Optional[str], given: Optional[str]) -> bool:
    """True when no secret is configured, or `given` equals it (constant-time comparison)."""
    if not expected:
        return True
    return isinstance(given, str) and hmac.compare_digest(given.encode("utf-8", "surrogatepass"),
                                                          expected.encode("utf-8"))

MAX_MESSAGE_CHARS = 10_000
MAX_SENDER_CHARS = 128
METADATA_KEYS = {LANGUAGE_KEY: 35, COUNTRY_KEY: 64, CHANNEL_KEY: 32, RELAY_KEY: 16}
ALLOW_PUBLIC_ENV = "REST_ALLOW_PUBLIC"
TRUSTED_METADATA = (RELAY_KEY, CHANNEL_KEY, COUNTRY_KEY)   # believed by the actions: from trusted callers only
ALLOW_OPEN_ENV = "ALLOW_OPEN_REST"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def unavailable(language: str) -> str:
    """Said when the assistant could not produce a reply (action server down, internal error)."""
    return default_knowledge().messages.text("service_unavailable", language)


def hinted_language(metadata: Dict[str, Any]) -> str:
    """The language of the channel's own phrases (unavailable, rate-limited, too long): the bot's rule
    (knowledge.choose_language) on the one signal a channel has before the assistant runs, the
    metadata's hint; else the default. The assistant's replies carry the language it chose instead."""
    return choose_language(previous=None, detected=None, hint=metadata.get(LANGUAGE_KEY))


async def rate_limited(message: UserMessage, client: Client) -> bool:
    """True when `message` from a public `client` is over the rate limits (rasa_server.limits): it then got
    the polite `rate_limited` reply. Also for a widget message on its way to staff (livecase.py)."""
    wait = channel_guard().limits.wait(message.sender_id, client)
    if wait:
        logger.info("A %s message was rate-limited (%.1f s to wait)", message.input_channel, wait)
        text = default_knowledge().messages.text("rate_limited", hinted_language(message.metadata or {}),
                                                 seconds=max(1, math.ceil(wait)))
        await message.output_channel.send_text_message(message.sender_id, text)
    return bool(wait)


async def run_assistant(on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage,
                        client: Optional[Client] = None) -> bool:
    """Hands `message` to Rasa; a failure is logged, not raised: the channel then notices that no
    reply was sent and says `unavailable` (never a silent drop).

    A message from a public `client` first passes the rate limits (rasa_server.limits): a limited one gets
    the polite `rate_limited` reply instead and False is returned. Its client address goes on to
    the actions only as a pseudonym (metadata `client`, for the cap on hand-off cases)."""
    if client is not None:
        if await rate_limited(message, client):
            return False
        if client.address is not None:
            message.metadata = {**(message.metadata or {}), CLIENT_KEY: channel_guard().pseudonym(client.address)}
    try:
        await on_new_message(message)
    except Exception:
        logger.exception("Processing a %s message failed", message.input_channel)
    return True


def clean_metadata(raw: Any, trusted: bool = False) -> Dict[str, str]:
    """Keeps only known, short, string metadata (from a `trusted` caller, also TRUSTED_METADATA);
    everything else from the client is dropped."""
    if not isinstance(raw, dict):
        return {}
    return {key: value.strip() for key, limit in METADATA_KEYS.items()
            if (trusted or key not in TRUSTED_METADATA)
            and isinstance((value := raw.get(key)), str) and 0 < len(value.strip()) <= limit}


def open_rest_refusal(host: Optional[str], secret: Optional[str], environ: Dict[str, str]) -> Optional[str]:
    """Why the server must not start (a public REST channel beyond loopback), or None."""
    if secret or not host or host in LOOPBACK or host.startswith("127.") or environ.get(ALLOW_OPEN_ENV) == "1":
        return None
    return (f"The REST channel would listen on {host} without {SECRET_ENV}: anyone reaching it could "
            f"talk as any sender. Set {SECRET_ENV} (the Telegram gateway sends it), bind 127.0.0.1, or "
            f"set {ALLOW_OPEN_ENV}=1 if a public REST channel is intended.")


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


class ReplyCollector(CollectingOutputChannel):
    """Rasa's collecting output channel that keeps each reply's language: Rasa passes the BotUttered
    metadata to the output channel as keyword arguments, which CollectingOutputChannel drops. The
    language (contracts.REPLY_LANGUAGE_KEY, set by actions/turn.py) goes into each message collected
    from that reply, so that a caller such as the Telegram gateway need not detect it again."""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        language = message.get(REPLY_LANGUAGE_KEY)
        first = len(self.messages)
        await super().send_response(recipient_id, message)
        if isinstance(language, str):
            for collected in self.messages[first:]:
                collected[REPLY_LANGUAGE_KEY] = language


class SegibRestInput(InputChannel):
    def __init__(self, shared_secret: Optional[str] = None, allow_public: Optional[bool] = None) -> None:
        # Read when the server starts: the secret never sits in credentials.yml.
        self.shared_secret = shared_secret if shared_secret is not None else os.environ.get(SECRET_ENV) or None
        self.allow_public = (allow_public if allow_public is not None
                             else os.environ.get(ALLOW_PUBLIC_ENV, "").strip() == "1")

    def trusted(self, request: Request) -> Optional[bool]:
        """True for a caller with the shared secret, False for the public, None for a refused caller."""
        given = request.headers.get(SECRET_HEADER)
        if not self.shared_secret:
            return False
        if secret_matches(self.shared_secret, given):
            return True
        return False if (given is None and self.allow_public) else None

    @classmethod
    def name(cls) -> Text:
        return REST_CHANNEL

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"segib_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            # Rasa serves its routes before the model has loaded: report ready only once it has.
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"status": "loading"}, status=503)
            return response.json({"status": "ok"})

        @webhook.listener("before_server_start")
        async def refuse_open_interface(app: Any, _loop: Any) -> None:
            refusal = open_rest_refusal(app.state.host, self.shared_secret, dict(os.environ))
            if refusal:
                logger.critical(refusal)
                raise RuntimeError(refusal)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            trusted = self.trusted(request)
            if trusted is None:
                return _error(403, "forbidden")
            try:
                body = request.json
            except Exception:  # sanic raises on a body that is not JSON
                return _error(400, "the body must be a JSON object")
            if not isinstance(body, dict):
                return _error(400, "the body must be a JSON object")
            sender, text = body.get("sender"), body.get("message", "")
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
                return _error(400, f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
            if text is None:
                text = ""
            if not isinstance(text, str):
                return _error(400, "'message' must be a string")
            if len(text) > MAX_MESSAGE_CHARS:
                return _error(413, f"'message' is longer than {MAX_MESSAGE_CHARS} characters")
            if not trusted and sender.startswith(TELEGRAM_SENDER_PREFIX):   # the Telegram gateway's senders
                return _error(403, f"senders '{TELEGRAM_SENDER_PREFIX}...' are the Telegram gateway's ({SECRET_ENV})")
            metadata = clean_metadata(body.get("metadata"), trusted)
            # A caller with the shared secret (the Telegram gateway, a trusted backend) throttles its
            # own users; without a secret configured every caller is the public.
            client = None if trusted else Client(address=channel_guard().address(
                request.ip, request.headers.get("X-Forwarded-For")))
            return await self._process(on_new_message, sender, text, metadata, client)

        return webhook

    async def _process(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sender: str, text: str,
                       metadata: Dict[str, str], client: Optional[Client] = None) -> HTTPResponse:
        """The replies as JSON; 429 (with the polite reply and Retry-After) when rate-limited."""
        collector = ReplyCollector()
        admitted = await run_assistant(on_new_message, UserMessage(text, collector, sender, input_channel=self.name(),
                                                                   metadata=metadata), client)
        if not admitted:
            return response.json(collector.messages, status=429, headers={"Retry-After": "1"})
        if not collector.messages:
            collector.messages.append({"recipient_id": sender, "text": unavailable(hinted_language(metadata))})
        return response.json(collector.messages)

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        if not isinstance(request.json, dict):
            return {}
        return clean_metadata(request.json.get("metadata"), bool(self.trusted(request)))
