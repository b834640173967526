"""Each action, run with real rasa-sdk Tracker objects as the action server receives them."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions as segib_actions


def tracker(text, intent, entities=(), detected=None, hint=None, **slots):
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [{"entity": e, "value": v, "start": 0, "end": 1} for e, v in entities],
        "language": {"language": detected, "confidence": 0.9 if detected else 0.0, "other": None, "hint": None},
        "metadata": {"language": hint} if hint else {},
    }
    return Tracker("citizen", dict(slots), latest, [], False, None, {}, "action_listen")


def run(action_class, state):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action_class().run(dispatcher, state, {}))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return dispatcher.messages, slots


def test_answer_in_the_detected_language_with_its_source():
    messages, slots = run(segib_actions.ActionAnswer, tracker(
        "¿Cuál es el teléfono de la sede en Madrid?", "ask_contact",
        [("contact_field", "phone"), ("office", "headquarters")], detected="es"))
    assert "+34 91 590 19 80" in messages[0]["text"] and "Fuente: https://www.segib.org/" in messages[0]["text"]
    assert slots["language"] == "es" and slots["office"] == "headquarters"


@pytest.mark.parametrize("text, language, words", [
    ("¿qué dice el secretario general?", "es", "Lo esencial es avanzar en derechos humanos"),
    ("qual é a mensagem do secretário-geral?", "pt", "O essencial é avançar nos direitos humanos"),
    ("what is the Secretary General's message?", "en", "The essential thing is to advance in human rights"),
])
def test_the_secretary_generals_words_from_the_brochure(text, language, words):
    messages, _ = run(segib_actions.ActionAnswer, tracker(text, "ask_secretary_general", detected=language))
    assert words in messages[0]["text"] and "Allamand" in messages[0]["text"]


def test_follow_up_uses_the_remembered_topic():
    _, slots = run(segib_actions.ActionAnswer, tracker("Is Belgium an observer?", "ask_is_observer",
                                                       [("observer", "belgium")], detected="en"))
    messages, _ = run(segib_actions.ActionAnswer, tracker("and Luxembourg?", "follow_up",
                                                          [("observer", "luxembourg")], **slots))
    assert messages[0]["text"].startswith("Yes, Luxembourg is an associate observer")


def test_follow_up_about_an_office_field():
    _, slots = run(segib_actions.ActionAnswer, tracker("Which office serves Ecuador?", "ask_office_for_country",
                                                       [("member_country", "ecuador")], detected="en"))
    messages, _ = run(segib_actions.ActionAnswer, tracker("and its address?", "follow_up",
                                                          [("contact_field", "address")], **slots))
    assert "Av. Manuel Olguín 501" in messages[0]["text"] and messages[0]["text"].startswith("Address")


def test_an_office_in_a_city_without_one_gets_the_office_of_its_country():
    messages, slots = run(segib_actions.ActionAnswer, tracker(
        "What is the phone number of the Lisbon office?", "ask_contact",
        [("contact_field", "phone"), ("city", "lisbon")], detected="en"))
    assert messages[0]["text"].startswith("I have no record of a SEGIB office in Lisbon. SEGIB's office for "
                                          "Portugal is: Ibero-American General Secretariat headquarters (Madrid).")
    assert "+34 91 590 19 80" in messages[0]["text"] and slots["office"] == "headquarters"
    messages, slots = run(segib_actions.ActionAnswer, tracker("¿y en Buenos Aires?", "follow_up",
                                                              [("city", "buenos_aires")], detected="es", **slots))
    assert messages[0]["text"].startswith("No me consta ninguna oficina de la SEGIB en Buenos Aires.")
    assert "+598 2901 8028" in messages[0]["text"] and slots["office"] == "office_southern_cone"


def test_language_sticks_when_a_message_is_too_short_to_tell():
    messages, slots = run(segib_actions.ActionThank, tracker("ok", "thank", detected=None, hint="en", language="pt"))
    assert slots["language"] == "pt" and messages[0]["text"].startswith("De nada")


def test_a_first_message_that_cannot_be_told_is_answered_in_spanish_without_fixing_the_language():
    messages, slots = run(segib_actions.ActionThank, tracker("ok", "thank", detected=None))
    assert messages[0]["text"].startswith("¡De nada") and slots["language"] is None
    messages, slots = run(segib_actions.ActionThank, tracker("valeu", "thank", detected="pt"))
    assert slots["language"] == "pt" and messages[0]["text"].startswith("De nada")


def test_channel_hint_decides_a_first_short_message():
    messages, slots = run(segib_actions.ActionGreet, tracker("ok", "greet", hint="pt-BR"))
    assert slots["language"] == "pt" and messages[0]["text"].startswith("Olá")


def test_a_clear_no_for_a_state_that_is_not_an_observer():
    messages, _ = run(segib_actions.ActionAnswer, tracker("¿Rusia es observador?", "ask_is_observer",
                                                          [("non_member", "russia")], detected="es"))
    assert messages[0]["text"].startswith("No, Rusia no figura entre los observadores")


def test_a_member_is_not_called_an_observer():
    messages, _ = run(segib_actions.ActionAnswer, tracker("O Brasil é observador?", "ask_is_observer",
                                                          [("member_country", "brazil")], detected="pt"))
    assert messages[0]["text"].startswith("Não, Brasil não é observador: é um dos 22 países membros")


def test_out_of_scope_is_honest_gives_the_contact_and_offers_a_person():
    messages, slots = run(segib_actions.ActionOutOfScope, tracker("what's the weather in Madrid?", "out_of_scope",
                                                                  detected="en"))
    assert "info@segib.org" in messages[0]["text"] and "person" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert slots["pending_offer"] == "human" and slots["failed_turns"] == 1.0


def test_yes_after_the_offer_on_a_channel_without_a_relay_starts_the_email_form():
    dispatcher = CollectingDispatcher()
    events = asyncio.run(segib_actions.ActionAffirm().run(dispatcher, tracker(
        "sí", "affirm", pending_offer="human", detected="es", office="office_southern_cone"), {}))
    assert dispatcher.messages == [] and {"event": "followup", "name": "handoff_form", "timestamp": None} in events
    assert {"event": "slot", "name": "pending_offer", "value": None, "timestamp": None} in events


def test_request_for_a_person_asks_first():
    messages, slots = run(segib_actions.ActionOfferHuman, tracker("quiero hablar con una persona", "request_human",
                                                                  detected="es", office="office_mexico"))
    assert messages[0]["text"] == "¿Quieres que te ponga en contacto con una persona de la SEGIB?"
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"] and slots["pending_offer"] == "human"


def test_asking_for_a_person_while_the_offer_is_open_is_the_yes():
    dispatcher = CollectingDispatcher()
    events = asyncio.run(segib_actions.ActionOfferHuman().run(dispatcher, tracker(
        "sí, pásame con una persona", "request_human", pending_offer="human", detected="es"), {}))
    assert dispatcher.messages == [] and {"event": "followup", "name": "handoff_form", "timestamp": None} in events


def test_help_lists_the_topics_as_buttons_in_the_language():
    messages, _ = run(segib_actions.ActionHelp, tracker("o que você pode fazer?", "help", detected="pt"))
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert "Observadores" in titles and "Falar com uma pessoa" in titles and len(titles) == 8


def test_explicit_switch_of_language():
    messages, slots = run(segib_actions.ActionSwitchLanguage, tracker(
        "in English, please", "switch_language", [("language", "en")], detected="en", language="es"))
    assert slots["language"] == "en" and messages[0]["text"] == "Sure, let's continue in English."


@pytest.mark.parametrize("text", ["", "   ", "😀🎉", "?!"])
def test_nothing_readable_gets_a_clear_answer(text):
    messages, _ = run(segib_actions.ActionAffirm, tracker(text, "affirm"))
    assert messages[0]["text"].startswith("No he recibido ningún texto")


def test_a_bare_name_continues_the_topic():
    _, slots = run(segib_actions.ActionAnswer, tracker("Que escritório atende a Argentina?", "ask_office_for_country",
                                                       [("member_country", "argentina")], detected="pt"))
    messages, _ = run(segib_actions.ActionAffirm, tracker("Chile?", "affirm", [("member_country", "chile")], **slots))
    assert "Chile" in messages[0]["text"] and "Cone Sul" in messages[0]["text"]


def test_every_question_intent_of_the_domain_has_an_answer():
    from pathlib import Path

    import yaml

    domain = yaml.safe_load((Path(__file__).parents[1] / "domain.yml").read_text())
    for intent in [i for i in domain["intents"] if i.startswith("ask_")]:
        messages, _ = run(segib_actions.ActionAnswer, tracker("?", intent, detected="en"))
        assert messages and "I don't have information" not in messages[0]["text"], intent


@pytest.mark.parametrize("action_class, state, outcome", [
    (segib_actions.ActionAnswer, tracker("¿Quién es el secretario general?", "ask_secretary_general", detected="es"),
     "answered"),
    (segib_actions.ActionOutOfScope, tracker("who will win the world cup?", "out_of_scope", detected="en"),
     "dont_know"),
    (segib_actions.ActionSwitchLanguage, tracker("en français svp", "switch_language", detected="en"),
     "other_language"),
])
def test_every_reply_says_what_it_was_for_metrics_and_reports(action_class, state, outcome):
    """The outcome travels as a keyword of utter_message, which Rasa keeps as the BotUttered's metadata."""
    messages, _ = run(action_class, state)
    assert [m["outcome"] for m in messages] == [outcome]


