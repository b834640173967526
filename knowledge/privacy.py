"""Two data-protection settings of a deployment that every channel states the same way: where the
privacy page is (PRIVACY_URL) and how many days conversations are kept (RETENTION_DAYS).

The privacy page is served by the demo site (bot/website.py, `/privacy`, from docs/privacy.md); a
deployment that publishes it elsewhere sets PRIVACY_URL. RETENTION_DAYS is what bot.retention purges
by default, what the privacy page and the first-contact notices say, and how long the web widget keeps
its local copy of the transcript.
"""
import os
from typing import Mapping, Optional

PRIVACY_URL_ENV = "PRIVACY_URL"
DEFAULT_PRIVACY_URL = "http://localhost:8080/privacy"
RETENTION_DAYS_ENV = "RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 90
# The placeholder a knowledge text (the privacy fact) uses for the page's address.
PRIVACY_URL_PLACEHOLDER = "{privacy_url}"


def privacy_url(environ: Optional[Mapping[str, str]] = None) -> str:
    return (os.environ if environ is None else environ).get(PRIVACY_URL_ENV, "").strip() or DEFAULT_PRIVACY_URL


def retention_days(environ: Optional[Mapping[str, str]] = None) -> float:
    """RETENTION_DAYS (a positive number of days), else 90; a bad value is a clear error."""
    raw = (os.environ if environ is None else environ).get(RETENTION_DAYS_ENV, "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    try:
        days = float(raw)
    except ValueError:
        days = -1
    if days <= 0:
        raise ValueError(f"{RETENTION_DAYS_ENV} must be a positive number of days, got {raw!r}")
    return int(days) if days == int(days) else days


def fill_privacy_url(text: str) -> str:
    return text.replace(PRIVACY_URL_PLACEHOLDER, privacy_url())
