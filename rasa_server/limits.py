"""Rate limits shared by the channels that face the public (REST and the web widget) and the cap on
hand-off cases (the action server). In-process: each Rasa replica and each action server counts
its own traffic, so with N replicas behind a balancer the bounds are N times looser.

- Messages: a token bucket per connection (a widget socket) and per conversation, a burst of
  RATE_LIMIT_BURST (5) then RATE_LIMIT_PER_SECOND (1) a second; a looser bucket per client address
  (many citizens share one behind a ministry's proxy or a NAT): RATE_LIMIT_ADDRESS_BURST (60), then
  RATE_LIMIT_ADDRESS_PER_SECOND (10) a second. A message that is limited gets a polite reply
  (`rate_limited` in messages.yml) and reaches no conversation.
- The client address is the peer's, or, when the peer is one of TRUSTED_PROXIES (addresses or
  networks, comma-separated: the balancer), the last address in X-Forwarded-For that is not a
  trusted proxy. A client cannot choose its address by sending the header itself.
- Hand-off cases (handoff/quota.py, in the action server): the channel passes on a pseudonym of
  the client address (`client` in the message metadata: a keyed hash, never the address itself),
  which the channel sets and no caller can.
"""
import hashlib
import hmac
import ipaddress
import os
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Union

from handoff.quota import CLIENT_KEY, MAX_TRACKED, env_float  # noqa: F401 (CLIENT_KEY: re-exported for the channels)

KEY_SECRET_ENV = "SOCKETIO_SESSION_SECRET"   # also keys the pseudonyms (same on every replica)

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


class TokenBucket:
    __slots__ = ("tokens", "stamp")

    def __init__(self, capacity: float, now: float) -> None:
        self.tokens, self.stamp = capacity, now

    def take(self, capacity: float, rate: float, now: float) -> float:
        """0 when a token was taken, else the seconds until one is available."""
        self.tokens = min(capacity, self.tokens + (now - self.stamp) * rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / rate if rate > 0 else float("inf")


class Buckets:
    """Token buckets by key (burst `capacity`, then `rate` a second), the most recent MAX_TRACKED."""

    def __init__(self, capacity: float, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity, self.rate, self.clock = capacity, rate, clock
        self._buckets: "OrderedDict[str, TokenBucket]" = OrderedDict()

    def take(self, key: str) -> float:
        now = self.clock()
        bucket = self._buckets.pop(key, None) or TokenBucket(self.capacity, now)
        self._buckets[key] = bucket
        if len(self._buckets) > MAX_TRACKED:
            self._buckets.popitem(last=False)
        return bucket.take(self.capacity, self.rate, now)

    def forget(self, key: str) -> None:
        self._buckets.pop(key, None)


@dataclass
class Client:
    """Who sent a message: the connection (a widget socket; None for REST) and the client address
    (None for a trusted caller, e.g. the Telegram gateway, which throttles its own chats)."""
    connection: Optional[str] = None
    address: Optional[str] = None


class MessageLimits:
    def __init__(self, burst: float = 5, per_second: float = 1, address_burst: float = 60,
                 address_per_second: float = 10, clock: Callable[[], float] = time.monotonic) -> None:
        self.connections = Buckets(burst, per_second, clock)
        self.conversations = Buckets(burst, per_second, clock)
        self.addresses = Buckets(address_burst, address_per_second, clock)

    @classmethod
    def from_environment(cls) -> "MessageLimits":
        return cls(env_float("RATE_LIMIT_BURST", 5), env_float("RATE_LIMIT_PER_SECOND", 1),
                   env_float("RATE_LIMIT_ADDRESS_BURST", 60), env_float("RATE_LIMIT_ADDRESS_PER_SECOND", 10))

    def wait(self, conversation: str, client: Client) -> float:
        """0 when the message may go on, else the seconds to wait. The address is charged only for
        messages its connection and conversation let through, so one flooding client does not use
        up the allowance of the others behind the same address."""
        wait = self.conversations.take(conversation)
        if client.connection is not None:
            wait = max(wait, self.connections.take(client.connection))
        if wait == 0 and client.address is not None:
            wait = self.addresses.take(client.address)
        return wait


def parse_networks(value: str) -> List[Network]:
    networks = []
    for item in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {item!r} is not an address or network") from None
    return networks


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(peer: Optional[str], forwarded_for: Optional[str], proxies: Sequence[Network]) -> str:
    """The peer's address, or behind trusted proxies the nearest untrusted one in X-Forwarded-For."""
    address = (peer or "").strip() or "unknown"
    if not forwarded_for or not _trusted(address, proxies):
        return address
    for hop in reversed([hop.strip() for hop in forwarded_for.split(",") if hop.strip()]):
        address = hop
        if not _trusted(hop, proxies):
            break
    return address


class ChannelGuard:
    """What the public channels of one Rasa server share: the message limits, the trusted proxies and
    the key of the client pseudonyms."""

    def __init__(self, limits: MessageLimits, proxies: Sequence[Network], key: bytes) -> None:
        self.limits, self.proxies, self._key = limits, list(proxies), key

    @classmethod
    def from_environment(cls) -> "ChannelGuard":
        key = os.environ.get(KEY_SECRET_ENV, "") or secrets.token_hex(32)
        return cls(MessageLimits.from_environment(), parse_networks(os.environ.get("TRUSTED_PROXIES", "")),
                   key.encode())

    def address(self, peer: Optional[str], forwarded_for: Optional[str]) -> str:
        return client_address(peer, forwarded_for, self.proxies)

    def pseudonym(self, address: str) -> str:
        return hmac.new(self._key, f"client:{address}".encode(), hashlib.sha256).hexdigest()[:24]


_guard: Optional[ChannelGuard] = None
_guard_lock = threading.Lock()


def channel_guard() -> ChannelGuard:
    """The one guard of this process (read from the environment on first use)."""
    global _guard
    with _guard_lock:
        if _guard is None:
            _guard = ChannelGuard.from_environment()
        return _guard