@pytest.mark.parametrize("action_class, state, language, words", [
    (segib_actions.ActionAnswer, tracker("Who is the Secretary General?", "ask_secretary_general", detected="en",
                                         hint="es"), "en", "Allamand"),
    (segib_actions.ActionAnswer, tracker("ok", "affirm", hint="es", language="pt"), "pt", ""),   # undecided
    (segib_actions.ActionSwitchLanguage, tracker("em inglês, por favor", "switch_language", [("language", "en")],
                                                 detected="pt"), "en", "English"),
])
def test_every_reply_says_which_language_it_is_written_in_for_the_channels(action_class, state, language, words):
    """The Telegram gateway says its own phrases (only text, /forget...) in this language."""
    messages, _ = run(action_class, state)
    assert [m["language"] for m in messages] == [language] and words in messages[0]["text"]


def test_a_greeting_with_a_question_answers_the_question():
    messages, slots = run(segib_actions.ActionGreet, tracker(
        "Olá! Sou estudante brasileira, a SEGIB oferece bolsas de estudo?", "greet", [("topic", "segib_mission")],
        detected="pt"))
    assert messages[0]["text"].startswith("Lamento, não tenho informação sobre bolsas de estudo")
    assert messages[0]["outcome"] == "dont_know" and slots["pending_offer"] == "human"


