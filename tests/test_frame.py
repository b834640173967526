"""The question frame and its decision table (knowledge/frame.py), with the real knowledge file and the
real entity matcher: what a citizen asks, and what the reply must (and must not) say."""
from dataclasses import replace

import pytest

from knowledge import Answerer, Context, Question, Reply, default_knowledge
from knowledge.frame import ABOUT_ME, ANY, DECISION_TABLE, FrameReader, decide
from knowledge.matcher import KnowledgeMatcher

KNOWLEDGE = default_knowledge()
ANSWERER = Answerer(KNOWLEDGE)
MATCHER = KnowledgeMatcher(KNOWLEDGE)


def question(text, intent):
    mentions = MATCHER.find(text)
    return Question(intent, tuple((m.entity, m.value) for m in mentions), text,
                    tuple((m.start, m.end) for m in mentions))


def ask(text, intent, language, context=None):
    return ANSWERER.answer(question(text, intent), context or Context(), language)


def conversation(language, *turns):
    """Plays (text, intent) turns, carrying the context like the action server does; the last reply."""
    context, reply = Context(), None
    for text, intent in turns:
        reply = ANSWERER.answer(question(text, intent), context, language)
        context = reply.context
    return reply


def as_the_action_server(language, *turns):
    """Plays (text, intent) turns as actions/actions.py does: a greeting or an out-of-scope message is
    answered only for what it also asks, the writer's place is remembered, and each turn knows the
    citizen's previous message. The last reply."""
    context, reply, previous = Context(), None, ""
    for text, intent in turns:
        asked, context = question(text, intent), replace(context, previous=previous)
        if intent.startswith("ask_") or intent == "follow_up":
            reply = ANSWERER.answer(asked, context, language)
        else:
            reply = ANSWERER.answer_asked(asked, context, language) or Reply("", context=context)
        reply = ANSWERER.with_writer_place(asked, context, reply)
        context, previous = reply.context, text
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
    (("document", "environmental_charter"), "link", "link", ""),   # the link as the answer
    (("topic", "summits"), "preparation", "answer", "ask_summit_preparation"),
    (("observer", "japan"), "list", "general", "ask_observers"),
    (("non_member", "russia"), "requirements", "unknown", "missing_requirements"),
    (("observer", "italy"), "kind", "answer", "ask_is_observer"),
    (("topic", "observers"), "number", "own", ""),
    (("topic", "secretary_general"), "number", "intent", ""),
    (("topic", "summits"), None, "intent", ""),            # nothing asked: the classifier's intent
    (("observer", "japan"), "frequency", "intent", ""),    # a pair the table does not list: the intent
    (("topic", "action_plan"), "axes", "answer", "ask_strategic_axes"),   # "the 8 areas of the plan"
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
    # the current action plan, then the PIPA; the Summits, then their preparation (branch misses2)
    ("¿cuál es el plan de acción vigente? y ¿cuántos PIPA hay?", "ask_programmes", "es", ["2023-2026", "30"]),
    ("qual é o plano de ação atual e quantos programas existem?", "ask_programmes", "pt", ["2023-2026", "30"]),
    ("which action plan is in force, and how many programmes are there?", "ask_programmes", "en",
     ["2023-2026", "30"]),
    ("cuándo empezaron las cumbres y cómo se prepara cada una?", "ask_summits", "es", ["1991", "Coordinadores"]),
    ("desde quando existem as cimeiras e como é preparada cada uma?", "ask_summits", "pt", ["1991", "Coordenadores"]),
    ("How often are the summits held and what happens in the run-up to each one?", "ask_summits", "en",
     ["every two years", "National Coordinators"]),
])
def test_every_entity_and_every_detail_asked_in_one_message_is_answered_in_order(text, intent, language, fragments):
    reply = ask(text, intent, language)
    assert all(fragment in reply.text for fragment in fragments), reply.text
    positions = [reply.text.index(fragment) for fragment in fragments]
    assert positions == sorted(positions), reply.text


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
    text = ("What will the weather be like tomorrow in Lisbon? Write to ana.example@example.org "
            "or call me on +34 612 005 405")
    assert ANSWERER.answer_asked(question(text, "out_of_scope"), Context(), "en") is None
    reader = FrameReader(KNOWLEDGE)
    assert reader.attributes_in("escríbeme a ejemplo.lista@example.org") == []   # no "example" nor "list" asked
    assert [a for _, _, a in reader.attributes_in("give me an example, see www.example.org/list")] == ["list"]


