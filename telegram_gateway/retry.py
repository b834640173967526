"""Requests to the Bot API: throttled to Telegram's limits and retried on 429, 5xx and network errors.

PTB's AIORateLimiter keeps the bot under Telegram's flood limits and retries a 429 after the
`retry_after` Telegram asks for (pausing all requests meanwhile). It does not retry server errors
(5xx) or network failures, which PTB raises as NetworkError: this subclass retries those with
exponential backoff and jitter. A timed-out send may have reached Telegram, so a retry can in rare
cases repeat a message: delivery is at least once, never silently lost.
"""
import asyncio
import logging
import random
from typing import Any, Callable, Coroutine, Dict, List, Union

from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import AIORateLimiter

from ops.metrics import TELEGRAM_API_ERRORS, telegram_method_label

logger = logging.getLogger(__name__)

JSON = Union[bool, Dict[str, Any], List[Dict[str, Any]]]


def _counting_errors(callback: Callable[..., Coroutine[Any, Any, JSON]],
                     endpoint: str) -> Callable[..., Coroutine[Any, Any, JSON]]:
    """Each failed attempt (429s retried by PTB included) counts in segib_telegram_api_errors_total."""
    async def call(*args: Any, **kwargs: Any) -> JSON:
        try:
            return await callback(*args, **kwargs)
        except TelegramError:
            TELEGRAM_API_ERRORS.labels(telegram_method_label(endpoint)).inc()
            raise

    return call


class RetryingRateLimiter(AIORateLimiter):
    def __init__(self, overall_max_rate: float = 30, retries: int = 5, base_delay: float = 0.5,
                 max_delay: float = 15.0) -> None:
        super().__init__(overall_max_rate=overall_max_rate, overall_time_period=1 if overall_max_rate else 0,
                         max_retries=retries)
        self.retries = retries
        self.base_delay = base_delay
        self.max_delay = max_delay

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, JSON]], args: Any,
                              kwargs: Dict[str, Any], endpoint: str, data: Dict[str, Any],
                              rate_limit_args: Any) -> JSON:
        # A caller may ask for another number of retries (rate_limit_args=N >= 1; PTB drops a 0): the
        # hand-off outbox retries by itself.
        retries = self.retries if rate_limit_args is None else int(rate_limit_args)
        callback = _counting_errors(callback, endpoint)
        attempt = 0
        while True:
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest:
                raise  # our request is wrong: retrying cannot help
            except NetworkError as error:
                if attempt >= retries:
                    logger.error("Telegram %s failed after %d retries: %s", endpoint, attempt, error)
                    raise
                delay = min(self.max_delay, self.base_delay * 2 ** attempt) * random.uniform(0.5, 1.0)
                attempt += 1
                logger.warning("Telegram %s failed (%s); retry %d/%d in %.1f s", endpoint, error, attempt,
                               retries, delay)
                await asyncio.sleep(delay)
