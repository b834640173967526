"""Is an update shaped as Telegram sends them? The types of the fields the gateway and
python-telegram-bot rely on.

python-telegram-bot's `Update.de_json` checks no types: `{"from": {"id": []}}` makes an Update
whose user id is a list, and processing it fails inside the library (ids go into sets) or in a
handler (a chat id as a dict key); a text with a lone surrogate ("\\ud800", valid JSON) cannot be
encoded for any reply, and the Bot API client retried that for seconds; an update with two kinds
(a message and a callback query), or a message whose chat is null, breaks python-telegram-bot's
filters. Telegram never sends such updates, but the webhook accepts
whatever carries the secret, so the update processor drops any update that fails this check
before a handler sees it (tests/telegram/test_fuzz.py).
"""
from typing import Any, Dict, Tuple

from telegram import TelegramObject, Update

_INT = (int,)
_STR = (str,)
# The attributes (python-telegram-bot's names) whose type the gateway or the library relies on.
EXPECTED: Dict[str, Tuple[type, ...]] = {
    **dict.fromkeys(("id", "update_id", "message_id", "offset", "length", "width", "height", "file_size",
                     "duration"), _INT),
    **dict.fromkeys(("text", "caption", "data", "language_code", "username", "first_name", "last_name", "title",
                     "type", "file_id", "file_unique_id", "chat_instance", "inline_message_id"), _STR),
    **dict.fromkeys(("chat", "from_user", "message", "reply_to_message", "callback_query", "edited_message",
                     "channel_post", "sender_chat"), (TelegramObject,)),
    **dict.fromkeys(("entities", "caption_entities", "photo"), (tuple, list)),
    "is_bot": (bool,),
}
# Fields Telegram always sends (python-telegram-bot accepts null for them).
REQUIRED: Dict[str, Tuple[str, ...]] = {
    "Message": ("message_id", "chat"), "Chat": ("id", "type"), "User": ("id",),
    "CallbackQuery": ("id", "from_user"),
}
# Objects whose `id` is a string (the others' ids are integers).
STRING_IDS = {"CallbackQuery", "InlineQuery", "ChosenInlineResult", "ShippingQuery", "PreCheckoutQuery"}
MAX_DEPTH = 20


def valid_unicode(text: str) -> bool:
    """False for text with lone surrogates ("\\ud800" in JSON): it cannot be sent on as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _well_formed(value: Any, depth: int = 0) -> bool:
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, str):
        return valid_unicode(value)
    if isinstance(value, (tuple, list)):
        return all(_well_formed(item, depth + 1) for item in value)
    if not isinstance(value, TelegramObject):
        return True
    kind = type(value).__name__
    string_id = kind in STRING_IDS
    attributes = value._get_attrs(recursive=False)
    if any(attributes.get(key) is None for key in REQUIRED.get(kind, ())):
        return False
    for key, item in attributes.items():
        expected = _STR if key == "id" and string_id else EXPECTED.get(key)
        if item is not None and expected is not None and (
                not isinstance(item, expected) or (expected is _INT and isinstance(item, bool))):
            return False
        if not _well_formed(item, depth + 1):
            return False
    return True


def well_formed(update: object) -> bool:
    """True for an Update whose fields have Telegram's types (anything else but an Update: True)."""
    if not isinstance(update, Update):
        return True
    try:
        # "At most one of the optional parameters can be present in any given update" (Bot API).
        kinds = sum(getattr(update, kind, None) is not None for kind in Update.ALL_TYPES)
        return kinds <= 1 and _well_formed(update)
    except Exception:  # an object too broken to inspect
        return False