# ---- "the number", counts of two things (branch misses) ---------------------------------------------
@pytest.mark.parametrize("language, first, number, phone", [
    ("es", "buenas, a nicaragua q oficina le toca", "me das el numero?", "+52 55 8437 0156"),
    ("es", "donde queda la sede", "y el número?", "+34 91 590 19 80"),
    ("pt", "qual escritório atende o Paraguai?", "me passa o número?", "+598 2901 8028"),
    ("en", "which office covers Peru?", "can I have the number?", "+51 1 3214477"),
])
@pytest.mark.parametrize("misheard_as", ["ask_privacy", "follow_up", "out_of_scope"])
def test_the_number_after_an_office_is_its_phone_whatever_the_classifier_heard(language, first, number, phone,
                                                                                misheard_as):
    context = ask(first, "ask_office_for_country", language).context
    reply = ANSWERER.answer(question(number, misheard_as), context, language) if misheard_as != "out_of_scope" \
        else ANSWERER.answer_asked(question(number, misheard_as), context, language)
    assert reply is not None and phone in reply.text


@pytest.mark.parametrize("language, text", [
    ("es", "¿qué hacéis con mi número?"), ("es", "mi número de teléfono es 600 123 456"),
    ("pt", "o que vocês fazem com o meu número?"), ("en", "what do you do with my phone number?"),
])
def test_the_writers_own_number_asks_for_no_phone(language, text):
    context = ask("¿Qué oficina atiende a Chile?", "ask_office_for_country", language).context
    assert "phone" not in ANSWERER.frame(question(text, "ask_privacy"), context).attributes
    reply = ANSWERER.answer(question(text, "ask_privacy"), context, language)
    assert "3214477" not in reply.text


def test_number_of_asks_how_many_not_the_phone():
    reader = FrameReader(KNOWLEDGE)
    assert [a for _, _, a in reader.attributes_in("¿número de observadores?")] == ["number"]
    assert [a for _, _, a in reader.attributes_in("and the number of members?")] == ["number"]
    assert [a for _, _, a in reader.attributes_in("el número de teléfono")] == ["phone"]


@pytest.mark.parametrize("text, intent, language", [
    ("How many members are there and how many observers?", "ask_observers", "en"),
    ("how many members and observers are there?", "ask_member_countries", "en"),
    ("cuántos miembros y cuántos observadores hay", "ask_observers", "es"),
    ("cuantos observadores y cuantos miembros tiene", "ask_member_countries", "es"),
    ("quantos membros e quantos observadores", "ask_observers", "pt"),
    ("quick q - how many members n how many observers does segib have", "ask_observers", "en"),
    ("buenas, una duda pa un trabajo: cuántos miembros hay y cuántos observadores", "out_of_scope", "es"),
    ("how many countries and how many observers?", "ask_observers", "en"),       # countries: the members
    ("cuántos países y cuántos observadores hay", "ask_observers", "es"),
    ("quantas nações e quantos observadores existem?", "ask_observers", "pt"),
])
def test_how_many_members_and_how_many_observers_are_both_answered(text, intent, language):
    reply = ask(text, intent, language) if intent != "out_of_scope" else \
        ANSWERER.answer_asked(question(text, intent), Context(), language)
    assert all(count in reply.text for count in ("22", "(12", "(19")), reply.text


# ---- context before the question (hold-out 3) --------------------------------------------------------
@pytest.mark.parametrize("text, intent, language, expected, forbidden", [
    ("ayer probé el chile en nogada, brutal jaja. oye cuál es el correo de la oficina de méxico",
     "ask_office_for_country", "es", "mexico@segib.org", "Chile"),
    ("me regalaron una taza de porcelana china 😍 la segib tiene oficina en montevideo?",
     "ask_office_for_country", "es", "conosur@segib.org", "China"),
    ("fiz um peru assado no domingo kkkk me diz quem é o secretário-geral", "ask_secretary_general", "pt",
     "Allamand", "Peru"),
    ("a cuba do vinho está cheia 🍷 já agora, quando começaram as cimeiras?", "ask_summits", "pt",
     "1991", "Cuba"),
    ("roast turkey for lunch again lol. what's the phone number of segib?", "out_of_scope", "en",
     "+34 91 590 19 80", "Turkey"),
    ("had some fine china at my aunt's, anyway. which office serves brazil?", "ask_office_for_country", "en",
     "Brazil", "China"),
    ("turkey for lunch again lol. what's the phone number?", "ask_contact", "en", "+34 91 590 19 80", "Turkey"),
])
def test_a_name_said_in_passing_before_the_question_gets_no_answer(text, intent, language, expected, forbidden):
    q = question(text, intent)
    reply = ANSWERER.answer(q, Context(), language) if intent != "out_of_scope" else \
        ANSWERER.answer_asked(q, Context(), language)
    assert reply is not None and expected in reply.text and forbidden not in reply.text, reply.text


