"""The widget's live hand-off in real Chromium, with the real Telegram gateway against the stand-in Bot
API and the real assistant (trained model), all on loopback: the visitor's yes opens a case in the staff
group, staff replies appear in the widget, the visitor's answers reach the group, /close hands back to
the assistant; nothing is lost or shown twice when the tab is closed or a process is killed."""
import re
import secrets
import signal
import time

import pytest
from playwright.sync_api import expect

from handoff.store import CaseStore
from tests.handoff.conftest import STAFF_CHAT, TOKEN, start_relay, stop_relay
from tests.support.metrics import record
from tests.support.services import free_port, start_assistant
from tests.widget.conftest import start_website

STAFF = ".sw-msg--staff"
BOT = ".sw-msg--bot"
REFERENCE = re.compile(r"SGB-[A-Z0-9]{4}-[A-Z0-9]{4}")
REPLY_TIMEOUT = 30_000
_DELAYS = []

LANGUAGES = {
    "es": dict(locale="es-ES", ask="quiero hablar con una persona", yes="Sí", told="he avisado a una persona",
               answer="Gracias, ¿me pueden enviar el programa?", back="Has vuelto con el asistente",
               question="¿Quién es el secretario general?", talking="Estás hablando con una persona"),
    "pt": dict(locale="pt-PT", ask="quero falar com uma pessoa", yes="Sim", told="avisei uma pessoa",
               answer="Obrigado, podem enviar-me o programa?", back="Voltou ao assistente",
               question="Quem é o secretário-geral da SEGIB?", talking="Está a falar com uma pessoa"),
    "en": dict(locale="en-GB", ask="I want to talk to a person", yes="Yes", told="I have told a colleague",
               answer="Thanks, could you send me the programme?", back="You are back with SEGIB's virtual assistant",
               question="Who is the secretary general?", talking="You are talking to a person"),
}


@pytest.fixture(scope="module")
def live(model, chromium_path, widget_js_installed, tmp_path_factory):
    """An assistant with a staff group configured and staffed 24/7, its demo page, the gateway in front
    of the stand-in Bot API, all sharing one case store."""
    workdir = tmp_path_factory.mktemp("widget-live")
    db = f"sqlite:///{workdir / 'handoff.db'}"
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {"HANDOFF_DB_URL": db, "SEGIB_FORGET_TOKEN": TOKEN, "TELEGRAM_STAFF_CHAT_ID": str(STAFF_CHAT),
           "HANDOFF_HOURS": "always", "HANDOFF_WEB_OFFLINE_MINUTES": "0.1",
           # Kept across the Rasa server's restart, as make run keeps it in .state/: the widget's resume
           # token stays valid, so the same conversation continues.
           "SOCKETIO_SESSION_SECRET": secrets.token_urlsafe(32),
           "RATE_LIMIT_BURST": "", "RATE_LIMIT_PER_SECOND": ""}   # the product's limits (5, then 1 a second)
    assistant = start_assistant(workdir / "assistant", model, env=env, widget_origins=[origin])
    site = start_website(port, assistant.base_url, workdir / "web", "live-web")
    relay = start_relay(assistant, db, workdir / "relay")
    yield dict(assistant=assistant, origin=origin, relay=relay, store=CaseStore(db))
    stop_relay(relay)
    site.stop()
    assistant.stop()


def visitor(browser, live, locale):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(REPLY_TIMEOUT)
    page = context.new_page()
    page.goto(live["origin"] + "/")
    expect(page.locator(BOT).first).to_be_visible()
    return context, page


def type_in(page, text):
    box = page.get_by_role("textbox")
    box.fill(text)
    box.press("Enter")


def open_case(page, live, words):
    """Asks for a person, presses the widget's yes: the case message in the staff group."""
    fake = live["relay"].fake
    offers = page.locator(".sw-choice", has_text=words["yes"]).count()
    type_in(page, words["ask"])
    expect(page.locator(".sw-choice", has_text=words["yes"])).not_to_have_count(offers, timeout=REPLY_TIMEOUT)
    page.locator(".sw-choice", has_text=words["yes"]).last.click()
    expect(page.locator(BOT).last).to_contain_text(words["told"], timeout=REPLY_TIMEOUT)
    reference = REFERENCE.search(page.locator(BOT).last.inner_text()).group()
    case_message = fake.wait_for_text(STAFF_CHAT, reference)
    fake.wait_until(lambda: live["store"].by_reference(reference).staff_message_id, 10, "the case message recorded")
    return reference, case_message


def staff_reply_shows(page, live, case_message, text, count=None):
    shown = page.locator(STAFF).count() if count is None else count
    started = time.monotonic()
    live["relay"].staff_says(text, case_message)
    expect(page.locator(STAFF)).to_have_count(shown + 1, timeout=2_000)   # within 2 seconds
    _DELAYS.append(time.monotonic() - started)
    record("widget live hand-off: staff reply -> shown in the widget",
           f"median {sorted(_DELAYS)[len(_DELAYS) // 2]:.2f} s, max {max(_DELAYS):.2f} s over {len(_DELAYS)}")
    expect(page.locator(STAFF).last).to_have_text(f"SEGIB (staff): {text}")


