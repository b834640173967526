"""Rasa NLU component: entities from the names in the knowledge file (no training data needed)."""
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.loader import load_knowledge
from knowledge.matcher import KnowledgeMatcher


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class KnowledgeEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Finds members, observers, documents, offices, contact fields and language names.

    The knowledge file is read when the Rasa server starts (not at training time), so staff can add
    an entry and restart without retraining. `knowledge_file` in config.yml, or the environment
    variable SEGIB_KNOWLEDGE_FILE, points at another file.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"knowledge_file": None}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._matcher = KnowledgeMatcher(load_knowledge(config.get("knowledge_file")))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "KnowledgeEntityExtractor":
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text: Optional[str] = message.get(TEXT)
            if not text or text.startswith("/"):
                continue  # "/intent" payloads carry their own entities
            found = [
                {"entity": m.entity, "value": m.value, "start": m.start, "end": m.end,
                 "confidence_entity": m.score, "extractor": self.__class__.__name__,
                 "languages": list(m.languages)}
                for m in self._matcher.find(text)
            ]
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
