"""The Rasa server's metrics and log context: `GET /metrics` on its own port, one count per message.

Installed with the patches by `rasa_server.patches.install()` (the launcher calls it before Rasa starts).

Where the hooks sit, and why:
- `/metrics` at the root of the Rasa server's Sanic app. Rasa 3.6 has no plugin hook for its app
  (rasa-sdk has one, ops/action_server.py uses it) and mounts each channel's blueprint under
  /webhooks/<name>/, so the route is added where Rasa hands the app to the channels:
  `rasa.core.channels.channel.register`, before the server starts (Sanic 21.12 freezes its router at
  start; `app.add_route` is the documented way to add one). nginx keeps it internal (deploy/nginx.conf).
- One count per citizen message, in `MessageProcessor.handle_message`, which every channel goes
  through (REST, the web widget, Telegram via REST): it is where the conversation is known after the
  turn. The outcome is the one the action decided (BotUttered metadata `outcome`, contracts.py); the
  language is the conversation's `language` slot after the turn, else the NLU's detection, else the
  channel's hint. A message that produced no reply, or raised, is an `error` (the channel then says
  "unavailable", rasa_server/channels/rest.py `run_assistant`). A message to a paused conversation (relayed
  to staff) is not the assistant's and is not counted.
"""
import logging
import time
from contextvars import ContextVar
from typing import Any, List, Optional

from contracts import ANSWERED, CHANNEL_KEY, ERROR, LANGUAGE_KEY, LANGUAGE_SLOT, OUTCOME_KEY, REPLY_LANGUAGE_KEY
from ops import logs
from ops.metrics import (
    MESSAGES,
    REPLY_SECONDS,
    channel_label,
    exposition,
    initialize_message_series,
    language_label,
    outcome_label,
)
from rasa_server.patches.patcher import Patcher

logger = logging.getLogger(__name__)
_turn: ContextVar[Optional[List[Any]]] = ContextVar("segib_turn", default=None)
_PAUSED = object()


def channel_of(message: Any) -> str:
    """`metadata.channel` from a gateway (Telegram talks to Rasa through REST), else Rasa's channel name."""
    metadata = getattr(message, "metadata", None)
    named = metadata.get(CHANNEL_KEY) if isinstance(metadata, dict) else None
    return channel_label(named or getattr(message, "input_channel", None))


def _hint(message: Any) -> Optional[str]:
    metadata = getattr(message, "metadata", None)
    return metadata.get(LANGUAGE_KEY) if isinstance(metadata, dict) else None


def turn_replies(tracker: Any) -> List[Any]:
    """The bot's replies (BotUttered events) to the latest user message, oldest first."""
    replies = []
    for event in reversed(tracker.events):
        kind = getattr(event, "type_name", None)
        if kind == "user":
            break
        if kind == "bot":
            replies.append(event)
    return replies[::-1]


def _declared(replies: List[Any], key: str) -> Optional[str]:
    """What the first reply that declares `key` in its metadata says (the action decided it)."""
    return next((reply.metadata[key] for reply in replies if (reply.metadata or {}).get(key)), None)


def turn_outcome(tracker: Any, replies: Optional[List[Any]] = None) -> str:
    """The outcome of the latest turn: the first reply's declared one; no reply at all is an error."""
    replies = turn_replies(tracker) if replies is None else replies
    if not replies:
        return ERROR
    # Rasa's own replies (none in this project's domain) declare nothing: answered.
    return outcome_label(_declared(replies, OUTCOME_KEY) or ANSWERED)


def turn_language(tracker: Any, message: Any, replies: Optional[List[Any]] = None) -> str:
    """The language the assistant replied in (declared by the action, contracts.REPLY_LANGUAGE_KEY);
    without a declared reply, the conversation's language slot, the NLU's detection, the hint."""
    declared = _declared(turn_replies(tracker) if replies is None else replies, REPLY_LANGUAGE_KEY)
    if declared:
        return language_label(declared)
    slot = tracker.get_slot(LANGUAGE_SLOT) if LANGUAGE_SLOT in tracker.slots else None
    parsed = (tracker.latest_message.parse_data or {}).get("language") if tracker.latest_message else None
    detected = parsed.get("language") if isinstance(parsed, dict) else None
    return language_label(slot or detected or _hint(message))


def observe(message: Any, tracker: Any, seconds: float) -> None:
    """Counts the message and logs one line about it (labels only: never its text or sender)."""
    channel = channel_of(message)
    if tracker is None:
        language, outcome = language_label(_hint(message)), ERROR
    else:
        replies = turn_replies(tracker)   # read once for both labels
        language, outcome = turn_language(tracker, message, replies), turn_outcome(tracker, replies)
    REPLY_SECONDS.labels(channel).observe(seconds)
    MESSAGES.labels(channel, language, outcome).inc()
    logger.info("message handled: channel=%s language=%s outcome=%s in %.3f s", channel, language, outcome,
                seconds, extra={"channel": channel, "language": language, "outcome": outcome,
                                "seconds": round(seconds, 4)})


def _patch_message_processor(patcher: Patcher) -> None:
    from rasa.core.processor import MessageProcessor

    async def handle_message_observed(self: MessageProcessor, message: Any) -> Any:
        seen: List[Any] = []
        turn, conversation = _turn.set(seen), logs.set_conversation(getattr(message, "sender_id", None))
        started = time.perf_counter()
        try:
            return await handle_message(self, message)
        finally:
            tracker = seen[0] if seen else None
            if tracker is not _PAUSED:
                observe(message, tracker, time.perf_counter() - started)
            _turn.reset(turn)
            logs.reset_conversation(conversation)

    async def run_prediction_loop_observed(self: MessageProcessor, output_channel: Any, tracker: Any) -> None:
        seen = _turn.get()
        paused = tracker.is_paused()
        try:
            await run_prediction_loop(self, output_channel, tracker)
        finally:
            if seen is not None and not seen:
                seen.append(_PAUSED if paused else tracker)

    handle_message = patcher.replace(MessageProcessor, "handle_message", handle_message_observed)
    run_prediction_loop = patcher.replace(MessageProcessor, "_run_prediction_loop", run_prediction_loop_observed)
    initialize_message_series()   # every count is exported from 0 before the first message


async def metrics_endpoint(_request: Any) -> Any:
    from sanic.response import HTTPResponse

    body, content_type = exposition()
    return HTTPResponse(body=body, content_type=content_type)


def add_metrics_route(app: Any) -> None:
    if not getattr(app.ctx, "segib_metrics", False):   # register() may run more than once per app
        app.add_route(metrics_endpoint, "/metrics", methods=["GET"], name="segib_metrics")
        app.ctx.segib_metrics = True


def _patch_channel_registration(patcher: Patcher) -> None:
    from rasa.core.channels import channel

    def register_with_metrics(input_channels: Any, app: Any, route: Any) -> None:
        register(input_channels, app, route)
        add_metrics_route(app)

    register = patcher.replace(channel, "register", register_with_metrics)


# Applied by rasa_server.patches.install() with the other patches of Rasa internals.
PATCHES = {"message_counts": _patch_message_processor, "metrics_route": _patch_channel_registration}
