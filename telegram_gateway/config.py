"""Gateway settings, read from the environment and an untracked `.env` at the repository root.

The environment wins over `.env`, so `TELEGRAM_BOT_TOKEN=... python -m telegram_gateway` overrides it.
`.env` is read by ops/envfile.py, as `make run` and `make doctor` read it.
"""
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Mapping, Optional
from urllib.parse import urlsplit

from contracts import EXPORT_PATH, FORGET_PATH, FORGET_TOKEN_ENV, REST_PATH, RESUME_PATH, SECRET_ENV
from handoff import hours as office_hours
from knowledge import privacy
from ops import envfile

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_API_URL = "https://api.telegram.org/bot"
MODES = ("polling", "webhook")
GROUP_MODES = ("refuse", "ignore")
# Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - as a webhook secret_token.
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _chat_id(name: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a Telegram chat id (a number such as -1001234567890), got "
                          f"{raw.strip()!r}; docs/handoff.md says how to find it") from None


def _staff_chats(raw: str) -> Dict[str, int]:
    """TELEGRAM_STAFF_CHATS: `office_id=chat_id` pairs, comma-separated (office ids of segib.yml)."""
    chats = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        office, sep, chat = pair.partition("=")
        if not sep or not office.strip():
            raise ConfigError(f"TELEGRAM_STAFF_CHATS must be office=chat_id pairs separated by commas, "
                              f"e.g. office_mexico=-1001234567890; got {pair!r}")
        chats[office.strip()] = _chat_id("TELEGRAM_STAFF_CHATS", chat)
    return chats


def _number(env: Mapping[str, str], name: str, default: float, minimum: float = 0) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    mode: str = "polling"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout: float = 8.0            # seconds before "temporarily unavailable"
    rasa_concurrency: int = 16           # requests in flight to Rasa at once
    rasa_retry_after: float = 5.0        # seconds Rasa is not tried again after a failure
    forget_token: Optional[str] = field(default=None, repr=False)
    rest_secret: Optional[str] = field(default=None, repr=False)   # REST_SHARED_SECRET (rasa_server/channels/rest.py)
    webhook_url: Optional[str] = None    # public HTTPS URL Telegram posts to
    webhook_secret: str = field(default="", repr=False)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8081
    groups: str = "refuse"
    chat_rate: float = 1.0               # messages per second a chat is answered at, sustained
    chat_burst: int = 5                  # messages a chat may send at once before being slowed
    chat_queue: int = 10                 # messages of one chat waiting at most; more are dropped
    telegram_rate: float = 30.0          # requests per second to Telegram, whole bot (0 = off)
    telegram_retries: int = 5            # retries of a failed Telegram request (429, 5xx, network)
    log_level: str = "INFO"
    staff_chat: Optional[int] = None     # TELEGRAM_STAFF_CHAT_ID: the staff group of every case
    office_chats: Dict[str, int] = field(default_factory=dict)   # office id -> its own staff group
    hours: office_hours.OfficeHours = field(default_factory=lambda: office_hours.parse(None))
    hours_by_office: Dict[str, office_hours.OfficeHours] = field(default_factory=dict)   # HANDOFF_HOURS_<OFFICE_ID>
    staff_language: str = "es"           # what staff read in their group
    outbox_every: float = 5.0            # seconds between delivery rounds of the hand-off outbox
    remind_minutes: float = 10.0         # HANDOFF_REMIND_MINUTES: a case unanswered this long is posted again
                                         # (0: never)
    stale_hours: float = privacy.DEFAULT_STALE_HOURS   # HANDOFF_STALE_HOURS: live cases open longer are closed
    privacy_url: str = privacy.DEFAULT_PRIVACY_URL   # PRIVACY_URL: the privacy page the notices link to
    retention_days: float = privacy.DEFAULT_RETENTION_DAYS   # RETENTION_DAYS, as the notices state it
    http_listen: str = "127.0.0.1"       # GATEWAY_HTTP_LISTEN: /health and /metrics (telegram_gateway/health.py)
    http_port: int = 8090                # GATEWAY_HTTP_PORT; 0 turns the listener off

    @property
    def resume_url(self) -> str:
        return self._rasa(RESUME_PATH)

    @property
    def rest_url(self) -> str:
        return self._rasa(REST_PATH)

    @property
    def forget_url(self) -> str:
        return self._rasa(FORGET_PATH)

    @property
    def export_url(self) -> str:
        return self._rasa(EXPORT_PATH)

    def _rasa(self, path: str) -> str:
        return f"{self.rasa_url.rstrip('/')}{path}"

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url or "").path or "/telegram"

    @property
    def secrets(self) -> tuple:
        """Values that must never appear in a log line."""
        return tuple(s for s in (self.token, self.webhook_secret, self.forget_token, self.rest_secret) if s)

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None,
                 dotenv: Optional[Path] = ROOT / ".env") -> "Settings":
        try:
            env = envfile.merged(dotenv, os.environ if environ is None else environ)
        except envfile.EnvFileError as error:
            raise ConfigError(str(error)) from None
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put "
                              "TELEGRAM_BOT_TOKEN=<token> in the environment or in .env (see docs/telegram.md)")
        if not _TOKEN_PATTERN.match(token):
            raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits:letters, as "
                              "@BotFather gives it)")
        api_url = env.get("TELEGRAM_BOT_API_URL", "").strip() or DEFAULT_API_URL
        if urlsplit(api_url).scheme not in ("http", "https"):
            raise ConfigError(f"TELEGRAM_BOT_API_URL must be an http(s) URL such as {DEFAULT_API_URL}")
        mode = env.get("TELEGRAM_MODE", "").strip().lower() or "polling"
        if mode not in MODES:
            raise ConfigError(f"TELEGRAM_MODE must be one of {', '.join(MODES)}, got {mode!r}")
        groups = env.get("TELEGRAM_GROUPS", "").strip().lower() or "refuse"
        if groups not in GROUP_MODES:
            raise ConfigError(f"TELEGRAM_GROUPS must be one of {', '.join(GROUP_MODES)}, got {groups!r}")
        webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
        secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
        if mode == "webhook":
            if not webhook_url or urlsplit(webhook_url).scheme not in ("https", "http"):
                raise ConfigError("TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_URL, the public HTTPS URL "
                                  "Telegram will post updates to")
            if secret and not SECRET_PATTERN.match(secret):
                raise ConfigError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters A-Z, a-z, 0-9, _ or -")
            # Without a configured secret, a random one is set with setWebhook at every start.
            secret = secret or secrets.token_urlsafe(32)
        return cls(
            token=token,
            api_url=api_url,
            mode=mode,
            rasa_url=env.get("RASA_URL", "").strip() or "http://127.0.0.1:5005",
            rasa_timeout=_number(env, "RASA_TIMEOUT", 8.0, 0.1),
            rasa_concurrency=int(_number(env, "RASA_CONCURRENCY", 16, 1)),
            rasa_retry_after=_number(env, "RASA_RETRY_AFTER", 5.0, 0),
            forget_token=env.get(FORGET_TOKEN_ENV, "").strip() or None,
            rest_secret=env.get(SECRET_ENV, "").strip() or None,
            webhook_url=webhook_url,
            webhook_secret=secret,
            webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
            webhook_port=int(_number(env, "TELEGRAM_WEBHOOK_PORT", 8081, 1)),
            groups=groups,
            chat_rate=_number(env, "TELEGRAM_CHAT_RATE", 1.0, 0.01),
            chat_burst=int(_number(env, "TELEGRAM_CHAT_BURST", 5, 1)),
            chat_queue=int(_number(env, "TELEGRAM_CHAT_QUEUE", 10, 1)),
            telegram_rate=_number(env, "TELEGRAM_MAX_RATE", 30.0, 0),
            telegram_retries=int(_number(env, "TELEGRAM_RETRIES", 5, 0)),
            log_level=(env.get("LOG_LEVEL", "").strip() or "INFO").upper(),
            http_listen=env.get("GATEWAY_HTTP_LISTEN", "").strip() or "127.0.0.1",
            http_port=int(_number(env, "GATEWAY_HTTP_PORT", 8090, 0)),
            **_handoff(env),
            **_privacy(env),
        )


