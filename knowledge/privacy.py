"""The data-protection settings of a deployment that every channel states the same way: where the
privacy page is (PRIVACY_URL), how many days conversations are kept (RETENTION_DAYS) and after how
many hours a live hand-off case nobody closed is closed (HANDOFF_STALE_HOURS).

The privacy page is served by the demo site (website/server.py, `/privacy`, from docs/privacy.md); a
deployment that publishes it elsewhere sets PRIVACY_URL. RETENTION_DAYS is what data_protection.retention purges
by default, what the privacy page and the first-contact notices say, and how long the web widget keeps
its local copy of the transcript.
"""
import os
from typing import Mapping, Optional

PRIVACY_URL_ENV = "PRIVACY_URL"
DEFAULT_PRIVACY_URL = "http://localhost:8080/privacy"
RETENTION_DAYS_ENV = "RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 90
STALE_HOURS_ENV = "HANDOFF_STALE_HOURS"
DEFAULT_STALE_HOURS = 72
# The placeholder a knowledge text (the privacy fact) uses for the page's address.
PRIVACY_URL_PLACEHOLDER = "{privacy_url}"


def privacy_url(environ: Optional[Mapping[str, str]] = None) -> str:
    return (os.environ if environ is None else environ).get(PRIVACY_URL_ENV, "").strip() or DEFAULT_PRIVACY_URL


def _positive(environ: Optional[Mapping[str, str]], name: str, default: float, unit: str) -> float:
    raw = (os.environ if environ is None else environ).get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if not 0 < value < float("inf"):
        raise ValueError(f"{name} must be a positive number of {unit}, got {raw!r}")
    return int(value) if value == int(value) else value


def retention_days(environ: Optional[Mapping[str, str]] = None) -> float:
    """RETENTION_DAYS, else 90; a bad value is a clear error (ValueError)."""
    return _positive(environ, RETENTION_DAYS_ENV, DEFAULT_RETENTION_DAYS, "days")


def stale_hours(environ: Optional[Mapping[str, str]] = None) -> float:
    """HANDOFF_STALE_HOURS, else 72; a bad value is a clear error (ValueError)."""
    return _positive(environ, STALE_HOURS_ENV, DEFAULT_STALE_HOURS, "hours")


def fill_privacy_url(text: str) -> str:
    return text.replace(PRIVACY_URL_PLACEHOLDER, privacy_url())
