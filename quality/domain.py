"""What domain.yml declares (intents, actions, entities), read without importing Rasa."""
from functools import lru_cache
from pathlib import Path
from typing import Set

import yaml

from quality.common import DOMAIN_FILE

# Actions every Rasa assistant has without declaring them.
DEFAULT_ACTIONS = {"action_listen", "action_restart", "action_session_start", "action_default_fallback",
                   "action_deactivate_loop", "action_revert_fallback_events", "action_two_stage_fallback",
                   "action_default_ask_affirmation", "action_default_ask_rephrase", "action_back",
                   "action_extract_slots", "action_unlikely_intent"}


@lru_cache(maxsize=4)
def _domain(path: str) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def _names(items) -> Set[str]:
    return {next(iter(i)) if isinstance(i, dict) else str(i) for i in items or []}


def domain_intents(path: Path = DOMAIN_FILE) -> Set[str]:
    return _names(_domain(str(path)).get("intents"))


def domain_actions(path: Path = DOMAIN_FILE) -> Set[str]:
    domain = _domain(str(path))
    return _names(domain.get("actions")) | set((domain.get("responses") or {})) | DEFAULT_ACTIONS


def domain_entities(path: Path = DOMAIN_FILE) -> Set[str]:
    return _names(_domain(str(path)).get("entities"))
