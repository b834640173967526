"""A live hand-off case nobody closes is closed after HANDOFF_STALE_HOURS, with a notice to the staff
group and to the citizen, who is handed back to the assistant (the stand-in Bot API, the real gateway
and assistant). Its own gateway, with a stale period of seconds."""

from handoff.store import CLOSED
from tests.handoff.conftest import STAFF_CHAT, relay_fixture
from tests.handoff.test_telegram_handoff import open_live_case

stale_relay = relay_fixture("stale-relay", HANDOFF_STALE_HOURS="0.002")   # 7.2 seconds


def test_a_live_case_left_open_is_closed_and_the_citizen_handed_back(stale_relay, new_chat, cases):
    fake, citizen = stale_relay.fake, new_chat()
    reference, _ = open_live_case(fake, cases, citizen, "quiero hablar con alguien", "Sí", "es", "te responderá aquí")
    assert cases.by_reference(reference).status == "open"
    told = fake.wait_for_text(citizen, f"(caso {reference}) se ha cerrado tras 0.002 horas", timeout=40)
    assert "Has vuelto con el asistente virtual" in told.text and "info@segib.org" in told.text
    fake.wait_for_text(STAFF_CHAT, f"Caso {reference} cerrado automáticamente: llevaba más de 0.002 h abierto.")
    case = cases.by_reference(reference)
    assert case.status == CLOSED and case.closed_at - case.created_at >= 0.002 * 3600
    # Back with the assistant (the conversation was resumed in Rasa): a real answer, not a relay.
    shown = len(fake.shown_to(citizen))
    fake.send_text(citizen, "¿Quién es el secretario general?", "es")
    fake.wait_for_text(citizen, "Allamand", after=shown)
    assert not [m for m in fake.shown_to(STAFF_CHAT) if "secretario general" in m.text]
