"""The hook where a conversation is handed to SEGIB staff.

Until a live relay is configured, handing off means giving the citizen the contacts of the office
that serves them. A channel with a live relay (Telegram, see bot/) replaces `HANDOFF` at start-up.
"""
from typing import Protocol

from knowledge import Answerer, Reply

from actions.turn import Turn


class Handoff(Protocol):
    def start(self, turn: Turn, answerer: Answerer) -> Reply: ...


class ContactsHandoff:
    """Gives the contacts of the office the conversation is about (headquarters by default)."""

    def start(self, turn: Turn, answerer: Answerer) -> Reply:
        return Reply(answerer.human_contacts(turn.context, turn.language), context=turn.context)


HANDOFF: Handoff = ContactsHandoff()
