"""Fixtures of the hand-off tests: one assistant (action server + Rasa server, real trained model) with
its own case store, all on loopback; the Telegram side adds the stand-in Bot API and the gateway."""
import itertools
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from handoff.hours import DAYS
from handoff.store import CaseStore
from tests.support.fake_telegram import FakeTelegram
from tests.support.services import start_assistant
from tests.support.telegram_gateway import GatewayProcess, rasa_url_of, start_gateway

# The gateway calls Rasa's private endpoints (resume, forget) with this token; both must know it.
TOKEN = os.environ.setdefault("SEGIB_FORGET_TOKEN", secrets.token_urlsafe(24))
os.environ.setdefault("SANIC_KEEP_ALIVE_TIMEOUT", "75")

_chat_ids = itertools.count(5001)
_message_ids = itertools.count(1000, 100_000)   # each stand-in Bot API continues the staff chat's ids


@pytest.fixture(scope="session")
def handoff_db(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('handoff-state') / 'handoff.db'}"


def closed_window(zone: str = "America/Mexico_City") -> str:
    """A one-hour window on a weekday three days from now: closed at any time of a test run."""
    day = DAYS[(datetime.now(timezone.utc).weekday() + 3) % 7]
    return f"{day} 09:00-10:00 {zone}"


@pytest.fixture(scope="session")
def desk_assistant(model, handoff_db, tmp_path_factory):
    """The assistant of the hand-off tests: staffed 24/7 except the Mexico office (out of hours)."""
    running = start_assistant(tmp_path_factory.mktemp("handoff-assistant"), model,
                              env={"HANDOFF_DB_URL": handoff_db, "SEGIB_FORGET_TOKEN": TOKEN,
                                   "HANDOFF_HOURS": "always", "HANDOFF_HOURS_OFFICE_MEXICO": closed_window()})
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


STAFF_CHAT = -1001234567890      # the staff group (a supergroup id, as Telegram gives them)
STAFF_MEMBER = 424242            # a staff member's user id


@dataclass
class Relay:
    fake: FakeTelegram
    gateway: GatewayProcess
    env: dict
    log_dir: Path

    def restart(self) -> None:
        self.gateway = start_gateway(self.fake, self.env["RASA_URL"], self.log_dir, self.env)

    def staff_says(self, text: str, reply_to=None, chat: int = STAFF_CHAT, user: int = STAFF_MEMBER) -> int:
        return self.fake.send_text(chat, text, chat_type="supergroup", user_id=user, reply_to=reply_to)


def settle_earlier_rows(handoff_db: str) -> None:
    """Rows that earlier modules' cases left undelivered (their gateway has stopped) are marked sent.
    Otherwise a module's new gateway delivers them to its staff group first, and they take that group's
    slots under Telegram's limit (20 messages a minute per group, kept by PTB's AIORateLimiter): the
    module's own staff messages then wait 3 s each, and how long depends on which modules ran before."""
    store = CaseStore(handoff_db)
    try:
        while True:
            rows = store.pending(500)
            if not rows:
                return
            for row in rows:
                store.mark_sent(row)
    finally:
        store.engine.dispose()


def start_relay(assistant, handoff_db, log_dir: Path, **env) -> Relay:
    settle_earlier_rows(handoff_db)
    fake = FakeTelegram(first_message_id=next(_message_ids)).start()
    settings = {"RASA_URL": rasa_url_of(assistant.rest_url), "RASA_TIMEOUT": "30", "HANDOFF_DB_URL": handoff_db,
                "SEGIB_FORGET_TOKEN": TOKEN, "TELEGRAM_STAFF_CHAT_ID": str(STAFF_CHAT), "HANDOFF_HOURS": "always",
                "HANDOFF_RETRY_EVERY": "0.5", **env}
    return Relay(fake, start_gateway(fake, settings["RASA_URL"], log_dir, settings), settings, log_dir)


def stop_relay(relay: Relay) -> None:
    relay.gateway.stop()
    relay.fake.stop()
    log = relay.gateway.log()
    assert relay.fake.token not in log, "the bot token appeared in the gateway's log"
    assert "Traceback" not in log, f"the gateway logged an exception:\n{log[-3000:]}"


def relay_fixture(name: str, **env):
    """A module's own gateway with its own settings (e.g. a short HANDOFF_STALE_HOURS), as a fixture."""
    @pytest.fixture(scope="module")
    def own_relay(desk_assistant, handoff_db, tmp_path_factory):
        running = start_relay(desk_assistant, handoff_db, tmp_path_factory.mktemp(name), **env)
        yield running
        stop_relay(running)
    return own_relay


@pytest.fixture(scope="module")
def relay(desk_assistant, handoff_db, tmp_path_factory):
    """The stand-in Bot API with the gateway (staff group configured, staffed 24/7) in front of the
    hand-off assistant, sharing its case store."""
    running = start_relay(desk_assistant, handoff_db, tmp_path_factory.mktemp("relay"))
    yield running
    stop_relay(running)


@pytest.fixture
def fake(relay):
    return relay.fake
