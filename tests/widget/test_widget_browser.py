"""The website chat widget in a real browser (Debian's chromium driven by Playwright) against the real
servers with the trained model: the demo page, the widget's socket.io channel, the bot."""
import os
import shutil
import urllib.error
import urllib.request

from playwright.sync_api import expect

from tests.support.services import ROOT

BOT = ".sw-msg--bot"
USER = ".sw-msg--user .sw-bubble"
REPLY_TIMEOUT = 30_000
SCREENSHOT = ROOT / "docs" / "widget-screenshot.png"


def save_screenshot(page) -> None:
    """Mid-conversation picture: reports/widget-screenshot.png; SEGIB_UPDATE_SCREENSHOT=1 also
    refreshes the one the docs show (docs/widget-screenshot.png)."""
    target = ROOT / "reports" / "widget-screenshot.png"
    target.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(target))
    if os.environ.get("SEGIB_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(target, SCREENSHOT)


def greeted(page, fragment: str) -> None:
    """The widget is open (the demo page opens it) and the bot greeted in the browser's language."""
    expect(page.locator(".sw-panel")).to_be_visible()
    expect(page.locator(BOT).first).to_contain_text(fragment, timeout=REPLY_TIMEOUT)


def ask(page, question: str, expected: str) -> None:
    """Types like a person (the text box is found by its label) and waits for the answer."""
    answers = page.locator(BOT).count()
    box = page.get_by_role("textbox")
    box.fill(question)
    box.press("Enter")
    expect(page.locator(USER).last).to_have_text(question)
    expect(page.locator(BOT)).not_to_have_count(answers, timeout=REPLY_TIMEOUT)
    expect(page.locator(BOT).last).to_contain_text(expected, timeout=REPLY_TIMEOUT)


def test_spanish_visitor_asks_where_the_headquarters_are(open_page):
    page = open_page("es-ES")
    greeted(page, "¡Hola!")
    expect(page.get_by_role("textbox", name="Escribe tu pregunta")).to_be_visible()
    ask(page, "¿Dónde está la sede de la SEGIB?", "Recoletos")
    expect(page.locator(BOT).last).to_contain_text("Dirección")
    # Links in answers are real links that open in a new window.
    link = page.locator(BOT).last.get_by_role("link").first
    expect(link).to_have_attribute("href", "https://www.segib.org/")
    expect(link).to_have_attribute("target", "_blank")


def test_portuguese_visitor_is_greeted_and_answered_in_portuguese(open_page):
    page = open_page("pt-BR")
    greeted(page, "Olá!")
    expect(page.get_by_role("textbox", name="Escreva a sua pergunta")).to_be_visible()
    ask(page, "Onde fica a sede da SEGIB?", "Recoletos")
    expect(page.locator(BOT).last).to_contain_text("Endereço")


def test_english_visitor_is_greeted_and_answered_in_english(open_page):
    page = open_page("en-US")
    greeted(page, "Hello!")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    ask(page, "Where are SEGIB's headquarters?", "Recoletos")
    expect(page.locator(BOT).last).to_contain_text("Address")


def test_a_help_menu_button_gets_its_answer(open_page):
    page = open_page("es-ES")
    greeted(page, "¡Hola!")
    ask(page, "ayuda", "Puedo responderte sobre estos temas")
    menu = page.get_by_role("group", name="Opciones de respuesta").last
    expect(menu.get_by_role("button")).to_have_count(8)
    ask(page, "¿Dónde está la sede de la SEGIB?", "Recoletos")
    save_screenshot(page)  # mid-conversation: the help menu, a question, its answer with a link
    menu.get_by_role("button", name="Países miembros").click()  # the menu still works later on
    expect(page.locator(USER).last).to_have_text("Países miembros")  # the title, not the /payload
    expect(page.locator(BOT).last).to_contain_text("Los 22 países miembros son", timeout=REPLY_TIMEOUT)
    expect(menu.get_by_role("button").first).to_be_disabled()  # a menu answers once


def test_the_conversation_survives_a_reload_and_a_page_change(open_page):
    page = open_page("es-ES")
    greeted(page, "¡Hola!")
    ask(page, "¿Dónde está la sede de la SEGIB?", "Recoletos")
    page.reload()
    expect(page.locator(BOT).filter(has_text="Recoletos")).to_have_count(1)
    expect(page.locator(USER)).to_have_text(["¿Dónde está la sede de la SEGIB?"])
    ask(page, "¿y su teléfono?", "+34 91 590 19 80")  # the follow-up is about the headquarters
    page.get_by_role("link", name="Contacto").click()
    expect(page).to_have_url(page.url.rsplit("/", 1)[0] + "/contacto.html")
    expect(page.locator(BOT).filter(has_text="+34 91 590 19 80")).to_have_count(1)
    ask(page, "¿y su correo?", "@segib.org")
    expect(page.locator(BOT).filter(has_text="¡Hola!")).to_have_count(1)  # greeted once, not per page


def test_a_page_from_another_origin_cannot_talk_to_the_bot(open_page, foreign_website, assistant):
    page = open_page("es-ES", origin=foreign_website)
    expect(page.locator(".sw-status")).to_have_text("Sin conexión con el asistente. Reintentando…",
                                                    timeout=REPLY_TIMEOUT)
    box = page.get_by_role("textbox")
    box.fill("¿Dónde está la sede de la SEGIB?")
    box.press("Enter")
    page.wait_for_timeout(3_000)
    expect(page.locator(BOT)).to_have_count(0)
    # The server itself refuses the handshake from that origin (what the browser got, too).
    request = urllib.request.Request(f"{assistant.base_url}/socket.io/?EIO=4&transport=polling",
                                     headers={"Origin": foreign_website})
    try:
        urllib.request.urlopen(request, timeout=10)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 400


def test_html_in_a_message_is_shown_as_text_and_runs_nothing(open_page):
    page = open_page("es-ES")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    greeted(page, "¡Hola!")
    attack = "<img src=x onerror=alert(1)>"
    ask(page, attack, "info@segib.org")
    expect(page.locator(USER).last).to_have_text(attack)
    expect(page.get_by_text(attack, exact=True)).to_be_visible()
    expect(page.locator(".sw-log img")).to_have_count(0)
    page.wait_for_timeout(500)
    assert dialogs == []


def test_keyboard_only_use(open_page):
    page = open_page("es-ES")
    greeted(page, "¡Hola!")
    page.get_by_role("textbox").focus()
    page.keyboard.press("Escape")  # minimises the widget and puts the focus on its launcher
    expect(page.locator(".sw-panel")).to_be_hidden()
    launcher = page.get_by_role("button", name="Abrir el chat con el asistente virtual")
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(page.get_by_role("textbox", name="Escribe tu pregunta")).to_be_focused()
    page.keyboard.type("¿Dónde está la sede de la SEGIB?")
    page.keyboard.press("Enter")
    expect(page.locator(BOT).last).to_contain_text("Recoletos", timeout=REPLY_TIMEOUT)
    expect(page.get_by_role("log", name="Conversación con el asistente")).to_be_visible()


def _luminance(rgb: str) -> float:
    channels = [int(part) / 255 for part in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_contrast_meets_wcag_aa(open_page):
    page = open_page("es-ES")
    greeted(page, "¡Hola!")
    ask(page, "¿Dónde está la sede de la SEGIB?", "Recoletos")
    pairs = {  # text element -> the element whose background is behind it
        ".sw-title": ".sw-header", ".sw-msg--user .sw-bubble": ".sw-msg--user .sw-bubble",
        ".sw-msg--bot .sw-bubble": ".sw-msg--bot .sw-bubble", ".sw-link": ".sw-msg--bot .sw-bubble",
        ".sw-send": ".sw-send", ".sw-status": ".sw-panel", ".sw-input": ".sw-input",
        ".sw-forget": ".sw-panel", ".sw-confirm-text": ".sw-panel", ".sw-confirm-yes": ".sw-confirm-yes",
        ".sw-confirm-no": ".sw-confirm-no",
    }
    for text_selector, background_selector in pairs.items():
        color = page.locator(text_selector).last.evaluate("e => getComputedStyle(e).color")
        background = page.locator(background_selector).last.evaluate("e => getComputedStyle(e).backgroundColor")
        assert contrast(color, background) >= 4.5, (text_selector, color, background)


def stored_session(page) -> str:
    return page.evaluate("JSON.parse(localStorage.getItem('segib-assistant:v1')).sessionId")


def test_forget_my_conversation_deletes_it_on_the_server_after_a_confirmation(open_page, tracker_db):
    page = open_page("es-ES")
    greeted(page, "¡Hola!")
    ask(page, "¿Dónde está la sede de la SEGIB?", "Recoletos")
    old = stored_session(page)
    assert tracker_db.events(old) > 0
    # A clearly labelled button; the first press only asks, and "Cancelar" keeps everything.
    page.get_by_role("button", name="Borrar mi conversación").click()
    question = page.get_by_role("group", name="¿Borrar esta conversación del servidor del asistente? No se "
                                             "puede deshacer.")
    expect(question).to_be_visible()
    expect(question.get_by_role("button", name="Cancelar")).to_be_focused()
    question.get_by_role("button", name="Cancelar").click()
    expect(question).to_be_hidden()
    assert tracker_db.events(old) > 0 and stored_session(page) == old
    # Confirmed: deleted on the server and in the browser, and the visitor is told so.
    page.get_by_role("button", name="Borrar mi conversación").click()
    question.get_by_role("button", name="Sí, borrarla").click()
    expect(page.locator(".sw-msg--notice")).to_have_text(
        "Tu conversación se ha borrado del servidor y de este navegador. Puedes empezar una nueva cuando quieras.",
        timeout=REPLY_TIMEOUT)
    expect(page.locator(BOT)).to_have_count(0)
    expect(page.locator(USER)).to_have_count(0)
    assert tracker_db.events(old) == 0
    # Nothing of it is left in the browser either: localStorage is empty until the visitor writes again.
    page.wait_for_timeout(500)   # the new session's confirmation and greeting must not store anything
    assert page.evaluate("window.localStorage.length") == 0
    # A new question starts a fresh conversation: no context from the old one, nothing of it back.
    ask(page, "¿Quién es el secretario general?", "Allamand")
    new = stored_session(page)
    assert new != old and tracker_db.user_texts(new) == ["¿Quién es el secretario general?"]
    assert tracker_db.events(old) == 0
    page.reload()
    expect(page.locator(".sw-msg--notice")).to_have_count(1)
    expect(page.locator(BOT).filter(has_text="Recoletos")).to_have_count(0)


def test_forget_is_labelled_in_the_visitors_language(open_page):
    for locale, name, done in [("pt-BR", "Apagar a minha conversa", "A sua conversa foi apagada"),
                               ("en-US", "Forget my conversation", "Your conversation has been deleted")]:
        page = open_page(locale)
        expect(page.locator(BOT).first).to_be_visible(timeout=REPLY_TIMEOUT)
        page.get_by_role("button", name=name).click()
        page.locator(".sw-confirm-yes").click()
        expect(page.locator(".sw-msg--notice")).to_contain_text(done, timeout=REPLY_TIMEOUT)