@pytest.mark.parametrize("text, intent, language, expected", [
    ("soy de chile, que oficina me toca?", "ask_office_for_country", "es", "Cono Sur"),
    ("Soy de Colombia. ¿Qué oficina me corresponde?", "ask_office_for_country", "es", "Países Andinos"),
    ("mi familia es de cuba. que oficina nos atiende?", "ask_office_for_country", "es", "México"),
    ("chile es miembro?", "ask_is_member", "es", "Sí, Chile"),
    ("china", "ask_is_observer", "es", "China"),
    ("Turkey?", "ask_is_observer", "en", "Turkey"),
    # a lower-case country opening a sentence said in passing (branch misses2)
    ("argentina es hermosa jaja. qué oficina me toca?", "ask_office_for_country", "es", "para Argentina es"),
    ("bolivia me encanta 😍 cuál es mi oficina?", "ask_office_for_country", "es", "para Bolivia es"),
    ("portugal é lindo kkkk qual é o meu escritório?", "ask_office_for_country", "pt", "País: Portugal"),
    ("peru is amazing lol. which office do I go to?", "ask_office_for_country", "en", "office for Peru is"),
])
def test_a_country_named_as_the_writers_context_or_asked_about_still_counts(text, intent, language, expected):
    assert expected in ask(text, intent, language).text


def test_y_chile_after_a_question_about_a_country_still_asks_about_chile():
    reply = conversation("es", ("¿Argentina es miembro?", "ask_is_member"), ("y chile?", "follow_up"))
    assert "Sí, Chile" in reply.text


def test_a_sentence_that_asks_nothing_is_context_only_before_one_that_asks():
    reader = ANSWERER.reader
    text = "comí tanto peru jaja me diz o email"
    frame = reader.read("ask_contact", *zip(*[((m.entity, m.value), (m.start, m.end)) for m in MATCHER.find(text)]),
                        text)
    assert frame.aside and all(("member_country", "peru") not in c.subjects for c in frame.clauses)
    alone = question("comí tanto peru jaja", "out_of_scope")   # nothing asked after it: as before
    assert ("member_country", "peru") in ANSWERER.frame(alone, Context()).clauses[0].subjects


# ---- "cuáles son?" after an observer category ----------------------------------------------------------
@pytest.mark.parametrize("language, first, intent, then, expected, not_expected", [
    ("es", "qué son los observadores consultivos?", "ask_observer_difference", "cuáles son?", "(19", "(12"),
    ("es", "y los observadores asociados qué son", "ask_observer_difference", "dime cuales", "(12", "(19"),
    ("pt", "o que são observadores associados?", "ask_observers", "quais são?", "(12", "(19"),
    ("en", "what are consultative observers?", "ask_observer_difference", "which ones?", "(19", "(12"),
    ("en", "what are the observers?", "ask_observer_difference", "which ones?", "(12 states): Belgium", None),
])
def test_which_ones_after_an_observer_category_lists_that_category(language, first, intent, then, expected,
                                                                   not_expected):
    reply = conversation(language, (first, intent), (then, "follow_up"))
    assert expected in reply.text, reply.text
    if not_expected:
        assert not_expected not in reply.text
    else:   # no category named: both lists
        assert "(19" in reply.text


def test_the_observers_named_again_are_all_of_them():
    reply = conversation("pt", ("o que são observadores associados?", "ask_observers"),
                         ("quais são os observadores?", "ask_observers"))
    assert "(12" in reply.text and "(19" in reply.text


