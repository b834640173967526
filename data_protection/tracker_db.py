"""Direct access to the conversations Rasa's SQL tracker store keeps (table `events`: id, sender_id,
type_name, timestamp, intent_name, action_name, data), for the data-protection code: the offline
tools (data_protection.retention, data_protection.rights: purge, forget, export) and, inside the Rasa
server, the deletion of one conversation (rasa_server.channels.forget). Works on the embedded SQLite
file and on PostgreSQL.

The database is the one the deployment's endpoints file names (endpoints.yml by default,
endpoints.production.yml in production; Rasa's ${VAR} substitution applies), or an SQLAlchemy URL.
"""
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ENDPOINTS = os.environ.get("ENDPOINTS_FILE", "endpoints.yml")
# Rasa's SQL store and ours (rasa_server/tracker_store.py), which keeps the same `events` table.
SQL_STORE_TYPES = {"sql", "rasa_server.tracker_store.sqlitetrackerstore"}


def database_url(endpoints: Union[str, Path] = DEFAULT_ENDPOINTS) -> Union[str, "sa.engine.URL"]:
    """The SQLAlchemy URL of the tracker store configured in `endpoints`."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.core.utils import read_endpoints_from_path

    config = read_endpoints_from_path(str(endpoints)).tracker_store
    if config is None or (config.type or "").lower() not in SQL_STORE_TYPES:
        raise SystemExit(f"{endpoints}: the tracker store is not Rasa's SQL store; these tools need it")
    kwargs = dict(config.kwargs)
    return SQLTrackerStore.get_db_url(
        dialect=kwargs.get("dialect", "sqlite"), host=config.url, port=kwargs.get("port"),
        db=kwargs.get("db", "rasa.db"), username=kwargs.get("username"), password=kwargs.get("password"),
        query=kwargs.get("query"))


def engine(url: Optional[Union[str, "sa.engine.URL"]] = None,
           endpoints: Union[str, Path] = DEFAULT_ENDPOINTS) -> "sa.engine.Engine":
    return sa.create_engine(url or database_url(endpoints), future=True)


def has_events_table(connection) -> bool:
    return sa.inspect(connection).has_table("events")


def delete_events(connection, sender_id: str) -> int:
    """Deletes every event of `sender_id` (all its sessions): how many there were. The one way a
    conversation is deleted from an SQL tracker store, online (rasa_server.channels.forget) or offline
    (data_protection.rights); the caller's transaction commits it."""
    if not has_events_table(connection):
        return 0
    return connection.execute(sa.text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id}).rowcount


def stored_events(connection, sender_id: str) -> List[Dict[str, Any]]:
    """Every stored event of `sender_id`, oldest first, as the JSON Rasa wrote (data_protection.rights's export)."""
    if not has_events_table(connection):
        return []
    rows = connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id"),
                              {"sender": sender_id})
    return [json.loads(data) for (data,) in rows if data]
