"""The cap on hand-off cases: at most HANDOFF_CASES_PER_HOUR (3) per conversation and
HANDOFF_CASES_PER_CLIENT_HOUR (default: the same) per public client address in any hour, so that one
script cannot flood the staff group with cases. Counted in the action server's memory (each action
server process counts its own).

The public channels (rasa_server/channels) put a pseudonym of the client address in the message metadata
under contracts.CLIENT_KEY (rasa_server.limits); callers cannot set it (the channels drop unknown metadata).
"""
import os
import threading
import time
from collections import OrderedDict, deque
from typing import Callable, Deque, Iterable, Optional, Sequence

CLIENT_PREFIX = "client:"   # quota keys of client addresses (the others are conversations)
MAX_TRACKED = 100_000    # keys remembered at once (least recently used dropped)


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        raise ValueError(f"{name} must be a number, not {value!r}") from None


class CaseQuota:
    """At most `per_hour` hand-off cases per key (conversation, client) in any hour."""

    def __init__(self, per_hour: int = 3, clock: Callable[[], float] = time.monotonic,
                 per_client_hour: Optional[int] = None) -> None:
        self.per_hour, self.clock = per_hour, clock
        self.per_client_hour = per_hour if per_client_hour is None else per_client_hour
        self._filed: "OrderedDict[str, Deque[float]]" = OrderedDict()
        self._lock = threading.Lock()   # the action server may file from several threads

    @classmethod
    def from_environment(cls) -> "CaseQuota":
        per_hour = int(env_float("HANDOFF_CASES_PER_HOUR", 3))
        return cls(per_hour, per_client_hour=int(env_float("HANDOFF_CASES_PER_CLIENT_HOUR", per_hour)))

    def _cap(self, key: str) -> int:
        return self.per_client_hour if key.startswith(CLIENT_PREFIX) else self.per_hour

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
            return any(len(self._recent(key, now)) >= self._cap(key) for key in keys if key)

    def take(self, keys: Sequence[Optional[str]]) -> bool:
        """Counts one case for every key, unless one of them is full (then False, nothing counted)."""
        with self._lock:
            now = self.clock()
            recent = [(key, self._recent(key, now)) for key in keys if key]
            if any(len(filed) >= self._cap(key) for key, filed in recent):
                return False
            for _, filed in recent:
                filed.append(now)
            return True

    def give_back(self, keys: Sequence[Optional[str]]) -> None:
        """Uncounts the last case of every key (it could not be filed after all)."""
        with self._lock:
            for key in keys:
                if key and self._filed.get(key):
                    self._filed[key].pop()
