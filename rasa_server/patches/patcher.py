"""Replacing attributes of Rasa's classes and modules so that every change can be undone together.

Own code rather than unittest.mock.patch: mock's patchers are built for tests (each one started and
stopped on its own, no check that the replacement fits); here a patch must fail before it changes
anything when Rasa's attribute is gone or its parameters differ, and a failed set must be undone whole.
"""
import inspect
from typing import Any, List, Tuple

_ABSENT = object()   # the attribute was inherited, not the owner's own: undo deletes ours


def _function(value: Any) -> Any:
    return value.__func__ if isinstance(value, (staticmethod, classmethod)) else value


def _parameters(function: Any) -> List[Tuple[str, Any]]:
    return [(p.name, p.kind) for p in inspect.signature(function).parameters.values()]


def _label(owner: Any) -> str:
    """`module.Class` or `module`: where the replaced attribute lives."""
    if isinstance(owner, type):
        return f"{owner.__module__}.{owner.__qualname__}"
    return getattr(owner, "__name__", repr(owner))


class Patcher:
    """Records each replaced attribute's original; `undo()` puts them all back, latest first."""

    def __init__(self) -> None:
        self._changes: List[Tuple[Any, str, Any]] = []

    def replace(self, owner: Any, name: str, new: Any) -> Any:
        """Sets `owner.name` to `new` and returns what `owner.name` was. Raises AttributeError when
        Rasa has no such attribute, TypeError when a replaced function's parameters differ from
        Rasa's (the patch was written for another version): nothing is changed then."""
        if not hasattr(owner, name):
            raise AttributeError(f"{_label(owner)} has no attribute {name!r}")
        original = getattr(owner, name)
        old, replacement = _function(inspect.getattr_static(owner, name)), _function(new)
        if inspect.isfunction(old) and inspect.isfunction(replacement) and \
                _parameters(old) != _parameters(replacement):
            raise TypeError(f"{_label(owner)}.{name} takes {inspect.signature(old)}, "
                            f"the patch expects {inspect.signature(replacement)}")
        self._changes.append((owner, name, vars(owner).get(name, _ABSENT)))
        setattr(owner, name, new)
        return original

    def undo(self) -> None:
        while self._changes:
            owner, name, own = self._changes.pop()
            if own is _ABSENT:
                delattr(owner, name)
            else:
                setattr(owner, name, own)

    def replaced(self) -> List[str]:
        """`module.Class.attribute` of every attribute replaced, in order."""
        return [f"{_label(owner)}.{name}" for owner, name, _ in self._changes]
