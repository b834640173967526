"""The project's changes to Rasa 3.6 internals, installed explicitly and all or none.

`install()` is called from one place, the launcher (`python -m rasa_server run ...`,
rasa_server/__main__.py), before Rasa starts. Importing anything under rasa_server/ (the channels
too) changes nothing in Rasa. What is installed:

- the speed-ups (speedups.py): the same results with less work per message;
- the fixes (fixes.py): a waiting message keeps its lock ticket alive; no version banner on `GET /`;
- the metrics hooks (rasa_server/metrics.py): `/metrics` and one count per message.

It fails closed: on a Rasa other than 3.6.x, or when a patch does not apply (an attribute it
replaces is gone or takes other parameters), nothing stays patched and `install()` raises
UnsupportedRasa with one line naming the patch and the Rasa version; the launcher prints it and
exits with status 2. With SEGIB_ALLOW_UNPATCHED=1 it warns instead and Rasa runs unpatched (slower,
without the fixes or /metrics). `install()` is idempotent; `uninstall()` (for tests) restores Rasa.
"""
import logging
from typing import Callable, Dict, List, Optional

from rasa_server.patches.patcher import Patcher
from rasa_server.patches.version import (
    ALLOW_UNPATCHED_ENV,
    SUPPORTED_RASA,
    UnsupportedRasa,
    rasa_version,
    require_supported_rasa,
    supported,
    unpatched_allowed,
)

__all__ = ["ALLOW_UNPATCHED_ENV", "SUPPORTED_RASA", "UnsupportedRasa", "install", "installed", "replaced",
           "require_supported_rasa", "uninstall"]

logger = logging.getLogger(__name__)
Patch = Callable[[Patcher], None]
_patcher: Optional[Patcher] = None


def _patches() -> Dict[str, Patch]:
    """Every patch by its name (module.patch), in the order they are applied."""
    from rasa_server import metrics
    from rasa_server.patches import fixes, speedups

    return {f"{module.__name__.rsplit('.', 1)[-1]}.{name}": patch
            for module in (speedups, fixes, metrics) for name, patch in module.PATCHES.items()}


def _apply_all() -> Patcher:
    version = rasa_version()
    if not supported(version):
        raise UnsupportedRasa(f"The project's patches are written for Rasa {SUPPORTED_RASA}x, this is Rasa "
                              f"{version}: none applied")
    patcher = Patcher()
    for name, patch in _patches().items():
        try:
            patch(patcher)
        except Exception as error:
            patcher.undo()
            raise UnsupportedRasa(f"Rasa patch {name} does not apply to Rasa {version} "
                                  f"({type(error).__name__}: {error}): none applied") from error
    return patcher


def install() -> bool:
    """Applies every patch, once per process. True when Rasa is patched; False when a patch could
    not apply and SEGIB_ALLOW_UNPATCHED=1 allowed running unpatched (warned); raises UnsupportedRasa
    otherwise. Either way nothing is left half-applied."""
    global _patcher
    if _patcher is not None:
        return True
    try:
        _patcher = _apply_all()
    except UnsupportedRasa as refusal:
        if not unpatched_allowed():
            raise
        logger.warning("%s; %s=1: running unpatched", refusal.reason, ALLOW_UNPATCHED_ENV)
        return False
    logger.debug("Rasa %s patched: %s", rasa_version(), ", ".join(replaced()))
    return True


def installed() -> bool:
    return _patcher is not None


def replaced() -> List[str]:
    """`module.Class.attribute` of every Rasa attribute the installed patches replaced."""
    return _patcher.replaced() if _patcher is not None else []


def uninstall() -> None:
    """Restores every attribute install() replaced (tests compare the patched and stock Rasa)."""
    global _patcher
    if _patcher is not None:
        _patcher.undo()
        _patcher = None
