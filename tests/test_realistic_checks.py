"""The checks of the realistic conversations (issue #21, tests/support/conversations.py) judge replies
right: the bot's own correct texts pass, wrong facts, dishonest answers and wrong languages fail."""
import pytest

from knowledge.loader import load_knowledge
from tests.support.conversations import realistic_problems, realistic_set_problems, reply_language

SOURCE_LABEL = {"es": "Fuente", "pt": "Fonte", "en": "Source"}


def _texts_of_the_knowledge_file():
    knowledge = load_knowledge()
    for entry in knowledge.entries():
        for language, text in (entry.get("text") or {}).items():
            yield pytest.param(language, f"{text}\n{SOURCE_LABEL[language]}: {entry.source}",
                               id=f"{entry.id}-{language}")


@pytest.mark.parametrize("language, reply", list(_texts_of_the_knowledge_file()))
def test_every_answer_of_the_knowledge_file_is_judged_in_its_own_language(language, reply):
    assert reply_language(reply) == language


@pytest.mark.parametrize("language, reply", [
    ("en", "Email (Escritório Sub-regional para o Cone Sul): conosur@segib.org.\nFonte: https://www.segib.org/"),
    ("es", "Sim, UNICEF (Fundo das Nações Unidas para a Infância) é observador consultivo da Conferência "
           "Ibero-Americana (um dos 19 organismos internacionais observadores consultivos)."),
    ("en", "De acuerdo, seguimos en español."),
    ("pt", "The Ibero-American General Secretary is the Chilean Andrés Allamand, who has held the post since 2022."),
])
def test_a_reply_in_another_language_is_caught(language, reply):
    conversation = {"id": "x", "language": language, "kind": "noisy_fact", "turns": ["?"]}
    assert any(p.startswith("reply in") for p in realistic_problems(conversation, reply))


def test_an_office_card_in_english_is_english_despite_its_spanish_address():
    reply = ("Sub-regional office for Mexico, Caribbean and Central America\nAddress: Avenida Universidad 1200, "
             "Planta Baja, Cuadrante 1-A, Colonia Xoco, C.P. 03330, Delegación Benito Juárez, Ciudad de México, "
             "Mexico\nPhone: +52 55 8437 0156\nEmail: mexico@segib.org\n"
             "Serves: Mexico, Central America and the Caribbean")
    assert reply_language(reply) in ("en", None)


def test_fragments_are_case_insensitive_but_accents_count():
    conversation = {"id": "x", "language": "pt", "kind": "noisy_fact", "turns": ["?"], "expect": ["cooperaç"]}
    assert realistic_problems(conversation, "A COOPERAÇÃO Ibero-Americana é horizontal e organiza-se em planos.") == []
    assert realistic_problems(conversation, "A cooperación Ibero-Americana é horizontal e organiza-se em planos.") != []


def test_an_unknown_answered_with_another_fact_fails_and_an_honest_one_passes():
    conversation = {"id": "x", "language": "es", "kind": "unknown", "turns": ["¿quién era secretario general en 2015?"],
                    "forbid": ["Sí,"]}
    sloppy = "El Secretario General Iberoamericano es el chileno Andrés Allamand, que ocupa el cargo desde 2022."
    honest = ("No tengo el dato de quién era Secretario General en 2015. El actual es Andrés Allamand, desde 2022. "
              "Puedes escribir a info@segib.org.")
    assert realistic_problems(conversation, sloppy)
    assert realistic_problems(conversation, honest) == []
    assert realistic_problems(conversation, "Sí, " + honest)


def test_the_mix_check_finds_repeated_ids_and_a_thin_set():
    thin = [{"id": "a", "language": "es", "kind": "noisy_fact", "turns": ["hola"]}] * 2
    problems = realistic_set_problems(thin)
    assert any("used 2 times" in p for p in problems) and any("at least 60" in p for p in problems)
