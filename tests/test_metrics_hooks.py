"""rasa_server/metrics.py's hooks in Rasa: `/metrics` is added where Rasa registers its channels, and a
message Rasa's own MessageProcessor.handle_message handles is counted once, with its channel,
language and outcome. Both fail on stock Rasa (only_when_patched). The real stack's numbers:
tests/ops/test_metrics.py."""
import asyncio
import uuid

from prometheus_client import REGISTRY
from rasa.core.channels import channel
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from contracts import ANSWERED, OUTCOME_KEY
from tests.support.rasa_patches import only_when_patched

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet]
slots:
  language: {type: text, influence_conversation: false, mappings: [{type: custom}]}
""")


def test_the_rasa_servers_app_gets_metrics_where_rasa_registers_the_channels():
    def check():
        app = Sanic(f"metrics_{uuid.uuid4().hex}")
        channel.register([], app, "/webhooks/")   # what Rasa's server does with the channels it loaded
        paths = {route.path for route in app.router.routes_all.values()}
        assert "metrics" in paths, paths

    only_when_patched(check)


class _OneTurnProcessor(MessageProcessor):
    """Rasa's MessageProcessor.handle_message and _run_prediction_loop as they are; what they call
    (reading the tracker, the NLU, the policies, the actions) stands in for a turn that answered."""

    def __init__(self) -> None:   # no model: the steps below do not need one
        self.domain = DOMAIN
        self.model_metadata = type("Metadata", (), {"training_type": None})()

    async def log_message(self, message, should_save_tracker=True):
        tracker = DialogueStateTracker(message.sender_id, DOMAIN.slots)
        tracker.update(UserUttered(message.text, {"name": "greet", "confidence": 1.0},
                                   parse_data={"language": {"language": "pt"}}))
        return tracker

    async def run_action_extract_slots(self, output_channel, tracker):
        return tracker

    def _should_handle_message(self, tracker):
        tracker.update(BotUttered("Olá!", metadata={OUTCOME_KEY: ANSWERED}))   # the action's reply
        return False

    async def run_anonymization_pipeline(self, tracker):
        pass

    async def save_tracker(self, tracker):
        pass


def _count(channel_name: str, language: str, outcome: str) -> float:
    labels = {"channel": channel_name, "language": language, "outcome": outcome}
    return REGISTRY.get_sample_value("segib_messages_total", labels) or 0.0


def test_each_message_rasa_handles_is_counted_once_with_its_channel_language_and_outcome():
    def check():
        before = _count("rest", "pt", ANSWERED)
        message = UserMessage("olá", CollectingOutputChannel(), "ana", input_channel="rest")
        asyncio.run(_OneTurnProcessor().handle_message(message))
        assert _count("rest", "pt", ANSWERED) - before == 1

    only_when_patched(check)


def test_a_message_is_counted_in_the_language_the_assistant_replied_in():
    """A first message the detector cannot settle ("ok, y?") leaves the conversation's language slot
    empty, yet the assistant replied in Portuguese (the text leaned that way): the count says pt,
    the language the citizen read, not the channel's hint."""
    from contracts import LANGUAGE_SLOT, REPLY_LANGUAGE_KEY
    from rasa_server.metrics import turn_language

    domain = Domain.from_dict({"slots": {LANGUAGE_SLOT: {"type": "any", "mappings": []}}})
    message = UserMessage("ok, y?", sender_id="s", metadata={"language": "en"})
    tracker = DialogueStateTracker.from_events("s", [
        UserUttered("ok, y?", parse_data={"intent": {"name": "opener"}, "language": {"language": None}}),
        BotUttered("Olá! ...", metadata={OUTCOME_KEY: ANSWERED, REPLY_LANGUAGE_KEY: "pt"}),
    ], slots=domain.slots)
    assert turn_language(tracker, message) == "pt"
    silent = DialogueStateTracker.from_events("s", [UserUttered("ok, y?", parse_data={"intent": {"name": "opener"}})],
                                              slots=domain.slots)
    assert turn_language(silent, message) == "en"   # no reply declared one: the hint
