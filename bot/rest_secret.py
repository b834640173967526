"""The REST channel's optional shared secret (production: only the gateway knows it).

The Rasa server's REST channel (bot/channels/rest.py) checks it; the Telegram gateway
(bot/telegram/rasa.py) sends it. No Rasa import, so the gateway stays light.
"""
import hmac
from typing import Optional

SECRET_ENV = "REST_SHARED_SECRET"
SECRET_HEADER = "X-SEGIB-Secret"


def secret_matches(expected: Optional[str], given: Optional[str]) -> bool:
    """True when no secret is configured, or `given` equals it (constant-time comparison)."""
    if not expected:
        return True
    return isinstance(given, str) and hmac.compare_digest(given.encode("utf-8", "surrogatepass"),
                                                          expected.encode("utf-8"))
