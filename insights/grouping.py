"""Unanswered messages grouped by similarity, so staff see "asked 12 times" once, not 12 rows.

Texts are compared after redaction and folding (lower case, no accents, no punctuation): two
messages that differ only in an email address, accents or word order fall in one group. rapidfuzz's
token_sort_ratio does the comparison (a maintained C++ implementation, fast enough for tens of
thousands of messages against the groups found so far).
"""
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from rapidfuzz import fuzz, process

SIMILARITY = 80        # token_sort_ratio (0-100) from which two messages count as the same question
MAX_VARIANTS = 5       # different wordings shown per group


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    kept = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.split())


@dataclass
class Item:
    """One unanswered message, already redacted."""
    text: str
    timestamp: float
    language: str
    channel: str
    reply: str
    guess: Optional[Tuple[str, float]]


@dataclass
class Group:
    items: List[Item] = field(default_factory=list)     # newest first

    def summary(self) -> Dict:
        newest = self.items[0]
        variants = Counter(item.text for item in self.items)
        guesses = Counter(item.guess[0] for item in self.items if item.guess)
        suggested = guesses.most_common(1)[0][0] if guesses else None
        confidence = max((item.guess[1] for item in self.items if item.guess and item.guess[0] == suggested),
                         default=None)
        return {
            "count": len(self.items),
            "text": newest.text,
            "variants": [text for text, _ in variants.most_common(MAX_VARIANTS)],
            "last_seen": newest.timestamp,
            "first_seen": self.items[-1].timestamp,
            "languages": dict(Counter(item.language for item in self.items).most_common()),
            "channels": dict(Counter(item.channel for item in self.items).most_common()),
            "bot_reply": newest.reply,
            "suggested_intent": suggested,
            "suggested_confidence": None if confidence is None else round(confidence, 3),
        }


def group(items: List[Item], similarity: int = SIMILARITY) -> List[Dict]:
    """Groups of similar messages, each summarised; the group asked about most recently first."""
    by_text: Dict[str, List[Item]] = {}
    for item in sorted(items, key=lambda i: i.timestamp, reverse=True):
        by_text.setdefault(fold(item.text), []).append(item)
    groups: List[Group] = []
    keys: List[str] = []
    for key, same in by_text.items():          # newest wording first
        found = process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=similarity) if keys else None
        if found is None:
            groups.append(Group(list(same)))
            keys.append(key)
        else:
            groups[found[2]].items.extend(same)
    for g in groups:
        g.items.sort(key=lambda i: i.timestamp, reverse=True)
    return [g.summary() for g in sorted(groups, key=lambda g: g.items[0].timestamp, reverse=True)]