# ---- the previous holder of the post --------------------------------------------------------------------
@pytest.mark.parametrize("text, language", [
    ("quién estaba en la Secretaría General antes del señor Allamand?", "es"),
    ("quem ocupava o cargo antes do Allamand?", "pt"),
    ("who held the post before mr. Allamand?", "en"),
    ("y antes de Allamand quién fue secretario general", "es"),
])
def test_before_the_current_secretary_general_is_honestly_unknown(text, language):
    reply = ask(text, "ask_secretary_general", language)
    assert "2022" in reply.text and "info@segib.org" in reply.text and reply.offers_human and not reply.understood


@pytest.mark.parametrize("text, intent, language, expected", [
    ("antes de ir a la cumbre, cuál es el correo de la segib?", "ask_contact", "es", "info@segib.org"),
    ("before I travel, what's the email of segib?", "ask_contact", "en", "info@segib.org"),
    ("antes de escrever ao secretário-geral, quem é ele?", "ask_secretary_general", "pt", "Allamand"),
    # SEGIB's own contact and its head are still answered; a post said as context asks nothing.
    ("what's the email of segib's headquarters?", "ask_contact", "en", "info@segib.org"),
    ("quien dirige la segib y cual es su correo", "ask_secretary_general", "es", "Allamand"),
    ("soy asistente de investigación, cuál es el correo de la segib?", "ask_contact", "es", "info@segib.org"),
])
def test_words_that_only_look_like_an_unknown_question_ask_as_before(text, intent, language, expected):
    reply = ask(text, intent, language)
    assert expected in reply.text and reply.understood, reply.text


# ---- a city of a member country without its own office --------------------------------------------------
@pytest.mark.parametrize("text, intent, language, no_office, served_by", [
    ("does segib have an office in lisbon?", "ask_office_for_country", "en", "Lisbon", "Madrid"),
    ("la segib tiene una oficina en lisboa?", "ask_contact", "es", "Lisboa", "Madrid"),
    ("há escritório da segib em Lisboa?", "ask_contact", "pt", "Lisboa", "Madrid"),
    ("my aunt sent me fine china from lisbon lol. anyway, is there an office in lisbon?", "out_of_scope", "en",
     "Lisbon", "Madrid"),
])
def test_a_city_without_an_office_gets_the_office_that_serves_its_country(text, intent, language, no_office,
                                                                          served_by):
    q = question(text, intent)
    reply = ANSWERER.answer(q, Context(), language) if intent != "out_of_scope" else \
        ANSWERER.answer_asked(q, Context(), language)
    assert reply is not None and no_office in reply.text and served_by in reply.text and "Portugal" in reply.text


@pytest.mark.parametrize("language, then, misheard_as", [
    ("pt", "quem foi o antecessor?", "ask_summit_preparation"),
    ("es", "y su predecesor quién fue", "follow_up"),
    ("en", "who was his predecessor?", "ask_summits"),
])
def test_the_predecessor_is_of_the_secretary_general_whatever_the_classifier_heard(language, then, misheard_as):
    context = ask("who is the secretary general?", "ask_secretary_general", language).context
    reply = ANSWERER.answer(question(then, misheard_as), context, language)
    assert "2022" in reply.text and "info@segib.org" in reply.text and not reply.understood


@pytest.mark.parametrize("text, language", [
    ("I'm a journalist in Lisbon. Which SEGIB office covers me?", "en"),
    ("Soy periodista en Lisboa. ¿Qué oficina de la SEGIB me corresponde?", "es"),
    ("Moro em Lisboa. Qual escritório da SEGIB me atende?", "pt"),
])
def test_the_writers_place_still_counts_when_the_question_names_segib_itself(text, language):
    assert "Madrid" in ask(text, "ask_office_for_country", language).text


# ---- a post's or a person's contact, a part of a document: honestly not held ------------------------------
@pytest.mark.parametrize("text, intent, language, missing", [
    ("can I get the personal email and the mobile of SEGIB's press officer?", "ask_contact", "en",
     "direct contact details of specific people or posts"),
    ("me pasan el teléfono directo de la jefa de prensa de la segib", "ask_contact", "es",
     "datos de contacto directos de personas o cargos"),
    ("qual é o e-mail do diretor de comunicação da SEGIB?", "ask_contact", "pt",
     "contatos diretos de pessoas ou cargos"),
    ("el celular de la secretaria del Allamand?", "ask_secretary_general", "es",
     "datos de contacto directos de personas o cargos"),
])
def test_the_contact_of_a_post_the_file_does_not_hold_is_honestly_unknown(text, intent, language, missing):
    reply = ask(text, intent, language)
    assert missing in reply.text.splitlines()[0], reply.text
    assert "info@segib.org" in reply.text and reply.offers_human and not reply.understood


