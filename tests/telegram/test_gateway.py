"""End to end in polling mode: citizens on a stand-in Telegram <-> the gateway <-> the real assistant.

Every assertion is about what a citizen sees in their chat (texts, buttons, spinner answered), plus
the conversation store for /forget.
"""
import json
import os
import sqlite3
import threading
import time
import urllib.error
import urllib.request

from tests.support.fake_telegram import BOT


def replies(fake, chat, count, timeout=30):
    return [m.text for m in fake.wait_for_messages(chat, count, timeout)]


def typing_shown_before_reply(fake, chat) -> bool:
    calls = [c for c in fake.calls_of("sendChatAction", chat) + fake.calls_of("sendMessage", chat)]
    calls.sort(key=lambda c: c.at)
    return bool(calls) and calls[0].method == "sendChatAction" and calls[0].params.get("action") == "typing"


def test_citizens_in_three_languages_at_once_each_get_the_facts_in_their_language(fake, new_chat):
    es, pt, en, en_ui_writing_spanish = new_chat(), new_chat(), new_chat(), new_chat()
    started = time.monotonic()
    fake.send_text(es, "¿Qué países son miembros?", "es")
    fake.send_text(pt, "Quem é o secretário-geral?", "pt-BR")
    fake.send_text(en, "Which office serves Ecuador?", "en")
    fake.send_text(en_ui_writing_spanish, "¿Desde cuándo se celebran las Cumbres Iberoamericanas?", "en")

    [es_reply] = replies(fake, es, 1)
    [pt_reply] = replies(fake, pt, 1)
    [en_reply] = replies(fake, en, 1)
    [written_es] = replies(fake, en_ui_writing_spanish, 1)
    elapsed = time.monotonic() - started

    assert "Los 22 países miembros son" in es_reply and "España" in es_reply and "Fuente:" in es_reply
    assert "Allamand" in pt_reply and "2022" in pt_reply and "Fonte:" in pt_reply
    assert "Lima" in en_reply and "Andean" in en_reply and "Source:" in en_reply
    assert "1991" in written_es and "cada dos años" in written_es    # the text's language beats the UI's
    assert elapsed < 20
    for chat in (es, pt, en, en_ui_writing_spanish):
        assert typing_shown_before_reply(fake, chat)


def test_start_greets_in_the_citizens_language_and_a_topic_button_answers(fake, chat):
    fake.send_text(chat, "/start", "pt-BR")
    greeting, notice, topics = fake.wait_for_messages(chat, 3)
    assert greeting.text.startswith("Olá! Sou o assistente virtual") and not greeting.buttons
    assert notice.text.startswith("Privacidade:") and "/privacy" in notice.text
    assert "Posso responder sobre estes temas" in topics.text
    assert topics.titles == ["O que é a SEGIB", "Países membros", "Cimeiras e mandatos", "Observadores",
                             "Cartas e declarações", "Cooperação e plano de ação", "Escritórios e contactos",
                             "Falar com uma pessoa"]
    assert all(len(b["callback_data"].encode()) <= 64 for row in topics.buttons for b in row)

    query = fake.tap(chat, "Países membros", "pt-BR")
    answer = fake.wait_for_messages(chat, 4)[3].text
    assert "Os 22 países membros são" in answer and "Brasil" in answer
    fake.wait_until(lambda: query in fake.answered, 10, "the button tap to be answered")
    assert fake.answered[query] is None          # spinner stopped, no error toast
    assert query not in fake.open_queries


def test_help_and_unknown_commands_show_the_topics(fake, chat):
    fake.send_text(chat, "/help", "en")
    [help_message] = fake.wait_for_messages(chat, 1)
    assert "Member countries" in help_message.titles and "Talk to a person" in help_message.titles
    fake.send_text(chat, "/ask_segib", "en")      # not a payload the citizen can inject: shows the help
    assert fake.wait_for_messages(chat, 2)[1].titles == help_message.titles


def test_language_command_offers_three_languages_and_switches(fake, chat):
    fake.send_text(chat, "/language", "es")
    [menu] = fake.wait_for_messages(chat, 1)
    assert menu.text == "¿En qué idioma prefieres que conversemos?"
    assert menu.titles == ["Español", "Português", "English"]
    fake.tap(chat, "Português")
    assert replies(fake, chat, 2)[1] == "Combinado, continuamos em português."
    fake.send_text(chat, "/help", "es")
    assert "Países membros" in fake.wait_for_messages(chat, 3)[2].titles


