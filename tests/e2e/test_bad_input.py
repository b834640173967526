"""Bad input through the REST channel: always a sensible reply, never a 500, never user HTML echoed."""
import json
import urllib.request

import pytest

from tests.support.services import post_json

SPANISH_NO_TEXT = "No he recibido ningún texto"


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


@pytest.mark.parametrize("text, expected", [
    ("", SPANISH_NO_TEXT),
    ("    \n\t ", SPANISH_NO_TEXT),
    ("😀🎉👍", SPANISH_NO_TEXT),
])
def test_nothing_readable(assistant, text, expected):
    assert expected in texts(assistant.say(f"blank-{len(text)}-{hash(text)}", text))


def test_five_thousand_characters(assistant):
    reply = texts(assistant.say("huge", "¿Dónde está la sede? " * 240))
    assert reply and "Recoletos" in reply or "info@segib.org" in reply


def test_french_gets_the_languages_the_bot_speaks(assistant):
    reply = texts(assistant.say("french", "Bonjour, pouvez-vous me donner la météo de demain à Lyon ?"))
    assert "Solo puedo conversar en español, portugués e inglés" in reply


def test_french_after_english_keeps_english(assistant):
    assistant.say("french-en", "Hello, who is the Secretary General?")
    reply = texts(assistant.say("french-en", "Bonjour, quel temps fera-t-il demain à Lyon ?"))
    assert "I can only chat in Spanish, Portuguese and English" in reply


@pytest.mark.parametrize("payload", [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "**bold** [click](javascript:alert(1)) `code`",
    "¿Es <b>Bélgica</b> observador?",
])
def test_markup_is_never_echoed(assistant, payload):
    reply = texts(assistant.say(f"markup-{abs(hash(payload))}", payload))
    assert reply
    for dangerous in ("<script", "<img", "onerror", "javascript:", "<b>"):
        assert dangerous not in reply


def test_markup_around_a_real_question_still_gets_the_answer(assistant):
    reply = texts(assistant.say("markup-question", "¿Es <b>Bélgica</b> observador?"))
    assert "Bélgica es observador asociado" in reply


@pytest.mark.parametrize("body, status", [
    (b"not json", 400),
    (b"[1, 2, 3]", 400),
    (json.dumps({"message": "hola"}).encode(), 400),                     # no sender
    (json.dumps({"sender": "", "message": "hola"}).encode(), 400),
    (json.dumps({"sender": "x", "message": 42}).encode(), 400),
    (json.dumps({"sender": "x", "message": "a" * 10001}).encode(), 413),
])
def test_malformed_requests_get_a_clear_client_error(assistant, body, status):
    code, answer = post_json(assistant.rest_url, None, raw=body)
    assert code == status and "error" in answer


def test_odd_metadata_is_ignored(assistant):
    code, answer = post_json(assistant.rest_url, {"sender": "meta", "message": "hello",
                                                  "metadata": {"language": ["en"], "x": {"y": 1}}})
    assert code == 200 and answer


def test_hint_language_for_a_first_message_too_short_to_tell(assistant):
    reply = texts(assistant.say("hint-pt", "ok", metadata={"language": "pt-BR"}))
    assert "Perfeito" in reply or "Em que posso ajudar" in reply


def test_health_endpoint(assistant):
    with urllib.request.urlopen(assistant.rest_url.rsplit("/", 1)[0] + "/", timeout=5) as response:
        assert json.load(response) == {"status": "ok"}