def _handoff(env: Mapping[str, str]) -> dict:
    """The hand-off settings (docs/handoff.md): staff groups, office hours, staff language."""
    raw_chat = env.get("TELEGRAM_STAFF_CHAT_ID", "").strip()
    try:
        schedule = office_hours.schedule(env)
    except office_hours.HoursError as error:
        raise ConfigError(str(error)) from None
    language = env.get("HANDOFF_STAFF_LANGUAGE", "").strip().lower() or "es"
    if language not in ("es", "pt", "en"):
        raise ConfigError(f"HANDOFF_STAFF_LANGUAGE must be es, pt or en, got {language!r}")
    return dict(staff_chat=_chat_id("TELEGRAM_STAFF_CHAT_ID", raw_chat) if raw_chat else None,
                office_chats=_staff_chats(env.get("TELEGRAM_STAFF_CHATS", "")), hours=schedule.default,
                hours_by_office=dict(schedule.offices),
                staff_language=language, outbox_every=_number(env, "HANDOFF_RETRY_EVERY", 5.0, 0.1),
                remind_minutes=_number(env, "HANDOFF_REMIND_MINUTES", 10.0, 0))


def _privacy(env: Mapping[str, str]) -> dict:
    """What the first-contact notice and /privacy state, and when a live case is closed unanswered
    (knowledge/privacy.py, docs/privacy.md)."""
    try:
        return dict(privacy_url=privacy.privacy_url(env), retention_days=privacy.retention_days(env),
                    stale_hours=privacy.stale_hours(env))
    except ValueError as error:
        raise ConfigError(str(error)) from None
