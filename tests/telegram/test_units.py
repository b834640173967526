"""Unit tests of the gateway's building blocks: escaping, splitting, callback keys, ordering, secrets."""
import asyncio
import io
import logging
import time

import pytest
from telegram import Update

from ops.envfile import read as read_dotenv
from telegram_gateway import render
from telegram_gateway.callbacks import MAX_CALLBACK_BYTES, CallbackStore, control
from telegram_gateway.config import ConfigError, Settings
from telegram_gateway.logs import REDACTED, setup_logging
from telegram_gateway.ordering import ChatThrottle, PerChatUpdateProcessor
from telegram_gateway.phrases import ChatLanguages
from telegram_gateway.rasa import RasaClient, RasaUnavailable, parse_messages
from tests.support.fake_telegram import TelegramError, parse_html
from tests.support.services import free_port

TOKEN = "123456789:AAF-unit-test_TOKEN"


# ---- escaping ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Fuente: https://www.segib.org/?a=1&b=2",
    "<b>not bold</b> & <script>alert(1)</script>",
    "a < b > c && d; &amp; is literal; &lt;",
    "Email: info@segib.org · Tel. +34 91 590 19 80 — «comillas» \"dobles\" 'simples'",
    "emoji 👍🏽 and CJK 漢字",
])
def test_escaped_text_shows_exactly_as_written(text):
    assert parse_html(render.escape(text)) == text


def test_unescaped_markup_is_what_telegram_would_refuse():
    with pytest.raises(TelegramError, match="can't parse entities"):
        parse_html("a <script> b")
    with pytest.raises(TelegramError, match="can't parse entities"):
        parse_html("AT&T")


# ---- splitting --------------------------------------------------------------------------------
def test_short_text_is_one_part():
    assert render.split_text("Hola") == ["Hola"]
    assert render.split_text("   ") == []


def test_long_text_is_split_at_paragraphs_under_the_limit():
    paragraphs = [f"Párrafo {i}: " + "palabra " * 120 for i in range(30)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = render.split_text(text)
    assert len(parts) > 1
    assert all(render.utf16_len(p) <= render.MAX_MESSAGE for p in parts)
    assert all(p.startswith("Párrafo") for p in parts)          # every cut fell between paragraphs
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())   # nothing lost


