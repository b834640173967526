"""Hand-off through Telegram, end to end: citizens and staff on the stand-in Bot API, the real gateway,
the real assistant (trained model, action server, Rasa server) and one case store, all on loopback."""
import re
import time

from handoff.store import CLOSED, FALLBACK, LIVE, OPEN
from tests.handoff.conftest import STAFF_CHAT
from tests.support.metrics import record

# A Telegram-sized id: a short one could turn up inside a port or a timestamp in the log.
STRANGER = 6120457893

REFERENCE = re.compile(r"SGB-[A-Z2-9]{4}-[A-Z2-9]{4}")
_CASE_DELAYS = []


def open_live_case(fake, cases, citizen, ask, yes, language_code, live_text):
    shown = len(fake.shown_to(citizen))   # the chat may have had cases before
    fake.send_text(citizen, ask, language_code)
    fake.wait_until(lambda: any(yes in m.titles for m in fake.shown_to(citizen)[shown:]), 30, "the yes/no offer")
    tapped = time.monotonic()
    fake.tap(citizen, yes, language_code)
    live = fake.wait_for_text(citizen, live_text, after=shown)
    reference = REFERENCE.search(live.text).group()
    case_message = fake.wait_for_text(STAFF_CHAT, reference)
    _CASE_DELAYS.append(case_message.seen - tapped)
    record("hand-off: citizen's yes (button) -> case message in the staff group",
           f"median {sorted(_CASE_DELAYS)[len(_CASE_DELAYS) // 2]:.2f} s, max {max(_CASE_DELAYS):.2f} s "
           f"over {len(_CASE_DELAYS)} cases")
    # Recorded in the store right after Telegram confirmed it (staff need longer than that to reply).
    fake.wait_until(lambda: cases.by_reference(reference).staff_message_id, 10, "the case message recorded")
    return reference, case_message


def test_round_trip_in_spanish_staff_answer_close_and_the_bot_again(relay, fake, new_chat, cases):
    citizen = new_chat()
    fake.send_text(citizen, "¿Qué oficina atiende a Uruguay?", "es")
    fake.wait_for_text(citizen, "Montevideo")
    reference, case_message = open_live_case(fake, cases, citizen, "quiero hablar con alguien", "Sí", "es",
                                             "te responderá aquí")
    # The case message: reference, channel, language, office, reason, the last turns.
    text = case_message.text
    assert "la persona espera en Telegram" in text and "Canal: telegram · Idioma: es" in text
    assert "Oficina: Oficina Subregional para el Cono Sur · País: Uruguay" in text
    assert "Motivo: pidió hablar con una persona" in text
    assert "Persona: ¿Qué oficina atiende a Uruguay?" in text and "Persona: quiero hablar con alguien" in text
    assert "Asistente: ¿Quieres que te ponga en contacto con una persona de la SEGIB?" in text
    assert cases.by_reference(reference).status == OPEN and cases.by_reference(reference).mode == LIVE

    # The citizen's messages now go to staff, as replies to the case message; the bot stays silent.
    shown = len(fake.shown_to(citizen))
    sent = time.monotonic()
    fake.send_text(citizen, "Necesito una carta de invitación <b>urgente</b> & firmada", "es")
    relayed = fake.wait_for_text(STAFF_CHAT, "Necesito una carta")
    record("hand-off: citizen message -> staff group", f"{relayed.seen - sent:.2f} s")
    assert relayed.text == f"{reference} · Persona: Necesito una carta de invitación <b>urgente</b> & firmada"
    assert relayed.reply_to == case_message.message_id

    # Staff reply to the case message: the citizen reads "SEGIB (staff)", not who wrote it.
    sent = time.monotonic()
    relay.staff_says("Hola, le escribo del equipo de la SEGIB. ¿Para qué fecha la necesita?", case_message)
    answer = fake.wait_for_text(citizen, "SEGIB (staff)", after=shown)
    record("hand-off: staff reply -> citizen", f"{answer.seen - sent:.2f} s")
    assert answer.text == "SEGIB (staff): Hola, le escribo del equipo de la SEGIB. ¿Para qué fecha la necesita?"
    # A photo is not relayed: staff are told to type.
    fake.send_photo(STAFF_CHAT, chat_type="supergroup", user_id=424242, reply_to=case_message)
    fake.wait_for_text(STAFF_CHAT, "Solo se envía texto a la persona")
    # A reply to the relayed message works too.
    relay.staff_says("Puede escribirnos también a info@segib.org", relayed)
    fake.wait_for_text(citizen, "SEGIB (staff): Puede escribirnos", after=shown)

    relay.staff_says("/cases")
    listing = fake.wait_for_text(STAFF_CHAT, "Casos abiertos")
    assert reference in listing.text and "hace 0 min" in listing.text

    sent = time.monotonic()
    relay.staff_says("/close", case_message)
    back = fake.wait_for_text(citizen, "Has vuelto con el asistente virtual de la SEGIB", after=shown)
    record("hand-off: staff /close -> citizen back with the assistant", f"{back.seen - sent:.2f} s")
    fake.wait_for_text(STAFF_CHAT, f"Caso {reference} cerrado.")
    assert cases.by_reference(reference).status == CLOSED
    # Back with the assistant (the conversation was resumed in Rasa): a real answer.
    shown = len(fake.shown_to(citizen))
    fake.send_text(citizen, "¿Quién es el secretario general?", "es")
    assert "Allamand" in fake.wait_for_text(citizen, "Allamand", after=shown).text
    # A second /close on the same case is answered, not repeated.
    relay.staff_says("/close", case_message)
    fake.wait_for_text(STAFF_CHAT, f"El caso {reference} ya está cerrado")
    # No message text in the gateway's log (INFO).
    log = relay.gateway.log()
    assert "Necesito una carta" not in log and "Para qué fecha" not in log and "info@segib.org" not in log


