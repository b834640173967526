"""The custom Rasa NLU components on real rasa Message objects."""
import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.knowledge_entity_extractor import KnowledgeEntityExtractor
from nlu.language_detector import LanguageDetector


@pytest.fixture(scope="module")
def pipeline():
    extractor = KnowledgeEntityExtractor(KnowledgeEntityExtractor.get_default_config())
    detector = LanguageDetector()

    def parse(text, metadata=None):
        message = Message(data={TEXT: text, "metadata": metadata or {}})
        detector.process(extractor.process([message]))
        return message
    return parse


def test_entities_carry_entry_ids_and_offsets(pipeline):
    message = pipeline("¿Cuál es el teléfono de la sede en Madrid?")
    entities = {(e["entity"], e["value"]) for e in message.get(ENTITIES)}
    assert {("contact_field", "phone"), ("office", "headquarters")} <= entities
    phone = next(e for e in message.get(ENTITIES) if e["entity"] == "contact_field")
    assert message.get(TEXT)[phone["start"]:phone["end"]] == "teléfono"


def test_language_and_hint_are_in_the_parse_output(pipeline):
    message = pipeline("quem é o secretário-geral?", {"language": "pt-BR"})
    assert message.get("language")["language"] == "pt" and message.get("language")["hint"] == "pt"
    assert "language" in message.as_dict(only_output_properties=True)


def test_short_messages_leave_the_language_open(pipeline):
    assert pipeline("ok", {"language": "en"}).get("language")["language"] is None


@pytest.mark.parametrize("text", ["and Caracas?", "and Luxemburgo?"])
def test_a_name_does_not_make_an_english_follow_up_spanish(pipeline, text):
    # "Caracas" and "Luxemburgo" look Spanish: only "and" may decide (or leave it to the conversation).
    assert pipeline(text).get("language")["language"] in (None, "en")


def test_button_payloads_are_left_alone(pipeline):
    message = pipeline('/ask_is_observer{"observer": "belgium"}')
    assert message.get(ENTITIES, []) == [] and message.get("language")["language"] is None


def test_a_new_entry_in_the_knowledge_file_is_recognised_without_training(tmp_path):
    import yaml

    from knowledge.loader import DEFAULT_KNOWLEDGE_FILE

    document = yaml.safe_load(DEFAULT_KNOWLEDGE_FILE.read_text(encoding="utf-8"))
    document["entries"].append({
        "id": "iila", "kind": "observer", "observer_type": "consultative",
        "names": {"es": ["IILA"], "pt": ["IILA"], "en": ["IILA", "Italian-Latin American Organisation"]},
        "source": "https://www.segib.org/"})
    path = tmp_path / "segib.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    extractor = KnowledgeEntityExtractor({"knowledge_file": str(path)})
    message = Message(data={TEXT: "Is the IILA an observer?"})
    extractor.process([message])
    assert ("observer", "iila") in {(e["entity"], e["value"]) for e in message.get(ENTITIES)}