@pytest.mark.parametrize("text, language, missing", [
    ("what does section 4 of the environmental charter say exactly, verbatim?", "en",
     "the text of specific articles, paragraphs or pages"),
    ("copiame textualmente el artículo 7 de la carta medioambiental iberoamericana", "es",
     "el texto de artículos, párrafos o páginas"),
    ("o que diz o artigo 2 da carta ibero-americana de direitos digitais?", "pt",
     "o texto de artigos, parágrafos ou páginas"),
])
def test_a_part_of_a_document_is_honestly_unknown_with_the_documents_link(text, language, missing):
    reply = ask(text, "ask_document", language)
    assert missing in reply.text.splitlines()[0], reply.text
    assert "https://www.segib.org/wp-content/uploads/" in reply.text and not reply.understood


# ---- "here" is the writer's place; a foundation is no founding date ---------------------------------------
@pytest.mark.parametrize("text, intent, language, expected", [
    ("hello, I'm in Caracas for a semester. does segib have an office here?", "ask_segib", "en",
     "paisesandinos@segib.org"),
    ("buenas, estudio en La Paz. ¿la SEGIB tiene oficina acá?", "ask_segib", "es", "paisesandinos@segib.org"),
    ("oi, moro em Lisboa. a segib tem escritório cá?", "ask_segib", "pt", "Madrid"),
])
def test_here_is_the_place_the_writer_gave(text, intent, language, expected):
    reply = ask(text, intent, language)
    assert expected in reply.text and "organismo internacional" not in reply.text, reply.text
    assert "international organisation" not in reply.text


@pytest.mark.parametrize("language, first, then, phone", [
    ("es", "Colaboro con una fundación en La Paz. ¿Qué oficina de la SEGIB atiende a Bolivia?",
     "¿y el teléfono de esa oficina?", "3214477"),
    ("pt", "Trabalho numa ONG em Assunção, uma fundação. Que escritório atende o Paraguai?",
     "e o telefone desse escritório?", "2901 8028"),
    ("en", "I'm with a foundation in Quito. Which office covers Ecuador?", "and the phone of that office?",
     "3214477"),
])
def test_a_foundation_the_writer_works_for_asks_no_founding_date(language, first, then, phone):
    opening = ask(first, "ask_office_for_country", language)
    assert opening.understood and "1991" not in opening.text, opening.text
    reply = ANSWERER.answer(question(then, "follow_up"), opening.context, language)
    assert phone in reply.text and "590 19 80" not in reply.text, reply.text


# ---- observers asked next to the members -------------------------------------------------------------------
@pytest.mark.parametrize("language, first, misheard_as, then, expected, members", [
    ("en", "does the Ibero-American Community have any observer states or just members?", "ask_member_countries",
     "which ones?", "Japan", "Andorra"),
    ("es", "¿la comunidad iberoamericana tiene países observadores o solo miembros?", "ask_is_member",
     "¿cuáles?", "Japón", "Andorra"),
    ("pt", "a comunidade ibero-americana tem observadores ou só membros?", "ask_member_countries",
     "quais?", "Japão", "Andorra"),
])
def test_which_ones_after_observers_or_members_lists_the_observers(language, first, misheard_as, then, expected,
                                                                   members):
    opening = ask(first, misheard_as, language)
    reply = ANSWERER.answer(question(then, "follow_up"), opening.context, language)
    assert expected in reply.text and members not in reply.text, reply.text


# ---- misses2 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("language, first, then", [
    ("es", "qué es la carta medioambiental iberoamericana?", "¿me pasas el pdf?"),
    ("pt", "o que é a Carta Ibero-Americana de Direitos Digitais?", "tem o link?"),
    ("en", "tell me about the Environmental Charter", "send me the pdf"),
])
def test_the_link_asked_after_a_document_is_the_answer_without_its_description(language, first, then):
    described = conversation(language, (first, "ask_document"))
    reply = conversation(language, (first, "ask_document"), (then, "follow_up"))
    description = described.text.split("\n")[0]
    url = described.text.split("\n")[-1].split(" ", 1)[1]
    assert url in reply.text and description not in reply.text and reply.text.count("\n") == 0, reply.text


