"""Every Prometheus metric of the assistant, defined once (names are a contract: CONTRACTS.md).

Each process exposes the metrics it moves, at `GET /metrics` in Prometheus's text format:
- Rasa server (5005): segib_messages_total, segib_reply_seconds (rasa_server/metrics.py);
- action server (5055): segib_handoff_cases_total, and segib_handoff_waiting, segib_outbox_pending,
  segib_handoff_oldest_waiting_seconds read from the case store at scrape time (ops/store_gauges.py);
- Telegram gateway (GATEWAY_HTTP_PORT, 8090): segib_rasa_unavailable_total,
  segib_telegram_api_errors_total, segib_telegram_last_update_age_seconds (telegram_gateway/health.py).

Labels hold only small fixed sets of values (never message text, sender or chat ids): every label
value passes through one of the `*_label` functions below.
"""
from typing import Any, Optional, Tuple

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest

from contracts import OUTCOMES, REST_CHANNEL, TELEGRAM_CHANNEL, WEB_CHANNEL

CHANNELS = (REST_CHANNEL, WEB_CHANNEL, TELEGRAM_CHANNEL)
LANGUAGES = ("es", "pt", "en")
OTHER = "other"
UNKNOWN = "unknown"

MESSAGES = Counter(
    "segib_messages", "Citizen messages the assistant handled, by channel, reply language and outcome "
    "(answered, dont_know, handoff, other_language; error: no reply could be produced)",
    ["channel", "language", "outcome"])
REPLY_SECONDS = Histogram(
    "segib_reply_seconds", "Time from a citizen message reaching the Rasa server to its replies being ready",
    ["channel"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
HANDOFF_CASES = Counter(
    "segib_handoff_cases", "Hand-off cases opened (live or filed), by channel and office", ["channel", "office"])
RASA_UNAVAILABLE = Counter(
    "segib_rasa_unavailable", "Citizen messages the Telegram gateway could not get a reply for from the Rasa "
    "server (down, slow, erroring; the citizen got the 'temporarily unavailable' phrase)")
TELEGRAM_API_ERRORS = Counter(
    "segib_telegram_api_errors", "Failed Bot API requests (every attempt, retried or not), by Bot API method",
    ["method"])


def initialize_message_series() -> None:
    """Every channel, language and outcome at 0 from the start (Prometheus's advice: a series that
    appears only with its first count makes rate() and "before/after" comparisons miss it)."""
    for channel in CHANNELS:
        REPLY_SECONDS.labels(channel)
        for language in LANGUAGES:
            for outcome in OUTCOMES:
                MESSAGES.labels(channel, language, outcome)


def channel_label(name: Any) -> str:
    return name if name in CHANNELS else OTHER


def language_label(code: Any) -> str:
    if not isinstance(code, str) or not code:
        return UNKNOWN
    code = code.split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else OTHER


def outcome_label(outcome: Any) -> str:
    return outcome if outcome in OUTCOMES else OTHER


def office_label(office: Optional[str], known: Tuple[str, ...]) -> str:
    """An office id of the knowledge file, "none" when the case has no office, else "other"."""
    if not office:
        return "none"
    return office if office in known else OTHER


# The Bot API has a fixed set of methods; anything else (a wrong endpoint string) is "other".
def telegram_method_label(endpoint: Any) -> str:
    return endpoint if isinstance(endpoint, str) and endpoint.isalpha() and len(endpoint) <= 40 else OTHER


def exposition(registry: CollectorRegistry = REGISTRY) -> Tuple[bytes, str]:
    """The body and content type of a `/metrics` answer."""
    return generate_latest(registry), CONTENT_TYPE_LATEST
