"""What the gateway says itself, in the citizen's language, through the knowledge layer.

Everything else the citizen reads comes from Rasa. The gateway's own phrases (unavailable, only
text, /language, /forget...) live in data/knowledge/messages.yml under `telegram_*` keys, in the
chat's language as the bot's one rule (knowledge.choose_language) decides it: the /language choice >
the language Rasa last answered in > the chat's language so far > Telegram's language_code > Spanish.
The gateway detects nothing itself: Rasa's NLU detected the text, the actions chose the reply's
language, and each reply carries it (contracts.REPLY_LANGUAGE_KEY).
"""
from collections import OrderedDict
from typing import Optional

from knowledge import choose_language
from knowledge.phrases import Phrases
from knowledge.schema import LANGUAGES

# The /language buttons: each language named in itself, as language pickers do.
LANGUAGE_BUTTONS = (("es", "Español"), ("pt", "Português"), ("en", "English"))
COMMANDS = ("start", "help", "language", "privacy", "mydata", "forget", "bot")


def command_menu(phrases: Phrases, language: str) -> list:
    """(command, description) pairs for Telegram's command menu."""
    return [(name, phrases.text(f"telegram_command_{name}", language)) for name in COMMANDS]


class ChatLanguages:
    """The language of each chat as Rasa last answered in it (bounded; least recent chats dropped)."""

    def __init__(self, max_chats: int = 50_000) -> None:
        self.max_chats = max_chats
        self._chats: "OrderedDict[int, str]" = OrderedDict()

    def observe(self, chat_id: int, hint: Optional[str] = None, requested: Optional[str] = None,
                answered: Optional[str] = None) -> str:
        """Records and returns the chat's language: `answered` is the language of Rasa's latest reply
        (already decided by the same rule on what Rasa detected), `requested` a /language choice."""
        # Rasa's answer stands where a detection stands in the rule: it told the chat's language.
        language = choose_language(previous=self._chats.get(chat_id), detected=answered, hint=hint,
                                   requested=requested)
        self._chats[chat_id] = language
        self._chats.move_to_end(chat_id)
        while len(self._chats) > self.max_chats:
            self._chats.popitem(last=False)
        return language

    def current(self, chat_id: int, hint: Optional[str] = None) -> str:
        return choose_language(previous=self._chats.get(chat_id), detected=None, hint=hint)

    def forget(self, chat_id: int) -> None:
        self._chats.pop(chat_id, None)


def is_language(code: str) -> bool:
    return code in LANGUAGES
