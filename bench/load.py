"""Concurrent load generator: N simulated citizens, each conversation on its own sender id.

Each simulated citizen plays scripted conversations from tests/data/e2e_conversations.yml (es, pt,
en; follow-ups included) one after the other until the time is up, each conversation on a fresh
sender id. Every reply is checked: HTTP 200, addressed to this sender (no cross-talk), not the
"unavailable" apology, and the reply to a conversation's last turn holds every expected fragment.
"""
import asyncio
import itertools
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import aiohttp

from contracts import SECRET_ENV, SECRET_HEADER
from quality import fragments
from tests.support.conversations import load_conversations, reply_text

# A Rasa server with REST_SHARED_SECRET set answers only callers that send it.
SECRET_HEADERS = {SECRET_HEADER: os.environ[SECRET_ENV]} if os.environ.get(SECRET_ENV) else {}
UNAVAILABLE_MARK = "info@segib.org"  # appears in the apology; checked together with an empty turn


@dataclass
class Result:
    concurrency: int
    duration: float = 0.0
    latencies: List[float] = field(default_factory=list)   # seconds, one per message answered
    errors: int = 0            # transport error, timeout, HTTP status != 200, reply for another sender
    wrong: int = 0             # a conversation whose last reply lacks an expected fragment
    conversations: int = 0
    samples: List[str] = field(default_factory=list)       # a few error descriptions

    @property
    def messages(self) -> int:
        return len(self.latencies)

    def note(self, text: str) -> None:
        if len(self.samples) < 5:
            self.samples.append(text[:300])


def conversations() -> List[dict]:
    """The scripted conversations, interleaved by language so any prefix is trilingual."""
    by_language: Dict[str, List[dict]] = {}
    for conversation in load_conversations():
        by_language.setdefault(conversation["language"], []).append(conversation)
    mixed = [c for group in itertools.zip_longest(*by_language.values()) for c in group if c]
    return mixed


async def _say(session: aiohttp.ClientSession, url: str, sender: str, text: str, result: Result,
               timeout: float) -> Optional[list]:
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}, headers=SECRET_HEADERS,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            body = await response.json(content_type=None)
            status = response.status
    except Exception as error:  # any failure is one error, with its kind noted
        result.errors += 1
        result.note(f"{type(error).__name__}: {error} ({text!r})")
        return None
    result.latencies.append(time.perf_counter() - started)
    if status != 200 or not isinstance(body, list) or not body:
        result.errors += 1
        result.note(f"HTTP {status}: {str(body)[:200]} ({text!r})")
        return None
    if any(m.get("recipient_id") != sender for m in body):
        result.errors += 1
        result.note(f"reply for another sender: {body!r}")
        return None
    return body


async def _citizen(index: int, url: str, script: List[dict], deadline: float, max_messages: Optional[int],
                   result: Result, counter: List[int], timeout: float) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
        for number in itertools.count():
            conversation = script[(index * 7 + number) % len(script)]
            sender = f"bench-{index}-{number}-{uuid.uuid4().hex[:8]}"
            body = None
            for turn in conversation["turns"]:
                if time.perf_counter() >= deadline or (max_messages and counter[0] >= max_messages):
                    return
                counter[0] += 1
                body = await _say(session, url, sender, turn, result, timeout)
                if body is None:
                    break
            else:
                result.conversations += 1
                text = reply_text(body)
                missing = fragments.missing(text, conversation["expect"])
                if missing:
                    result.wrong += 1
                    result.note(f"{conversation['id']}: missing {missing} in {text[:160]!r}")


async def run_load(url: str, concurrency: int, duration: float, max_messages: Optional[int] = None,
                   timeout: float = 60.0) -> Result:
    """Drives the REST webhook at `url` with `concurrency` simultaneous conversations."""
    result = Result(concurrency)
    script = conversations()
    counter = [0]
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(*(_citizen(i, url, script, deadline, max_messages, result, counter, timeout)
                           for i in range(concurrency)))
    result.duration = time.perf_counter() - started
    return result
