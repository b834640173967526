"""What a channel says itself (not an answer): a phrase of data/knowledge/messages.yml in a language.

Used by the Telegram gateway for its own phrases and by the hand-off's case texts (handoff/texts.py),
which the Rasa server's widget channel also writes. A phrase missing in a language falls back to
Spanish; `{email}` is SEGIB's contact address unless given.
"""
from typing import Optional, Tuple

from knowledge.language import DEFAULT_LANGUAGE
from knowledge.loader import default_knowledge
from knowledge.model import Knowledge


class Phrases:
    def __init__(self, knowledge: Optional[Knowledge] = None) -> None:
        self.knowledge = knowledge or default_knowledge()

    def text(self, key: str, language: str, **values: str) -> str:
        values.setdefault("email", self.knowledge.defaults.get("contact_email", ""))
        texts = self.knowledge.messages.texts[key]
        template = texts.get(language) or texts[DEFAULT_LANGUAGE]
        return template.format(**values)

    def yes_no(self, language: str) -> Tuple[str, str]:
        return self.text("button_yes", language), self.text("button_no", language)
