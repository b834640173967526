"""The question frame and its decision table (knowledge/frame.py), with the real knowledge file and the
real entity matcher: what a citizen asks, and what the reply must (and must not) say."""
import pytest

from knowledge import Answerer, Context, Question, default_knowledge
from knowledge.frame import ABOUT_ME, ANY, DECISION_TABLE, FrameReader, decide
from knowledge.matcher import KnowledgeMatcher

KNOWLEDGE = default_knowledge()
ANSWERER = Answerer(KNOWLEDGE)
MATCHER = KnowledgeMatcher(KNOWLEDGE)


def question(text, intent):
    mentions = MATCHER.find(text)
    return Question(intent, tuple((m.entity, m.value) for m in mentions), text,
                    tuple((m.start, m.end) for m in mentions))


def ask(text, intent, language, context=Context()):
    return ANSWERER.answer(question(text, intent), context, language)


def conversation(language, *turns):
    """Plays (text, intent) turns, carrying the context like the action server does; the last reply."""
    context, reply = Context(), None
    for text, intent in turns:
        reply = ANSWERER.answer(question(text, intent), context, language)
        context = reply.context
    return reply


# ---- the table, row by row ------------------------------------------------------------------------
@pytest.mark.parametrize("subject, attribute, kind, value", [
    (("topic", "summits"), "next", "unknown", "missing_next_summit"),
    (("topic", "summits"), "place", "unknown", "missing_next_summit"),
    (("topic", "summits"), "frequency", "own", ""),
    (("topic", "summits"), "since", "own", ""),
    (("topic", "segib_mission"), "person", "answer", "ask_secretary_general"),
    (("topic", "segib_mission"), "address", "field", "address"),
    (("topic", "segib_mission"), "budget", "unknown", "missing_budget"),
    (("topic", "segib_mission"), "jobs", "unknown", "missing_jobs"),
    (("topic", "secretary_general"), "past", "unknown", "missing_past_secretaries"),
    (("topic", "programmes"), "list", "unknown", "missing_programme_list"),
    (("topic", "member_countries"), "list", "own", ""),
    (("office", "office_andean"), "hours", "unknown", "missing_hours"),
    (("office", "office_andean"), "phone", "field", "phone"),
    (("city", "lisbon"), "email", "field", "email"),
    (("document", "environmental_charter"), "link", "own", ""),
    (("observer", "japan"), "list", "general", "ask_observers"),
    (("non_member", "russia"), "requirements", "unknown", "missing_requirements"),
    (("observer", "italy"), "kind", "answer", "ask_is_observer"),
    (("topic", "summits"), None, "intent", ""),            # nothing asked: the classifier's intent
    (("observer", "japan"), "frequency", "intent", ""),    # a pair the table does not list: the intent
])
def test_the_decision_table(subject, attribute, kind, value):
    outcome = decide(subject, attribute)
    assert (outcome.kind, outcome.value) == (kind, value)


def test_every_attribute_of_the_table_has_words_in_every_language_and_every_missing_phrase_exists():
    vocabulary = KNOWLEDGE.messages.attributes
    contact_fields = KNOWLEDGE.messages.contact_fields
    for _subject, attribute, outcome in DECISION_TABLE:
        words = vocabulary.get(attribute) or contact_fields.get(attribute)
        assert words and all(words[language] for language in ("es", "pt", "en")), attribute
        if outcome.kind == "unknown":
            assert all(KNOWLEDGE.messages.text(outcome.value, language) for language in ("es", "pt", "en"))
    assert {a for _, a, _ in DECISION_TABLE} >= set(vocabulary) - {ABOUT_ME}, "an attribute no row reads"
    assert any(row_subject == ANY for row_subject, _, _ in DECISION_TABLE)


def test_attribute_words_are_found_in_text_order_accents_or_not():
    reader = FrameReader(KNOWLEDGE)
    assert [a for _, _, a in reader.attributes_in("en que ciudad sera la proxima cumbre")] == ["place", "next"]
    assert [a for _, _, a in reader.attributes_in("Quanto ganha o secretário-geral e qual a idade dele?")] == \
        ["salary", "age"]
    assert [a for _, _, a in reader.attributes_in("When did the summits start?")] == ["date", "since"]
    assert reader.attributes_in("¿Qué es la Declaración sobre la Arquitectura Financiera Internacional?")[0][2] == \
        "definition"   # "financiera" is no question about money


