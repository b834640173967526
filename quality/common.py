"""Paths, languages and the topics of the assistant shared by the staff tools."""
from pathlib import Path
from typing import Dict, List, Tuple

from scripts.model import CONFIG, DOMAIN, NLU_DATA, RULES

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
LANGUAGES = ("es", "pt", "en")
LANGUAGE_NAMES = {"es": "Español", "pt": "Português", "en": "English"}

STORIES_DIR = ROOT / "tests" / "stories"
ANSWER_CHECKS_FILE = ROOT / "tests" / "answer_checks.yml"
NLU_DIR = ROOT / NLU_DATA
RULES_FILE = ROOT / RULES
DOMAIN_FILE = ROOT / DOMAIN
CONFIG_FILE = ROOT / CONFIG
KNOWLEDGE_FILE = ROOT / "data" / "knowledge" / "segib.yml"
ENTITY_EXAMPLES_FILE = ROOT / "tests" / "data" / "entity_examples.yml"
LANGUAGE_SAMPLES_FILE = ROOT / "tests" / "data" / "language_samples.yml"

# The topics of the assistant (docs/design.md, issue "Assistant core"), each with its intents and its
# name in Spanish and English. A story file is named after its topic: tests/stories/es/observers.yml.
TOPICS: Dict[str, Tuple[str, str, List[str]]] = {
    "organisation": ("La organización", "The organisation",
                     ["ask_segib", "ask_secretary_general", "ask_member_countries", "ask_is_member"]),
    "summits": ("Cumbres y mandatos", "Summits and mandates",
                ["ask_summits", "ask_summit_preparation", "ask_mandates"]),
    "observers": ("Observadores", "Observers",
                  ["ask_observers", "ask_observer_difference", "ask_is_observer"]),
    "documents": ("Cartas y declaraciones", "Charters and declarations", ["ask_documents", "ask_document"]),
    "contacts": ("Contactos y oficinas", "Contacts and offices",
                 ["ask_contact", "ask_office_for_country", "ask_website"]),
    "cooperation": ("Cooperación y plan de acción", "Cooperation and the action plan",
                    ["ask_cooperation", "ask_programmes", "ask_agenda_2030", "ask_action_plan",
                     "ask_strategic_axes", "ask_crosscutting_approaches"]),
    "follow_ups": ("Preguntas de seguimiento", "Follow-up questions", ["follow_up"]),
    "conversation": ("Conversación, ayuda y persona", "Conversation, help and a person",
                     ["greet", "goodbye", "thank", "help", "bot_challenge", "out_of_scope", "request_human",
                      "affirm", "deny", "switch_language", "ask_privacy"]),
}
MIN_STORIES_PER_TOPIC_AND_LANGUAGE = 3


def topic_of_intent(intent: str) -> str:
    for topic, (_, _, intents) in TOPICS.items():
        if intent in intents:
            return topic
    return ""


def relative(path) -> str:
    """A path as staff see it in messages: relative to the repository when possible."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
