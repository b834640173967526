import os
import secrets

import pytest

# Sanic 21.12 calls filterwarnings("once", category=DeprecationWarning) when imported (sanic/app.py), which
# would show every library's deprecations and none of ours as errors (pyproject.toml) in the test modules
# that import it later. Imported here, inside pytest's own warning filters, its filter goes when they do.
import sanic  # noqa: F401 (imported for its side effect on the warning filters)

import rasa_server.limits
from tests.support.clock import Clock
from tests.support.services import fast_run, free_port, start_assistant, trained_model

# What `make test-fast` leaves out: a trained model (and so every Rasa server and replica) and the
# browser. Tests that ask for a model without these fixtures skip inside trained_model().
SLOW_FIXTURES = {"model", "chromium_path", "browser"}

# The Rasa servers of the tests trust only callers with the REST channel's shared secret, as in
# production: the Telegram gateways (which inherit it) and the tests' own requests (post_json sends
# it). The public, secret-less REST channel is tested in process (tests/test_rest_channel.py).
os.environ.setdefault("REST_SHARED_SECRET", secrets.token_hex(16))


@pytest.fixture(scope="session")
def model():
    return trained_model()


@pytest.fixture
def guard(monkeypatch):
    """A fresh rate-limit guard of the process (rasa_server/limits.py), whose clock the test moves."""
    clock = Clock()
    guard = rasa_server.limits.ChannelGuard(rasa_server.limits.MessageLimits(clock=clock), [], b"test-key")
    monkeypatch.setattr(rasa_server.limits, "_guard", guard)
    return clock


@pytest.fixture(scope="session")
def widget_origin():
    """The origin of the demo page in the browser tests: the only page the widget channel accepts."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def assistant(model, widget_origin, tmp_path_factory):
    """The assistant as `make run` starts it, shared by the end-to-end tests of one session
    (REST channel, and the web widget channel open to `widget_origin`)."""
    running = start_assistant(tmp_path_factory.mktemp("assistant"), model, widget_origins=[widget_origin])
    yield running
    running.stop()


def pytest_collection_modifyitems(config, items):
    if not fast_run():
        return
    slow = [item for item in items if SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item not in slow]


def pytest_terminal_summary(terminalreporter):
    from tests.support.metrics import MEASURED

    if MEASURED:
        terminalreporter.section("measured")
        for name, value in MEASURED.items():
            terminalreporter.write_line(f"{name}: {value}")