def test_after_two_fallbacks_in_portuguese_and_the_citizen_goes_back_with_bot(relay, fake, new_chat, cases):
    citizen = new_chat()
    fake.send_text(citizen, "Qual é a previsão do tempo para amanhã em Lisboa?", "pt-BR")
    fake.wait_for_text(citizen, "Quer que o ponha em contacto com uma pessoa")
    reference, case_message = open_live_case(fake, cases, citizen, "Sabe recomendar um bom restaurante no Porto?",
                                             "Sim", "pt-BR", "vai responder-lhe aqui")
    assert "Motivo: el asistente no supo responder" in case_message.text and "Idioma: pt" in case_message.text
    assert cases.by_reference(reference).reason == FALLBACK
    shown = len(fake.shown_to(citizen))
    fake.send_text(citizen, "/help", "pt-BR")                  # a command during the case: a reminder
    fake.wait_for_text(citizen, f"Está a falar com uma pessoa da equipa da SEGIB (caso {reference})", after=shown)
    fake.send_text(citizen, "/bot", "pt-BR")
    fake.wait_for_text(citizen, "Voltou ao assistente virtual da SEGIB", after=shown)
    fake.wait_for_text(STAFF_CHAT, f"Caso {reference} cerrado: la persona volvió al asistente (/bot).")
    shown = len(fake.shown_to(citizen))
    fake.send_text(citizen, "Quem é o secretário-geral?", "pt-BR")
    fake.wait_for_text(citizen, "Allamand", after=shown)
    # A staff reply to the closed case does not reach the citizen.
    relay.staff_says("Olá?", case_message)
    fake.wait_for_text(STAFF_CHAT, f"El caso {reference} ya está cerrado")
    assert not any("SEGIB (staff)" in t for t in fake.texts(citizen))


def test_staff_commands_from_elsewhere_are_ignored_and_logged_without_text(relay, fake, new_chat, cases):
    citizen, other_group = new_chat(), -1009999999999
    reference, case_message = open_live_case(fake, cases, citizen, "I'd like to talk to a human, please", "Yes", "en",
                                             "a colleague from SEGIB's team will answer you here")
    fake.send_text(other_group, "/cases", chat_type="supergroup", user_id=STRANGER)
    fake.send_text(other_group, "/close secret-words", chat_type="supergroup", user_id=STRANGER)
    shown = len(fake.shown_to(citizen))
    fake.send_text(new_chat(), "/cases", "en")                  # a private chat
    fake.wait_until(lambda: relay.gateway.log().count("was ignored") >= 3, 20, "three refusals in the log")
    log = relay.gateway.log()
    assert "A staff command (/cases) from a chat that is not a staff chat was ignored (supergroup chat)" in log
    assert "(/close)" in log and "secret-words" not in log and str(STRANGER) not in log
    assert fake.shown_to(other_group) == []
    # The case is untouched: the citizen still talks to staff.
    fake.send_text(citizen, "Are you still there?", "en")
    fake.wait_for_text(STAFF_CHAT, f"{reference} · Persona: Are you still there?")
    assert len(fake.shown_to(citizen)) == shown
    relay.staff_says("/close", case_message)
    fake.wait_for_text(citizen, "You are back with SEGIB's virtual assistant")