def test_forget_asks_first_then_deletes_the_conversation(fake, chat, assistant):
    fake.send_text(chat, "Which office serves Ecuador?", "en")
    fake.wait_for_text(chat, "Lima")
    fake.send_text(chat, "and its address?", "en")
    fake.wait_for_text(chat, "Olgu")                          # the conversation remembers Lima

    fake.send_text(chat, "/forget", "en")
    confirm = fake.wait_for_messages(chat, 3)[2]
    assert "delete this conversation's history" in confirm.text and confirm.titles == ["Yes", "No"]
    fake.tap(chat, "No", "en")
    assert replies(fake, chat, 4)[3] == "All right, I haven't deleted anything."

    db = assistant.workdir / "conversations.db"
    stored = lambda: sqlite3.connect(db).execute(
        "select count(*) from events where sender_id = ?", (f"telegram:{chat}",)).fetchone()[0]
    assert stored() > 0
    fake.send_text(chat, "/forget", "en")
    fake.wait_for_messages(chat, 5)
    fake.tap(chat, "Yes", "en")
    assert replies(fake, chat, 6)[5] == "Done: I have deleted this conversation's history."
    assert stored() == 0

    fake.send_text(chat, "and its address?", "en")           # nothing remembered: headquarters
    after = replies(fake, chat, 7)[6]
    assert "Madrid" in after and "Lima" not in after


def test_an_expired_or_forged_button_is_answered_with_a_notice(fake, chat):
    fake.send_text(chat, "/help", "en")
    [help_message] = fake.wait_for_messages(chat, 1)
    expired = fake.press(chat, "k:not-a-key", help_message, "en")
    forged = fake.press(chat, 'p:/switch_language{"language":"pt"}', help_message, "en")
    fake.wait_until(lambda: expired in fake.answered and forged in fake.answered, 10, "answers")
    assert fake.answered[expired] == "This button is no longer available. Type your question or use /help."
    assert fake.answered[forged] == fake.answered[expired]
    fake.send_text(chat, "Who is the Secretary General?", "en")
    assert "Allamand" in replies(fake, chat, 2)[1]           # nothing else was said in between


def test_non_text_messages_get_a_polite_reply_in_the_citizens_language(fake, new_chat):
    cases = [("send_photo", "pt-BR", "Só consigo ler mensagens de texto."),
             ("send_sticker", "en", "I can only read text messages."),
             ("send_voice", "es", "Solo puedo leer mensajes de texto."),
             ("send_location", "es-419", "Solo puedo leer mensajes de texto."),
             ("send_document", "en-GB", "I can only read text messages.")]
    chats = []
    for method, language, _ in cases:
        chats.append(new_chat())
        getattr(fake, method)(chats[-1], language)
    for chat, (_, _, expected) in zip(chats, cases):
        assert replies(fake, chat, 1)[0].startswith(expected)


def test_the_gateways_own_phrases_follow_the_language_rasa_chose_not_telegrams(fake, new_chat):
    """The gateway detects nothing itself: each of Rasa's replies carries its language, and the
    gateway's own phrases ("only text" here) follow it, not the Telegram app's language_code."""
    writes_pt, asks_for_en = new_chat(), new_chat()
    fake.send_text(writes_pt, "Quem é o secretário-geral?", "es")
    assert "Fonte:" in replies(fake, writes_pt, 1)[0]
    fake.send_sticker(writes_pt, "es")
    assert replies(fake, writes_pt, 2)[1].startswith("Só consigo ler mensagens de texto.")

    # Written in Portuguese, asking for English: Rasa's choice (English), not the text's language.
    fake.send_text(asks_for_en, "em inglês, por favor", "pt-BR")
    assert replies(fake, asks_for_en, 1)[0] == "Sure, let's continue in English."
    fake.send_photo(asks_for_en, "pt-BR")
    assert replies(fake, asks_for_en, 2)[1].startswith("I can only read text messages.")


