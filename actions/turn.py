"""Reads what the assistant needs from a rasa-sdk Tracker and writes a Reply back to the channel."""
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from contracts import (
    ANSWERED,
    CHANNEL_KEY,
    COUNTRY_KEY,
    DONT_KNOW,
    LANGUAGE_SLOT,
    OUTCOME_KEY,
    RELAY_KEY,
    REPLY_LANGUAGE_KEY,
    REST_CHANNEL,
    WEB_CHANNEL,
)
from knowledge import Context, Question, Reply, choose_language, conversation_language
from knowledge.answers import SUBJECT_TYPES

FAILED_TURNS_SLOT = "failed_turns"
PENDING_OFFER_SLOT = "pending_offer"
HUMAN_OFFER = "human"
CONTEXT_SLOTS = ("topic", "subject", "office")
ENTITY_TYPES = (*SUBJECT_TYPES, "contact_field", "language")
RELAY_CHANNELS = (REST_CHANNEL, WEB_CHANNEL)   # input channels whose metadata.relay is set by the server side


@dataclass(frozen=True)
class Turn:
    """One user message as the actions see it: question, conversation context and reply language."""
    question: Question
    context: Context
    language: str                     # the reply's language
    settled_language: Optional[str]   # the conversation's language from now on (None: not told yet)
    detected: Optional[str]
    other_language: Optional[str]
    pending_offer: Optional[str]
    failed_turns: int
    channel: Optional[str] = None     # metadata.channel (e.g. "telegram"), else Rasa's input channel
    relay: Optional[str] = None       # metadata.relay: "open"/"closed" from a channel with a live relay
    country: Optional[str] = None     # metadata.country, when the channel knows it

    @classmethod
    def from_tracker(cls, tracker: Tracker) -> "Turn":
        message: Dict[str, Any] = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name") or "nlu_fallback"
        found = [e for e in sorted(message.get("entities") or [], key=lambda e: e.get("start") or 0)
                 if e.get("entity") in ENTITY_TYPES and e.get("value") is not None]
        question = Question(intent=intent, entities=tuple((e.get("entity"), str(e.get("value"))) for e in found),
                            text=message.get("text") or "",
                            spans=tuple((int(e.get("start") or 0), int(e.get("end") or 0)) for e in found))
        detection = message.get("language") or {}
        metadata = message.get("metadata") or {}
        named = {value for entity, value in question.entities if entity == "language"}
        # "in English, please" asks for a language; "I speak Spanish and Portuguese" asks for none.
        requested = question.value("language") if intent == "switch_language" and len(named) == 1 else None
        signals = dict(
            previous=tracker.get_slot(LANGUAGE_SLOT),
            detected=detection.get("language"),
            hint=detection.get("hint") or (metadata.get("language") if isinstance(metadata, dict) else None),
            requested=requested,
        )
        return cls(
            question=question,
            context=Context(*(tracker.get_slot(slot) for slot in CONTEXT_SLOTS), previous=_previous_text(tracker)),
            language=choose_language(**signals, leaning=detection.get("leaning")),
            settled_language=conversation_language(**signals),
            detected=detection.get("language"),
            other_language=detection.get("other"),
            pending_offer=tracker.get_slot(PENDING_OFFER_SLOT),
            failed_turns=int(tracker.get_slot(FAILED_TURNS_SLOT) or 0),
            channel=_text(metadata, CHANNEL_KEY) or tracker.get_latest_input_channel(),
            # Only the channel gateways (Telegram, through REST) and the widget's socket.io channel
            # (server-side, rasa_server/channels/livecase.py) say they relay; a widget's own claim is dropped.
            relay=_text(metadata, RELAY_KEY) if tracker.get_latest_input_channel() in RELAY_CHANNELS else None,
            country=_text(metadata, COUNTRY_KEY),
        )

    def is_blank(self) -> bool:
        """Nothing readable: empty, whitespace, or only emoji and punctuation (button payloads aside)."""
        return not any(char.isalnum() for char in self.question.text)


def _previous_text(tracker: Tracker) -> str:
    """The citizen's message before the latest one ("no, I meant Lima" asks that question again)."""
    texts = [event.get("text") or "" for event in tracker.events if event.get("event") == "user"]
    return texts[-2] if len(texts) > 1 else ""


def _text(metadata: Any, key: str) -> Optional[str]:
    value = metadata.get(key) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and value else None


def outcome_of(reply: Reply) -> str:
    return reply.outcome or (ANSWERED if reply.understood else DONT_KNOW)


def send(dispatcher: CollectingDispatcher, turn: Turn, reply: Reply) -> None:
    """The reply, with its outcome (for metrics and reports) and its language (for the channels' own
    phrases) as BotUttered metadata (contracts.py)."""
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    dispatcher.utter_message(text=reply.text, buttons=buttons or None,
                             **{OUTCOME_KEY: outcome_of(reply), REPLY_LANGUAGE_KEY: turn.language})


def events_for(turn: Turn, reply: Reply) -> List[Dict[str, Any]]:
    """Slots that carry the conversation: language, context, hand-off offer and failure count."""
    failed = 0 if reply.understood else turn.failed_turns + 1
    events = [SlotSet(LANGUAGE_SLOT, turn.settled_language), SlotSet(FAILED_TURNS_SLOT, float(failed)),
              SlotSet(PENDING_OFFER_SLOT, HUMAN_OFFER if reply.offers_human else None)]
    events += [SlotSet(slot, getattr(reply.context, slot)) for slot in CONTEXT_SLOTS]
    return events
