"""Faults: Rasa stopped mid-conversation, then restarted; the gateway keeps running and recovers alone.

This test has an assistant of its own (the `own_assistant` fixture of conftest.py, started in the
background early in the session) so that stopping its Rasa server does not disturb the other tests.
"""
import time

import pytest

from tests.support.fake_telegram import FakeTelegram
from tests.support.services import post_json
from tests.support.telegram_gateway import rasa_url_of, start_gateway

UNAVAILABLE = {"pt": "O assistente está temporariamente indisponível.",
               "en": "The assistant is temporarily unavailable."}


@pytest.fixture
def own_rasa(own_assistant):
    return own_assistant.result(timeout=600).rasa


def warm_up(rasa) -> None:
    rest_url = rasa.health_url + "webhook"
    status, _ = post_json(rest_url, {"sender": "warm-up", "message": "Quem é o secretário-geral?"}, timeout=120)
    assert status == 200


# `model` named here so that `make test-fast` leaves this test out (tests/conftest.py): `own_rasa` asks for
# it only at run time, and the skip would then reach the session's autouse fixture and every Telegram test.
@pytest.mark.usefixtures("model")
def test_rasa_stopped_then_restarted(own_rasa, tmp_path_factory):
    warm_up(own_rasa)
    fake = FakeTelegram().start()
    gateway = start_gateway(fake, rasa_url_of(own_rasa.health_url), tmp_path_factory.mktemp("faults"),
                            {"RASA_RETRY_AFTER": "1"})
    pt, en = 8001, 8002
    try:
        fake.send_text(pt, "Quem é o secretário-geral?", "pt-BR")
        assert "Allamand" in fake.wait_for_messages(pt, 1)[0].text

        own_rasa.stop()
        asked = time.monotonic()
        fake.send_text(pt, "Desde quando existem as Cimeiras Ibero-Americanas?", "pt-BR")
        fake.send_text(en, "When did the Ibero-American Summits start?", "en")
        pt_reply = fake.wait_for_messages(pt, 2, timeout=15)[1]
        en_reply = fake.wait_for_messages(en, 1, timeout=15)[0]
        assert pt_reply.text.startswith(UNAVAILABLE["pt"])
        assert en_reply.text.startswith(UNAVAILABLE["en"])
        unavailable_after = max(pt_reply.seen, en_reply.seen) - asked
        assert unavailable_after < 5
        assert gateway.alive()

        restarted = time.monotonic()
        own_rasa.start()
        restart_took = time.monotonic() - restarted
        # The citizen simply tries again; the gateway was not told that Rasa is back.
        deadline = time.monotonic() + 90
        while True:
            count = len(fake.shown_to(pt))
            fake.send_text(pt, "Desde quando existem as Cimeiras Ibero-Americanas?", "pt-BR")
            reply = fake.wait_for_messages(pt, count + 1, timeout=60)[count]
            if "1991" in reply.text:
                break
            assert reply.text.startswith(UNAVAILABLE["pt"]) and time.monotonic() < deadline
            time.sleep(1)
        recovered_after = time.monotonic() - restarted
        assert "cada dois anos" in reply.text
        print(f"\n[faults] 'unavailable' reply {unavailable_after:.2f} s after Rasa stopped; Rasa restart took "
              f"{restart_took:.1f} s; first real answer {recovered_after:.1f} s after the restart began")
    finally:
        gateway.stop()
        fake.stop()
    log = gateway.log()
    assert "Rasa is unavailable" in log and "Rasa answers again" in log
    assert "Traceback" not in log and fake.token not in log
