"""Logging for the gateway: secrets (the bot token first) never reach a log line.

python-telegram-bot and httpx put the token in URLs (`https://api.telegram.org/bot<token>/getMe`)
at DEBUG and INFO, and exceptions may quote them. A filter on the handler redacts every secret from
the message, its arguments and the formatted traceback, whatever the logger and level; httpx's
per-request INFO lines are also lowered to WARNING because they are noise.
"""
import logging
from typing import Iterable, Optional, TextIO

from ops import logs

REDACTED = "<redacted>"
# Loggers that log every HTTP request (with the token in the URL) or every update (with the
# citizen's text) at INFO/DEBUG.
_NOISY = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "telegram.ext.Application": logging.INFO,
          "apscheduler": logging.WARNING}


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so that a secret containing another is replaced whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep what can be kept
            message = str(record.msg)
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def setup_logging(secrets: Iterable[str], level: str = "INFO", stream: Optional[TextIO] = None) -> RedactingFilter:
    """The services' one logging setup (ops/logs.py, LOG_FORMAT) with the redacting filter; returns it."""
    redactor = RedactingFilter(secrets)
    logs.setup("gateway", level, filters=[redactor], stream=stream)
    root = logging.getLogger()
    if root.level > logging.DEBUG:
        for name, noisy_level in _NOISY.items():
            logging.getLogger(name).setLevel(max(noisy_level, root.level))
    return redactor
