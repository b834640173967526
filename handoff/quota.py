"""The cap on hand-off cases: at most HANDOFF_CASES_PER_HOUR (3) per conversation and per public
client in any hour, so that one script cannot flood the staff group with cases. Counted in the
action server's memory (each action server process counts its own).

The public channels (bot/channels) put a pseudonym of the client address in the message metadata
under CLIENT_KEY (bot.limits); callers cannot set it (the channels drop unknown metadata).
"""
import os
import threading
import time
from collections import OrderedDict, deque
from typing import Callable, Deque, Iterable, Optional, Sequence

CLIENT_KEY = "client"
MAX_TRACKED = 100_000    # keys remembered at once (least recently used dropped)


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        raise ValueError(f"{name} must be a number, not {value!r}") from None


class CaseQuota:
    """At most `per_hour` hand-off cases per key (conversation, client) in any hour."""

    def __init__(self, per_hour: int = 3, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_hour, self.clock = per_hour, clock
        self._filed: "OrderedDict[str, Deque[float]]" = OrderedDict()
        self._lock = threading.Lock()   # the action server may file from several threads

    @classmethod
    def from_environment(cls) -> "CaseQuota":
        return cls(int(env_float("HANDOFF_CASES_PER_HOUR", 3)))

    def _recent(self, key: str, now: float) -> Deque[float]:
        filed = self._filed.pop(key, None) or deque()
        while filed and filed[0] <= now - 3600:
            filed.popleft()
        self._filed[key] = filed
        if len(self._filed) > MAX_TRACKED:
            self._filed.popitem(last=False)
        return filed

    def full(self, keys: Iterable[Optional[str]]) -> bool:
        with self._lock:
            now = self.clock()
            return any(len(self._recent(key, now)) >= self.per_hour for key in keys if key)

    def take(self, keys: Sequence[Optional[str]]) -> bool:
        """Counts one case for every key, unless one of them is full (then False, nothing counted)."""
        with self._lock:
            now = self.clock()
            recent = [self._recent(key, now) for key in keys if key]
            if any(len(filed) >= self.per_hour for filed in recent):
                return False
            for filed in recent:
                filed.append(now)
            return True

    def give_back(self, keys: Sequence[Optional[str]]) -> None:
        """Uncounts the last case of every key (it could not be filed after all)."""
        with self._lock:
            for key in keys:
                if key and self._filed.get(key):
                    self._filed[key].pop()