def test_updates_without_a_message_are_ignored(fake, chat, telegram):
    fake.edit_message(chat, "¿Qué es la SEGIB?")
    fake.member_change(chat, "kicked")
    fake.member_change(chat, "member", "kicked")
    fake.send_text(chat, "¿Quién es el secretario general?", "es")
    [reply] = replies(fake, chat, 1)
    assert "Allamand" in reply
    time.sleep(0.5)
    assert len(fake.shown_to(chat)) == 1                      # nothing said about the edit or the block
    assert telegram.gateway.alive()


def test_groups_are_told_to_write_in_private_only_when_the_bot_is_addressed(fake, new_chat):
    group, member = -1000000 - new_chat(), new_chat()
    fake.send_text(group, "¿Qué es la SEGIB?", "es", chat_type="supergroup", user_id=member)
    fake.send_text(group, f"@{BOT['username']} ¿qué es la SEGIB?", "es", chat_type="supergroup", user_id=member)
    [reply] = replies(fake, group, 1)
    assert reply == f"Solo converso en chats privados. Escríbeme directamente: @{BOT['username']}"
    time.sleep(0.5)
    assert len(fake.shown_to(group)) == 1


def test_telegram_429_and_500_are_retried(fake, chat):
    fake.fail("sendMessage", 429, retry_after=1, chat_id=chat)
    fake.fail("sendMessage", 500, times=2, chat_id=chat)
    started = time.monotonic()
    fake.send_text(chat, "Who is the Secretary General?", "en")
    [reply] = replies(fake, chat, 1)
    assert "Allamand" in reply
    assert [c.status for c in fake.calls_of("sendMessage", chat)] == [429, 500, 500, 200]
    assert time.monotonic() - started >= 1.0                  # waited the retry_after Telegram asked for


def test_a_flooding_chat_is_slowed_and_told_while_others_are_unaffected(fake, new_chat):
    flooder, other = new_chat(), new_chat()
    for _ in range(15):
        fake.send_text(flooder, "hola", "es")
    time.sleep(0.3)
    asked = time.monotonic()
    fake.send_text(other, "¿Quién es el secretario general?", "es")
    [other_reply] = fake.wait_for_messages(other, 1)
    assert "Allamand" in other_reply.text
    assert other_reply.seen - asked < 8                       # not queued behind the flood (10+ s)

    notice = "Estás enviando mensajes muy rápido"
    fake.wait_until(lambda: sum(t.startswith("¡Hola!") for t in fake.texts(flooder)) >= 10, 30,
                    "the accepted messages to be answered")
    time.sleep(1.5)
    texts = fake.texts(flooder)
    greetings = [m for m in fake.shown_to(flooder) if m.text.startswith("¡Hola!")]
    assert sum(t.startswith(notice) for t in texts) == 1      # told once
    assert 10 <= len(greetings) < 15                          # the rest of the flood was dropped
    assert greetings[-1].seen - greetings[0].seen >= 3        # and the accepted ones were slowed
    assert other_reply.seen < greetings[-1].seen


def test_many_chats_at_once_each_keep_their_order(fake, new_chat):
    chats = [new_chat() for _ in range(6)]
    questions = ["/help", "Who is the Secretary General?", "When did the Ibero-American Summits start?"]

    def citizen(chat):
        for question in questions:
            fake.send_text(chat, question, "en")

    threads = [threading.Thread(target=citizen, args=(chat,)) for chat in chats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for chat in chats:
        help_text, secretary, summits = replies(fake, chat, 3)
        assert help_text.startswith("I can answer questions on these topics")
        assert "Allamand" in secretary and "1991" in summits


def test_the_forget_endpoint_of_the_rasa_server_needs_its_token(warm_assistant):
    url = warm_assistant.rest_url.split("/webhooks/")[0] + "/webhooks/forget/conversation"

    def post(body, token):
        request = urllib.request.Request(url, json.dumps(body).encode(), {
            "Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, None

    token = os.environ["SEGIB_FORGET_TOKEN"]
    assert post({"sender": "telegram:1"}, None)[0] == 403
    assert post({"sender": "telegram:1"}, token + "x")[0] == 403
    assert post({"nobody": 1}, token)[0] == 400
    assert post({"sender": "telegram:never-talked"}, token) == (200, {"deleted": False})
