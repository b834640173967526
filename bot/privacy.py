"""A citizen's "forget me": the one place that deletes what the assistant keeps about a sender.

    forget(sender_id)                       # from Python (the Telegram gateway's /forget, a widget button)
    python -m bot.privacy forget SENDER_ID  # an operator answering a data-protection request

It deletes the sender's whole tracker (every event of every session) from Rasa's SQL tracker store
(bot.tracker_db.delete_events, as the Rasa server's own deletion does), then calls every function
registered with `register_forgetter` (the command line registers the hand-off case store,
handoff.store: cases, queued messages, staff-message links), so new stores of personal data join
without changing callers.

Call it when the conversation is idle (e.g. after the bot has replied to /forget): a message being
processed at that very moment would write its tracker back when it finishes.
"""
import argparse
import logging
from pathlib import Path
from typing import Callable, Dict, List, Optional, Union

import sqlalchemy as sa

from bot import tracker_db

logger = logging.getLogger(__name__)

Forgetter = Callable[[str], int]  # sender id -> number of records deleted
_FORGETTERS: List[Forgetter] = []


def register_forgetter(function: Forgetter) -> Forgetter:
    """Adds a store of personal data to `forget` (usable as a decorator)."""
    if function not in _FORGETTERS:
        _FORGETTERS.append(function)
    return function


def forget(sender_id: str, engine: Optional["sa.engine.Engine"] = None,
           endpoints: Union[str, Path] = tracker_db.DEFAULT_ENDPOINTS) -> Dict[str, int]:
    """Deletes everything kept about `sender_id`; returns how many records each store deleted."""
    if not isinstance(sender_id, str) or not sender_id:
        raise ValueError("sender_id must be a non-empty string")
    engine = engine or tracker_db.engine(endpoints=endpoints)
    with engine.begin() as connection:
        deleted = {"tracker_events": tracker_db.delete_events(connection, sender_id)}
    for function in list(_FORGETTERS):
        deleted[getattr(function, "__qualname__", repr(function))] = function(sender_id)
    # No sender id or text in the log: only that a request was served and its size.
    logger.info("Forgot a sender: %s", ", ".join(f"{name}={count}" for name, count in deleted.items()))
    return deleted


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.privacy")
    commands = parser.add_subparsers(dest="command", required=True)
    forget_command = commands.add_parser("forget", help="delete a sender's conversation (tracker)")
    forget_command.add_argument("sender_id")
    forget_command.add_argument("--endpoints", default=tracker_db.DEFAULT_ENDPOINTS)
    forget_command.add_argument("--db-url")
    args = parser.parse_args(argv)
    from handoff.store import forget_sender

    register_forgetter(forget_sender)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    deleted = forget(args.sender_id, tracker_db.engine(args.db_url, args.endpoints))
    print(f"deleted: {deleted}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
