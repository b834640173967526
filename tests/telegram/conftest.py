"""Fixtures of the Telegram tests: the stand-in Bot API server and the real gateway in front of the
real assistant (the session's `assistant` fixture), all on loopback."""
import itertools
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.support.fake_telegram import FakeTelegram
from tests.support.services import start_assistant
from tests.support.telegram_gateway import GatewayProcess, rasa_url_of, start_gateway

# Conftest modules are imported at collection, before any fixture starts a server, so the servers
# of the session (the shared assistant too) inherit these:
# - /forget needs the same token in the Rasa server and the gateway;
os.environ.setdefault("SEGIB_FORGET_TOKEN", secrets.token_urlsafe(24))
# - under load, Rasa's calls to the action server fail now and then with "Can not write request
#   body": Rasa's aiohttp client reuses idle connections for 15 s, the action server (sanic) closes
#   them after 5 s. A core issue (reported); until the action server sets a longer keep-alive
#   itself, the tests do, so that the load test measures the gateway and not that race.
os.environ.setdefault("SANIC_KEEP_ALIVE_TIMEOUT", "75")

_chat_ids = itertools.count(1001)


def pytest_collection_modifyitems(session, config, items):
    """test_faults.py last: its assistant then starts in the background while the others run."""
    items.sort(key=lambda item: item.path.name == "test_faults.py")


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


@pytest.fixture(scope="session", autouse=True)
def own_assistant(request, tmp_path_factory):
    """A second assistant for test_faults.py, which stops and restarts its Rasa server. It starts in
    the background as soon as the session's Telegram tests begin, alongside the shared one."""
    if not any(item.path.name == "test_faults.py" for item in request.session.items):
        yield None
        return
    model = request.getfixturevalue("model")   # only now: it may train (once) on a fresh clone
    pool = ThreadPoolExecutor(1, thread_name_prefix="own-assistant")
    future = pool.submit(start_assistant, tmp_path_factory.mktemp("own-assistant"), model)
    yield future
    pool.shutdown(wait=True)
    if future.exception() is None:
        future.result().stop()


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