def test_an_opener_is_answered_as_an_opener():
    messages, _ = run(segib_actions.ActionOpener, tracker("I have a question", "opener", detected="en"))
    assert messages[0]["text"] == "Of course! Go ahead and ask your question about SEGIB."


def test_only_a_clear_yes_accepts_the_offer_of_a_person():
    dispatcher = CollectingDispatcher()
    events = asyncio.run(segib_actions.ActionAffirm().run(dispatcher, tracker(
        "medio ambiente", "affirm", pending_offer="human", detected="es"), {}))
    assert not any(e.get("event") == "followup" for e in events)
    assert dispatcher.messages[0]["text"] == "¿Quieres que te ponga en contacto con una persona de la SEGIB?"


def test_a_question_instead_of_the_email_address_is_answered_and_leaves_the_form():
    dispatcher = CollectingDispatcher()
    state = tracker("¿dónde está la sede?", "ask_contact", [("contact_field", "address"), ("office", "headquarters")],
                    detected="es", language="es", requested_slot="handoff_email")
    slots = segib_actions.ValidateHandoffForm().validate_handoff_email("¿dónde está la sede?", dispatcher, state, {})
    assert "Paseo de Recoletos, 8" in dispatcher.messages[0]["text"]
    assert slots["handoff_email"] is None and slots["requested_slot"] is None and slots["office"] == "headquarters"


def test_a_mistyped_address_in_the_form_is_still_asked_again():
    dispatcher = CollectingDispatcher()
    state = tracker("ana@", "out_of_scope", detected="es", language="es", requested_slot="handoff_email")
    slots = segib_actions.ValidateHandoffForm().validate_handoff_email("ana@", dispatcher, state, {})
    assert dispatcher.messages == [] and slots == {"handoff_email": None}


def test_an_associate_observer_is_not_called_a_member_with_the_right_article():
    messages, _ = run(segib_actions.ActionAnswer, tracker("Is UNICEF a member?", "ask_is_member",
                                                          [("observer", "unicef")], detected="en"))
    assert "it is a consultative observer of" in messages[0]["text"]


def test_a_mistyped_address_is_no_question_whatever_the_classifier_says():
    dispatcher = CollectingDispatcher()
    state = tracker("ana arroba exemplo", "ask_member_countries", detected="pt", language="pt",
                    requested_slot="handoff_email")
    slots = segib_actions.ValidateHandoffForm().validate_handoff_email("ana arroba exemplo", dispatcher, state, {})
    assert dispatcher.messages == [] and slots == {"handoff_email": None}