def test_splitting_counts_utf16_units_and_never_cuts_a_character():
    text = "👍" * 3000                                            # 6,000 UTF-16 units
    parts = render.split_text(text)
    assert [render.utf16_len(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text


def test_a_word_longer_than_the_limit_is_cut_hard():
    text = "x" * 5000 + " fin"
    parts = render.split_text(text)
    assert parts == ["x" * 4096, "x" * 904 + " fin"]


def test_buttons_layout():
    assert render.keyboard_rows(["Sí", "No"]) == [[0, 1]]
    assert render.keyboard_rows(["Qué es la SEGIB", "Países miembros", "Observadores"]) == [[0], [1], [2]]


# ---- callback keys ------------------------------------------------------------------------------
def test_plain_intents_travel_inline_and_long_payloads_stay_behind_a_key():
    store = CallbackStore()
    assert store.encode(1, "/ask_summits") == "p:/ask_summits"
    long_payload = '/ask_is_member{"member_country": "dominican_republic", "note": "' + "x" * 80 + '"}'
    data = store.encode(1, long_payload)
    assert data.startswith("k:") and len(data.encode()) <= MAX_CALLBACK_BYTES
    assert store.decode(1, data) == long_payload
    assert store.encode(1, long_payload) == data                  # same payload, same key
    assert store.decode(1, "p:/ask_summits") == "/ask_summits"


def test_callback_data_is_checked_like_citizen_input():
    store = CallbackStore()
    data = store.encode(1, '/switch_language{"language":"en"}')
    assert store.decode(2, data) is None                          # another chat's key
    assert store.decode(1, "k:unknown") is None                   # expired (e.g. after a restart)
    assert store.decode(1, 'p:/switch_language{"language":"en"}') is None   # forged inline entities
    assert store.decode(1, "garbage") is None
    store.forget_chat(1)
    assert store.decode(1, data) is None
    assert control("lang:pt") == ("lang", "pt") and control("forget:yes") == ("forget", "yes")
    assert control("p:/help") is None


def test_callback_store_is_bounded():
    store = CallbackStore(per_chat=3, chats=2)
    keys = [store.encode(1, f'/x{{"n": {i}}}') for i in range(5)]
    assert [store.decode(1, k) is not None for k in keys] == [False, False, True, True, True]
    store.encode(2, '/x{"n": 0}')
    store.encode(3, '/x{"n": 0}')
    assert store.decode(1, keys[-1]) is None                      # least recent chat dropped


# ---- concurrency and flood control ----------------------------------------------------------------
def test_throttle_lets_a_burst_through_then_slows_down():
    now = [100.0]
    throttle = ChatThrottle(rate=2, burst=3, clock=lambda: now[0])
    assert [throttle.delay(1) for _ in range(3)] == [0, 0, 0]
    assert throttle.delay(1) == pytest.approx(0.5)
    assert throttle.delay(2) == 0                                 # other chats unaffected
    now[0] += 10
    assert throttle.delay(1) == 0


def _update(update_id: int, chat_id: int) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": {"id": chat_id, "type": "private"}, "text": "x"}}, None)


def test_chats_run_concurrently_and_each_chat_in_order():
    async def scenario():
        processor = PerChatUpdateProcessor(rate=1000, burst=1000, queue=100)
        log, active, peak = [], [0], [0]

        async def work(chat, n, delay):
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            await asyncio.sleep(delay)
            log.append((chat, n))
            active[0] -= 1

        tasks = []
        for n in range(5):
            for chat in (1, 2, 3):
                delay = 0.05 if n == 0 else 0.001     # the first message of each chat is slow
                tasks.append(asyncio.ensure_future(processor.process_update(_update(n * 10 + chat, chat),
                                                                             work(chat, n, delay))))
        await asyncio.gather(*tasks)
        return log, peak[0]

    log, peak = asyncio.run(scenario())
    for chat in (1, 2, 3):
        assert [n for c, n in log if c == chat] == [0, 1, 2, 3, 4]
    assert peak == 3


def test_a_flooding_chat_is_capped_and_told_once():
    async def scenario():
        told = []

        async def on_dropped(update, first):
            told.append((update.effective_chat.id, first))

        processor = PerChatUpdateProcessor(rate=1000, burst=1000, queue=3, on_dropped=on_dropped)
        done = []

        async def work(chat, n):
            await asyncio.sleep(0.01)
            done.append((chat, n))

        tasks = [asyncio.ensure_future(processor.process_update(_update(n, 1), work(1, n))) for n in range(8)]
        tasks.append(asyncio.ensure_future(processor.process_update(_update(99, 2), work(2, 0))))
        await asyncio.gather(*tasks)
        return done, told

    done, told = asyncio.run(scenario())
    assert [n for c, n in done if c == 1] == [0, 1, 2]
    assert (2, 0) in done
    assert told == [(1, True)] + [(1, False)] * 4


def test_a_staff_chat_is_never_slowed_down_nor_dropped():
    async def scenario():
        processor = PerChatUpdateProcessor(rate=1, burst=1, queue=3, exempt={-100})
        done = []

        async def work(chat, n):
            await asyncio.sleep(0.01)
            done.append((chat, n))

        tasks = [asyncio.ensure_future(processor.process_update(_update(n, -100), work(-100, n))) for n in range(20)]
        started = time.monotonic()
        await asyncio.gather(*tasks)
        return done, time.monotonic() - started

    done, took = asyncio.run(scenario())
    assert done == [(-100, n) for n in range(20)]       # every staff reply and /close, in order
    assert took < 2                                      # not one a second


# ---- Rasa client ----------------------------------------------------------------------------------
def test_rasa_replies_are_parsed_defensively():
    body = [{"recipient_id": "t", "text": "Hola", "buttons": [{"title": "Sí", "payload": "/affirm"}, {"x": 1}]},
            {"recipient_id": "t", "image": "http://x"}, "junk"]
    messages = parse_messages(body)
    assert len(messages) == 1 and messages[0].buttons == (("Sí", "/affirm"),) and messages[0].language is None
    with pytest.raises(ValueError):
        parse_messages({"error": "x"})
    languages = [{"text": "Olá", "language": "pt"}, {"text": "x", "language": "fr"}, {"text": "y", "language": ["pt"]}]
    assert [m.language for m in parse_messages(languages)] == ["pt", None, None]


def test_the_chats_language_is_the_one_rasa_answered_in_else_the_choice_or_telegrams():
    languages = ChatLanguages()
    assert languages.current(1, "pt-BR") == "pt" and languages.current(1) == "es"   # nothing told yet
    assert languages.observe(1, hint="es", answered="pt") == "pt"
    assert languages.current(1, "es") == "pt"                                      # sticks over the hint
    assert languages.observe(1, hint="es") == "pt"                                 # a reply that told nothing
    assert languages.observe(1, hint="es", requested="en", answered="pt") == "en"  # the /language choice
    languages.forget(1)
    assert languages.current(1, "es") == "es"


def test_rasa_down_fails_fast_and_rests():
    async def scenario():
        client = RasaClient(f"http://127.0.0.1:{free_port()}/webhooks/rest/webhook", timeout=2, retry_after=30)
        started = time.monotonic()
        with pytest.raises(RasaUnavailable):
            await client.send("s", "hola", {})
        first = time.monotonic() - started
        assert client.resting
        started = time.monotonic()
        with pytest.raises(RasaUnavailable, match="recently"):
            await client.send("s", "hola", {})
        await client.close()
        return first, time.monotonic() - started

    first, second = asyncio.run(scenario())
    assert first < 2 and second < 0.1


def test_a_hung_rasa_times_out_and_repeated_timeouts_open_the_breaker():
    async def scenario():
        hung = []

        async def never_answer(reader, writer):
            hung.append(writer)               # keep the connection open, say nothing

        server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = RasaClient(f"http://127.0.0.1:{port}/webhooks/rest/webhook", timeout=0.5, retry_after=30)
        waits = []
        for _ in range(RasaClient.TIMEOUTS_TO_OPEN + 1):
            started = time.monotonic()
            with pytest.raises(RasaUnavailable):
                await client.send("s", "hola", {})
            waits.append(time.monotonic() - started)
        await client.close()
        server.close()
        for writer in hung:
            writer.close()
        return waits

    waits = asyncio.run(scenario())
    assert all(0.4 < wait < 2 for wait in waits[:-1])        # each waited its timeout...
    assert waits[-1] < 0.1                                    # ...then the breaker answers at once


def test_the_rest_channels_shared_secret_is_sent_when_configured():
    """Production Rasa servers require X-SEGIB-Secret (REST_SHARED_SECRET): the gateway sends it."""
    async def headers_seen(secret):
        seen = []

        async def answer(reader, writer):
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
            length = int(next(line.split(":")[1] for line in head.split("\r\n") if line.startswith("content-length")))
            await reader.readexactly(length)
            seen.append(head)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = RasaClient(f"http://127.0.0.1:{port}/webhooks/rest/webhook", timeout=5, rest_secret=secret)
        assert await client.send("s", "hola", {}) == []
        await client.close()
        server.close()
        return seen[0]

    assert "x-segib-secret: s3cr3t-value" in asyncio.run(headers_seen("s3cr3t-value"))
    assert "x-segib-secret" not in asyncio.run(headers_seen(None))
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "REST_SHARED_SECRET": "s3cr3t-value"}, None)
    assert settings.rest_secret == "s3cr3t-value" and "s3cr3t-value" in settings.secrets
    assert "s3cr3t-value" not in repr(settings)


