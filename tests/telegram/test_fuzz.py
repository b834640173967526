"""Fuzz test (hypothesis) of the Telegram gateway's update parsing and handling: random and malformed
updates (wrong types, missing fields, huge/emoji/HTML text, unknown update kinds, nested garbage,
callback queries with bad data) and request bodies that are not updates at all never produce a 500,
an exception in the gateway or a hang; a well-formed text update afterwards still gets its answer.

Two ways in, both with the real gateway (`telegram_gateway.app.build`) talking to the stand-in Bot API
(tests/support/fake_telegram.py), in process and without a Rasa server (an echo stands in for it):
- python-telegram-bot's own parser, `Update.de_json`, then the gateway's update processor and
  `Application.process_update` (the handlers), as in polling mode;
- the webhook server (`telegram_gateway.webhook`), over HTTP with the right secret token, whose updates
  go through the per-chat update processor to the handlers.
"""
import asyncio
import json
import logging
import os
import secrets
import threading
import time
import urllib.error
import urllib.request
from typing import List

import pytest
from hypothesis import HealthCheck, given, settings
from telegram import Update

from telegram_gateway.app import build
from telegram_gateway.config import Settings
from telegram_gateway.rasa import RasaMessage
from telegram_gateway.webhook import SECRET_HEADER, WebhookServer
from telegram_gateway.wellformed import well_formed
from tests.support.fake_telegram import FakeTelegram
from tests.support.metrics import record
from tests.support.services import free_port
from tests.support.telegram_updates import bodies, private_updates, updates

