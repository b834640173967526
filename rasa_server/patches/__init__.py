"""Applying the project's changes to Rasa's internals (rasa_server/patches/speedups.py,
rasa_server/patches/fixes.py) once per process, and only on the Rasa version they were written and tested for."""
import logging
from typing import Callable, Iterable, Set

logger = logging.getLogger(__name__)
SUPPORTED_RASA = "3.6."
_applied: Set[str] = set()


def apply_once(name: str, patches: Iterable[Callable[[], None]]) -> bool:
    """Runs `patches` the first time `name` is applied; False when Rasa is not 3.6.x (left unpatched)."""
    if name in _applied:
        return True
    _applied.add(name)
    import rasa

    if not rasa.__version__.startswith(SUPPORTED_RASA):
        logger.warning("%s: Rasa %s is not %sx, running unpatched", name, rasa.__version__, SUPPORTED_RASA)
        return False
    for patch in patches:
        patch()
    return True
