"""What the gateway says itself, in the citizen's language, through the knowledge layer.

Everything else the citizen reads comes from Rasa. The gateway's own phrases (unavailable, only
text, /language, /forget...) live in data/knowledge/messages.yml under `telegram_*` keys, and the
language is chosen by the bot's rule (knowledge.choose_language): explicit choice > confident
detection of the text > the chat's language so far > Telegram's language_code > Spanish.
"""
import logging
from collections import OrderedDict
from typing import Optional

from knowledge import Knowledge, choose_language, default_knowledge, detect
from knowledge.language import DEFAULT_LANGUAGE
from knowledge.schema import LANGUAGES

logger = logging.getLogger(__name__)

# The /language buttons: each language named in itself, as language pickers do.
LANGUAGE_BUTTONS = (("es", "Español"), ("pt", "Português"), ("en", "English"))
COMMANDS = ("start", "help", "language", "privacy", "mydata", "forget", "bot")


class Phrases:
    def __init__(self, knowledge: Optional[Knowledge] = None) -> None:
        self.knowledge = knowledge or default_knowledge()

    def text(self, key: str, language: str, **values: str) -> str:
        values.setdefault("email", self.knowledge.defaults.get("contact_email", ""))
        texts = self.knowledge.messages.texts[key]
        template = texts.get(language) or texts[DEFAULT_LANGUAGE]
        return template.format(**values)

    def yes_no(self, language: str) -> tuple:
        return self.text("button_yes", language), self.text("button_no", language)

    def commands(self, language: str) -> list:
        """(command, description) pairs for Telegram's command menu."""
        return [(name, self.text(f"telegram_command_{name}", language)) for name in COMMANDS]


class ChatLanguages:
    """The language of each chat as the gateway last saw it (bounded; least recent chats dropped)."""

    def __init__(self, max_chats: int = 50_000) -> None:
        self.max_chats = max_chats
        self._chats: "OrderedDict[int, str]" = OrderedDict()
        self.detecting = False   # until the detector is loaded, the chat's language and hint decide

    def warm_up(self) -> None:
        """Loads the detector's models (a few seconds, in a worker thread) without making a citizen wait."""
        try:
            detect("¿Cuáles son los países miembros?")
            self.detecting = True
            logger.info("Language detector ready")
        except Exception:
            logger.exception("The language detector could not be loaded; using the chat's language and hint")

    def observe(self, chat_id: int, text: Optional[str] = None, hint: Optional[str] = None,
                requested: Optional[str] = None) -> str:
        detected = None
        if text and self.detecting and not text.startswith("/"):
            try:
                detected = detect(text).language
            except Exception:  # detection is a nicety here: never let it stop a reply
                logger.exception("Language detection failed")
        language = choose_language(self._chats.get(chat_id), detected, hint, requested)
        self._chats[chat_id] = language
        self._chats.move_to_end(chat_id)
        while len(self._chats) > self.max_chats:
            self._chats.popitem(last=False)
        return language

    def current(self, chat_id: int, hint: Optional[str] = None) -> str:
        return choose_language(self._chats.get(chat_id), None, hint)

    def forget(self, chat_id: int) -> None:
        self._chats.pop(chat_id, None)


def is_language(code: str) -> bool:
    return code in LANGUAGES