# ---- configuration and secrets --------------------------------------------------------------------
def test_settings_come_from_env_and_dotenv(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"# comment\nexport TELEGRAM_BOT_TOKEN='{TOKEN}'\nRASA_URL=http://127.0.0.1:9 # local\n")
    assert read_dotenv(dotenv)["RASA_URL"] == "http://127.0.0.1:9"
    settings = Settings.from_env({}, dotenv)
    assert settings.token == TOKEN and settings.mode == "polling"
    assert settings.api_url == "https://api.telegram.org/bot"
    assert settings.rest_url == "http://127.0.0.1:9/webhooks/rest/webhook"
    assert TOKEN not in repr(settings)
    assert Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:env-wins"}, dotenv).token == "1:env-wins"


def test_missing_or_wrong_settings_say_how_to_fix_them(tmp_path):
    with pytest.raises(ConfigError, match="BotFather"):
        Settings.from_env({}, None)
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_URL"):
        Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "webhook"}, None)
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_URL":
                           "https://x.example/tg", "TELEGRAM_WEBHOOK_SECRET": "bad secret!"}, None)
    webhook = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "webhook",
                                 "TELEGRAM_WEBHOOK_URL": "https://x.example/tg/hook"}, None)
    assert len(webhook.webhook_secret) >= 32 and webhook.webhook_path == "/tg/hook"


def test_secrets_never_reach_the_log():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    setup_logging([TOKEN, "webhook-secret"], "DEBUG", stream)
    logger = logging.getLogger("telegram.test")
    try:
        logger.info("HTTP Request: POST https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"cannot reach https://api.telegram.org/bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("failed with %s", "webhook-secret")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    output = stream.getvalue()
    assert TOKEN not in output and "webhook-secret" not in output
    assert output.count(REDACTED) == 3     # the URL, the argument, the exception's message


# ---- a long reply through the real Bot API client to the strict stand-in -----------------------
def test_a_long_reply_with_buttons_reaches_the_citizen_split_and_intact():
    from telegram import Bot

    from knowledge.phrases import Phrases
    from telegram_gateway.handlers import Gateway
    from tests.support.fake_telegram import FakeTelegram

    fake = FakeTelegram().start()
    text = "\n\n".join(f"<Párrafo {i}> AT&T " + "palabra " * 150 for i in range(10))   # ~12,000 characters
    try:
        async def scenario():
            gateway = Gateway(rasa=None, phrases=Phrases())
            async with Bot(fake.token, base_url=fake.api_url) as bot:
                markup = gateway.keyboard(7, [("Sí", "/affirm"), ("No", "/deny")])
                await gateway.send(bot, 7, text, markup)
        asyncio.run(scenario())
        shown = fake.shown_to(7)
    finally:
        fake.stop()
    assert len(shown) == 4 and all(render.utf16_len(m.text) <= 4096 for m in shown)
    assert all(m.text.startswith("<Párrafo") for m in shown)               # cut between paragraphs
    assert " ".join(" ".join(m.text for m in shown).split()) == " ".join(text.split())
    assert [m.titles for m in shown] == [[], [], [], ["Sí", "No"]]           # buttons on the last part
