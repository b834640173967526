"""Runs scripted conversations (tests/data/e2e_conversations.yml) through the REST channel."""
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List

import yaml

from knowledge.text import fold

CONVERSATIONS_FILE = Path(__file__).resolve().parents[1] / "data" / "e2e_conversations.yml"


@dataclass
class Outcome:
    id: str
    language: str
    reply: str
    missing: List[str]

    @property
    def passed(self) -> bool:
        return not self.missing


def load_conversations(path: Path = CONVERSATIONS_FILE) -> list:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]


def reply_text(messages: list) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def run_conversation(say: Callable[[str, str], list], conversation: dict) -> Outcome:
    """Plays the turns on a fresh sender; checks the last reply holds every expected fragment."""
    sender = f"e2e-{conversation['id']}-{uuid.uuid4().hex[:6]}"
    messages: list = []
    for turn in conversation["turns"]:
        messages = say(sender, turn)
    text = reply_text(messages)
    missing = [f for f in conversation["expect"] if fold(str(f)) not in fold(text)]
    return Outcome(conversation["id"], conversation["language"], text, missing)
