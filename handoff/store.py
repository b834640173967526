"""The durable record of hand-off cases: SQLAlchemy Core, SQLite by default, PostgreSQL in production.

Three tables:
- `handoff_cases`: one row per case (reference SGB-XXXX-XXXX, the citizen's sender id, channel,
  language, office, reason, mode, status, email and question when given, the transcript);
- `handoff_outbox`: messages waiting to be delivered, to the staff group or to a citizen, in the
  order they were queued; a row is marked sent only after Telegram confirmed it, so a gateway that
  dies mid-way delivers the rest on restart. `source` (unique) is the Telegram message a row comes
  from: the same incoming message queued twice (an update redelivered after a crash) is one row;
- `handoff_staff_messages`: which case each message in a staff chat belongs to (the case message and
  every relayed citizen message), so that a staff reply to any of them reaches the right citizen.

The action server opens and files cases; the Telegram gateway delivers the outbox. Both open the
database named by HANDOFF_DB_URL (default: .state/handoff.db, beside the conversations database).
"""
import json
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import sqlalchemy as sa

from contracts import WEB_CHANNEL, telegram_message_of

ROOT = Path(__file__).resolve().parents[1]
URL_ENV = "HANDOFF_DB_URL"
DEFAULT_PATH = ROOT / ".state" / "handoff.db"

OPEN, FILED, CLOSED = "open", "filed", "closed"      # status: live relay / waiting for staff / done
LIVE, EMAIL, OFFLINE = "live", "email", "offline"    # mode: Telegram relay / by email / out of hours
ASKED, FALLBACK = "asked", "fallback"                # reason
STAFF, CITIZEN = "staff", "citizen"                  # outbox targets
WEB = WEB_CHANNEL                                    # the widget's cases (Rasa's input channel): their citizen
# Rows go out through the Rasa server (rasa_server/channels/livecase.py), all but `resume`.
RESUME = "resume"
# Outbox rows of an erased citizen's staff-group copies (case_id NO_CASE, the case is gone; `text`
# is JSON): delete one message {"chat", "message", "reference"}, or tell the group {"chat", "reference"}.
ERASE, ERASED, NO_CASE = "erase", "erased", 0
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"       # no 0/O, 1/I: read over the phone

