"""The action server's actions: each reads the turn, asks the knowledge layer, sends the reply."""
from dataclasses import replace
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from knowledge import Answerer, Reply, default_knowledge
from knowledge.answers import SUBJECT_TYPES
from knowledge.language import OTHER

from actions import handoff
from actions.turn import HUMAN_OFFER, Turn, events_for, send


class SegibAction(Action):
    """Base: subclasses say only how to answer a turn."""
    action_name = ""

    def __init__(self) -> None:
        self.answerer = Answerer(default_knowledge())

    def name(self) -> Text:
        return self.action_name

    def reply(self, turn: Turn) -> Reply:
        raise NotImplementedError

    def phrase(self, key: str, turn: Turn, **values: Any) -> str:
        return self.answerer.phrase(key, turn.language, **values)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        turn = Turn.from_tracker(tracker)
        reply = self.reply(turn) if not turn.is_blank() else Reply(self.phrase("empty_message", turn), context=turn.context)
        send(dispatcher, reply)
        return events_for(turn, reply)


class ActionAnswer(SegibAction):
    action_name = "action_answer"

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

    def reply(self, turn: Turn) -> Reply:
        reply = self.answerer.dont_know(turn.context, turn.language)
        if turn.detected == OTHER:
            return Reply(self.phrase("other_language", turn) + " " + reply.text, reply.buttons,
                         reply.context, understood=False, offers_human=True)
        return reply


class ActionOfferHuman(SegibAction):
    """The citizen asks for a person: the hand-off hook decides what that means on this channel."""
    action_name = "action_offer_human"

    def reply(self, turn: Turn) -> Reply:
        return handoff.HANDOFF.start(turn, self.answerer)


class ActionAffirm(SegibAction):
    action_name = "action_affirm"

    def reply(self, turn: Turn) -> Reply:
        if turn.pending_offer == HUMAN_OFFER:
            return handoff.HANDOFF.start(turn, self.answerer)
        if turn.question.first(*SUBJECT_TYPES):
            # A bare name ("Chile?") reads like "yes" to the classifier; it continues the topic.
            return self.answerer.answer(replace(turn.question, intent="follow_up"), turn.context, turn.language)
        return Reply(self.phrase("affirm_without_question", turn), context=turn.context)


class ActionSwitchLanguage(SegibAction):
    action_name = "action_switch_language"

    def reply(self, turn: Turn) -> Reply:
        if turn.question.value("language"):
            return Reply(self.phrase("switch_language", turn), context=turn.context)
        return Reply(self.phrase("other_language", turn), context=turn.context)
