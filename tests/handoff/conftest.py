"""Fixtures of the hand-off tests: one assistant (action server + Rasa server, real trained model) with
its own case store, all on loopback; the Telegram side adds the stand-in Bot API and the gateway."""
import itertools
import os
import secrets

import pytest

from handoff.store import CaseStore
from tests.support.services import start_assistant

# The gateway calls Rasa's private endpoints (resume, forget) with this token; both must know it.
TOKEN = os.environ.setdefault("SEGIB_FORGET_TOKEN", secrets.token_urlsafe(24))
os.environ.setdefault("SANIC_KEEP_ALIVE_TIMEOUT", "75")

_chat_ids = itertools.count(5001)


@pytest.fixture(scope="session")
def handoff_db(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('handoff-state') / 'handoff.db'}"


@pytest.fixture(scope="session")
def desk_assistant(model, handoff_db, tmp_path_factory):
    running = start_assistant(tmp_path_factory.mktemp("handoff-assistant"), model,
                              env={"HANDOFF_DB_URL": handoff_db, "SEGIB_FORGET_TOKEN": TOKEN})
    yield running
    running.stop()


@pytest.fixture
def cases(handoff_db):
    store = CaseStore(handoff_db)
    yield store
    store.engine.dispose()


@pytest.fixture
def new_chat():
    return lambda: next(_chat_ids)
