"""One logging setup for every service (Rasa server, action server, Telegram gateway, web page).

`LOG_FORMAT=json` makes each service write one JSON object a line (python-json-logger) with the same
fields everywhere: `time` (ISO 8601, UTC), `level`, `service`, `logger`, `event` (the log message),
`conversation` (a keyed hash of the conversation id, never the id itself; null outside a
conversation) and `exc_info` for tracebacks. Otherwise (the default, `LOG_FORMAT=text`) one readable
line. Message text stays out of INFO in both formats (tests/production/test_production_logs.py).

The conversation hash is a BLAKE2b of the sender id keyed with LOG_HASH_KEY: set that in production
(any random string, the same for every service) so that a hash cannot be turned back into a
Telegram chat id by trying them all; unset, the hash still correlates lines but is unkeyed.
"""
import hashlib
import logging
import os
import sys
from contextvars import ContextVar, Token
from typing import Iterable, Optional, TextIO

FORMAT_ENV = "LOG_FORMAT"
HASH_KEY_ENV = "LOG_HASH_KEY"
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(service)s %(name)s: %(message)s"

_conversation: ContextVar[Optional[str]] = ContextVar("segib_log_conversation", default=None)


def conversation_hash(sender_id: str) -> str:
    key = os.environ.get(HASH_KEY_ENV, "").encode()[:64]
    return hashlib.blake2b(sender_id.encode("utf-8", "replace"), key=key, digest_size=8).hexdigest()


def set_conversation(sender_id: Optional[str]) -> Token:
    """Log lines of the current task (and the tasks it starts) carry this conversation's hash."""
    return _conversation.set(conversation_hash(sender_id) if sender_id else None)


def reset_conversation(token: Token) -> None:
    _conversation.reset(token)


class ContextFilter(logging.Filter):
    """Adds `service` and `conversation` to every record."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.conversation = _conversation.get()
        return True


def log_format() -> str:
    value = os.environ.get(FORMAT_ENV, "").strip().lower() or "text"
    if value not in FORMATS:
        raise ValueError(f"{FORMAT_ENV} must be text or json, got {value!r}")
    return value


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    class Formatter(JsonFormatter):
        """python-json-logger formats a traceback again from `exc_info`; a traceback a filter has
        already formatted (and redacted: the gateway's bot token, telegram_gateway/logs.py) is kept."""

        def format(self, record: logging.LogRecord) -> str:
            if not (record.exc_info and record.exc_text):
                return super().format(record)
            exc_info, record.exc_info = record.exc_info, None
            try:
                return super().format(record)
            finally:
                record.exc_info = exc_info

    return Formatter("{levelname}{service}{name}{message}{conversation}", style="{", timestamp="time",
                     rename_fields={"levelname": "level", "name": "logger", "message": "event"})


def setup(service: str, level: Optional[str] = None, filters: Iterable[logging.Filter] = (),
          stream: Optional[TextIO] = None) -> logging.Handler:
    """One handler on the root logger (others removed) in the configured format; returns it.

    `level` None keeps the root logger's level (the Rasa server sets its own from --log-level).
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter() if log_format() == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(ContextFilter(service))
    for extra in filters:
        handler.addFilter(extra)
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    if level is not None:
        root.setLevel(getattr(logging, level.upper(), logging.INFO))
    logging.captureWarnings(True)   # Python warnings become log records too (one format)
    return handler
