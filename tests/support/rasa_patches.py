"""Checks that a patch of Rasa internals (rasa_server/patches) is what makes a test pass.

`only_when_patched(check)` runs `check` with the patches installed (it must pass), then on stock
Rasa after `uninstall()` (the same assertions must fail), and leaves the patches as it found them.
A patch test written this way cannot pass with its patch off.
"""
from typing import Any, Callable

import pytest

from rasa_server import patches


def only_when_patched(check: Callable[[], Any]) -> None:
    was_installed = patches.installed()
    try:
        assert patches.install()
        check()
        patches.uninstall()
        with pytest.raises(AssertionError):
            check()
    finally:
        patches.uninstall()
        if was_installed:
            patches.install()
