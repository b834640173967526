"""The one rule for the language of a conversation: which language it continues in and which
language a reply is written in, from the signals a channel has (an explicit request, what Rasa
detected or answered in, the conversation's language so far, the channel's hint).

Used by the actions (on the NLU's detection, actions/turn.py), the Telegram gateway (on the language
of Rasa's replies, telegram_gateway/phrases.py) and the server's channels (for their own phrases).
Detection itself is knowledge.detection, called only by the NLU component.
"""
from typing import Optional

from knowledge.schema import LANGUAGES

DEFAULT_LANGUAGE = "es"
OTHER = "other"   # detected: a language the bot does not speak


def normalize_hint(hint: object) -> Optional[str]:
    """'pt-BR', 'es_419', 'EN' -> 'pt', 'es', 'en'; anything else -> None."""
    if not isinstance(hint, str):
        return None
    code = hint.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def conversation_language(previous: Optional[str], detected: Optional[str], hint: Optional[str] = None,
                          requested: Optional[str] = None) -> Optional[str]:
    """The language the conversation continues in: explicit request > confident detection > the
    conversation's language so far > the channel's hint; None while nothing has told it.

    A first message that cannot be told apart ("ok", "pq?") is answered in the default language
    but does not fix it: the next message that can be told decides.
    """
    for candidate in (requested, detected, previous, normalize_hint(hint)):
        if candidate in LANGUAGES:
            return candidate
    return None


def choose_language(previous: Optional[str], detected: Optional[str], hint: Optional[str] = None,
                    requested: Optional[str] = None, leaning: Optional[str] = None) -> str:
    """The language to answer in: the conversation's language (see conversation_language), else the
    language an undecided message leans to, else the default."""
    for candidate in (conversation_language(previous, detected, hint, requested), leaning):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE
