"""Figures measured by tests (accuracy, pass rates), printed at the end of the pytest run."""
from typing import Dict

MEASURED: Dict[str, str] = {}


def record(name: str, value: str) -> None:
    MEASURED[name] = value
