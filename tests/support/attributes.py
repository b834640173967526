"""Attributes named by their full dotted path (`rasa.core.lock_store.LockStore._acquire_lock`), as
rasa_server.patches.replaced() lists them. Imports nothing of the project (used in fresh interpreters
to see what importing the project changes)."""
import importlib
import inspect
from typing import Any, Dict, Iterable, Tuple


def resolve(label: str) -> Tuple[Any, str]:
    """The object that holds the attribute, and the attribute's name."""
    parts = label.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:-1]:
            owner = getattr(owner, name)
        return owner, parts[-1]
    raise LookupError(label)


def current(labels: Iterable[str]) -> Dict[str, Any]:
    """Each attribute as its owner holds it (no descriptor applied: a staticmethod stays one)."""
    return {label: inspect.getattr_static(*resolve(label)) for label in labels}
