"""Cases do not wait unseen: a case with no staff reply is posted again in its group with its waiting
time (HANDOFF_REMIND_MINUTES, 3 seconds here), /cases shows the waits, and the first staff reply is
announced with how long the citizen waited (the stand-in Bot API, the real gateway and assistant)."""
import asyncio
import time

from handoff.hours import parse
from handoff.store import ASKED, LIVE, CaseStore
from handoff.texts import CaseTexts
from knowledge.phrases import Phrases
from telegram_gateway.staff import HandoffRelay
from tests.handoff.conftest import STAFF_CHAT, relay_fixture
from tests.handoff.test_telegram_handoff import open_live_case

remind_relay = relay_fixture("remind-relay", HANDOFF_REMIND_MINUTES="0.05")   # 3 seconds


def test_an_unanswered_case_is_posted_again_until_staff_reply(remind_relay, new_chat, cases):
    fake, citizen = remind_relay.fake, new_chat()
    reference, case_message = open_live_case(fake, cases, citizen, "quiero hablar con alguien", "Sí", "es",
                                             "te responderá aquí")
    reminder = fake.wait_for_text(STAFF_CHAT, f"Caso {reference}: la persona lleva ", timeout=20)
    assert "esperando una respuesta" in reminder.text and reminder.reply_to == case_message.message_id
    remind_relay.staff_says("/cases")
    listing = fake.wait_for_text(STAFF_CHAT, "sin respuesta")
    assert any(reference in line and "sin respuesta" in line for line in listing.text.splitlines())
    remind_relay.staff_says("Hola, soy Marta, le atiendo ahora.", case_message)
    fake.wait_for_text(citizen, "SEGIB (staff): Hola, soy Marta, le atiendo ahora.")
    first = fake.wait_for_text(STAFF_CHAT, f"Caso {reference}: primera respuesta tras ")
    assert first.text.endswith("de espera.") and cases.by_reference(reference).answered_at is not None
    # Answered: no more reminders, and /cases says after how long it was answered.
    seen = len(fake.shown_to(STAFF_CHAT))
    time.sleep(4.5)
    assert not [m for m in fake.shown_to(STAFF_CHAT)[seen:] if f"Caso {reference}: la persona lleva" in m.text]
    remind_relay.staff_says("/cases")
    listing = fake.wait_for_text(STAFF_CHAT, "respondido tras", after=seen)
    assert any(reference in line and "respondido tras" in line for line in listing.text.splitlines())


def test_no_reminder_out_of_the_offices_hours_nor_twice_within_the_interval(tmp_path):
    store = CaseStore(f"sqlite:///{tmp_path / 'h.db'}")
    relay = HandoffRelay(store, CaseTexts(Phrases()), parse("always"), -100,
                         office_hours={"office_mexico": parse("never")})
    madrid = store.open_case("telegram:1", "telegram", "es", ASKED, LIVE, [], office="headquarters")
    mexico = store.open_case("telegram:2", "telegram", "es", ASKED, LIVE, [], office="office_mexico")
    for case in (madrid, mexico):
        store.mark_sent(store.pending()[0], -100, case.id * 10)
    later = time.time() + 11 * 60
    assert asyncio.run(relay.remind(10, later)) == 1          # the Mexico office is closed
    assert asyncio.run(relay.remind(10, later + 60)) == 0     # reminded a minute ago
    texts = [row.text for row in store.pending()]
    assert texts == [f"Caso {madrid.reference}: la persona lleva 11 min esperando una respuesta."]
    assert asyncio.run(relay.remind(10, later + 11 * 60)) == 1


def test_a_store_created_before_reminders_gets_the_new_columns_and_keeps_its_cases(tmp_path):
    import sqlalchemy as sa
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = CaseStore(url)
    case = old.open_case("telegram:1", "telegram", "es", ASKED, LIVE, [("citizen", "hola")])
    with old.engine.begin() as connection:   # the schema as it was: without answered_at, reminded_at
        for column in ("answered_at", "reminded_at"):
            connection.execute(sa.text(f"ALTER TABLE handoff_cases DROP COLUMN {column}"))
    old.engine.dispose()
    store = CaseStore(url)
    assert store.case(case.id).transcript == (("citizen", "hola"),) and store.mark_answered(case.id)
    assert store.case(case.id).answered_at is not None