metadata = sa.MetaData()
cases = sa.Table(
    "handoff_cases", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    sa.Column("sender", sa.String(128), nullable=False, index=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("office", sa.String(64)),
    sa.Column("country", sa.String(64)),
    sa.Column("reason", sa.String(16), nullable=False),
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("email", sa.String(254)),
    sa.Column("question", sa.Text),
    sa.Column("transcript", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("closed_at", sa.Float),
    sa.Column("staff_chat_id", sa.BigInteger),
    sa.Column("staff_message_id", sa.BigInteger),
    sa.Column("answered_at", sa.Float),     # the first staff reply (HANDOFF_REMIND_MINUTES, /cases)
    sa.Column("reminded_at", sa.Float),     # the last "still waiting" reminder to staff
    sa.Column("visitor_seen_at", sa.Float),  # a web visitor's page last seen connected (any Rasa replica)
)
outbox = sa.Table(
    "handoff_outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, nullable=False, index=True),
    sa.Column("target", sa.String(8), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("source", sa.String(64), unique=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("sent_at", sa.Float, index=True),
)
staff_messages = sa.Table(
    "handoff_staff_messages", metadata,
    sa.Column("chat_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("message_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("case_id", sa.Integer, nullable=False, index=True),
)

# Several gateways may share one store (webhook mode behind a balancer): all of them queue, the one
# holding the "outbox" lease delivers, so each row goes out once and each chat's rows in order.
leases = sa.Table(
    "handoff_leases", metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("holder", sa.String(128), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)


@dataclass(frozen=True)
class Case:
    id: int
    reference: str
    sender: str
    channel: str
    language: str
    office: Optional[str]
    country: Optional[str]
    reason: str
    mode: str
    status: str
    email: Optional[str]
    question: Optional[str]
    transcript: Tuple[Tuple[str, str], ...]   # (who: "citizen" | "bot", text), oldest first
    created_at: float
    closed_at: Optional[float]
    staff_chat_id: Optional[int]
    staff_message_id: Optional[int]
    answered_at: Optional[float] = None
    reminded_at: Optional[float] = None
    visitor_seen_at: Optional[float] = None

    @classmethod
    def from_row(cls, row) -> "Case":
        values = dict(row._mapping)
        values["transcript"] = tuple((who, text) for who, text in json.loads(values["transcript"]))
        return cls(**values)


@dataclass(frozen=True)
class Outgoing:
    id: int
    case_id: int
    target: str
    kind: str
    text: str


def default_url() -> str:
    return os.environ.get(URL_ENV, "").strip() or f"sqlite:///{DEFAULT_PATH}"


REFERENCE = re.compile(r"\bSGB-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}\b")


def new_reference() -> str:
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"SGB-{chars[:4]}-{chars[4:]}"


CONNECT_TIMEOUT = 3          # seconds to reach PostgreSQL
STATEMENT_TIMEOUT_MS = 5000  # PostgreSQL cancels a statement running longer
POOL_TIMEOUT = 5             # seconds to wait for a free pooled connection


def _engine(url: str) -> "sa.engine.Engine":
    """Bounded waits everywhere, so that a database that is down or stuck gives an error within
    seconds (the citizen gets the "could not file" answer) instead of freezing the caller; a
    connection left broken by an outage is tested before use (pool_pre_ping), so service resumes
    by itself once the database is back."""
    if url.startswith("postgresql"):
        return sa.create_engine(url, future=True, pool_pre_ping=True, pool_timeout=POOL_TIMEOUT,
                                connect_args={"connect_timeout": CONNECT_TIMEOUT,
                                              "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"})
    if not url.startswith("sqlite"):
        return sa.create_engine(url, future=True, pool_pre_ping=True, pool_timeout=POOL_TIMEOUT)
    path = sa.engine.make_url(url).database
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, future=True, connect_args={"timeout": 15})

    @sa.event.listens_for(engine, "connect")
    def _wal(connection, _record) -> None:   # the action server and the gateway write at once
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA busy_timeout=15000")

    return engine


def _add_missing_columns(engine: "sa.engine.Engine") -> None:
    """Columns added since a store was created (answered_at, reminded_at, visitor_seen_at): ALTER TABLE ... ADD, all
    nullable, so an existing store keeps its cases (create_all creates missing tables only)."""
    for table in (cases,):
        present = {column["name"] for column in sa.inspect(engine).get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                kind = column.type.compile(dialect=engine.dialect)
                with engine.begin() as connection:
                    connection.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))


class CaseStore:
    def __init__(self, url: Optional[str] = None, engine: Optional["sa.engine.Engine"] = None) -> None:
        self.engine = engine or _engine(url or default_url())
        metadata.create_all(self.engine)
        _add_missing_columns(self.engine)

    # ---- cases ------------------------------------------------------------------------------
    def open_case(self, sender: str, channel: str, language: str, reason: str, mode: str,
                  transcript: Sequence[Tuple[str, str]], office: Optional[str] = None,
                  country: Optional[str] = None, email: Optional[str] = None,
                  question: Optional[str] = None) -> Case:
        """Records a case and queues its announcement to the staff group, in one transaction."""
        status = OPEN if mode == LIVE else FILED
        now = time.time()
        for _ in range(5):   # a reference already taken (1 in 10^12): draw another
            values = dict(reference=new_reference(), sender=sender, channel=channel, language=language,
                          office=office, country=country, reason=reason, mode=mode, status=status,
                          email=email, question=question, transcript=json.dumps([list(t) for t in transcript]),
                          created_at=now)
            try:
                with self.engine.begin() as connection:
                    case_id = connection.execute(cases.insert().values(**values)).inserted_primary_key[0]
                    connection.execute(outbox.insert().values(case_id=case_id, target=STAFF, kind="case", text="",
                                                              created_at=now))
                break
            except sa.exc.IntegrityError:
                continue
        else:
            raise RuntimeError("could not draw a free case reference")
        return self.case(case_id)

    def case(self, case_id: int) -> Optional[Case]:
        return self._one(cases.c.id == case_id)

    def by_reference(self, reference: str) -> Optional[Case]:
        return self._one(cases.c.reference == reference.strip().upper())

    def live_case(self, sender: str) -> Optional[Case]:
        """The case in which `sender` is talking to staff right now, if any."""
        return self._one((cases.c.sender == sender) & (cases.c.status == OPEN) & (cases.c.mode == LIVE))

    def for_staff_message(self, chat_id: int, message_id: int) -> Optional[Case]:
        with self.engine.connect() as connection:
            case_id = connection.execute(sa.select(staff_messages.c.case_id).where(
                (staff_messages.c.chat_id == chat_id) & (staff_messages.c.message_id == message_id))).scalar()
        return self.case(case_id) if case_id is not None else None

    def active(self) -> List[Case]:
        """Cases not closed yet (open and filed), oldest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(cases).where(cases.c.status != CLOSED).order_by(cases.c.id))
            return [Case.from_row(row) for row in rows]

    def close(self, case_id: int) -> bool:
        """Closes a case; False if it was closed already (two staff members typing /close)."""
        with self.engine.begin() as connection:
            return connection.execute(cases.update().where((cases.c.id == case_id) & (cases.c.status != CLOSED))
                                      .values(status=CLOSED, closed_at=time.time())).rowcount == 1

    def mark_answered(self, case_id: int) -> bool:
        """Records the first staff reply of a case; True only for the first."""
        with self.engine.begin() as connection:
            return connection.execute(cases.update().where((cases.c.id == case_id) & cases.c.answered_at.is_(None))
                                      .values(answered_at=time.time())).rowcount == 1

    def unanswered(self, before: float) -> List[Case]:
        """Cases staff can answer in their group (live and offline, not email), posted there, with no
        staff reply yet, and neither opened nor reminded of since `before` (Unix time)."""
        waiting_since = sa.func.coalesce(cases.c.reminded_at, cases.c.created_at)
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(cases).where(
                (cases.c.status != CLOSED) & (cases.c.mode != EMAIL) & cases.c.answered_at.is_(None)
                & cases.c.staff_message_id.isnot(None) & (waiting_since < before)).order_by(cases.c.id))
            return [Case.from_row(row) for row in rows]

    def mark_reminded(self, case_id: int, at: float) -> None:
        with self.engine.begin() as connection:
            connection.execute(cases.update().where(cases.c.id == case_id).values(reminded_at=at))

    def _one(self, condition) -> Optional[Case]:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(cases).where(condition).order_by(cases.c.id.desc())).first()
        return Case.from_row(row) if row else None

    # ---- outbox -----------------------------------------------------------------------------
    def enqueue(self, case_id: int, target: str, kind: str, text: str, source: Optional[str] = None) -> bool:
        """Queues a message; False if a row from the same `source` message was queued already."""
        try:
            with self.engine.begin() as connection:
                connection.execute(outbox.insert().values(case_id=case_id, target=target, kind=kind, text=text,
                                                          source=source, created_at=time.time()))
            return True
        except sa.exc.IntegrityError:
            return False

    def pending(self, limit: int = 100, after: int = 0) -> List[Outgoing]:
        """Undelivered rows in queue order, from the one after `after` (an outbox row id) on."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(outbox.c.id, outbox.c.case_id, outbox.c.target, outbox.c.kind,
                                                outbox.c.text)
                                      .where(outbox.c.sent_at.is_(None) & (outbox.c.id > after))
                                      .order_by(outbox.c.id).limit(limit))
            return [Outgoing(*row) for row in rows]

    def backlog(self, case_id: int) -> int:
        """Messages of a case still waiting for delivery."""
        with self.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(outbox).where(
                (outbox.c.case_id == case_id) & outbox.c.sent_at.is_(None))).scalar()

    def mark_sent(self, item: Outgoing, chat_id: Optional[int] = None, message_id: Optional[int] = None) -> None:
        """Telegram confirmed `item` (as `message_id` in `chat_id`); `chat_id` None: nowhere to send it."""
        with self.engine.begin() as connection:
            connection.execute(outbox.update().where(outbox.c.id == item.id).values(sent_at=time.time()))
            if item.target != STAFF or chat_id is None or message_id is None:
                return
            mapping = (staff_messages.c.chat_id == chat_id) & (staff_messages.c.message_id == message_id)
            connection.execute(staff_messages.delete().where(mapping))   # a chat recreated: ids start over
            connection.execute(staff_messages.insert().values(chat_id=chat_id, message_id=message_id,
                                                              case_id=item.case_id))
            if item.kind == "case":
                connection.execute(cases.update().where(cases.c.id == item.case_id)
                                   .values(staff_chat_id=chat_id, staff_message_id=message_id))

    # ---- the widget's live cases (delivered by the Rasa server, rasa_server/channels/livecase.py) --------------
    def _web_rows(self, sender: Optional[str] = None):
        condition = ((outbox.c.target == CITIZEN) & outbox.c.sent_at.is_(None) & (cases.c.channel == WEB))
        if sender is not None:
            condition &= cases.c.sender == sender
        return sa.select(outbox.c.id, outbox.c.case_id, outbox.c.target, outbox.c.kind, outbox.c.text,
                         cases.c.sender).select_from(outbox.join(cases, outbox.c.case_id == cases.c.id)) \
            .where(condition).order_by(outbox.c.id)

    def web_pending(self, sender: str) -> List[Outgoing]:
        """What the visitor `sender` has not yet acknowledged, in order, up to a hand-back to the
        assistant the gateway has not done yet (`resume`: what follows it comes after it)."""
        rows = []
        with self.engine.connect() as connection:
            for row in connection.execute(self._web_rows(sender)):
                if row.kind == RESUME:
                    break
                rows.append(Outgoing(*row[:5]))
        return rows

    def web_waiting(self) -> List[str]:
        """Visitors with something to deliver (their session ids)."""
        with self.engine.connect() as connection:
            return sorted({row.sender for row in connection.execute(self._web_rows()) if row.kind != RESUME})

    def web_acknowledged(self, sender: str, up_to: int) -> int:
        """The visitor's widget showed every row of theirs up to the row id `up_to`: sent."""
        with self.engine.begin() as connection:
            ids = [row.id for row in connection.execute(self._web_rows(sender))
                   if row.id <= up_to and row.kind != RESUME]
            if not ids:
                return 0
            return connection.execute(outbox.update().where(outbox.c.id.in_(ids)).values(sent_at=time.time())).rowcount

    def visitor_seen(self, case_id: int, at: float) -> None:
        with self.engine.begin() as connection:
            connection.execute(cases.update().where(cases.c.id == case_id).values(visitor_seen_at=at))

    def live_web_cases(self) -> List[Case]:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(cases).where(
                (cases.c.status == OPEN) & (cases.c.mode == LIVE) & (cases.c.channel == WEB)).order_by(cases.c.id))
            return [Case.from_row(row) for row in rows]

    # ---- one deliverer among several gateways ---------------------------------------------------
    def hold_lease(self, name: str, holder: str, seconds: float) -> bool:
        """True when `holder` holds the lease `name` for the next `seconds`: renewed if it already
        held it, taken if it was free or expired, refused while another holder's is running."""
        now = time.time()
        with self.engine.begin() as connection:
            held = connection.execute(
                leases.update().where((leases.c.name == name)
                                      & ((leases.c.holder == holder) | (leases.c.expires_at < now)))
                .values(holder=holder, expires_at=now + seconds)).rowcount
        if held:
            return True
        try:
            with self.engine.begin() as connection:
                connection.execute(leases.insert().values(name=name, holder=holder, expires_at=now + seconds))
            return True
        except sa.exc.IntegrityError:   # another holder has it (or took it at this very moment)
            return False

    # ---- data protection ----------------------------------------------------------------------
    def forget(self, sender: str) -> int:
        """Deletes every case of `sender` with its queued messages and staff-message links."""
        return self._delete(cases.c.sender == sender)

    def purge(self, before: float) -> int:
        """Retention: deletes the cases opened before `before` (Unix time) that are not live."""
        return self._delete((cases.c.created_at < before) & (cases.c.status != OPEN))

    def cases_of(self, sender: str) -> List[Case]:
        """Every case of `sender`, oldest first (their copy of their data: data_protection.rights.export)."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(cases).where(cases.c.sender == sender).order_by(cases.c.id))
            return [Case.from_row(row) for row in rows]

    def stale(self, before: float) -> List[Case]:
        """Live cases opened before `before` (Unix time) and still open: HANDOFF_STALE_HOURS closes them."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(cases).where(
                (cases.c.status == OPEN) & (cases.c.mode == LIVE) & (cases.c.created_at < before)).order_by(cases.c.id))
            return [Case.from_row(row) for row in rows]

    def erase(self, sender: str, deletable_after: float) -> int:
        """Forgets `sender` (like `forget`) and, in the same transaction, queues the erasure of the
        staff group's copies of their cases: an ERASE row per stored staff-chat message (the case
        message, relayed messages, notices, staff replies) of cases opened after `deletable_after`
        (Telegram lets a bot delete messages younger than 48 hours), an ERASED notice per chat for
        older cases, so that staff delete those by hand. Returns the number of cases deleted."""
        with self.engine.begin() as connection:
            found = connection.execute(sa.select(cases.c.id, cases.c.reference, cases.c.created_at)
                                       .where(cases.c.sender == sender)).all()
            if not found:
                return 0
            ids = [case_id for case_id, _, _ in found]
            copies = {case_id: set() for case_id in ids}
            for chat, message, case_id in connection.execute(
                    sa.select(staff_messages.c.chat_id, staff_messages.c.message_id, staff_messages.c.case_id)
                    .where(staff_messages.c.case_id.in_(ids))):
                copies[case_id].add((chat, message))
            for case_id, source in connection.execute(
                    sa.select(outbox.c.case_id, outbox.c.source).where(
                        outbox.c.case_id.in_(ids) & (outbox.c.kind == "staff") & outbox.c.source.isnot(None))):
                staff_copy = telegram_message_of(source)   # a staff reply's message in the staff chat
                if staff_copy:
                    copies[case_id].add(staff_copy)
            connection.execute(staff_messages.delete().where(staff_messages.c.case_id.in_(ids)))
            connection.execute(outbox.delete().where(outbox.c.case_id.in_(ids)))
            deleted = connection.execute(cases.delete().where(cases.c.id.in_(ids))).rowcount
            now, rows = time.time(), []
            for case_id, reference, created_at in found:
                if created_at > deletable_after:
                    rows += [(ERASE, {"chat": chat, "message": message, "reference": reference})
                             for chat, message in sorted(copies[case_id])]
                else:
                    rows += [(ERASED, {"chat": chat, "reference": reference})
                             for chat in sorted({chat for chat, _ in copies[case_id]})]
            for kind, values in rows:
                # One "erased" notice per case and chat, whoever queues it (here, or the outbox when
                # Telegram refuses a deletion): `source` is unique.
                source = f"erased:{values['chat']}:{values['reference']}" if kind == ERASED else None
                connection.execute(outbox.insert().values(case_id=NO_CASE, target=STAFF, kind=kind, source=source,
                                                          text=json.dumps(values), created_at=now))
            return deleted

    def _delete(self, condition) -> int:
        with self.engine.begin() as connection:
            ids = [row[0] for row in connection.execute(sa.select(cases.c.id).where(condition))]
            if not ids:
                return 0
            connection.execute(staff_messages.delete().where(staff_messages.c.case_id.in_(ids)))
            connection.execute(outbox.delete().where(outbox.c.case_id.in_(ids)))
            return connection.execute(cases.delete().where(cases.c.id.in_(ids))).rowcount


_shared: dict = {}
_shared_lock = threading.Lock()


def shared_store(url: Optional[str] = None) -> CaseStore:
    """The one store (and connection pool) of this process for `url` (default: HANDOFF_DB_URL),
    created on first use; a failed creation (database down) is retried at the next call."""
    url = url or default_url()
    with _shared_lock:
        if url not in _shared:
            _shared[url] = CaseStore(url)
        return _shared[url]

