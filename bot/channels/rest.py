"""The REST channel (`POST /webhooks/rest/webhook`) with input checks and no silent failures.

Rasa 3.6's RestInput drops the `metadata` field, answers 500 to a JSON body that is not an object,
files messages without a sender under one shared "default" conversation, and returns an empty list
when processing fails. This channel keeps the same URL and request format and fixes those.

Optional shared secret: when the environment variable REST_SHARED_SECRET is set (e.g. in production,
where the Telegram gateway or a trusted backend is the only caller), a POST without the header
X-SEGIB-Secret holding that value gets 403 (compared in constant time; use an ASCII value, e.g.
`openssl rand -hex 32`). Unset: no check, as before.
"""
import logging
import math
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.limits import CLIENT_KEY, Client, channel_guard
from bot.rest_secret import SECRET_ENV, SECRET_HEADER, secret_matches  # noqa: F401 (re-exported)
from knowledge import default_knowledge
from knowledge.language import DEFAULT_LANGUAGE, normalize_hint

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 10_000
MAX_SENDER_CHARS = 128
METADATA_KEYS = {"language": 35, "country": 64, "channel": 32, "relay": 16}


def unavailable(language: str) -> str:
    """Said when the assistant could not produce a reply (action server down, internal error)."""
    return default_knowledge().messages.text("service_unavailable", language)


def hinted_language(metadata: Dict[str, Any]) -> str:
    """The language the channel's metadata asks for, else the default (for the channel's own phrases)."""
    return normalize_hint(metadata.get("language")) or DEFAULT_LANGUAGE


async def run_assistant(on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage,
                        client: Optional[Client] = None) -> bool:
    """Hands `message` to Rasa; a failure is logged, not raised: the channel then notices that no
    reply was sent and says `unavailable` (never a silent drop).

    A message from a public `client` first passes the rate limits (bot.limits): a limited one gets
    the polite `rate_limited` reply instead and False is returned. Its client address goes on to
    the actions only as a pseudonym (metadata `client`, for the cap on hand-off cases)."""
    if client is not None:
        guard = channel_guard()
        wait = guard.limits.wait(message.sender_id, client)
        if wait:
            logger.info("A %s message was rate-limited (%.1f s to wait)", message.input_channel, wait)
            text = default_knowledge().messages.text("rate_limited", hinted_language(message.metadata or {}),
                                                     seconds=max(1, math.ceil(wait)))
            await message.output_channel.send_text_message(message.sender_id, text)
            return False
        if client.address is not None:
            message.metadata = {**(message.metadata or {}), CLIENT_KEY: guard.pseudonym(client.address)}
    try:
        await on_new_message(message)
    except Exception:
        logger.exception("Processing a %s message failed", message.input_channel)
    return True


def clean_metadata(raw: Any) -> Dict[str, str]:
    """Keeps only known, short, string metadata; everything else from the client is dropped."""
    if not isinstance(raw, dict):
        return {}
    return {key: value.strip() for key, limit in METADATA_KEYS.items()
            if isinstance((value := raw.get(key)), str) and 0 < len(value.strip()) <= limit}


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


class SegibRestInput(InputChannel):
    def __init__(self, shared_secret: Optional[str] = None) -> None:
        # Read when the server starts: the secret never sits in credentials.yml.
        self.shared_secret = shared_secret if shared_secret is not None else os.environ.get(SECRET_ENV) or None

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"segib_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            # Rasa serves its routes before the model has loaded: report ready only once it has.
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"status": "loading"}, status=503)
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not secret_matches(self.shared_secret, request.headers.get(SECRET_HEADER)):
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
            metadata = clean_metadata(body.get("metadata"))
            # A caller with the shared secret (the Telegram gateway, a trusted backend) throttles its
            # own users; without a secret configured every caller is the public.
            client = None if self.shared_secret else Client(address=channel_guard().address(
                request.ip, request.headers.get("X-Forwarded-For")))
            return await self._process(on_new_message, sender, text, metadata, client)

        return webhook

    async def _process(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sender: str, text: str,
                       metadata: Dict[str, str], client: Optional[Client] = None) -> HTTPResponse:
        """The replies as JSON; 429 (with the polite reply and Retry-After) when rate-limited."""
        collector = CollectingOutputChannel()
        admitted = await run_assistant(on_new_message, UserMessage(text, collector, sender, input_channel=self.name(),
                                                                   metadata=metadata), client)
        if not admitted:
            return response.json(collector.messages, status=429, headers={"Retry-After": "1"})
        if not collector.messages:
            collector.messages.append({"recipient_id": sender, "text": unavailable(hinted_language(metadata))})
        return response.json(collector.messages)

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return clean_metadata((request.json or {}).get("metadata")) if isinstance(request.json, dict) else {}
