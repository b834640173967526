"""Rasa NLU component: adds `language` (detected language and the channel's hint) to parse data.

The one place a message's language is detected (knowledge.detection; tests/test_architecture_language.py
keeps it so): the actions decide the reply's language from this parse data with knowledge.language's
rule, and the replies carry it to the channels (contracts.REPLY_LANGUAGE_KEY).
"""
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.detection import Detection, detect
from knowledge.language import normalize_hint
from knowledge.matcher import ENTITY_TYPE_BY_KIND

LANGUAGE_PROPERTY = "language"
# Entities that are proper names (every kind of knowledge entry, cities included): they are the same
# in every language, so detection ignores them.
NAME_ENTITIES = set(ENTITY_TYPE_BY_KIND.values())


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(GraphComponent):
    """The actions read `tracker.latest_message["language"]` and decide the reply language.

    Runs after KnowledgeEntityExtractor in the pipeline, so that it can ignore the names it found.
    """

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LanguageDetector":
        detect("warm up")  # loads the detectors' models now, not on the first citizen's message
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            named = [e for e in message.get(ENTITIES, [])
                     if e.get("entity") in NAME_ENTITIES and "start" in e and "end" in e]
            detection = Detection(None, 0.0) if text.startswith("/") else detect(
                text, [(e["start"], e["end"]) for e in named], [e.get("languages", ()) for e in named])
            metadata = message.get("metadata") or {}
            hint = normalize_hint(metadata.get(LANGUAGE_PROPERTY)) if isinstance(metadata, dict) else None
            message.set(LANGUAGE_PROPERTY, {**detection.as_dict(), "hint": hint}, add_to_output=True)
        return messages