@pytest.mark.parametrize("text, intent, language, detail", [
    ("necesito la oficina que atiende a Venezuela y su correo", "ask_office_for_country", "es",
     "paisesandinos@segib.org"),
    ("qual escritório cuida do Peru e qual é o email dele?", "ask_office_for_country", "pt", "paisesandinos@segib.org"),
    ("give me the office for Honduras and its phone number", "ask_office_for_country", "en", "+52 55 8437 0156"),
    ("is there a SEGIB office in Caracas or where do I write?", "ask_office_for_country", "en",
     "Av. Manuel Olguín 501"),
    # "sede en Bogotá" is an office in Bogotá, not the Madrid headquarters
    ("la segib tiene sede en Bogotá? o dónde escribo", "ask_contact", "es", "paisesandinos@segib.org"),
    ("does SEGIB have a headquarters in Lima?", "ask_contact", "en", "paisesandinos@segib.org"),
    # the document's link is its source already
    ("what's the environmental charter and where can I read it?", "ask_document", "en",
     "Carta-Medioambiental-Iberoamericana_Es.pdf"),
])
def test_a_detail_an_earlier_answer_already_gives_is_said_once(text, intent, language, detail):
    reply = ask(text, intent, language).text
    assert reply.count(detail) == 1 and "Recoletos" not in reply, reply


# ---- hold-out 5's kinds ------------------------------------------------------------------------------------
@pytest.mark.parametrize("language, turns, expected, forbidden", [
    # The writer's place told in an earlier turn: "the office that covers us" is the one serving it.
    ("es", [("buenas, escribo desde Tegucigalpa, Honduras", "greet"),
            ("¿tienen oficina aquí?", "ask_office_for_country"),
            ("¿y el teléfono de la que nos atiende?", "ask_contact")], "8437 0156", "590 19 80"),
    ("pt", [("olá, moro em Porto Alegre, no Brasil", "greet"),
            ("qual é o telefone do escritório que nos atende?", "ask_contact")], "2901 8028", "590 19 80"),
    ("en", [("I work for an NGO in Quito, Ecuador", "out_of_scope"), ("does SEGIB have an office in my city?",
             "ask_office_for_country"), ("the email of the office that covers us?", "ask_contact")],
     "paisesandinos@segib.org", "info@segib.org"),
    # Where to download it, after a document (SEGIB named in passing after it): the document's link.
    ("es", [("estoy investigando sobre seguridad alimentaria, la segib tiene algún documento?", "ask_document"),
            ("¿y dónde lo descargo?", "follow_up")], "Ruta-Critica-para-alcanzar", "Recoletos"),
    ("pt", [("preciso de material sobre o clima, a segib tem algum documento?", "ask_document"),
            ("e onde baixo?", "follow_up")], "Carta-Medioambiental-Iberoamericana_Es.pdf", "Recoletos"),
    ("en", [("I'm writing on digital rights, does SEGIB have a charter on it?", "ask_document"),
            ("where can I download it?", "follow_up")], "derechos_digitales", "Recoletos"),
    # A correction: the previous question about the newly named thing.
    ("es", [("me da la dirección de la oficina de Montevideo?", "ask_contact"),
            ("no perdón, me equivoqué, me refería a la de Lima", "out_of_scope")], "Olguín", "conosur@segib.org"),
    ("pt", [("qual é o telefone do escritório de Lima?", "ask_contact"),
            ("não, queria dizer o de Montevidéu", "out_of_scope")], "2901 8028", "3214477"),
    ("en", [("give me the email of the Mexico City office", "ask_contact"),
            ("sorry, I meant the Lima one", "out_of_scope")], "paisesandinos@segib.org", "3214477"),
])
def test_a_later_turn_takes_what_the_conversation_said_before(language, turns, expected, forbidden):
    reply = as_the_action_server(language, *turns)
    assert expected in reply.text and forbidden not in reply.text, reply.text


