"""The widget's privacy features and the privacy page in a real browser (Debian's chromium) against
the real servers: the notice with its link on first open, /privacy in three languages, "download my
conversation" giving the server's JSON, the local transcript expiring after the retention period.
(Named to run after test_socketio_channel.py: the session's browser keeps an event loop running in
the main thread, where those tests call asyncio.run.)"""
import json
import time
import urllib.request

from playwright.sync_api import expect

from tests.widget.test_widget_browser import BOT, ask, greeted, stored_session

STORAGE_KEY = "segib-assistant:v1"


def test_the_notice_and_its_link_are_shown_on_first_open_in_the_visitors_language(open_page):
    for locale, notice, link in (("es-ES", "Guardamos esta conversación 90 días", "Privacidad"),
                                 ("pt-BR", "Guardamos esta conversa 90 dias", "Privacidade"),
                                 ("en-GB", "We keep this conversation for 90 days", "Privacy")):
        page = open_page(locale)
        shown = page.locator(".sw-privacy")
        expect(shown).to_be_visible()
        expect(shown).to_contain_text(notice)
        expect(shown.get_by_role("link", name=link)).to_have_attribute("href", "http://localhost:8080/privacy")
        expect(page.locator(".sw-footer").get_by_role("link", name=link)).to_be_visible()


def test_the_privacy_page_is_served_in_three_languages(website, open_page):
    with urllib.request.urlopen(f"{website}/privacy", timeout=10) as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/html")
        body = response.read().decode("utf-8")
    assert "{retention_days}" not in body and "<!--" not in body
    for language, stored, kept, rights in (
            ("es", "Qué guardamos", "<strong>90 días</strong>", "Tus derechos y cómo ejercerlos"),
            ("pt", "O que guardamos", "<strong>90 dias</strong>", "Os seus direitos e como exercê-los"),
            ("en", "What we keep", "<strong>90 days</strong>", "Your rights and how to use them")):
        section = body.split(f'<section id="{language}" lang="{language}">')[1].split("</section>")[0]
        assert stored in section and kept in section and rights in section and "info@segib.org" in section
        assert "/mydata" in section and "/forget" in section
    page = open_page("en-GB", path="/privacy")
    expect(page.locator("section[lang=pt] h2")).to_have_text("Português")
    expect(page.get_by_role("heading", name="Who sees it")).to_be_visible()


def test_download_my_conversation_gives_the_servers_json_of_this_conversation(open_page):
    page = open_page("en-GB")
    greeted(page, "Hello!")
    ask(page, "Which office serves Ecuador?", "Lima")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my conversation").click()
    assert download.value.suggested_filename == "segib-conversation.json"
    document = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert document["conversation_id"] == stored_session(page)
    said = [m["text"] for m in document["messages"] if m["from"] == "citizen"]
    assert "Which office serves Ecuador?" in said
    assert any("Lima" in m["text"] for m in document["messages"] if m["from"] == "assistant")
    assert document["handoff_cases"] == [] and document["retention_days"] == 90


def test_the_local_transcript_expires_after_the_retention_period(open_page):
    page = open_page("es-ES")
    greeted(page, "¡Hola!")
    ask(page, "¿Dónde está la sede de la SEGIB?", "Recoletos")
    old = stored_session(page)
    # The visitor comes back 91 days later (the page's clock is not moved: the saved time is).
    page.evaluate("""key => { const s = JSON.parse(localStorage.getItem(key));
                              s.savedAt = Date.now() - 91 * 86400000;
                              localStorage.setItem(key, JSON.stringify(s)); }""",
                  STORAGE_KEY)
    page.reload()
    greeted(page, "¡Hola!")
    expect(page.locator(BOT).filter(has_text="Recoletos")).to_have_count(0)
    page.wait_for_function("old => { const s = JSON.parse(localStorage.getItem('segib-assistant:v1'));"
                           " return s.sessionId && s.sessionId !== old; }", arg=old)
    assert "Recoletos" not in page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')")
    assert time.time() * 1000 - page.evaluate(f"JSON.parse(localStorage.getItem('{STORAGE_KEY}')).savedAt") < 60_000
