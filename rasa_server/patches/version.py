"""The one Rasa version the project's use of Rasa internals is written for, and the one way to check it.

Some project code reaches past Rasa's public API: the patches (rasa_server/patches/), the metrics
hooks (rasa_server/metrics.py), and classes that override or read Rasa's private methods and
attributes (nlu/intent_classifier.py, rasa_server/channels/socketio.py and forget.py,
rasa_server/tracker_store.py, rasa_server/lock_store.py). On another Rasa version these may do the
wrong thing silently, so they refuse to run there, with one clear line, unless the operator allows
it with SEGIB_ALLOW_UNPATCHED=1 (then: a warning, and Rasa's own behaviour where a patch would
have changed it).
"""
import logging
import os

logger = logging.getLogger(__name__)

SUPPORTED_RASA = "3.6."            # Rasa 3.6.x (the project pins 3.6.21)
ALLOW_UNPATCHED_ENV = "SEGIB_ALLOW_UNPATCHED"


class UnsupportedRasa(RuntimeError):
    """The installed Rasa is not the one a use of its internals was written for (or a patch does not apply).

    `reason` says what and on which Rasa version; the message adds how to run anyway."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason} (set {ALLOW_UNPATCHED_ENV}=1 to run anyway)")
        self.reason = reason


def rasa_version() -> str:
    import rasa

    return rasa.__version__


def supported(version: str) -> bool:
    return version.startswith(SUPPORTED_RASA)


def unpatched_allowed() -> bool:
    return os.environ.get(ALLOW_UNPATCHED_ENV, "").strip().lower() in ("1", "true", "yes")


def require_supported_rasa(what: str) -> bool:
    """Checks that the installed Rasa is 3.6.x before `what` (a component, channel or store that uses
    Rasa internals) is created. True when it is; False, with a warning, on another version when
    SEGIB_ALLOW_UNPATCHED=1; raises UnsupportedRasa otherwise."""
    version = rasa_version()
    if supported(version):
        return True
    reason = f"{what} uses internals of Rasa {SUPPORTED_RASA}x; this is Rasa {version}"
    if unpatched_allowed():
        logger.warning("%s (%s=1: running anyway)", reason, ALLOW_UNPATCHED_ENV)
        return False
    raise UnsupportedRasa(reason)
