"""The action server's actions: each reads the turn, asks the knowledge layer, sends the reply."""
import asyncio
from dataclasses import replace
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff
from actions.handoff import EMAIL_SLOT, QUESTION_SLOT, REASON_SLOT
from actions.turn import HUMAN_OFFER, LANGUAGE_SLOT, Turn, events_for, send
from contracts import OTHER_LANGUAGE
from knowledge import Answerer, Reply, default_knowledge
from knowledge.answers import SUBJECT_TYPES
from knowledge.language import OTHER

REQUESTED_SLOT = "requested_slot"


class SegibAction(Action):
    """Base: subclasses say only how to answer a turn."""
    action_name = ""

    def __init__(self) -> None:
        self.answerer = self.shared_answerer()

    @staticmethod
    @lru_cache(maxsize=1)
    def shared_answerer() -> Answerer:
        return Answerer(default_knowledge())

    def name(self) -> Text:
        return self.action_name

    def reply(self, turn: Turn) -> Reply:
        raise NotImplementedError

    def phrase(self, key: str, turn: Turn, **values: Any) -> str:
        return self.answerer.phrase(key, turn.language, **values)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        turn = Turn.from_tracker(tracker)
        if self.uses_database(turn):   # blocking SQL: in a thread, never on the server's event loop
            return await asyncio.to_thread(self.act, dispatcher, tracker, turn)
        return self.act(dispatcher, tracker, turn)

    def uses_database(self, turn: Turn) -> bool:
        return False

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, turn: Turn) -> List[Dict[Text, Any]]:
        if turn.is_blank():
            reply = Reply(self.phrase("empty_message", turn), context=turn.context)
        else:
            reply = self.answer_asked(turn) or self.reply(turn)
            reply = self.answerer.with_writer_place(turn.question, turn.context, reply)
        send(dispatcher, turn, reply)
        return events_for(turn, reply)

    def answer_asked(self, turn: Turn) -> Optional[Reply]:
        """A message classified as no question that also asks one ("Hi! Does SEGIB offer
        scholarships?", "thanks, and its phone?") gets the answer (knowledge/frame.py decides)."""
        return self.answerer.answer_asked(turn.question, turn.context, turn.language)


class ActionAnswer(SegibAction):
    action_name = "action_answer"

    def answer_asked(self, turn: Turn) -> Optional[Reply]:
        return None   # reply() answers

    def reply(self, turn: Turn) -> Reply:
        return self.answerer.answer(turn.question, turn.context, turn.language)


class PhraseAction(SegibAction):
    """Replies with one phrase of data/knowledge/messages.yml."""
    phrase_key = ""

    def reply(self, turn: Turn) -> Reply:
        return Reply(self.phrase(self.phrase_key, turn), context=turn.context)


class ActionGreet(PhraseAction):
    action_name, phrase_key = "action_greet", "greet"


class ActionGoodbye(PhraseAction):
    action_name, phrase_key = "action_goodbye", "goodbye"


class ActionThank(PhraseAction):
    action_name, phrase_key = "action_thank", "thank"


class ActionDeny(PhraseAction):
    action_name, phrase_key = "action_deny", "deny"


class ActionOpener(PhraseAction):
    """"I have a question", "tengo una duda": go ahead."""
    action_name, phrase_key = "action_opener", "opener"


class ActionHelp(SegibAction):
    action_name = "action_help"

    def reply(self, turn: Turn) -> Reply:
        return Reply(self.phrase("help", turn), self.answerer.help_buttons(turn.language), turn.context)


class ActionBotChallenge(SegibAction):
    action_name = "action_bot_challenge"

    def reply(self, turn: Turn) -> Reply:
        return Reply(self.phrase("bot_challenge", turn), self.answerer.yes_no_buttons(turn.language),
                     turn.context, offers_human=True)


class ActionOutOfScope(SegibAction):
    """Out-of-scope questions and NLU fallback: an honest "I don't know", the contact, a person."""
    action_name = "action_out_of_scope"

    def answer_asked(self, turn: Turn) -> Optional[Reply]:
        return None if turn.detected == OTHER else super().answer_asked(turn)

    def reply(self, turn: Turn) -> Reply:
        reply = self.answerer.dont_know(turn.context, turn.language)
        if turn.detected == OTHER:
            return Reply(self.phrase("other_language", turn) + " " + reply.text, reply.buttons,
                         reply.context, understood=False, offers_human=True, outcome=OTHER_LANGUAGE)
        return reply


class StartsHandoffWhenOfferOpen(SegibAction):
    """An intent that, while the offer of a person is open, is the citizen's yes to it: the hand-off
    starts instead of the action's own reply."""

    def uses_database(self, turn: Turn) -> bool:
        """True when this turn starts the hand-off (which files a case)."""
        return turn.pending_offer == HUMAN_OFFER and not turn.is_blank() and self.accepts_offer(turn)

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, turn: Turn) -> List[Dict[Text, Any]]:
        if not self.uses_database(turn):
            return super().act(dispatcher, tracker, turn)
        start = handoff.DESK.start(turn, tracker, self.answerer)
        if start.reply:
            send(dispatcher, turn, start.reply)
        if start.custom:
            dispatcher.utter_message(json_message=start.custom)
        return events_for(turn, start.reply or Reply("", context=turn.context)) + start.events

    def accepts_offer(self, turn: Turn) -> bool:
        return True


