"""A PostgreSQL outage of the hand-off case store (HANDOFF_DB_URL): a citizen asking for a person
gets the honest "could not file your request just now" with the contacts within 5 s while the
database is down (the action server's calls have connect/statement/pool timeouts and run off its
event loop), and filing resumes by itself when the database is back, with no restart.

(Rasa's own tracker store on PostgreSQL falls back to memory during an outage (its fail-safe
store): citizens still get answers, without the conversation's history.)"""
import time

import pytest

from tests.support.metrics import record
from tests.support.services import post_json, start_assistant

QUESTION = "¿Dónde está la sede de la SEGIB?"
# As the Telegram gateway sends them out of office hours: the yes files an offline case at once.
GATEWAY = {"language": "es", "relay": "closed", "channel": "telegram"}
NOT_FILED = "No he podido registrar tu consulta en este momento"
FILED = "He registrado tu consulta con la referencia SGB-"


@pytest.fixture(scope="module")
def assistant_on_postgres(model, postgres, tmp_path_factory):
    running = start_assistant(tmp_path_factory.mktemp("outage"), model, name="rasa-outage",
                              env={"HANDOFF_DB_URL": postgres.url("postgres")})
    yield running
    running.stop()


def say(assistant, sender: str, text: str):
    """(status, the reply's text, seconds it took)."""
    started = time.monotonic()
    status, body = post_json(assistant.rest_url, {"sender": sender, "message": text, "metadata": GATEWAY},
                             timeout=60)
    return status, " ".join(m.get("text") or "" for m in body), time.monotonic() - started


def ask_for_a_person(assistant, sender: str):
    status, text, _ = say(assistant, sender, "quiero hablar con una persona")
    assert status == 200 and "persona" in text, text
    return say(assistant, sender, "sí")


def test_a_database_outage_gets_an_honest_reply_fast_and_service_resumes(assistant_on_postgres, postgres):
    assert "Recoletos" in say(assistant_on_postgres, "outage-before", QUESTION)[1]
    postgres.halt()
    try:
        status, text, waited = ask_for_a_person(assistant_on_postgres, "outage-during")
        assert status == 200 and text.startswith(NOT_FILED) and "info@segib.org" in text, text
        assert waited < 5, waited
        status, text, answered_in = say(assistant_on_postgres, "outage-question", QUESTION)
        assert status == 200 and "Recoletos" in text and answered_in < 5, text   # the rest goes on
    finally:
        postgres.resume()
    deadline = time.monotonic() + 30
    attempt = 0
    while True:   # no restart of any server: the pools reconnect by themselves
        attempt += 1
        status, text, _ = ask_for_a_person(assistant_on_postgres, f"outage-after-{attempt}")
        if FILED in text or time.monotonic() > deadline:
            break
        time.sleep(1)
    record("database outage: hand-off reply while PostgreSQL is down", f"{waited:.2f} s")
    assert FILED in text, text