# ---- known subject, unknown attribute: honest, precise, never another fact as the answer ----------
@pytest.mark.parametrize("text, intent, language, missing, known", [
    ("¿en qué ciudad se hará la próxima Cumbre?", "ask_summits", "es",
     "no tengo la fecha ni el lugar de la próxima Cumbre", "cada dos años"),
    ("¿la SEGIB tiene ofertas de empleo?", "ask_contact", "es", "no tengo información sobre ofertas de empleo",
     "info@segib.org"),
    ("how is SEGIB funded?", "ask_segib", "en", "I don't have information on SEGIB's budget or funding",
     "22"),
    ("a cimeira deste ano vai ser onde?", "ask_summits", "pt", "não tenho a data nem o local da próxima Cúpula",
     "dois anos"),
    ("who was Secretary General in 2015?", "ask_secretary_general", "en",
     "I don't have information on previous Secretaries General", "Allamand"),
    ("me puedes decir el horario de atención de la sede de madrid", "ask_contact", "es",
     "no tengo el horario de atención", "+34 91 590 19 80"),
    ("Olá! Sou estudante brasileira, a SEGIB oferece bolsas de estudo?", "ask_office_for_country", "pt",
     "não tenho informação sobre bolsas de estudo", "30 Programas"),
    ("does SEGIB have an exchange program for university students?", "ask_programmes", "en",
     "I don't have information on scholarships or student exchanges", "30 Programs"),
    ("como hago para que mi pais entre a la comunidad iberoamericana?", "ask_member_countries", "es",
     "no tengo información sobre los requisitos", "22"),
])
def test_an_unknown_attribute_of_a_known_subject_gets_an_honest_precise_reply(text, intent, language, missing,
                                                                             known):
    reply = ask(text, intent, language)
    first_line = reply.text.splitlines()[0]
    assert missing.lower() in first_line.lower(), reply.text
    assert known in reply.text and reply.offers_human and not reply.understood
    assert [b.payload for b in reply.buttons] == ["/affirm", "/deny"]


# ---- two questions in one message ---------------------------------------------------------------
@pytest.mark.parametrize("text, intent, language, fragments", [
    ("¿Francia y Alemania son observadores?", "ask_is_observer", "es",
     ["Sí, Francia es observador asociado", "Sí, Alemania es observador asociado"]),
    ("dame el correo y el teléfono de la oficina de Lima", "ask_contact", "es",
     ["paisesandinos@segib.org", "+51 1 3214477"]),
    ("what is SEGIB and where is its headquarters?", "ask_contact", "en",
     ["international organisation", "Paseo de Recoletos, 8"]),
    ("teléfono de Madrid y Lima", "ask_contact", "es", ["+34 91 590 19 80", "+51 1 3214477"]),
    ("Is Mexico a member, and which office serves it?", "ask_office_for_country", "en",
     ["Yes, Mexico is one of the 22 member countries", "mexico@segib.org"]),
])
def test_every_entity_and_every_detail_asked_in_one_message_is_answered(text, intent, language, fragments):
    reply = ask(text, intent, language)
    assert all(fragment in reply.text for fragment in fragments), reply.text


# ---- follow-ups that point back ----------------------------------------------------------------
def test_who_runs_it_after_what_segib_is():
    reply = conversation("en", ("what is SEGIB?", "ask_segib"), ("ok and who runs it?", "follow_up"))
    assert "Andrés Allamand" in reply.text


def test_the_pdf_of_the_document_talked_about():
    reply = conversation("en", ("tell me about the digital rights charter", "ask_document"),
                         ("can I get the PDF?", "follow_up"))
    assert "Carta_iberoamericana_derechos_digitales_ESP_web.pdf" in reply.text


def test_which_ones_after_how_many_members():
    reply = conversation("pt", ("Quantos países membros tem?", "ask_member_countries"), ("quais são?", "follow_up"))
    assert "Paraguai" in reply.text and "Andorra" in reply.text