@pytest.mark.parametrize("language", ["es", "pt", "en"])
def test_a_live_case_from_the_widget_round_trip(browser, live, language):
    words, fake = LANGUAGES[language], live["relay"].fake
    context, page = visitor(browser, live, words["locale"])
    try:
        reference, case_message = open_case(page, live, words)
        assert "Canal: web" in case_message.text and f"Idioma: {language}" in case_message.text
        assert "Oficina:" in case_message.text and words["ask"] in case_message.text   # the last messages
        staff_reply_shows(page, live, case_message, "Buenos días, soy Ana de la SEGIB.")
        # Its own look, inside the log that screen readers follow (aria-live).
        assert page.locator(f"[aria-live] {STAFF}").count() == 1
        background = "e => getComputedStyle(e.querySelector('.sw-bubble')).backgroundColor"
        assert page.locator(STAFF).last.evaluate(background) != page.locator(BOT).last.evaluate(background)
        type_in(page, words["answer"])
        relayed = fake.wait_for_text(STAFF_CHAT, words["answer"])
        assert relayed.text.startswith(reference) and relayed.reply_to == case_message.message_id
        type_in(page, "/help")                                  # a command: a reminder, not for staff
        expect(page.locator(BOT).last).to_contain_text(words["talking"], timeout=10_000)
        assert not [m for m in fake.shown_to(STAFF_CHAT) if "/help" in m.text]
        bots = page.locator(BOT).count()
        live["relay"].staff_says("/close", case_message)
        expect(page.locator(BOT)).to_have_count(bots + 1, timeout=10_000)
        expect(page.locator(BOT).last).to_contain_text(words["back"])
        type_in(page, words["question"])
        expect(page.locator(BOT).last).to_contain_text("Allamand", timeout=REPLY_TIMEOUT)
        assert not [m for m in fake.shown_to(STAFF_CHAT) if words["question"] in m.text]
    finally:
        context.close()


def test_staff_replies_sent_while_the_tab_was_closed_are_shown_once_when_it_comes_back(browser, live):
    words = LANGUAGES["es"]
    context, page = visitor(browser, live, words["locale"])
    try:
        reference, case_message = open_case(page, live, words)
        live["relay"].staff_says("/cases")
        listing = live["relay"].fake.wait_for_text(STAFF_CHAT, "sin respuesta")
        assert reference in listing.text and "web" in listing.text
        page.close()                                    # the visitor closes the tab
        live["relay"].staff_says("Primera respuesta mientras no estaba.", case_message)
        live["relay"].staff_says("Segunda respuesta.", case_message)
        offline = live["relay"].fake.wait_for_text(STAFF_CHAT, f"Caso {reference}: la persona lleva", timeout=30)
        assert "sin la web abierta" in offline.text
        page = context.new_page()                       # the same browser comes back
        page.goto(live["origin"] + "/")
        expect(page.locator(STAFF)).to_have_count(2, timeout=5_000)
        assert page.locator(STAFF).all_inner_texts() == ["SEGIB (staff): Primera respuesta mientras no estaba.",
                                                          "SEGIB (staff): Segunda respuesta."]
        page.reload()                                   # and again: still once each
        expect(page.locator(BOT).first).to_be_visible()
        time.sleep(1.5)
        assert page.locator(STAFF).count() == 2
    finally:
        context.close()


def test_the_gateway_and_the_rasa_server_killed_mid_case_lose_nothing_and_repeat_nothing(browser, live):
    words, relay, assistant = LANGUAGES["en"], live["relay"], live["assistant"]
    context, page = visitor(browser, live, words["locale"])
    try:
        reference, case_message = open_case(page, live, words)
        relay.gateway.process.send_signal(signal.SIGKILL)       # the gateway dies
        relay.gateway.process.wait()
        type_in(page, "Are you still there?")                   # queued in the store meanwhile
        time.sleep(1)
        relay.restart()
        relay.fake.wait_for_text(STAFF_CHAT, "Are you still there?")
        staff_reply_shows(page, live, case_message, "Yes, still here.")
        assistant.rasa.process.send_signal(signal.SIGKILL)      # the Rasa server dies
        assistant.rasa.process.wait()
        relay.staff_says("Sent while the server was down.", case_message)
        time.sleep(1)
        assistant.rasa.start()                                  # same port: the widget reconnects
        expect(page.locator(STAFF)).to_have_count(2, timeout=30_000)
        expect(page.locator(STAFF).last).to_have_text("SEGIB (staff): Sent while the server was down.")
        type_in(page, "Thank you")
        relay.fake.wait_for_text(STAFF_CHAT, "Thank you")
        time.sleep(1.5)
        texts = [m.text for m in relay.fake.shown_to(STAFF_CHAT)]
        assert sum("Are you still there?" in t for t in texts) == 1 and sum("Thank you" in t for t in texts) == 1
        assert page.locator(STAFF).count() == 2
        assert live["store"].by_reference(reference).status == "open"
    finally:
        context.close()


def test_a_visitor_flooding_the_staff_group_is_slowed_down_and_told(browser, live):
    """Messages to staff pass the widget's rate limits (rasa_server.limits: a burst of 5, then 1 a second)."""
    words, fake = LANGUAGES["es"], live["relay"].fake
    context, page = visitor(browser, live, words["locale"])
    try:
        reference, _ = open_case(page, live, words)
        time.sleep(2)   # the burst the offer and the yes used is refilled
        for n in range(12):
            type_in(page, f"mensaje {n}")
        expect(page.locator(BOT).last).to_contain_text("Estás enviando mensajes más rápido", timeout=10_000)
        time.sleep(2)
        relayed = [m.text for m in fake.shown_to(STAFF_CHAT) if m.text.startswith(f"{reference} · Persona: mensaje")]
        assert 5 <= len(relayed) < 12
    finally:
        context.close()
