"""The web widget's (socket.io's, REST's) hand-off: no live relay, so the assistant collects a validated email
address and the question, files the case and gives its reference. Real servers, real model."""
import json
import re
import urllib.error
import urllib.request

from handoff.store import ASKED, EMAIL, FALLBACK, FILED
from tests.handoff.conftest import TOKEN
from tests.support.widget_client import WAIT, Visitor

REFERENCE = re.compile(r"SGB-[A-Z2-9]{4}-[A-Z2-9]{4}")


def texts(body):
    return [m["text"] for m in body if m.get("text")]


def test_a_widget_citizen_files_a_case_by_email_in_portuguese(desk_assistant, cases):
    say = desk_assistant.say
    sender = "widget-pt-1"
    meta = {"language": "pt-BR", "channel": "socketio"}
    assert texts(say(sender, "Quero falar com um atendente", meta)) == [
        "Quer que o ponha em contacto com uma pessoa da SEGIB?"]
    assert "Para que endereço lhe escrevemos?" in texts(say(sender, "sim", meta))[0]
    assert texts(say(sender, "ana arroba exemplo", meta))[0].startswith("Esse endereço de email não parece válido")
    assert texts(say(sender, "ana.silva@exemplo.org", meta))[0].startswith("Obrigado. Agora escreva o seu pedido")
    [done] = texts(say(sender, "Como posso candidatar uma iniciativa ao programa de cooperação?", meta))
    reference = REFERENCE.search(done).group()
    assert done.startswith("Pronto: o seu pedido está registado") and "ana.silva@exemplo.org" in done
    case = cases.by_reference(reference)
    assert (case.sender, case.mode, case.status, case.language, case.reason) == (sender, EMAIL, FILED, "pt", ASKED)
    assert case.email == "ana.silva@exemplo.org" and case.question.startswith("Como posso candidatar")
    assert ("citizen", "Quero falar com um atendente") in case.transcript
    assert case.channel == "socketio"
    # The assistant is back to answering questions.
    assert "Allamand" in texts(say(sender, "Quem é o secretário-geral?", meta))[0]


def test_after_two_unanswered_questions_the_case_says_the_bot_could_not_answer(desk_assistant, cases):
    say = desk_assistant.say
    sender = "rest-en-1"
    first = texts(say(sender, "What's the weather like in Madrid tomorrow?", {"language": "en"}))[0]
    second = texts(say(sender, "Can you recommend a good restaurant in Lisbon?", {"language": "en"}))[0]
    assert "Would you like me to put you in touch with a person" in first and "person" in second
    assert "Which address should we write to?" in texts(say(sender, "/affirm"))[0]
    say(sender, "john@example.com")
    [done] = texts(say(sender, "I need the minutes of the last meeting about culture."))
    case = cases.by_reference(REFERENCE.search(done).group())
    assert case.reason == FALLBACK and case.language == "en" and case.channel == "rest"


def test_cancel_while_asked_for_the_email_files_nothing(desk_assistant, cases):
    say = desk_assistant.say
    sender = "rest-es-cancel"
    say(sender, "quiero hablar con alguien", {"language": "es"})
    say(sender, "sí")
    before = len(cases.active())
    assert texts(say(sender, "cancelar")) == [
        "De acuerdo, no he registrado nada. Si tienes otra pregunta, escríbemela."]
    assert len(cases.active()) == before
    assert "Allamand" in texts(say(sender, "¿Quién es el secretario general?"))[0]


def test_a_question_instead_of_the_email_address_is_answered_and_files_nothing(desk_assistant, cases):
    say = desk_assistant.say
    sender = "rest-es-question-in-form"
    say(sender, "quiero hablar con alguien", {"language": "es"})
    assert "¿A qué dirección te escribimos?" in texts(say(sender, "sí"))[0]
    before = len(cases.active())
    replies = texts(say(sender, "¿dónde está la sede?"))
    assert "Paseo de Recoletos, 8" in replies[0] and not any("no parece válida" in r for r in replies)
    assert replies[-1] == "De acuerdo, no he registrado nada. Si tienes otra pregunta, escríbemela."
    assert len(cases.active()) == before
    assert "Allamand" in texts(say(sender, "¿Quién es el secretario general?"))[0]


def test_the_resume_endpoint_needs_the_token_and_a_sender(desk_assistant):
    url = desk_assistant.base_url + "/webhooks/handoff/resume"

    def post(body, token):
        request = urllib.request.Request(url, json.dumps(body).encode(), {
            "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    assert post({"sender": "rest-es-cancel"}, "wrong")[0] == 403
    assert post({"sender": ""}, TOKEN)[0] == 400
    assert post({"sender": "rest-es-cancel"}, TOKEN) == (200, {"resumed": False})   # not paused


def test_the_web_widget_socket_io_channel_files_a_case_in_english(desk_assistant, cases):
    visitor = Visitor(desk_assistant.base_url, "http://localhost:8080")   # an origin credentials.yml allows
    try:
        session = visitor.session()

        def say(text):
            return visitor.say(text, session, "en-GB")["text"]

        assert say("Can I speak to someone from SEGIB?") == (
            "Would you like me to put you in touch with a person at SEGIB?")
        assert "Which address should we write to?" in say("yes")
        assert say("eva at example dot com").startswith("That email address doesn't look valid")
        assert say("Eva.Lopez@example.com").startswith("Thank you. Now type your question")
        done = say("When is the next Ibero-American Summit and how can journalists get accredited?")
        case = cases.by_reference(REFERENCE.search(done).group())
        assert done.startswith("Done: your request is filed") and case.email == "Eva.Lopez@example.com"
        assert case.channel == "socketio" and case.sender == session and case.language == "en"
    finally:
        visitor.close()


def test_a_widget_claiming_a_live_relay_is_not_believed(desk_assistant, cases):
    """The socket.io channel trusts channel metadata only from itself (server-side): a page that sends
    `relay: open` without a staff group configured on the server gets the email form, not a live case."""
    visitor = Visitor(desk_assistant.base_url, "http://localhost:8080")
    try:
        session = visitor.session()
        for text in ("Can I speak to someone from SEGIB?", "yes"):
            visitor.client.emit("user_uttered", {"message": text, "session_id": session,
                                                 "customData": {"language": "en-GB", "relay": "open"}})
            reply = visitor.replies.get(timeout=WAIT)["text"]
        assert "Which address should we write to?" in reply and cases.live_case(session) is None
    finally:
        visitor.close()
