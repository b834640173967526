"""Fixtures of the Telegram tests: the stand-in Bot API server and the real gateway in front of the
real assistant (the session's `assistant` fixture), all on loopback."""
import itertools
import os
import secrets
from dataclasses import dataclass

import pytest

from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_gateway import GatewayProcess, rasa_url_of, start_gateway

# /forget needs the same token in the Rasa server and the gateway. Conftest modules are imported at
# collection, before any fixture starts a server, so the shared assistant inherits it too.
os.environ.setdefault("SEGIB_FORGET_TOKEN", secrets.token_urlsafe(24))

_chat_ids = itertools.count(1001)


@pytest.fixture
def chat():
    """A fresh private chat id (each test talks in chats of its own)."""
    return next(_chat_ids)


@pytest.fixture
def new_chat():
    return lambda: next(_chat_ids)


@dataclass
class Telegram:
    fake: FakeTelegram
    gateway: GatewayProcess


@pytest.fixture(scope="session")
def warm_assistant(assistant):
    """The shared assistant after its first messages, which load models lazily (seconds, more on a
    busy machine): that start-up cost is not what the gateway's timeouts are about."""
    for text in ("¿Qué países son miembros?", "Quem é o secretário-geral?", "Which office serves Ecuador?"):
        assistant.say("warm-up", text)
    return assistant


@pytest.fixture(scope="session")
def telegram(warm_assistant, tmp_path_factory):
    """The stand-in Bot API server with the gateway polling it, relaying to the shared assistant."""
    assistant = warm_assistant
    fake = FakeTelegram().start()
    # A generous Rasa timeout: these tests (the load test above all) are about relaying, isolation and
    # order, and must hold on a busy 2-core machine; the timeout itself is tested in test_faults.py.
    gateway = start_gateway(fake, rasa_url_of(assistant.rest_url), tmp_path_factory.mktemp("telegram"),
                            {"RASA_TIMEOUT": "30"})
    yield Telegram(fake, gateway)
    gateway.stop()
    fake.stop()
    log = gateway.log()
    assert fake.token not in log, "the bot token appeared in the gateway's log"
    assert "Traceback" not in log, f"the gateway logged an exception:\n{log[-3000:]}"


@pytest.fixture
def fake(telegram):
    return telegram.fake
