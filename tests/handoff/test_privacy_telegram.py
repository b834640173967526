"""A citizen's privacy rights on Telegram, end to end: the stand-in Bot API, the real gateway, the real
assistant and one case store. The notice at /start, /privacy, /mydata (a JSON document of their own
data only) and /forget erasing the staff group's copies of their cases."""
import json
import time

import sqlalchemy as sa

from handoff.store import cases as cases_table
from tests.handoff.conftest import STAFF_CHAT
from tests.handoff.test_telegram_handoff import open_live_case

PRIVACY_PAGE = "http://localhost:8080/privacy"   # PRIVACY_URL's default: the demo site's page


def test_start_carries_the_privacy_notice_with_the_link_in_the_citizens_language(fake, new_chat):
    for language_code, notice in (("es", "Privacidad: guardo esta conversación 90 días"),
                                  ("pt-BR", "Privacidade: guardo esta conversa 90 dias"),
                                  ("en", "Privacy: I keep this conversation for 90 days")):
        citizen = new_chat()
        fake.send_text(citizen, "/start", language_code)
        greeting, shown, topics = fake.wait_for_messages(citizen, 3)
        assert shown.text.startswith(notice) and shown.text.endswith(PRIVACY_PAGE)
        assert "/mydata" in shown.text and "/forget" in shown.text
        assert topics.buttons, "the topics follow the notice"


def test_privacy_command_answers_with_the_link(fake, new_chat):
    citizen = new_chat()
    fake.send_text(citizen, "/privacy", "en")
    [answer] = fake.wait_for_messages(citizen, 1)
    assert answer.text.startswith("What I keep of this conversation, for how long, who sees it")
    assert PRIVACY_PAGE in answer.text and "info@segib.org" in answer.text


def test_the_privacy_question_links_to_the_page(fake, new_chat):
    citizen = new_chat()
    fake.send_text(citizen, "¿Qué hacéis con mis datos personales? ¿Política de privacidad?", "es")
    answer = fake.wait_for_text(citizen, "Qué se guarda, cuánto tiempo")
    assert f"{PRIVACY_PAGE}." in answer.text and "/mydata" in answer.text


def test_mydata_sends_a_json_document_of_the_citizens_own_data_only(fake, new_chat):
    me, other = new_chat(), new_chat()
    fake.send_text(other, "¿Quién es el secretario general?", "es")
    fake.send_text(me, "Which office serves Ecuador?", "en")
    fake.wait_for_text(me, "Lima")
    fake.wait_for_text(other, "Allamand")
    fake.send_text(me, "/mydata", "en")
    [document] = fake.wait_until(lambda: fake.documents_to(me), 30, "the /mydata document")
    assert document.filename == "segib-mydata.json" and document.caption.endswith("as JSON.")
    data = json.loads(document.content)
    assert data["conversation_id"] == f"telegram:{me}" and data["retention_days"] == 90
    said = [m["text"] for m in data["messages"] if m["from"] == "citizen"]
    replies = [m["text"] for m in data["messages"] if m["from"] == "assistant"]
    assert "Which office serves Ecuador?" in said and any("Lima" in r for r in replies)
    assert all(m["at"] for m in data["messages"])
    assert "secretario general" not in document.content.decode() and "Allamand" not in document.content.decode()
    assert fake.documents_to(other) == []
    assert "Which office" not in fake.calls_of("sendDocument")[-1].params.get("caption", "")


def staff_copies(fake, reference: str, staff_replies):
    """The ids of every message of a case in the staff group: the bot's (case message, relayed
    messages, notices: they name the reference) and the staff members' replies."""
    ids = {m.message_id for m in fake.shown_to(STAFF_CHAT) if reference in m.text}
    return ids | {m.message_id for m in fake.typed_in(STAFF_CHAT) if m.text in staff_replies}


