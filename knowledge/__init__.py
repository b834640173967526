"""SEGIB knowledge layer: load, validate, look up and render answers. Imports nothing from Rasa."""
from knowledge.answers import Answerer, Button, Context, Question, Reply
from knowledge.errors import KnowledgeError
from knowledge.language import Detection, choose_language, conversation_language, detect, normalize_hint
from knowledge.loader import default_knowledge, load_knowledge
from knowledge.model import Entry, Knowledge

__all__ = [
    "Answerer", "Button", "Context", "Detection", "Entry", "Knowledge", "KnowledgeError", "Question",
    "Reply", "choose_language", "conversation_language", "default_knowledge", "detect", "load_knowledge",
    "normalize_hint",
]
