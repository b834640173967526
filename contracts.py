"""Names that cross process boundaries: one process writes them, another reads them (the Telegram
gateway, the Rasa server and its channels, the action server, the stores, metrics and reports). Each
is written here once; both sides import it (tests/test_contracts.py catches a copy). Standard library
only: every image copies this file alone.

What a bot reply *was* (answered, "don't know", hand-off...) is decided once, by the action that
renders it, and travels with the reply as BotUttered metadata (rasa-sdk passes extra `utter_message`
keywords through; Rasa stores them as the event's metadata and output channels ignore them). Metrics
and staff reports read it back from there instead of guessing from the reply text.
"""
import json
from typing import Any, Dict, Optional, Tuple

OUTCOME_KEY = "outcome"

ANSWERED = "answered"            # a fact from the knowledge file, or a conversational reply
DONT_KNOW = "dont_know"          # honest "I don't know" (out of scope, fallback, unknown attribute)
HANDOFF = "handoff"              # a hand-off case was opened or filed
OTHER_LANGUAGE = "other_language"  # the citizen wrote in a language the bot does not speak
ERROR = "error"                  # the assistant could not produce a reply (set by the channels)

OUTCOMES = (ANSWERED, DONT_KNOW, HANDOFF, OTHER_LANGUAGE, ERROR)

# The language a reply is written in ("es", "pt", "en"), chosen by the actions (knowledge.language's
# rule on the NLU's detection) and sent as BotUttered metadata like the outcome. The REST channel
# returns it with each message it collects (rasa_server/channels/rest.py), and the Telegram gateway
# says its own phrases in it (telegram_gateway/phrases.py), so that no other process detects again.
REPLY_LANGUAGE_KEY = "language"

# The REST channel's optional shared secret (production: only the Telegram gateway knows it). The
# Rasa server's REST channel checks it (rasa_server/channels/rest.py); the gateway sends it
# (telegram_gateway/rasa.py).
SECRET_ENV = "REST_SHARED_SECRET"
SECRET_HEADER = "X-SEGIB-Secret"

# ---- Rasa input channels (Rasa's `input_channel`; the Telegram gateway names itself in metadata) ----
REST_CHANNEL = "rest"            # Rasa's REST channel (rasa_server/channels/rest.py), also the gateway's way in
WEB_CHANNEL = "socketio"         # the web widget's socket.io channel (rasa_server/channels/socketio.py)
TELEGRAM_CHANNEL = "telegram"    # metadata `channel` of the Telegram gateway's messages

# ---- message metadata, set by a channel (or the gateway through REST) and read by the actions ----
CHANNEL_KEY = "channel"      # the channel a gateway stands for (TELEGRAM_CHANNEL), else Rasa's input channel counts
# The citizen's language hint (es, pt, en or a locale such as pt-BR): ../shared/CONTRACTS.md
LANGUAGE_KEY = "language"
COUNTRY_KEY = "country"      # the citizen's country, when the channel knows it
RELAY_KEY = "relay"          # can staff answer live on this channel? RELAY_OPEN / RELAY_CLOSED; absent: by email only
RELAY_OPEN, RELAY_CLOSED = "open", "closed"
CLIENT_KEY = "client"        # the public client's pseudonym (rasa_server.limits), for the per-client case quota

# The reply language the actions chose (domain.yml's slot), read back by metrics and insights.
LANGUAGE_SLOT = "language"

# The hand-off action's custom payload for the channel ({"handoff": {"reference", "mode"}}), read by the gateway.
HANDOFF_PAYLOAD = "handoff"

# ---- Telegram ids ------------------------------------------------------------------------------
# One Rasa conversation per Telegram chat: sender "telegram:<chat id>". The REST channel keeps these
# senders for callers with the shared secret; hand-off cases find their chat from it.
TELEGRAM_SENDER_PREFIX = "telegram:"


def telegram_sender(chat_id: int) -> str:
    """The Rasa sender id of a Telegram chat."""
    return f"{TELEGRAM_SENDER_PREFIX}{chat_id}"


def telegram_chat_of(sender: str) -> Optional[int]:
    """The Telegram chat of a Rasa sender id; None for other channels' senders."""
    if not sender.startswith(TELEGRAM_SENDER_PREFIX):
        return None
    try:
        return int(sender[len(TELEGRAM_SENDER_PREFIX):])
    except ValueError:
        return None


# A Telegram message as the hand-off outbox's `source` ("tg:<chat>:<message id>:<its date>"): the
# gateway writes it, the case store reads it back when it erases a citizen's staff-group copies.
_TELEGRAM_SOURCE = "tg"


def telegram_message_source(chat_id: int, message_id: int, date: int) -> str:
    """An update delivered twice is queued once; the date (Unix seconds) tells apart a message id
    reused by another Bot API (a chat recreated, a stand-in restarted) from a redelivery."""
    return f"{_TELEGRAM_SOURCE}:{chat_id}:{message_id}:{date}"


def telegram_message_of(source: str) -> Optional[Tuple[int, int]]:
    """(chat id, message id) of a source written by telegram_message_source, else None."""
    prefix, chat, message, *_ = (*source.split(":"), "", "")
    if prefix == _TELEGRAM_SOURCE and chat.lstrip("-").isdigit() and message.isdigit():
        return int(chat), int(message)
    return None


# ---- the Rasa server's private endpoints for the gateways (rasa_server/channels/private.py) ----
# Rasa serves an input channel's blueprint under /webhooks/<channel name>; the gateway posts to these
# paths with `Authorization: Bearer <FORGET_TOKEN_ENV's value>`. Unset, the endpoints answer 404.
FORGET_TOKEN_ENV = "SEGIB_FORGET_TOKEN"
REST_PATH = "/webhooks/rest/webhook"             # Rasa's REST channel (CONTRACTS.md)
FORGET_PATH = "/webhooks/forget/conversation"    # erase a conversation everywhere (Telegram's /forget)
EXPORT_PATH = "/webhooks/privacy/export"         # a conversation's data as JSON (Telegram's /mydata)
RESUME_PATH = "/webhooks/handoff/resume"         # hand a paused conversation back to the assistant
_WEBHOOKS = "/webhooks/"


def channel_route(path: str) -> Tuple[str, str]:
    """("forget", "/conversation") for "/webhooks/forget/conversation": the input channel's name and
    its blueprint's route."""
    if not path.startswith(_WEBHOOKS) or "/" not in path[len(_WEBHOOKS):]:
        raise ValueError(f"not a channel webhook path: {path}")
    channel, route = path[len(_WEBHOOKS):].split("/", 1)
    return channel, "/" + route


def export_json(document: Dict[str, Any]) -> bytes:
    """A citizen's data export as the file they receive (Telegram's /mydata, the operators' command line):
    UTF-8 JSON, indented, accents as written."""
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