def test_forget_after_a_hand_off_deletes_every_staff_group_message_of_the_citizens_cases(relay, fake, new_chat,
                                                                                         cases):
    citizen, bystander = new_chat(), new_chat()
    first, first_message = open_live_case(fake, cases, citizen, "quiero hablar con alguien", "Sí", "es",
                                          "te responderá aquí")
    fake.send_text(citizen, "Necesito un certificado, mi correo es ana@example.org", "es")
    fake.wait_for_text(STAFF_CHAT, f"{first} · Persona: Necesito un certificado")
    relay.staff_says("Se lo enviamos hoy mismo.", first_message)
    fake.wait_for_text(citizen, "SEGIB (staff): Se lo enviamos hoy mismo.")
    relay.staff_says("/close", first_message)
    fake.wait_for_text(STAFF_CHAT, f"Caso {first} cerrado.")
    fake.wait_for_text(citizen, "Has vuelto con el asistente")
    # A second case, still live when the citizen asks to be forgotten.
    second, second_message = open_live_case(fake, cases, citizen, "quiero hablar con una persona otra vez", "Sí",
                                            "es", "te responderá aquí")
    relay.staff_says("¿Sigue ahí?", second_message)
    fake.wait_for_text(citizen, "SEGIB (staff): ¿Sigue ahí?")
    # Someone else's case stays as it is.
    theirs, theirs_message = open_live_case(fake, cases, bystander, "I'd like to talk to a human, please", "Yes",
                                            "en", "a colleague from SEGIB's team will answer you here")
    replies = {"Se lo enviamos hoy mismo.", "¿Sigue ahí?"}
    fake.wait_until(lambda: cases.by_reference(first).status == "closed" and
                    len(staff_copies(fake, first, replies) | staff_copies(fake, second, replies)) >= 6, 20,
                    "every staff-group message of both cases")
    expected = staff_copies(fake, first, replies) | staff_copies(fake, second, replies)

    fake.send_text(citizen, "/forget", "es")
    fake.wait_for_text(citizen, "borre el historial")
    fake.tap(citizen, "Sí", "es")
    fake.wait_for_text(citizen, "He borrado el historial")
    deleted = lambda: {c.params["message_id"] for c in fake.calls_of("deleteMessage", STAFF_CHAT)}
    fake.wait_until(lambda: expected <= deleted(), 30,
                    lambda: f"deleteMessage for {sorted(expected)} (got {sorted(deleted())})")
    assert deleted() == expected          # nothing of anyone else's
    assert all(c.status == 200 for c in fake.calls_of("deleteMessage", STAFF_CHAT))
    assert not [m for m in fake.shown_to(STAFF_CHAT) if first in m.text or second in m.text]
    assert cases.by_reference(first) is None and cases.by_reference(second) is None
    assert cases.cases_of(f"telegram:{citizen}") == []
    assert cases.by_reference(theirs).status == "open" and theirs_message in fake.shown_to(STAFF_CHAT)
    # No longer in a hand-off: the assistant answers, with no memory of before.
    shown = len(fake.shown_to(citizen))
    fake.send_text(citizen, "¿Quién es el secretario general?", "es")
    fake.wait_for_text(citizen, "Allamand", after=shown)
    relay.staff_says("/close", theirs_message)
    log = relay.gateway.log()
    assert "ana@example.org" not in log


def test_forget_of_a_case_older_than_48_hours_tells_the_staff_group_to_delete_it(relay, fake, new_chat, cases):
    citizen = new_chat()
    reference, case_message = open_live_case(fake, cases, citizen, "Quero falar com um atendente", "Sim", "pt-BR",
                                             "vai responder-lhe aqui")
    relay.staff_says("/close", case_message)
    fake.wait_for_text(citizen, "Voltou ao assistente")
    with cases.engine.begin() as connection:   # as if it had been opened three days ago
        connection.execute(sa.update(cases_table).where(cases_table.c.reference == reference)
                           .values(created_at=time.time() - 3 * 86400))
    before = len(fake.calls_of("deleteMessage"))
    fake.send_text(citizen, "/forget", "pt-BR")
    fake.wait_for_text(citizen, "apague o histórico")
    fake.tap(citizen, "Sim", "pt-BR")
    notice = fake.wait_for_text(STAFF_CHAT, f"Caso {reference} borrado a petición de la persona")
    assert "Borrad a mano" in notice.text
    assert len(fake.calls_of("deleteMessage")) == before
    assert cases.by_reference(reference) is None
    assert cases.for_staff_message(STAFF_CHAT, case_message.message_id) is None


def test_a_deletion_telegram_refuses_is_replaced_by_one_notice_to_staff(relay, fake, new_chat, cases):
    citizen = new_chat()
    reference, case_message = open_live_case(fake, cases, citizen, "I'd like to talk to a human, please", "Yes", "en",
                                             "a colleague from SEGIB's team will answer you here")
    fake.send_text(citizen, "Hello? Anyone there?", "en")
    relayed = fake.wait_for_text(STAFF_CHAT, f"{reference} · Persona: Hello?")
    case_message.at -= 3 * 86400   # the stand-in now refuses to delete it, as Telegram does after 48 hours
    fake.send_text(citizen, "/forget", "en")
    fake.wait_for_text(citizen, "delete this conversation's history")
    fake.tap(citizen, "Yes", "en")
    fake.wait_for_text(STAFF_CHAT, f"Caso {reference} borrado a petición de la persona")
    assert relayed in fake.deleted and case_message in fake.shown_to(STAFF_CHAT)
    time.sleep(1.5)   # a few more outbox rounds: the notice is not repeated
    assert sum(f"Caso {reference} borrado" in t for t in fake.texts(STAFF_CHAT)) == 1
    assert cases.by_reference(reference) is None