def test_examples_of_programmes_are_honestly_on_the_programmes_page():
    reply = conversation("es", ("¿qué programas tiene la cooperación?", "ask_programmes"), ("dame ejemplos", "help"))
    assert reply.text.lower().startswith("lo siento, no tengo la lista detallada de los programas")
    assert "https://www.segib.org/programas-iniciativas-y-proyectos-adscritos" in reply.text


def test_a_question_that_starts_with_and_points_back_at_the_subject():
    context = ask("qué es la cooperación iberoamericana?", "ask_cooperation", "es").context
    reply = ANSWERER.answer_asked(question("y se rige por qué principios?", "help"), context, "es")
    assert reply is not None and "transparencia" in reply.text


def test_how_often_after_the_summits():
    reply = conversation("en", ("tell me about the summits", "ask_summits"), ("how often?", "greet"))
    assert "every two years" in reply.text


# ---- closed lists in follow-ups -----------------------------------------------------------------
@pytest.mark.parametrize("language, first, follow_up, expected", [
    ("en", "Is Japan an observer?", "and APEC?", "No, APEC is not among the associate or consultative observers"),
    ("pt", "A CPLP é observadora?", "e a OPEP?", "Não, OPEP não figura entre os observadores"),
    ("es", "¿Japón es observador?", "¿y Kazajistán?", "No, Kazajistán no figura entre los observadores"),
])
def test_a_name_on_no_list_in_a_follow_up_is_not_among_them(language, first, follow_up, expected):
    reply = conversation(language, (first, "ask_is_observer"), (follow_up, "follow_up"))
    assert reply.text.startswith(expected), reply.text


def test_a_lower_case_word_that_is_no_name_is_not_taken_for_one():
    reply = conversation("es", ("¿Japón es observador?", "ask_is_observer"), ("y eso?", "follow_up"))
    assert "no figura" not in reply.text


def test_a_greeting_that_asks_nothing_is_not_a_question():
    assert ANSWERER.answer_asked(question("hola buenas", "greet"), Context(), "es") is None
    assert ANSWERER.answer_asked(question("gracias, hasta la próxima", "goodbye"), Context(topic="ask_summits"),
                                 "es") is None


@pytest.mark.parametrize("text, clear", [("sí", True), ("Yes please!", True), ("claro que sim", True),
                                         ("medio ambiente", False), ("I have a question", False),
                                         ("sí, ¿dónde está la sede?", False)])
def test_only_a_clear_yes_is_a_yes(text, clear):
    assert ANSWERER.is_clear_yes(text) is clear


def test_a_bare_topic_gets_that_topics_answer_whatever_the_classifier_said():
    reply = ANSWERER.answer_asked(question("medio ambiente", "affirm"), Context(), "es")
    assert reply is not None and "Carta Medioambiental" in reply.text
    assert ANSWERER.answer_asked(question("gracias segib", "thank"), Context(), "es") is None


def test_a_question_about_the_weather_is_no_definition_of_segib():
    assert ANSWERER.answer_asked(question("what's the weather like tomorrow?", "out_of_scope"), Context(), "en") is None
    reply = ANSWERER.answer_asked(question("¿Qué es la CEPAL?", "out_of_scope"), Context(), "es")
    assert reply is not None and "observador consultivo" in reply.text


def test_which_others_after_an_office_lists_every_office():
    reply = conversation("es", ("¿Qué oficina atiende a Chile?", "ask_office_for_country"),
                         ("¿y las demás?", "follow_up"))
    assert "Países Andinos" in reply.text and "México" in reply.text and "Cono Sur" in reply.text


def test_what_the_citizen_says_about_themselves_is_no_question():
    reply = ask("Soy de Chile y quiero saber si Brasil es miembro", "ask_is_member", "es")
    assert "Sí, Brasil es uno de los 22" in reply.text and "Chile" not in reply.text


def test_the_writers_own_address_and_phone_ask_for_nothing():
    text = ("What will the weather be like tomorrow in Lisbon? "
            "Write to ana.example@example.org or call me on +34 612 005 405")
    assert ANSWERER.answer_asked(question(text, "out_of_scope"), Context(), "en") is None
    reader = FrameReader(KNOWLEDGE)
    assert reader.attributes_in("escríbeme a ejemplo.lista@example.org") == []   # no "example" nor "list" asked
    assert [a for _, _, a in reader.attributes_in("give me an example, see www.example.org/list")] == ["list"]
