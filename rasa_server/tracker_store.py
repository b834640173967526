"""The embedded default's tracker store: conversations on disk in SQLite, without the per-message cost.

Rasa's SQLTrackerStore goes through the SQLAlchemy ORM, opens a new SQLite connection for every
query (SQLAlchemy's pool for SQLite files), counts the stored events of the conversation before each
save and commits in SQLite's default rollback-journal mode (an fsync per message): about half of the
Rasa server's CPU per message here. This store keeps the same table (`events`, the file stays
readable by Rasa's own store and tools), the same queries and the same results, through one
persistent connection with SQLite's write-ahead log:

- `journal_mode=WAL`, `synchronous=NORMAL`: a commit is durable against a crash of the server
  process; an operating-system crash or power cut can lose the last commits (not corrupt the file).
- `busy_timeout`: another process reading the file (staff tools, `rasa export`) never fails a save.

endpoints.yml:

    tracker_store:
      type: rasa_server.tracker_store.SQLiteTrackerStore
      dialect: "sqlite"
      db: ".state/conversations.db"
"""
import itertools
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from rasa_server.patches.version import require_supported_rasa

logger = logging.getLogger(__name__)

_SESSION_START = (
    "SELECT max(timestamp) FROM events WHERE sender_id = ? AND type_name = ?"
)
_LATEST_SESSION = (
    "SELECT data FROM events WHERE sender_id = ? AND (? IS NULL OR timestamp >= ?) ORDER BY id"
)
_COUNT_LATEST_SESSION = (
    "SELECT count(*) FROM events WHERE sender_id = ? AND (? IS NULL OR timestamp >= ?)"
)
_INSERT = (
    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


class SQLiteTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on SQLite, with one persistent connection in WAL mode.

    It writes rows in the layout of Rasa 3.6's `events` table itself: created only on Rasa 3.6.x
    (rasa_server/patches/version.py)."""

    def __init__(self, domain: Optional[Domain] = None, db: Text = "rasa.db",
                 event_broker: Optional[EventBroker] = None, dialect: Text = "sqlite",
                 **kwargs: Dict[Text, Any]) -> None:
        require_supported_rasa("rasa_server.tracker_store.SQLiteTrackerStore")
        if dialect != "sqlite":
            raise ValueError(f"SQLiteTrackerStore stores conversations in SQLite, not {dialect!r}; "
                             f"use Rasa's SQLTrackerStore (type: SQL) for other databases")
        Path(db).parent.mkdir(parents=True, exist_ok=True)
        # Rasa's store creates the table and its index (and keeps serving keys() and full trackers).
        super().__init__(domain, dialect="sqlite", db=db, event_broker=event_broker, **kwargs)
        self._connection = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute("PRAGMA busy_timeout=5000")

    def _session_start(self, sender_id: Text) -> Optional[float]:
        row = self._connection.execute(_SESSION_START, (sender_id, SessionStarted.type_name)).fetchone()
        return row[0] if row else None

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker of the latest conversation session (as SQLTrackerStore.retrieve)."""
        start = self._session_start(sender_id)
        rows = self._connection.execute(_LATEST_SESSION, (sender_id, start, start)).fetchall()
        if not (self.domain and rows):
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(data) for (data,) in rows],
                                              self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Appends the events the database does not have yet (as SQLTrackerStore.save)."""
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        start = self._session_start(sender_id)
        (stored,) = self._connection.execute(_COUNT_LATEST_SESSION, (sender_id, start, start)).fetchone()
        rows: List[tuple] = []
        for event in itertools.islice(tracker.events, stored, len(tracker.events)):
            data = event.as_dict()
            rows.append((sender_id, event.type_name, data.get("timestamp"),
                         data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                         data.get("name"), json.dumps(data)))
        if rows:
            with self._connection:  # one transaction
                self._connection.execute("BEGIN")
                self._connection.executemany(_INSERT, rows)
