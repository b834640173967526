"""LOG_FORMAT=json: one JSON object a line with the same fields in every service, the conversation as
a keyed hash, and the gateway's secrets redacted from messages and tracebacks alike."""
import io
import json
import logging

import pytest

from ops import logs
from telegram_gateway.logs import REDACTED, setup_logging

TOKEN = "123456:" + "S" * 35


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(False)


def test_json_lines_carry_the_fields_and_hash_the_conversation(monkeypatch, restore_logging):
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("LOG_HASH_KEY", "k1")
    stream = io.StringIO()
    logs.setup("actions", "INFO", stream=stream)
    token = logs.set_conversation("telegram:42")
    try:
        logging.getLogger("actions.test").info("case filed")
    finally:
        logs.reset_conversation(token)
    logging.getLogger("actions.test").warning("outside a conversation")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert {k: first[k] for k in ("level", "service", "logger", "event")} == {
        "level": "INFO", "service": "actions", "logger": "actions.test", "event": "case filed"}
    assert first["conversation"] == logs.conversation_hash("telegram:42") and "42" not in first["conversation"]
    assert first["time"].endswith("+00:00") and second["conversation"] is None
    monkeypatch.setenv("LOG_HASH_KEY", "k2")   # another key, another hash: not reversible by trying ids
    assert logs.conversation_hash("telegram:42") != first["conversation"]


def test_the_gateways_token_is_redacted_from_json_tracebacks(monkeypatch, restore_logging):
    monkeypatch.setenv("LOG_FORMAT", "json")
    stream = io.StringIO()
    setup_logging([TOKEN], "INFO", stream=stream)
    try:
        raise RuntimeError(f"GET https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        logging.getLogger("telegram.ext").exception("request to %s failed", f"bot{TOKEN}")
    text = stream.getvalue()
    assert TOKEN not in text
    record = json.loads(text)
    assert record["service"] == "gateway" and REDACTED in record["event"] and REDACTED in record["exc_info"]


def test_an_unknown_log_format_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT must be text or json"):
        logs.log_format()
