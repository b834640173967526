"""Entities from the knowledge file: accent- and case-insensitive, typo-tolerant, longest name wins."""
import pytest

from knowledge import default_knowledge
from knowledge.matcher import KnowledgeMatcher


@pytest.fixture(scope="module")
def find():
    matcher = KnowledgeMatcher(default_knowledge())
    return lambda text: [(m.entity, m.value) for m in matcher.find(text)]


@pytest.mark.parametrize("text, expected", [
    ("¿Bélgica es observador?", ("observer", "belgium")),
    ("BELGICA es observador?", ("observer", "belgium")),
    ("la cepal es observadora?", ("observer", "eclac")),
    ("Is ECLAC an observer?", ("observer", "eclac")),
    ("e a Coreia do Sul?", ("observer", "korea")),
    ("and North Korea?", ("non_member", "north_korea")),
    ("¿ONU Mujeres es observador?", ("observer", "un_women")),
    ("oficina de Ciudad de México", ("office", "office_mexico")),
    ("¿Luxenburgo es observador?", ("observer", "luxembourg")),          # typo
    ("Is Filipinas an observer?", ("observer", "philippines")),
    ("which office serves Ecuador", ("member_country", "ecuador")),
    ("telefone da sede", ("contact_field", "phone")),
    ("in English, please", ("language", "en")),
    ("what is the phone number of the Lisbon office?", ("city", "lisbon")),
    ("Buenos Aries office", ("city", "buenos_aires")),                    # typo
    ("oficina del cono sud", ("office", "office_southern_cone")),         # typo in a short word
])
def test_names_are_found(find, text, expected):
    assert expected in find(text)


@pytest.mark.parametrize("text", ["hola, ¿qué tal?", "what can you do?", "obrigado pela ajuda", "¿eres un robot?",
                                  # "oficina de la" is one typo away from no office name ("oficina de Lima")
                                  "¿dónde está la oficina de la SEGIB?",
                                  # "Santiago" alone is also Santiago de Surco (Lima), Compostela, ...
                                  "oficina en Santiago de Surco"])
def test_ordinary_words_are_not_taken_for_names(find, text):
    assert [e for e in find(text) if e[0] not in ("topic", "contact_field")] == []


def test_offsets_point_at_the_citizens_own_words():
    matcher = KnowledgeMatcher(default_knowledge())
    text = "¿Y PERÚ?"
    mention = next(m for m in matcher.find(text) if m.entity == "member_country")
    assert text[mention.start:mention.end] == "PERÚ" and mention.value == "peru"


def test_long_messages_are_matched_exactly_only(find):
    text = "hola " * 1200 + "Luxenburgo"
    assert ("observer", "luxembourg") not in find(text)
    assert ("observer", "luxembourg") in find("hola " * 1200 + "Luxemburgo")
