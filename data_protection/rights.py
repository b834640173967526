"""A citizen's data-protection rights, one implementation each, behind every way of asking.

- `forget`: erasure. Deletes the sender's conversation (every event of every session) and their
  hand-off cases with everything queued or linked to them, and queues, in the same transaction, the
  erasure of the staff group's copies (handoff.store.CaseStore.erase): the Telegram gateway, which
  holds the Bot API token, executes those rows from its outbox (telegram_gateway/outbox.py) with
  `deleteMessage`, or posts which case was erased when Telegram no longer lets a bot delete it.
- `export_document`: access and portability. One JSON document with the sender's messages, the
  bot's replies and their hand-off cases, with timestamps; nothing of anyone else.

Callers: the Rasa server's private endpoints (rasa_server/channels/forget.py: Telegram's /forget and
/mydata through the gateway, the web widget's "forget" and "download"), and operators:

    python -m data_protection.rights forget SENDER_ID                  # a data-protection request by email
    python -m data_protection.rights export SENDER_ID [--output FILE]  # the same sender's data as JSON

The command line works on the SQL tracker store the endpoints file names (or --db-url) and the
hand-off store of HANDOFF_DB_URL. Call `forget` when the conversation is idle (the Rasa server
holds the conversation's lock): a message being processed at that moment would write it back.
"""
import argparse
import logging
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

import sqlalchemy as sa

from contracts import export_json, telegram_sender
from data_protection import tracker_db
from handoff.store import Case, CaseStore, shared_store
from knowledge.privacy import privacy_url, retention_days
from ops import logs

logger = logging.getLogger(__name__)

# Telegram lets a bot delete a message in a group for 48 hours after it was sent.
DELETABLE_SECONDS = 48 * 3600
EXPORT_FORMAT = "segib-assistant-export/1"

DeleteConversation = Callable[[str], Union[bool, int]]   # sender id -> deleted anything / how many events


def case_store(url: Optional[str] = None) -> CaseStore:
    """The hand-off case store of this process (HANDOFF_DB_URL), opened once and shared."""
    return shared_store(url)


@dataclass(frozen=True)
class Forgotten:
    conversation: int   # events deleted (or 1 when the store only says "there was a conversation")
    cases: int          # hand-off cases deleted

    @property
    def anything(self) -> bool:
        return bool(self.conversation or self.cases)


def check_sender(sender_id: Any) -> str:
    if not isinstance(sender_id, str) or not sender_id.strip():
        raise ValueError("sender_id must be a non-empty string")
    return sender_id


def forget(sender_id: str, delete_conversation: DeleteConversation, cases: Optional[CaseStore] = None,
           now: Optional[float] = None) -> Forgotten:
    """Erases everything kept about `sender_id` (blocking: database work; run it in a thread from
    async code). `delete_conversation` deletes the conversation from the tracker store in use."""
    check_sender(sender_id)
    conversation = int(delete_conversation(sender_id))
    deletable_after = (time.time() if now is None else now) - DELETABLE_SECONDS
    forgotten = Forgotten(conversation, (cases or case_store()).erase(sender_id, deletable_after))
    # No sender id or text in the log: only that a request was served and its size.
    logger.info("Forgot a sender: conversation events %d, hand-off cases %d (staff-group copies queued for erasure)",
                forgotten.conversation, forgotten.cases)
    return forgotten


def _when(timestamp: Optional[float]) -> Optional[str]:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(float(timestamp), timezone.utc).isoformat(timespec="seconds")


def _message(event: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    kind = event.get("event")
    if kind not in ("user", "bot") or not isinstance(event.get("text"), str):
        return None
    message = {"from": "citizen" if kind == "user" else "assistant", "text": event["text"],
               "at": _when(event.get("timestamp"))}
    buttons = (event.get("data") or {}).get("buttons") if kind == "bot" else None
    if buttons:
        message["buttons"] = [b.get("title") for b in buttons if isinstance(b, dict)]
    return message


def _case(case: Case) -> Dict[str, Any]:
    return {"reference": case.reference, "channel": case.channel, "language": case.language,
            "office": case.office, "country": case.country, "reason": case.reason, "mode": case.mode,
            "status": case.status, "email": case.email, "question": case.question,
            "opened_at": _when(case.created_at), "closed_at": _when(case.closed_at),
            "transcript": [{"from": "citizen" if who == "citizen" else "assistant", "text": text}
                           for who, text in case.transcript]}


def export_document(sender_id: str, events: Iterable[Dict[str, Any]], cases: Iterable[Case],
                    now: Optional[float] = None) -> Dict[str, Any]:
    """The sender's data as one JSON-ready document: `events` are the conversation's Rasa events as
    dicts (Event.as_dict(), or the tracker store's stored JSON), `cases` their hand-off cases."""
    check_sender(sender_id)
    return {
        "format": EXPORT_FORMAT,
        "conversation_id": sender_id,
        "exported_at": _when(time.time() if now is None else now),
        "retention_days": retention_days(),
        "privacy_page": privacy_url(),
        "messages": [m for m in map(_message, events) if m],
        "handoff_cases": [_case(case) for case in cases if case.sender == sender_id],
    }


# ---- the operators' command line (SQL tracker stores) --------------------------------------------
def _sql_delete(engine: "sa.engine.Engine") -> DeleteConversation:
    def delete(sender_id: str) -> int:
        with engine.begin() as connection:
            return tracker_db.delete_events(connection, sender_id)
    return delete


def export_from_sql(sender_id: str, engine: "sa.engine.Engine", cases: Optional[CaseStore] = None) -> Dict[str, Any]:
    with engine.connect() as connection:
        events = tracker_db.stored_events(connection, sender_id)
    return export_document(sender_id, events, (cases or case_store()).cases_of(sender_id))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_protection.rights", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("forget", "erase a sender's conversation, hand-off cases and staff-group copies"),
                            ("export", "write a sender's data (messages, replies, hand-off cases) as JSON")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("sender_id", help=f"the conversation id, e.g. {telegram_sender(123456789)}")
        command.add_argument("--endpoints", default=tracker_db.DEFAULT_ENDPOINTS,
                             help="endpoints file naming the tracker store "
                                  "(default: endpoints.yml, or $ENDPOINTS_FILE)")
        command.add_argument("--db-url", help="SQLAlchemy URL of the tracker database, instead of --endpoints")
        if name == "export":
            command.add_argument("--output", "-o", help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    logs.setup("privacy", "INFO")
    engine = tracker_db.engine(args.db_url, args.endpoints)
    try:
        if args.command == "forget":
            forgotten = forget(args.sender_id, _sql_delete(engine))
            print(f"deleted: {forgotten.conversation} conversation event(s), {forgotten.cases} hand-off case(s); "
                  "the Telegram gateway erases the staff group's copies")
        else:
            body = export_json(export_from_sql(args.sender_id, engine))
            if args.output:
                Path(args.output).write_bytes(body)
            else:
                sys.stdout.buffer.write(body + b"\n")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
