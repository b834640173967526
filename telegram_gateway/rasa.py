"""Client of the Rasa server's REST channel (and its conversation-deletion endpoint) on loopback.

Faults never reach the citizen as silence: any failure raises RasaUnavailable, which the gateway
turns into the "temporarily unavailable" phrase. After a failure Rasa is not called again for
`retry_after` seconds (a circuit breaker), so that while it is down or hung every citizen gets that
phrase at once instead of waiting for a timeout each (a refused connection or a 5xx opens it at
once; timeouts and broken connections when three requests in a row fail). Afterwards the next
message tries again, so the gateway recovers by itself when Rasa is back.
"""
import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import httpx

from contracts import FORGET_TOKEN_ENV, HANDOFF_PAYLOAD, REPLY_LANGUAGE_KEY, SECRET_HEADER
from knowledge.schema import LANGUAGES
from ops.metrics import RASA_UNAVAILABLE

logger = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer (down, slow, erroring) or is resting after a recent failure."""


class ForgetDisabled(Exception):
    """The Rasa server has no conversation-deletion endpoint configured (no SEGIB_FORGET_TOKEN)."""


@dataclass(frozen=True)
class RasaMessage:
    text: str
    buttons: Tuple[Tuple[str, str], ...] = ()   # (title, payload)
    handoff: Optional[Dict[str, Any]] = None    # the action's {"handoff": {...}} custom payload
    language: Optional[str] = None              # the language the actions chose for this reply


def parse_messages(body: Any) -> List[RasaMessage]:
    """The REST channel's reply: a list of {"recipient_id", "text", "buttons": [{"title", "payload"}],
    "language"}; `language` (contracts.REPLY_LANGUAGE_KEY) is on the replies the actions wrote."""
    if not isinstance(body, list):
        raise ValueError("the REST channel did not return a list")
    messages = []
    for item in body:
        if not isinstance(item, dict):
            continue
        text = item.get("text") if isinstance(item.get("text"), str) else ""
        buttons = tuple(
            (str(b["title"]), str(b["payload"])) for b in item.get("buttons") or []
            if isinstance(b, dict) and b.get("title") and b.get("payload")
        )
        custom = item.get("custom")
        handoff = custom.get(HANDOFF_PAYLOAD) if isinstance(custom, dict) else None
        language = item.get(REPLY_LANGUAGE_KEY)
        if text.strip() or buttons or isinstance(handoff, dict):
            messages.append(RasaMessage(text, buttons, handoff if isinstance(handoff, dict) else None,
                                        language if language in LANGUAGES else None))
    return messages


class RasaClient:
    # A refused connection or a 5xx opens the breaker at once; timeouts and broken connections only
    # when several requests in a row fail (one slow message, e.g. the first after Rasa starts, or one
    # stale connection says nothing of the others).
    TIMEOUTS_TO_OPEN = 3

    def __init__(self, rest_url: str, timeout: float = 8.0, concurrency: int = 16, retry_after: float = 5.0,
                 forget_url: Optional[str] = None, forget_token: Optional[str] = None,
                 resume_url: Optional[str] = None, rest_secret: Optional[str] = None,
                 export_url: Optional[str] = None) -> None:
        self.rest_url = rest_url
        self.export_url = export_url
        self.forget_url = forget_url
        self.resume_url = resume_url
        self.forget_token = forget_token
        self.timeout = timeout
        self.retry_after = retry_after
        self._slots = asyncio.Semaphore(concurrency)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            # Idle connections are dropped after 2 s, before the Rasa server (sanic, 5 s) closes them:
            # reusing a connection the server is closing fails the request.
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency,
                                keepalive_expiry=2.0),
            trust_env=False,  # loopback: never through an HTTP proxy from the environment
            # The REST channel's shared secret, when the Rasa servers require one (production).
            headers={SECRET_HEADER: rest_secret} if rest_secret else None,
        )
        self._down_until = 0.0
        self._down = False
        self._timeouts = 0

    async def close(self) -> None:
        await self._client.aclose()

    @property
    def resting(self) -> bool:
        return time.monotonic() < self._down_until

    def _failed(self, reason: str, timeout: bool = False) -> None:
        """Records a failure; `timeout` covers any failure that does not prove Rasa is down."""
        if timeout:
            self._timeouts += 1
            if self._timeouts < self.TIMEOUTS_TO_OPEN:
                logger.warning("A request to Rasa failed (%s)", reason)
                return
        self._down_until = time.monotonic() + self.retry_after
        if not self._down:
            logger.warning("Rasa is unavailable (%s); citizens get the 'unavailable' reply, retrying in %.0f s",
                           reason, self.retry_after)
        self._down = True

    def _succeeded(self) -> None:
        if self._down:
            logger.info("Rasa answers again")
        self._down = False
        self._down_until = 0.0
        self._timeouts = 0

    async def _post(self, url: str, payload: Dict[str, Any],
                    headers: Optional[Dict[str, str]] = None) -> httpx.Response:
        if self.resting:
            raise RasaUnavailable("Rasa failed recently")
        try:
            # A slot is waited for at most 3 timeouts; the request itself at most one timeout.
            await asyncio.wait_for(self._slots.acquire(), timeout=3 * self.timeout)
        except asyncio.TimeoutError:
            raise RasaUnavailable("too many requests waiting for Rasa") from None
        try:
            if self.resting:  # it failed while this request waited for a slot
                raise RasaUnavailable("Rasa failed recently")
            response = await asyncio.wait_for(self._client.post(url, json=payload, headers=headers),
                                              timeout=self.timeout + 1)
        except (httpx.HTTPError, asyncio.TimeoutError, OSError) as error:
            # Refused: Rasa is down. Timeouts and broken connections: maybe just this request.
            refused = isinstance(error, (httpx.ConnectError, ConnectionRefusedError))
            self._failed(type(error).__name__, timeout=not refused)
            raise RasaUnavailable(type(error).__name__) from None
        finally:
            self._slots.release()
        if response.status_code >= 500:
            self._failed(f"HTTP {response.status_code}")
            raise RasaUnavailable(f"HTTP {response.status_code}")
        return response

    async def send(self, sender: str, text: str, metadata: Dict[str, str]) -> List[RasaMessage]:
        """The replies to a citizen's message; RasaUnavailable (counted in segib_rasa_unavailable_total)."""
        try:
            return await self._send(sender, text, metadata)
        except RasaUnavailable:
            RASA_UNAVAILABLE.inc()
            raise

    async def _send(self, sender: str, text: str, metadata: Dict[str, str]) -> List[RasaMessage]:
        response = await self._post(self.rest_url, {"sender": sender, "message": text, "metadata": metadata})
        if response.status_code != 200:
            # 4xx: this message was refused (too long, malformed); Rasa itself is fine.
            logger.warning("Rasa refused a message with HTTP %s", response.status_code)
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            messages = parse_messages(response.json())
        except ValueError as error:
            self._failed("malformed reply")
            raise RasaUnavailable(str(error)) from None
        self._succeeded()
        return messages

    async def forget(self, sender: str) -> bool:
        """Deletes the conversation of `sender` on the Rasa server; True if there was one."""
        return await self._private(self.forget_url, sender, "deleted", "forget")

    async def resume(self, sender: str) -> bool:
        """Hands a paused conversation back to the assistant; True if it was paused."""
        return await self._private(self.resume_url, sender, "resumed", "hand-off")

    async def export(self, sender: str) -> Dict[str, Any]:
        """The JSON document of `sender`'s data (data_protection.rights), from the Rasa server."""
        document = (await self._private_json(self.export_url, sender, "export")).get("document")
        if not isinstance(document, dict):
            raise RasaUnavailable("the export endpoint answered without a document")
        return document

    async def _private(self, url: Optional[str], sender: str, answer: str, endpoint: str) -> bool:
        return bool((await self._private_json(url, sender, endpoint)).get(answer))

    async def _private_json(self, url: Optional[str], sender: str, endpoint: str) -> Dict[str, Any]:
        """A call to one of the Rasa server's private endpoints (rasa_server/channels/private.py): its JSON answer."""
        if not (url and self.forget_token):
            raise ForgetDisabled(f"{FORGET_TOKEN_ENV} is not set for the gateway")
        response = await self._post(url, {"sender": sender}, headers={"Authorization": f"Bearer {self.forget_token}"})
        if response.status_code == 404:
            raise ForgetDisabled(f"the Rasa server has no {endpoint} endpoint ({FORGET_TOKEN_ENV} unset there?)")
        if response.status_code != 200:
            logger.warning("The %s endpoint answered HTTP %s", endpoint, response.status_code)
            raise RasaUnavailable(f"HTTP {response.status_code}")
        self._succeeded()
        try:
            body = response.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}