class ActionOfferHuman(StartsHandoffWhenOfferOpen):
    """The citizen asks for a person: a yes/no offer first (no hand-off starts without the yes).
    Asking for a person again while that offer is open ("yes, put me through to someone") is the yes."""
    action_name = "action_offer_human"

    def reply(self, turn: Turn) -> Reply:
        return Reply(self.phrase("human_offer", turn), self.answerer.yes_no_buttons(turn.language), turn.context,
                     offers_human=True)


class ActionAffirm(StartsHandoffWhenOfferOpen):
    action_name = "action_affirm"

    def accepts_offer(self, turn: Turn) -> bool:
        """Only a clear yes (or the Yes button) accepts the offer of a person: "medio ambiente" or
        "I have a question" may read like "yes" to the classifier."""
        text = turn.question.text.strip()
        return text.startswith("/") or self.answerer.is_clear_yes(text)

    def reply(self, turn: Turn) -> Reply:
        if turn.question.first(*SUBJECT_TYPES):
            # A bare name ("Chile?") reads like "yes" to the classifier; it continues the topic.
            return self.answerer.answer(replace(turn.question, intent="follow_up"), turn.context, turn.language)
        if turn.pending_offer == HUMAN_OFFER:
            return Reply(self.phrase("human_offer", turn), self.answerer.yes_no_buttons(turn.language),
                         turn.context, offers_human=True)
        return Reply(self.phrase("affirm_without_question", turn), context=turn.context)


def form_turn(tracker: Tracker) -> Turn:
    """A turn inside handoff_form: an address or a question says nothing about the language, so the
    conversation's language stays."""
    turn = Turn.from_tracker(tracker)
    language = tracker.get_slot(LANGUAGE_SLOT)
    return replace(turn, language=language or turn.language, settled_language=language or turn.settled_language)


class AskHandoffSlot(SegibAction):
    """handoff_form asks for a slot: the question the first time, "try again" after a refused answer."""
    slot, first_key, again_key = "", "", ""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        turn = form_turn(tracker)
        key = self.again_key if tracker.get_slot(REQUESTED_SLOT) == self.slot else self.first_key
        reply = Reply(self.phrase(key, turn), context=turn.context)
        send(dispatcher, turn, reply)
        return events_for(turn, reply)


class ActionAskHandoffEmail(AskHandoffSlot):
    action_name, slot = "action_ask_handoff_email", EMAIL_SLOT
    first_key, again_key = "handoff_ask_email", "handoff_invalid_email"


class ActionAskHandoffQuestion(AskHandoffSlot):
    action_name, slot = "action_ask_handoff_question", QUESTION_SLOT
    first_key = again_key = "handoff_ask_question"


class ValidateHandoffForm(FormValidationAction):
    """Checks the email address and the question; "cancel" (or "no" instead of an address) ends the form."""

    def name(self) -> Text:
        return "validate_handoff_form"

    def domain_slots(self, domain: Dict[Text, Any]) -> List[Text]:
        return [EMAIL_SLOT, QUESTION_SLOT]   # the domain is not sent to the actions (selective domain)

    def validate_handoff_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if handoff.wants_to_cancel(tracker, EMAIL_SLOT):
            return {EMAIL_SLOT: None, REQUESTED_SLOT: None}
        email = handoff.valid_email(value if isinstance(value, str) else None)
        answered = None if email else self.answer_instead(tracker)
        if answered is None:
            return {EMAIL_SLOT: email}
        # A question instead of an address ("¿dónde está la sede?"): it is answered and the form ends
        # (action_file_case then says nothing was filed), instead of "not a valid address" again and again.
        turn, reply = answered
        send(dispatcher, turn, reply)
        slots = {event["name"]: event["value"] for event in events_for(turn, reply)}
        return {**slots, EMAIL_SLOT: None, REQUESTED_SLOT: None}

    def answer_instead(self, tracker: Tracker) -> Optional[Tuple[Turn, Reply]]:
        turn = form_turn(tracker)
        question = turn.question
        answerer = SegibAction.shared_answerer()
        if "@" in question.text or turn.is_blank() or not answerer.is_a_question(question, turn.context):
            return None
        if question.intent.startswith("ask_") or question.intent == "follow_up":
            return turn, answerer.answer(question, turn.context, turn.language)
        reply = answerer.answer_asked(question, turn.context, turn.language)
        return (turn, reply) if reply else None

    def validate_handoff_question(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if handoff.wants_to_cancel(tracker, QUESTION_SLOT):
            return {QUESTION_SLOT: None, REQUESTED_SLOT: None}
        text = value.strip() if isinstance(value, str) else ""
        return {QUESTION_SLOT: text[:handoff.MAX_QUESTION_CHARS] if any(c.isalnum() for c in text) else None}


class ActionFileCase(SegibAction):
    """handoff_form is done (or cancelled): file the case by email, give the reference."""
    action_name = "action_file_case"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        turn = form_turn(tracker)
        reply = await asyncio.to_thread(handoff.DESK.file, turn, tracker, self.answerer)
        send(dispatcher, turn, reply)
        return events_for(turn, reply) + [SlotSet(slot, None) for slot in (EMAIL_SLOT, QUESTION_SLOT, REASON_SLOT)]


class ActionSwitchLanguage(SegibAction):
    action_name = "action_switch_language"

    def reply(self, turn: Turn) -> Reply:
        if turn.question.value("language"):
            return Reply(self.phrase("switch_language", turn), context=turn.context)
        return Reply(self.phrase("other_language", turn), context=turn.context, outcome=OTHER_LANGUAGE)
