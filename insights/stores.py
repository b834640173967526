"""Reads citizens' messages and the assistant's replies from the tracker store, and hand-off cases
from the case store: SELECTs only, nothing written, nothing kept beyond what the stores hold.

Each user message is paired with what followed it in the conversation before the next one: the
first bot reply (its text and its outcome, BotUttered metadata set by the action that rendered it:
contracts.py) and the reply language the actions chose (the `language` slot).
"""
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import sqlalchemy as sa

from contracts import CHANNEL_KEY, LANGUAGE_SLOT, OUTCOME_KEY
from handoff import store as handoff_store

FALLBACK_INTENT = "nlu_fallback"
NO_REPLY = "no_reply"           # a message after which the store holds no bot reply (e.g. relayed to staff)

_EVENTS = sa.text(
    "SELECT sender_id, type_name, timestamp, data FROM events "
    "WHERE timestamp >= :since AND timestamp < :until "
    "AND (type_name IN ('user', 'bot') OR (type_name = 'slot' AND action_name = :slot)) "
    "ORDER BY sender_id, id")


@dataclass
class Message:
    """One citizen message and what came of it. `sender` stays in memory: reports never show it."""
    sender: str
    timestamp: float
    text: str
    intent: str
    guess: Optional[Tuple[str, float]]        # the model's best intent other than the fallback
    subjects: Tuple[Tuple[str, str], ...]     # (entity type, value) of the knowledge names found
    channel: str
    detected_language: Optional[str]
    outcome: str = NO_REPLY
    reply: Optional[str] = None
    reply_language: Optional[str] = None

    @property
    def language(self) -> str:
        return self.reply_language or self.detected_language or "?"


def _message(sender: str, timestamp: float, data: Dict, subject_types: Tuple[str, ...]) -> Message:
    parse = data.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name") or FALLBACK_INTENT
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") and r.get("name") != FALLBACK_INTENT]
    guess = (ranking[0]["name"], float(ranking[0].get("confidence") or 0)) if ranking else None
    subjects = tuple((e["entity"], str(e["value"])) for e in parse.get("entities") or []
                     if e.get("entity") in subject_types and e.get("value") is not None)
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    named = metadata.get(CHANNEL_KEY)
    channel = named if isinstance(named, str) and named else None
    detection = parse.get("language") if isinstance(parse.get("language"), dict) else {}
    return Message(sender=sender, timestamp=timestamp, text=data.get("text") or "", intent=intent, guess=guess,
                   subjects=subjects, channel=channel or data.get("input_channel") or "?",
                   detected_language=detection.get("language") or detection.get("hint"))


def read_messages(engine: "sa.engine.Engine", since: float, until: float,
                  subject_types: Tuple[str, ...]) -> List[Message]:
    """Every citizen message stored between `since` and `until` (Unix times), oldest first per conversation."""
    messages: List[Message] = []
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("events"):
            return messages
        rows = connection.execution_options(stream_results=True, yield_per=5000).execute(
            _EVENTS, {"since": since, "until": until, "slot": LANGUAGE_SLOT})
        current: Optional[Message] = None
        for sender, type_name, timestamp, raw in rows:
            if current is not None and current.sender != sender:
                current = None
            data = json.loads(raw)
            if type_name == "user":
                current = _message(sender, timestamp, data, subject_types)
                messages.append(current)
            elif current is None:
                continue
            elif type_name == "bot" and data.get("text"):
                # The reply that carries an outcome (a notice sent beside it may carry none).
                metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
                if metadata.get(OUTCOME_KEY) and current.outcome == NO_REPLY:
                    current.reply, current.outcome = data["text"], metadata[OUTCOME_KEY]
                elif current.reply is None:
                    current.reply = data["text"]
            elif type_name == "slot" and current.reply_language is None and isinstance(data.get("value"), str):
                current.reply_language = data["value"]
    return messages


@dataclass(frozen=True)
class CaseRecord:
    """What the report needs of a hand-off case: no sender, no email, no question, no transcript."""
    channel: str
    office: Optional[str]
    mode: str
    status: str
    created_at: float
    closed_at: Optional[float]
    first_staff_reply_at: Optional[float]


def read_cases(url: Optional[str], since: float, until: float) -> Optional[List[CaseRecord]]:
    """The hand-off cases opened in the period; None when there is no case store at `url`."""
    url = url or handoff_store.default_url()
    if _missing_sqlite_file(url):
        return None
    engine = sa.create_engine(url, future=True)
    cases, outbox = handoff_store.cases, handoff_store.outbox
    first_reply = (sa.select(outbox.c.case_id, sa.func.min(outbox.c.created_at).label("at"))
                   .where((outbox.c.target == handoff_store.CITIZEN) & (outbox.c.kind == "staff"))
                   .group_by(outbox.c.case_id).subquery())
    query = (sa.select(cases.c.channel, cases.c.office, cases.c.mode, cases.c.status, cases.c.created_at,
                       cases.c.closed_at, first_reply.c.at)
             .select_from(cases.outerjoin(first_reply, first_reply.c.case_id == cases.c.id))
             .where((cases.c.created_at >= since) & (cases.c.created_at < until)).order_by(cases.c.id))
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(cases.name):
                return None
            return [CaseRecord(*row) for row in connection.execute(query)]
    finally:
        engine.dispose()


def _missing_sqlite_file(url: Union[str, "sa.engine.URL"]) -> bool:
    """An SQLite URL whose file does not exist (opening it would create an empty database)."""
    parsed = sa.engine.make_url(url)
    return parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).exists())


def tracker_engine(source: Optional[str]) -> "sa.engine.Engine":
    """The tracker store's database: `source` is an endpoints file (endpoints.yml by default) or a URL."""
    from rasa.shared.exceptions import RasaException

    from data_protection import tracker_db

    try:
        url = source if source and "://" in source else tracker_db.database_url(source or tracker_db.DEFAULT_ENDPOINTS)
    except RasaException as error:   # e.g. a ${VAR} of endpoints.production.yml not set
        raise SystemExit(f"Cannot read {source}: {error}") from None
    if _missing_sqlite_file(url):
        raise SystemExit(f"No conversations database at {sa.engine.make_url(url).database}: start the assistant "
                         f"(make run) first, or name the deployment's store with SEGIB_ENDPOINTS")
    return tracker_db.engine(url)
