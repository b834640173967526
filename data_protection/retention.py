"""Conversation retention: purges what Rasa's SQL tracker store keeps for longer than allowed.

    python -m data_protection.retention [--older-than-days 90] [--endpoints endpoints.production.yml] [--dry-run]

The period defaults to RETENTION_DAYS (90 when unset), the figure the privacy page and the
first-contact notices state (knowledge/privacy.py).

What goes (both rules use the events' own `timestamp`):
1. a whole conversation whose newest event is older than the limit (nobody wrote for that long);
2. in conversations still in use, the events older than the limit that belong to an ended
   conversation session, i.e. that come before the conversation's latest session start (its
   `action_session_start`, which Rasa follows with `session_started`).

Events of a conversation's current session are never deleted, however old: Rasa only reads the
current session back and works out which events are new by counting that session's rows, so
deleting inside it could make a replica store events twice or lose them. A session ends after
`session_expiration_time` (60 minutes, domain.yml) of silence, so in practice every event older
than 90 days is purged. Safe to run any time, on every replica's shared database, e.g. daily
from cron; it runs two DELETE statements, each in its own transaction. The command line also
purges the hand-off cases (handoff.store, HANDOFF_DB_URL) opened before the limit, unless live.
"""
import argparse
import logging
import time
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa

from data_protection import tracker_db
from knowledge.privacy import DEFAULT_RETENTION_DAYS, retention_days
from ops import logs

logger = logging.getLogger(__name__)

DEFAULT_DAYS = DEFAULT_RETENTION_DAYS

_INACTIVE = """
    FROM events WHERE sender_id IN (
        SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff)
"""
# A session begins with the action_session_start action (then session_started): everything before
# the latest one belongs to ended sessions. Inactive conversations are rule 1's (and --dry-run's).
_ENDED_SESSIONS = """
    FROM events WHERE timestamp < :cutoff AND timestamp < (
        SELECT MAX(s.timestamp) FROM events s
        WHERE s.sender_id = events.sender_id AND s.type_name = 'action'
          AND s.action_name = 'action_session_start')
      AND sender_id NOT IN (
        SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff)
"""


@dataclass
class Purged:
    conversations: int = 0
    events_of_inactive_conversations: int = 0
    events_of_ended_sessions: int = 0

    @property
    def events(self) -> int:
        return self.events_of_inactive_conversations + self.events_of_ended_sessions


def purge(engine: "sa.engine.Engine", older_than_days: float = DEFAULT_DAYS, now: Optional[float] = None,
          dry_run: bool = False) -> Purged:
    if older_than_days < 0:
        raise ValueError("older_than_days must not be negative")
    cutoff = (time.time() if now is None else now) - older_than_days * 86400
    result = Purged()
    with engine.connect() as connection:
        if not tracker_db.has_events_table(connection):
            return result
    with engine.begin() as connection:
        result.conversations = connection.execute(sa.text(
            "SELECT COUNT(*) FROM (SELECT sender_id FROM events GROUP BY sender_id "
            "HAVING MAX(timestamp) < :cutoff) AS old"), {"cutoff": cutoff}).scalar_one()
        if dry_run:
            result.events_of_inactive_conversations = connection.execute(
                sa.text("SELECT COUNT(*)" + _INACTIVE), {"cutoff": cutoff}).scalar_one()
        else:
            result.events_of_inactive_conversations = connection.execute(
                sa.text("DELETE" + _INACTIVE), {"cutoff": cutoff}).rowcount
    with engine.begin() as connection:
        verb = "SELECT COUNT(*)" if dry_run else "DELETE"
        outcome = connection.execute(sa.text(verb + _ENDED_SESSIONS), {"cutoff": cutoff})
        result.events_of_ended_sessions = outcome.scalar_one() if dry_run else outcome.rowcount
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_protection.retention", description=__doc__.split("\n\n")[0])
    try:
        days = retention_days()
    except ValueError as error:
        parser.error(str(error))
    parser.add_argument("--older-than-days", type=float, default=days,
                        help=f"retention period in days (default: RETENTION_DAYS, else {DEFAULT_DAYS})")
    parser.add_argument("--endpoints", default=tracker_db.DEFAULT_ENDPOINTS,
                        help="endpoints file naming the tracker store (default: endpoints.yml, or $ENDPOINTS_FILE)")
    parser.add_argument("--db-url", help="SQLAlchemy URL of the tracker database, instead of --endpoints")
    parser.add_argument("--dry-run", action="store_true", help="count what would be purged, delete nothing")
    args = parser.parse_args(argv)
    logs.setup("retention", "INFO")
    result = purge(tracker_db.engine(args.db_url, args.endpoints), args.older_than_days, dry_run=args.dry_run)
    if not args.dry_run:
        from handoff.store import CaseStore

        cases = CaseStore().purge(time.time() - args.older_than_days * 86400)
        logger.info("Purged %d hand-off case(s) older than %g days (HANDOFF_DB_URL)", cases, args.older_than_days)
    logger.info("%s %d inactive conversation(s) (%d events) and %d events of ended sessions older than %g days",
                "Would purge" if args.dry_run else "Purged", result.conversations,
                result.events_of_inactive_conversations, result.events_of_ended_sessions, args.older_than_days)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