@pytest.mark.parametrize("text, language, expected, office", [
    ("hola le escribo desde cochabamba bolivia somos productores y queriamos saber a que correo le escribimos "
     "a la segib cual es la oficina que nos queda mas cerca", "es", "paisesandinos@segib.org", "Lima"),
    ("bom dia escrevo de curitiba brasil somos uma associação e queremos saber qual o email da segib do "
     "escritório que nos atende", "pt", "conosur@segib.org", "Montevideo"),
    ("hi im writing from rosario argentina and need the email of the segib office nearest to us", "en",
     "conosur@segib.org", "Montevideo"),
])
def test_the_office_closest_to_the_writer_in_one_run_on_message(text, language, expected, office):
    reply = ask(text, "ask_office_for_country", language)
    assert expected in reply.text and office in reply.text and "info@segib.org" not in reply.text, reply.text


@pytest.mark.parametrize("language, first, then", [
    ("es", "¿qué es la SEGIB?", "¿y desde cuándo está en el cargo?"),
    ("pt", "o que é a SEGIB?", "e desde quando ele está no cargo?"),
    ("en", "What does SEGIB do?", "who is he exactly, and how long has he been in that job?"),
])
def test_the_post_held_is_the_secretary_generals_not_a_vacancy(language, first, then):
    reply = as_the_action_server(language, (first, "ask_segib"), (then, "follow_up"))
    assert "2022" in reply.text and not reply.offers_human, reply.text


def test_a_real_job_question_is_still_honestly_unknown():
    reply = ask("are there job openings at SEGIB?", "ask_segib", "en")
    assert "jobs, vacancies" in reply.text and reply.offers_human, reply.text


@pytest.mark.parametrize("text, intent, language, expected", [
    ("What are the cross-cutting approaches of the action plan, and how much money is allocated to each?",
     "ask_crosscutting_approaches", "en", ["bilingualism", "budget"]),
    ("¿cuáles son los enfoques transversales del plan y cuánto presupuesto tiene cada uno?",
     "ask_crosscutting_approaches", "es", ["bilingüismo", "presupuesto"]),
    ("when was the first Ibero-American Summit, how often are they held, and who currently heads SEGIB?",
     "ask_summits", "en", ["1991", "two years", "Allamand"]),
    ("quando foi a primeira cimeira, de quanto em quanto tempo acontecem e quem atualmente dirige a SEGIB?",
     "ask_summits", "pt", ["1991", "dois anos", "Allamand"]),
])
def test_every_question_of_a_list_is_answered_the_unknown_one_honestly(text, intent, language, expected):
    reply = ask(text, intent, language)
    assert all(fragment in reply.text for fragment in expected), reply.text
    assert "next Summit" not in reply.text, reply.text


@pytest.mark.parametrize("text, language, expected", [
    ("what r the 8 areas the current action plan focuses on", "en", "Social Cohesion"),
    ("q áreas abarca el plan de accion d la cooperacion iberoamericana??", "es", "Cohesión social"),
    ("me diz os pilares do plano de ação 2023-2026 rapidinho", "pt", "Coesão social"),
])
def test_the_plans_areas_are_its_axes(text, language, expected):
    reply = ask(text, "ask_action_plan", language)
    assert expected in reply.text, reply.text


# ---- lead, after merging misses2 and holdout5 ------------------------------------------------------------
@pytest.mark.parametrize("text, intent, language, forbidden", [
    # The classifier hears "cuántos ... tiene" as the number of the plan's axes.
    ("oye cuanta gente trabaja en la segib? osea cuantos empleados tiene en total", "ask_strategic_axes", "es",
     "ocho ejes"),
    ("how many people work at segib? how many employees does it have?", "ask_strategic_axes", "en", "eight"),
])
def test_a_count_beside_an_unknown_counts_the_unknown_thing_not_the_classifiers_topic(text, intent, language,
                                                                                       forbidden):
    reply = ask(text, intent, language)
    assert reply.offers_human and forbidden not in reply.text, reply.text


@pytest.mark.parametrize("text, language, expected", [
    ("Como se preparam as Cimeiras Ibero-Americanas, há reuniões antes? E de quanto em quanto tempo se realizam?",
     "pt", ["Coordenadores Nacionais", "dois anos"]),
    ("¿cómo se preparan las cumbres y cada cuánto se celebran?", "es", ["Coordinadores Nacionales", "dos años"]),
])
def test_a_clause_after_one_that_answers_the_classifiers_topic_keeps_the_named_subject(text, language, expected):
    reply = ask(text, "ask_summit_preparation", language)
    assert all(fragment in reply.text for fragment in expected), reply.text


