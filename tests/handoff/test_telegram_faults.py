"""Nothing lost: the gateway killed mid-case and restarted, the staff group unreachable for a while,
out-of-hours hand-offs and widget cases shown to staff (forget-me: test_privacy_telegram.py)."""
import signal

from handoff.store import FILED, OFFLINE
from tests.handoff.conftest import STAFF_CHAT
from tests.handoff.test_telegram_handoff import REFERENCE, open_live_case


def relayed_texts(fake, reference):
    prefix = f"{reference} · Persona: "
    return [t[len(prefix):] for t in fake.texts(STAFF_CHAT) if t.startswith(prefix)]


def staff_answers(fake, citizen):
    return [t for t in fake.texts(citizen) if t.startswith("SEGIB (staff): ")]


def test_gateway_killed_mid_case_and_restarted_delivers_everything_in_order_once(relay, fake, new_chat, cases):
    citizen = new_chat()
    reference, case_message = open_live_case(fake, cases, citizen, "I want to talk to a person", "Yes", "en",
                                             "will answer you here")
    fake.send_text(citizen, "first, before the crash", "en")
    fake.wait_until(lambda: relayed_texts(fake, reference) == ["first, before the crash"], 20, "the first message")
    # Delivery is confirmed in the store just after Telegram confirms it; a kill exactly in between
    # would send that one message again (at least once, never lost; docs/handoff.md).
    fake.wait_until(lambda: cases.backlog(cases.by_reference(reference).id) == 0, 10, "the delivery recorded")

    relay.gateway.process.send_signal(signal.SIGKILL)   # no clean shutdown
    relay.gateway.process.wait(10)
    for text in ("one", "two", "three"):
        fake.send_text(citizen, text, "en")
    for text in ("Answer A", "Answer B"):
        relay.staff_says(text, case_message)
    relay.restart()

    fake.wait_until(lambda: len(relayed_texts(fake, reference)) >= 4, 30, "the messages sent while down")
    fake.wait_until(lambda: len(staff_answers(fake, citizen)) >= 2, 30, "the staff answers sent while down")
    assert cases.by_reference(reference).status == "open"
    assert relayed_texts(fake, reference) == ["first, before the crash", "one", "two", "three"]
    assert staff_answers(fake, citizen) == ["SEGIB (staff): Answer A", "SEGIB (staff): Answer B"]
    # Still a live case after the restart: the next message and /close work as before.
    fake.send_text(citizen, "four", "en")
    fake.wait_until(lambda: relayed_texts(fake, reference)[-1:] == ["four"], 20, "a message after the restart")
    relay.staff_says("/close", case_message)
    fake.wait_for_text(citizen, "You are back with SEGIB's virtual assistant")
    assert relayed_texts(fake, reference) == ["first, before the crash", "one", "two", "three", "four"]
    assert len(staff_answers(fake, citizen)) == 2


def test_staff_group_unreachable_messages_wait_and_the_citizen_is_told(relay, fake, new_chat, cases):
    citizen = new_chat()
    reference, case_message = open_live_case(fake, cases, citizen, "quiero hablar con una persona", "Sí", "es",
                                             "te responderá aquí")
    fake.fail("sendMessage", 500, times=6, chat_id=STAFF_CHAT)
    fake.send_text(citizen, "¿Me oyen?", "es")
    fake.send_text(citizen, "Sigo aquí", "es")
    fake.wait_for_text(citizen, "Tu mensaje está en cola")
    fake.wait_until(lambda: relayed_texts(fake, reference) == ["¿Me oyen?", "Sigo aquí"], 30,
                    "the queued messages once the staff group answers again")
    assert sum("Tu mensaje está en cola" in t for t in fake.texts(citizen)) == 1
    relay.staff_says("/close", case_message)
    fake.wait_for_text(citizen, "Has vuelto con el asistente")


def test_a_widget_case_by_email_is_shown_to_staff_who_answer_by_email(relay, fake, desk_assistant, cases):
    sender = "widget-es-staff"
    meta = {"language": "es", "channel": "socketio"}   # as the widget sends with every message
    desk_assistant.say(sender, "Quiero hablar con una persona", meta)
    desk_assistant.say(sender, "sí", meta)
    desk_assistant.say(sender, "maria@example.org", meta)
    done = desk_assistant.say(sender, "¿Cómo solicito el uso del logo de la SEGIB?", meta)[0]["text"]
    reference = REFERENCE.search(done).group()
    case_message = fake.wait_for_text(STAFF_CHAT, reference)
    fake.wait_until(lambda: cases.by_reference(reference).staff_message_id, 10, "the case message recorded")
    assert case_message.text.startswith(f"Caso {reference} por correo: responder a maria@example.org.")
    assert "Consulta: ¿Cómo solicito el uso del logo de la SEGIB?" in case_message.text
    assert "Canal: web" in case_message.text
    relay.staff_says("Le escribimos", case_message)
    fake.wait_for_text(STAFF_CHAT, f"El caso {reference} se contesta por correo a maria@example.org.")


