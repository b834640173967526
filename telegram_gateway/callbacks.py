"""Button payloads behind Telegram's 64-byte callback_data limit.

A Rasa button's payload becomes the callback_data of an inline button:
- a plain intent payload that fits (`/ask_summits`) travels inline as `p:/ask_summits`, so the
  button still works after the gateway restarts;
- anything longer or with entities (`/switch_language{"language":"en"}`) stays in this process,
  behind a short random key bound to the chat (`k:Zx8...`). Keys are bounded per chat and overall
  (least recently used chats are dropped); an unknown key is an expired button.
The gateway's own buttons use `lang:<code>` and `forget:yes|no`.

callback_data comes from the citizen's client and is treated as what the citizen typed: an inline
payload is accepted only if it still looks like a plain intent, a key only in its own chat.
"""
import re
import secrets
from collections import OrderedDict
from typing import Optional, Tuple

MAX_CALLBACK_BYTES = 64
INLINE = "p:"
KEYED = "k:"
_PLAIN_INTENT = re.compile(r"^/[A-Za-z][A-Za-z0-9_]{0,59}$")


class CallbackStore:
    def __init__(self, per_chat: int = 200, chats: int = 10_000) -> None:
        self.per_chat = per_chat
        self.chats = chats
        self._store: "OrderedDict[int, OrderedDict[str, str]]" = OrderedDict()

    def encode(self, chat_id: int, payload: str) -> str:
        inline = INLINE + payload
        if _PLAIN_INTENT.match(payload) and len(inline.encode()) <= MAX_CALLBACK_BYTES:
            return inline
        keys = self._store.get(chat_id)
        if keys is None:
            keys = self._store[chat_id] = OrderedDict()
            while len(self._store) > self.chats:
                self._store.popitem(last=False)
        else:
            self._store.move_to_end(chat_id)
        for key, stored in keys.items():   # the same payload keeps its key (help shown twice)
            if stored == payload:
                keys.move_to_end(key)
                return KEYED + key
        key = secrets.token_urlsafe(9)      # 12 characters, 72 random bits
        keys[key] = payload
        while len(keys) > self.per_chat:
            keys.popitem(last=False)
        return KEYED + key

    def decode(self, chat_id: int, data: str) -> Optional[str]:
        """The payload a tapped button stands for, or None if it expired or is not valid here."""
        if data.startswith(INLINE):
            payload = data[len(INLINE):]
            return payload if _PLAIN_INTENT.match(payload) else None
        if data.startswith(KEYED):
            keys = self._store.get(chat_id)
            return keys.get(data[len(KEYED):]) if keys else None
        return None

    def forget_chat(self, chat_id: int) -> None:
        self._store.pop(chat_id, None)

    def __len__(self) -> int:
        return sum(len(keys) for keys in self._store.values())


def control(data: str) -> Optional[Tuple[str, str]]:
    """("lang", "pt") or ("forget", "yes") for the gateway's own buttons, else None."""
    name, _, value = data.partition(":")
    if name in ("lang", "forget") and value:
        return name, value
    return None