@pytest.mark.parametrize("text, intent, language, expected", [
    ("in how many countries does SEGIB have offices?", "ask_contact", "en", "three sub-regional offices"),
    ("¿en cuántos países tiene oficinas la segib?", "ask_office_for_country", "es", "tres oficinas subregionales"),
    ("em quantos países a SEGIB tem escritórios?", "ask_contact", "pt", "três escritórios sub-regionais"),
])
def test_the_countries_with_an_office_are_the_offices_not_the_members(text, intent, language, expected):
    reply = ask(text, intent, language)
    assert expected in reply.text and "22" not in reply.text, reply.text


@pytest.mark.parametrize("text, intent, language, expected", [
    # The classifier hears an office question; the message names a document by its content.
    ("My NGO in Cusco works on forests. Does SEGIB have an official document on the environment?",
     "ask_office_for_country", "en", "Environmental Charter"),
    ("trabajo en una cooperativa en Rosario; ¿la segib tiene alguna carta sobre derechos digitales?",
     "ask_contact", "es", "Carta Iberoamericana de Principios y Derechos en los Entornos Digitales"),
])
def test_a_thing_the_classifiers_intent_cannot_answer_about_gets_its_own_answer(text, intent, language, expected):
    reply = ask(text, intent, language)
    assert expected in reply.text and "Recoletos" not in reply.text, reply.text


@pytest.mark.parametrize("text, intent, language", [
    ("Does SEGIB support Guatemala's sovereignty claim over Belize? What's the official position?",
     "ask_office_for_country", "en"),
    ("¿qué dice la segib sobre la soberanía de las Malvinas?", "ask_is_member", "es"),
    ("a SEGIB defende a soberania da Argentina sobre as Malvinas?", "ask_office_for_country", "pt"),
])
def test_a_political_position_is_honestly_unknown_not_a_countrys_office(text, intent, language):
    reply = ask(text, intent, language)
    assert reply.offers_human and "Plaza Independencia" not in reply.text and "Avenida Universidad" not in reply.text, \
        reply.text   # the honest answer, not the office card of the country named


@pytest.mark.parametrize("language, first, then, intent", [
    ("es", "¿guardan lo que escribo aquí?", "¿y cómo hago para que lo borren?", "nlu_fallback"),
    ("pt", "vocês guardam as minhas mensagens?", "e se eu quiser apagar tudo?", "out_of_scope"),
    ("en", "do you keep what I type here?", "ok how do I get it deleted", "out_of_scope"),
])
def test_erasing_what_was_written_is_answered_with_how_to_forget(language, first, then, intent):
    reply = as_the_action_server(language, (first, "ask_privacy"), (then, intent))
    assert "/forget" in reply.text and not reply.offers_human, reply.text


@pytest.mark.parametrize("text, intent, language, expected", [
    ("one last question: who is the secretary general?", "ask_secretary_general", "en", "since 2022"),
    ("ok last one: how are the summits prepared and how often do they happen?", "ask_summit_preparation", "en",
     "every two years"),
    ("uma última pergunta: quem é o secretário-geral?", "ask_secretary_general", "pt", "desde 2022"),
    ("por último, ¿quién dirige la SEGIB?", "ask_secretary_general", "es", "desde 2022"),
])
def test_words_announcing_a_question_ask_nothing_themselves(text, intent, language, expected):
    reply = ask(text, intent, language)
    assert expected in reply.text and not reply.offers_human, reply.text


def test_the_last_of_something_still_asks_about_the_past():
    assert ask("when was the last summit?", "ask_summits", "en").offers_human


@pytest.mark.parametrize("text, language, office, email", [
    ("holaa una consulta, soy profe en Salta Argentina. que oficina de la segib nos toca y cual es su mail?", "es",
     "Cono Sur", "conosur@segib.org"),
    ("oi, sou professora na Bahia, Brasil. qual escritório da segib nos atende e qual o email dele?", "pt",
     "Cone Sul", "conosur@segib.org"),
    ("hi, i teach at a high school in Lima, Peru. which segib office covers us and what's its email?", "en",
     "Andean", "paisesandinos@segib.org"),
])
def test_a_teacher_giving_their_place_gets_that_places_office_and_its_email(text, language, office, email):
    reply = as_the_action_server(language, (text, "ask_office_for_country"))
    assert office in reply.text and email in reply.text and "info@segib.org" not in reply.text, reply.text
