"""Webhook mode: Telegram's POSTs carry the secret token; anything without it gets 403 and reaches nothing."""
import json
import time
import urllib.error
import urllib.request

import pytest

from tests.support.fake_telegram import FakeTelegram
from tests.support.services import free_port
from tests.support.telegram_gateway import rasa_url_of, start_gateway

HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture(scope="module")
def webhook(warm_assistant, tmp_path_factory):
    assistant = warm_assistant
    fake = FakeTelegram().start()
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    # DEBUG: PTB and httpx then log every request URL, token included, before redaction.
    gateway = start_gateway(fake, rasa_url_of(assistant.rest_url), tmp_path_factory.mktemp("webhook"),
                            {"TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_URL": url,
                             "TELEGRAM_WEBHOOK_PORT": str(port), "LOG_LEVEL": "DEBUG"})
    yield fake, gateway, url
    gateway.stop()
    fake.stop()


def post(url, body, secret=None):
    headers = {"Content-Type": "application/json", **({HEADER: secret} if secret is not None else {})}
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data, headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def update(update_id, chat_id, text):
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": int(time.time()), "chat": {"id": chat_id, "type": "private", "first_name": "C"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "C", "language_code": "en"}, "text": text}}


def test_the_webhook_is_registered_with_a_secret_and_updates_are_answered(webhook):
    fake, _, url = webhook
    assert fake.webhook["url"] == url
    assert len(fake.webhook["secret_token"]) >= 32           # random per start when not configured
    assert fake.webhook["allowed_updates"] == ["message", "callback_query"]
    fake.send_text(7001, "Who is the Secretary General?", "en")
    assert "Allamand" in fake.wait_for_messages(7001, 1)[0].text
    assert all(status == 200 for status in fake.webhook_deliveries)
    assert not fake.calls_of("getUpdates")


def test_requests_without_the_right_secret_get_403_and_reach_nothing(webhook):
    fake, _, url = webhook
    secret = fake.webhook["secret_token"]
    assert post(url, update(900001, 7002, "Who is the Secretary General?")) == 403
    assert post(url, update(900002, 7002, "Who is the Secretary General?"), "wrong") == 403
    assert post(url, update(900003, 7002, "Who is the Secretary General?"), secret[:-1]) == 403
    assert post(url, update(900004, 7002, "Who is the Secretary General?"), secret + "x") == 403
    assert post(url, b"not json", secret) == 400
    assert post(url, update(900005, 7003, "Who is the Secretary General?"), secret) == 200
    assert "Allamand" in fake.wait_for_messages(7003, 1)[0].text
    time.sleep(1)
    assert fake.shown_to(7002) == []                          # the forged updates reached nothing


def test_secrets_are_redacted_from_debug_logs(webhook):
    fake, gateway, _ = webhook
    log = gateway.log()
    assert "/bot<redacted>/setWebhook" in log                  # PTB/httpx did log the URL...
    assert fake.token not in log                              # ...but never the token
    assert fake.webhook["secret_token"] not in log
    assert "Traceback" not in log