def test_out_of_hours_honest_answer_right_office_contacts_and_a_filed_case(relay, fake, cases, new_chat):
    # The Mexico office is closed (HANDOFF_HOURS_OFFICE_MEXICO, desk_assistant), the others staffed 24/7.
    citizen = new_chat()
    fake.send_text(citizen, "¿Qué oficina atiende a México?", "es")
    fake.wait_for_text(citizen, "México")
    fake.send_text(citizen, "quiero hablar con alguien", "es")
    fake.wait_until(lambda: any("Sí" in m.titles for m in fake.shown_to(citizen)), 30, "the offer")
    fake.tap(citizen, "Sí", "es")
    honest = fake.wait_for_text(citizen, "no hay nadie del equipo de la SEGIB atendiendo")
    assert "mexico@segib.org" in honest.text and "Para hablar con una persona de la SEGIB" in honest.text
    assert "El equipo vuelve " in honest.text and "a las 09:00, hora de Mexico City." in honest.text
    reference = REFERENCE.search(honest.text).group()
    case = cases.by_reference(reference)
    assert (case.mode, case.status, case.office) == (OFFLINE, FILED, "office_mexico")
    staff = fake.wait_for_text(STAFF_CHAT, reference)
    assert "(fuera de horario)" in staff.text and "Oficina: Oficina Subregional para México" in staff.text
    # Not paused: the assistant keeps answering.
    shown = len(fake.shown_to(citizen))
    fake.send_text(citizen, "¿Quién es el secretario general?", "es")
    fake.wait_for_text(citizen, "Allamand", after=shown)
    # Staff who come in later can still answer in the citizen's chat.
    fake.wait_until(lambda: cases.by_reference(reference).staff_message_id, 10, "the case message recorded")
    relay.staff_says("Buenos días, le llamamos hoy.", staff)
    fake.wait_for_text(citizen, "SEGIB (staff): Buenos días, le llamamos hoy.", after=shown)


def test_a_staff_reply_sent_the_moment_the_case_appears_reaches_the_citizen(relay, fake, new_chat):
    """The case is found by the reference in the replied message, even before the store has recorded
    that message's id (a reply typed at once, or by a script, as the outside check does)."""
    citizen = new_chat()
    fake.send_text(citizen, "quiero hablar con alguien", "es")
    fake.wait_until(lambda: any("Sí" in m.titles for m in fake.shown_to(citizen)), 30, "the offer")
    fake.tap(citizen, "Sí", "es")
    reference = REFERENCE.search(fake.wait_for_text(citizen, "te responderá aquí").text).group()
    relay.staff_says("Respuesta inmediata.", fake.wait_for_text(STAFF_CHAT, reference))
    fake.wait_for_text(citizen, "SEGIB (staff): Respuesta inmediata.")


def test_a_staff_group_that_refuses_the_bot_keeps_the_messages_and_raises_an_alert(relay, fake, new_chat, cases):
    """403 Forbidden (the bot removed from the staff group): nothing is dropped, the gateway logs an
    alert and retries after a pause; once the bot is back the kept messages arrive, in order."""
    citizen = new_chat()
    reference, case_message = open_live_case(fake, cases, citizen, "quiero hablar con una persona", "Sí", "es",
                                             "te responderá aquí")
    fake.fail("sendMessage", 403, times=2, chat_id=STAFF_CHAT)
    fake.send_text(citizen, "¿Hay alguien?", "es")
    fake.wait_until(lambda: "ALERT: Telegram refuses messages to a staff group" in relay.gateway.log(), 30,
                    "the alert in the gateway's log")
    fake.send_text(citizen, "Espero", "es")
    fake.wait_until(lambda: relayed_texts(fake, reference) == ["¿Hay alguien?", "Espero"], 60,
                    "the kept messages once the staff group takes them again")
    assert "takes them again" in relay.gateway.log()
    relay.staff_says("/close", case_message)
    fake.wait_for_text(citizen, "Has vuelto con el asistente")