# SEGIB_FUZZ_EXAMPLES=5000 for a deeper run than the suite's.
EXAMPLES = int(os.environ.get("SEGIB_FUZZ_EXAMPLES", "400"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
HANG = 20            # seconds an update may take before the test calls it a hang
WEBHOOK_PATH = "/telegram/webhook"


class EchoRasa:
    """Stands in for the Rasa client: answers every message with an echo and two buttons (one inline,
    one behind a callback key), and pretends to delete conversations."""

    relayed = 0

    async def send(self, sender: str, text: str, metadata: dict) -> List[RasaMessage]:
        assert isinstance(text, str) and isinstance(sender, str)
        EchoRasa.relayed += 1
        return [RasaMessage(f"echo: {text}", (("Sí", "/affirm"), ("Brasil", '/ask_is_member{"member_country":"br"}')))]

    async def forget(self, sender: str) -> bool:
        return True

    async def export(self, sender: str) -> dict:
        return {"conversation_id": sender, "messages": []}

    async def close(self) -> None:
        pass


class Failures(logging.Handler):
    """Every ERROR logged while the gateway runs (its error handler logs any exception of a handler)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: List[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Only the gateway's own: a socket.io client left over from another test logs from its thread.
        if not record.name.startswith(("engineio", "socketio")):
            self.records.append(record)

    def describe(self) -> str:
        return "\n".join(f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else r.getMessage()
                         for r in self.records[:5])


class Harness:
    """The gateway's Application and webhook server on an event loop of their own (a thread)."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.secret = secrets.token_urlsafe(32)
        self.port = free_port()
        self.settings = Settings(token=fake.token, api_url=fake.api_url, mode="webhook",
                                 webhook_url=f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}",
                                 webhook_secret=self.secret, chat_rate=1000, chat_burst=1000, chat_queue=1000,
                                 telegram_rate=1000)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="gateway-under-fuzz", daemon=True)
        self.errors: List[BaseException] = []
        self.parsed = self.refused = self.dropped = self.posted = self.content_examples = 0
        self.statuses: dict = {}

    def run(self, coroutine, timeout: float = HANG):
        return asyncio.run_coroutine_threadsafe(asyncio.wait_for(coroutine, timeout), self.loop).result(timeout + 5)

    async def _start(self) -> None:
        self.app = build(self.settings, rasa=EchoRasa())

        async def collect(update, context) -> None:   # next to the gateway's own error handler
            self.errors.append(context.error)

        self.app.add_error_handler(collect)
        await self.app.initialize()
        await self.app.start()
        self.webhook = WebhookServer(self.app, self.secret, WEBHOOK_PATH, "127.0.0.1", self.port)
        await self.webhook.start()

    async def _stop(self) -> None:
        await self.webhook.stop()
        await self.app.stop()
        await self.app.shutdown()

    def start(self) -> "Harness":
        self.thread.start()
        self.run(self._start(), 60)
        return self

    def stop(self) -> None:
        self.run(self._stop(), 30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def process(self, data: dict) -> None:
        """python-telegram-bot's parser, then the gateway's update processor and handlers."""
        try:
            update = Update.de_json(data, self.app.bot)
        except Exception:  # refused by the library: nothing reaches the gateway
            self.refused += 1
            return
        self.parsed += 1
        self.dropped += not well_formed(update)
        # What the update fetcher does with every update, in polling and webhook mode alike.
        self.run(self.app.update_processor.process_update(update, self.app.process_update(update)))

    def post(self, body: bytes, secret: str = None) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}", body, {
            "Content-Type": "application/json", SECRET_HEADER: self.secret if secret is None else secret})
        try:
            with urllib.request.urlopen(request, timeout=HANG) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        self.posted += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        return status

    def idle(self, timeout: float = HANG) -> None:
        """Waits until the webhook's updates are all handled (fails on a hang): nothing queued and
        nothing being processed, three times in a row (an update is briefly in neither)."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 3:
            assert time.monotonic() < deadline, "updates still being handled: the gateway hangs"
            busy = self.app.update_queue.qsize() or self.app.update_processor.current_concurrent_updates
            quiet = 0 if busy else quiet + 1
            time.sleep(0.01)


@pytest.fixture(scope="module")
def gateway(request):
    failed_before = request.session.testsfailed
    fake = FakeTelegram().start()
    failures = Failures()
    root = logging.getLogger()
    root.addHandler(failures)
    harness = Harness(fake).start()
    harness.fake, harness.failures = fake, failures
    yield harness
    harness.stop()
    fake.stop()
    root.removeHandler(failures)
    record("telegram fuzz: updates through Update.de_json + handlers",
           f"{harness.parsed + harness.refused} examples, {harness.content_examples} of them well-formed private "
           f"messages and taps with fuzzed content ({harness.parsed} parsed, of which {harness.dropped} "
           f"dropped as malformed; {harness.refused} refused by python-telegram-bot's parser); "
           f"{EchoRasa.relayed} messages relayed to the stand-in Rasa, "
           f"{len(fake.calls_of('sendMessage'))} sendMessage and "
           f"{len(fake.calls_of('answerCallbackQuery'))} answerCallbackQuery calls in all")
    record("telegram fuzz: webhook bodies", f"{harness.posted} requests, HTTP statuses "
           f"{dict(sorted(harness.statuses.items()))}")
    record("telegram fuzz: failing tests", str(request.session.testsfailed - failed_before))


def assert_healthy(gateway: Harness) -> None:
    assert not gateway.errors, f"a handler raised: {gateway.errors[:3]!r}"
    assert not gateway.failures.records, gateway.failures.describe()


def a_text_update(chat_id: int, text: str) -> dict:
    return {"update_id": 1, "message": {
        "message_id": 1, "date": int(time.time()), "text": text,
        "chat": {"id": chat_id, "type": "private", "first_name": "C"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "C", "language_code": "es"}}}


def fresh(gateway: Harness) -> None:
    """Each example starts with no failure recorded (so that hypothesis finds the one that fails)."""
    gateway.errors.clear()
    gateway.failures.records.clear()


@FUZZ
@given(data=updates())
def test_fuzzed_updates_through_the_parser_and_the_handlers(gateway, data):
    fresh(gateway)
    gateway.process(data)
    assert_healthy(gateway)


@FUZZ
@given(data=private_updates())
def test_fuzzed_messages_and_button_taps_reach_the_handlers(gateway, data):
    """Well-formed private messages and button taps whose content is fuzzed: each one is handled."""
    fresh(gateway)
    gateway.content_examples += 1
    chat_id = (data.get("message") or data.get("callback_query", {}).get("message"))["chat"]["id"]
    shown, answered = len(gateway.fake.shown_to(chat_id)), len(gateway.fake.calls_of("answerCallbackQuery"))
    gateway.process(data)
    assert_healthy(gateway)
    if "message" in data:   # every message gets an answer (from Rasa, or the gateway's own phrase)
        assert len(gateway.fake.shown_to(chat_id)) > shown
    else:                   # every tap is answered at once (no spinner left)
        assert len(gateway.fake.calls_of("answerCallbackQuery")) > answered


@FUZZ
@given(body=bodies)
def test_fuzzed_webhook_bodies_never_500(gateway, body):
    fresh(gateway)
    status = gateway.post(body)
    assert status in (200, 400, 413), status
    gateway.idle()   # the update handled, so that a failure is this body's
    assert_healthy(gateway)


def test_after_the_fuzzing_a_well_formed_message_is_answered(gateway):
    gateway.idle()
    assert_healthy(gateway)
    gateway.process(a_text_update(424242, "¿Quién es el secretario general?"))
    assert gateway.fake.wait_for_text(424242, "echo: ¿Quién es el secretario general?", timeout=HANG)
    assert gateway.post(b'{"update_id": 2, "message": "not a message"}', secret="wrong") == 403
    assert gateway.post(json.dumps(a_text_update(434343, "Who is the Secretary General?")).encode()) == 200
    assert gateway.fake.wait_for_text(434343, "echo: Who is the Secretary General?", timeout=HANG)
    assert_healthy(gateway)


# ---- regressions found by the fuzzing ------------------------------------------------------------
def test_json_nested_too_deep_is_a_400_not_a_500(gateway):
    assert gateway.post(b"[" * 10_000) == 400
    assert gateway.post(b'{"update_id": 1, "message": ' + b"{" * 5_000) == 400
    assert_healthy(gateway)


def test_an_update_with_ids_of_the_wrong_type_is_dropped_before_any_handler(gateway):
    chat = 454545
    wrong = a_text_update(chat, "hola")
    wrong["message"]["from"]["id"] = []       # python-telegram-bot itself failed on it (ids go into sets)
    gateway.process(wrong)
    wrong = a_text_update({"id": chat}, "hola")
    gateway.process(wrong)
    assert_healthy(gateway)
    time.sleep(0.5)
    assert gateway.fake.shown_to(chat) == []


def test_text_with_a_lone_surrogate_is_dropped_not_retried_for_seconds(gateway):
    fresh(gateway)
    started = time.monotonic()
    gateway.process(a_text_update(464646, "hola \ud800"))
    assert time.monotonic() - started < 2
    assert_healthy(gateway)


def test_an_update_of_two_kinds_is_dropped(gateway):
    fresh(gateway)
    data = a_text_update(474747, "hola")
    data["callback_query"] = {"id": "q1", "from": data["message"]["from"], "chat_instance": "c"}
    gateway.process(data)
    assert_healthy(gateway)


def test_a_body_over_one_mib_is_refused(gateway):
    fresh(gateway)
    body = json.dumps(a_text_update(484848, "x" * (1 << 20))).encode()
    assert gateway.post(body) == 413
    assert_healthy(gateway)
    assert gateway.fake.shown_to(484848) == []


@pytest.mark.parametrize("path", [("chat",), ("chat", "id"), ("chat", "type"), ("from", "id")])
def test_an_update_missing_a_field_telegram_always_sends_is_dropped(gateway, path):
    fresh(gateway)
    data = a_text_update(494949, "hola")
    *parents, key = path
    target = data["message"]
    for parent in parents:
        target = target[parent]
    target[key] = None         # python-telegram-bot accepts null there; its filters then fail
    gateway.process(data)
    assert_healthy(gateway)
