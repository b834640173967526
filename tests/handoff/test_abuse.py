"""Abuse from the public web: a script filing cases in a loop, a burst of messages. Real servers with
the product's limits (rasa_server/limits.py, handoff/quota.py; not the loosened pace of the other end-to-end
tests), the real Telegram gateway trusted with REST_SHARED_SECRET as in production, and the real
socket.io client talking to the widget channel the way the widget does, all from 127.0.0.1."""
import secrets
import threading
import time

import pytest

from handoff.store import LIVE
from tests.handoff.conftest import STAFF_CHAT, TOKEN, start_relay, stop_relay
from tests.handoff.test_telegram_handoff import open_live_case
from tests.support.metrics import record
from tests.support.services import PRODUCT_PACE, start_assistant
from tests.support.widget_client import Visitor

ORIGIN = "http://localhost:8080"   # an origin credentials.yml allows
SECRET = secrets.token_hex(16)
CAP = 3


@pytest.fixture(scope="module")
def guarded(model, handoff_db, tmp_path_factory):
    running = start_assistant(tmp_path_factory.mktemp("guarded-assistant"), model, name="rasa-guarded",
                              env={**PRODUCT_PACE, "HANDOFF_DB_URL": handoff_db, "SEGIB_FORGET_TOKEN": TOKEN,
                                   "REST_SHARED_SECRET": SECRET})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def guarded_relay(guarded, handoff_db, tmp_path_factory):
    running = start_relay(guarded, handoff_db, tmp_path_factory.mktemp("guarded-relay"), REST_SHARED_SECRET=SECRET)
    yield running
    stop_relay(running)


class Flood:
    """One script on one address: new conversation -> ask for a person -> yes -> an email -> a question,
    again and again, on `threads` connections at once, for `seconds` or `attempts` loops."""

    def __init__(self, url: str, seconds: float = 60, attempts: int = 200, threads: int = 3) -> None:
        self.url, self.deadline, self.left = url, time.monotonic() + seconds, attempts
        self.attempted, self.filed_replies, self.lock = 0, 0, threading.Lock()
        self.threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(threads)]

    def start(self) -> "Flood":
        for thread in self.threads:
            thread.start()
        return self

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=120)

    def _next(self) -> bool:
        with self.lock:
            if self.left <= 0 or time.monotonic() > self.deadline:
                return False
            self.left -= 1
            self.attempted += 1
            return True

    def _loop(self) -> None:
        while self._next():
            visitor = Visitor(self.url, ORIGIN)
            try:
                visitor.session()
                for text in ("quiero hablar con una persona", "sí", "flood@example.org",
                             "Necesito que me llamen hoy mismo por un asunto urgente"):
                    reply = visitor.say(text, language="es")["text"]
                    if "SGB-" in reply:
                        with self.lock:
                            self.filed_replies += 1
                    if "en la última hora" in reply or "Espera" in reply:
                        break
            except Exception:
                pass   # a refused or slow attempt is an attempt
            finally:
                visitor.close()


def test_a_burst_from_one_client_is_limited_while_a_fresh_client_is_answered_in_3_s(guarded):
    # First in the module: the flood below uses up the address's allowance for a few seconds.
    flooder = Visitor(guarded.base_url, ORIGIN, "websocket")   # the widget's transport
    fresh = Visitor(guarded.base_url, ORIGIN, "websocket")
    try:
        flooder.session()
        fresh.session()
        for n in range(60):
            flooder.send(f"¿Dónde está la sede? {n}", language="es")
        asked = time.monotonic()
        answer = fresh.say("Where are SEGIB's headquarters?", language="en")
        waited = time.monotonic() - asked
        time.sleep(5)
        replies = []
        while not flooder.replies.empty():
            replies.append(flooder.replies.get()["text"])
    finally:
        flooder.close()
        fresh.close()
    limited = [text for text in replies if text.startswith("Estás enviando mensajes más rápido")]
    record("abuse: fresh client's answer during a 60-message burst",
           f"{waited:.2f} s; the burst: {len(limited)} of 60 limited, {len(replies) - len(limited)} answers")
    assert "Madrid" in answer["text"] and waited < 3
    assert len(replies) == 60 and len(limited) >= 50, replies     # each one answered or told, none dropped


def test_a_script_filing_cases_in_a_loop_files_at_most_the_cap_and_live_cases_keep_flowing(
        guarded, guarded_relay, new_chat, cases):
    fake = guarded_relay.fake
    citizen = new_chat()
    reference, case_message = open_live_case(fake, cases, citizen, "quiero hablar con alguien", "Sí", "es",
                                             "te responderá aquí")
    before = {case.reference for case in cases.active()}
    flood = Flood(guarded.base_url).start()
    delays = []
    while any(thread.is_alive() for thread in flood.threads):
        time.sleep(1)
        sent = time.monotonic()
        text = f"Sigo esperando, mensaje {len(delays) + 1}"
        fake.send_text(citizen, text, "es")
        relayed = fake.wait_for_text(STAFF_CHAT, text, timeout=30)
        delays.append(relayed.seen - sent)
    flood.join()
    filed = [case for case in cases.active() if case.reference not in before and case.channel == "socketio"]
    record("abuse: flood of case attempts from one address",
           f"{flood.attempted} attempts, {len(filed)} cases filed; live citizen -> staff group max "
           f"{max(delays):.2f} s over {len(delays)} messages")
    assert flood.attempted >= 20 and len(delays) >= 3
    assert len(filed) == CAP and flood.filed_replies == CAP
    assert max(delays) < 2, delays
    assert cases.by_reference(reference).mode == LIVE
