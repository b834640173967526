"""SEGIB knowledge layer: load, validate, look up and render answers. Imports nothing from Rasa."""
from knowledge.answers import Answerer, Button, Context, Question, Reply
from knowledge.errors import KnowledgeError
from knowledge.language import choose_language, conversation_language, normalize_hint
from knowledge.loader import default_knowledge, load_knowledge
from knowledge.model import Entry, Knowledge

__all__ = [
    "Answerer", "Button", "Context", "Entry", "Knowledge", "KnowledgeError", "Question",
    "Reply", "choose_language", "conversation_language", "default_knowledge", "load_knowledge", "normalize_hint",
]
