"""Retention purge (data_protection.retention) and "forget me" (data_protection.rights) on the two tracker databases the
assistant uses: the embedded SQLite file and PostgreSQL (a private server). The conversations are
written by Rasa's own SQLTrackerStore, so the schema is the real one."""
import asyncio
import time

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from data_protection import retention, rights as privacy

DAY = 86400
NOW = time.time()


def session(start: float, *texts: str) -> list:
    events = [ActionExecuted("action_session_start", timestamp=start), SessionStarted(timestamp=start + 0.001),
              ActionExecuted("action_listen", timestamp=start + 0.002)]
    for n, text in enumerate(texts):
        at = start + 1 + n * 60
        events += [UserUttered(text, timestamp=at), BotUttered("ok", timestamp=at + 0.5),
                   ActionExecuted("action_listen", timestamp=at + 0.6)]
    return events


CONVERSATIONS = {
    "inactive": session(NOW - 200 * DAY, "hola", "adiós"),  # nobody wrote for 200 days: all goes
    "returning": session(NOW - 150 * DAY, "old question") + session(NOW - 1 * DAY, "new question"),
    # A session still open (no silence long enough to end it) is kept whole, however old it started.
    "long_session": session(NOW - 100 * DAY, "first") + [UserUttered("still here", timestamp=NOW - DAY)],
    "recent": session(NOW - 2 * DAY, "hello"),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        tracker_store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "conversations.db"))
    else:
        postgres = request.getfixturevalue("postgres")
        tracker_store = SQLTrackerStore(Domain.empty(), dialect="postgresql", host="127.0.0.1",
                                        port=postgres.port, db=f"retention_{int(time.time() * 1000)}",
                                        username=postgres.user, password="", login_db="postgres")
    for sender, events in CONVERSATIONS.items():
        asyncio.run(tracker_store.save(DialogueStateTracker.from_events(sender, events)))
    yield tracker_store
    tracker_store.engine.dispose()


def user_texts(store, sender):
    tracker = asyncio.run(store.retrieve_full_tracker(sender))
    return [e.text for e in tracker.events if isinstance(e, UserUttered)] if tracker else None


def count(store) -> int:
    with store.engine.connect() as connection:
        return connection.execute(sa.text("SELECT COUNT(*) FROM events")).scalar_one()


def test_retention_purges_old_conversations_and_ended_sessions_only(store):
    before = count(store)
    planned = retention.purge(store.engine, 90, now=NOW, dry_run=True)
    assert count(store) == before
    purged = retention.purge(store.engine, 90, now=NOW)
    assert purged == planned
    assert purged.conversations == 1
    assert purged.events_of_inactive_conversations == len(CONVERSATIONS["inactive"])
    assert purged.events_of_ended_sessions == len(session(0, "old question"))
    assert count(store) == before - purged.events
    assert user_texts(store, "inactive") is None
    assert user_texts(store, "returning") == ["new question"]
    assert user_texts(store, "long_session") == ["first", "still here"]
    assert user_texts(store, "recent") == ["hello"]
    # Rasa still reads the current session back whole, and a second run finds nothing.
    tracker = asyncio.run(store.retrieve("returning"))
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["new question"]
    assert retention.purge(store.engine, 90, now=NOW).events == 0


def test_retention_on_an_empty_database_does_nothing(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'none.db'}", future=True)
    assert retention.purge(engine, 90).events == 0


def test_retention_command_reads_the_endpoints_file(store, tmp_path, monkeypatch):
    if store.engine.dialect.name != "sqlite":
        pytest.skip("the command's endpoints handling is dialect-independent")
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tmp_path / "conversations.db"}"\n')
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'handoff.db'}")   # it purges hand-off cases too
    assert retention.main(["--older-than-days", "90", "--endpoints", str(endpoints)]) == 0
    assert user_texts(store, "inactive") is None and user_texts(store, "recent") == ["hello"]


def test_the_operators_commands_export_then_forget_one_sender_only(store, tmp_path, monkeypatch):
    """`python -m data_protection.rights export` gives the sender's own messages and replies with their times;
    `forget` deletes their conversation and hand-off cases and nobody else's."""
    import json

    from handoff.store import ASKED, EMAIL, CaseStore

    url = store.engine.url.render_as_string(hide_password=False)
    cases = CaseStore(f"sqlite:///{tmp_path / 'handoff.db'}")
    monkeypatch.setattr(privacy, "case_store", lambda url=None: cases)
    case = cases.open_case("returning", "socketio", "en", ASKED, EMAIL, [("citizen", "new question")],
                           email="me@example.org", question="a letter")
    cases.open_case("recent", "socketio", "en", ASKED, EMAIL, [("citizen", "hello")], email="other@example.org")
    output = tmp_path / "returning.json"
    assert privacy.main(["export", "returning", "--db-url", url, "--output", str(output)]) == 0
    document = json.loads(output.read_text(encoding="utf-8"))
    assert [m["text"] for m in document["messages"] if m["from"] == "citizen"] == ["old question", "new question"]
    assert [m["text"] for m in document["messages"] if m["from"] == "assistant"] == ["ok", "ok"]
    assert all(m["at"].startswith("20") for m in document["messages"])
    assert [c["reference"] for c in document["handoff_cases"]] == [case.reference]
    assert document["handoff_cases"][0]["email"] == "me@example.org"
    assert "hello" not in output.read_text() and "other@example.org" not in output.read_text()

    assert privacy.main(["forget", "returning", "--db-url", url]) == 0
    assert user_texts(store, "returning") is None and cases.cases_of("returning") == []
    assert user_texts(store, "recent") == ["hello"] and len(cases.cases_of("recent")) == 1
    forgotten = privacy.forget("returning", privacy._sql_delete(store.engine), cases)
    assert not forgotten.anything
    with pytest.raises(ValueError):
        privacy.forget("", privacy._sql_delete(store.engine), cases)


def test_the_rasa_servers_deletion_removes_the_same_rows_as_the_offline_tool(store):
    """rasa_server.channels.forget (inside the Rasa server: /forget, the widget's button) and data_protection.rights
    (offline) share the deletion (data_protection.tracker_db.delete_events): same rows gone, others kept."""
    from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore

    from rasa_server.channels.forget import delete_conversation

    wrapped = AwaitableTrackerStore(FailSafeTrackerStore(store))   # as the Rasa server holds it
    assert delete_conversation(wrapped, "returning") is True
    assert user_texts(store, "returning") is None
    assert user_texts(store, "recent") == ["hello"]
    assert count(store) == sum(len(events) for events in CONVERSATIONS.values()) - len(CONVERSATIONS["returning"])
    assert delete_conversation(wrapped, "returning") is False


def test_the_rasa_servers_deletion_on_the_in_memory_store():
    from rasa.core.tracker_store import InMemoryTrackerStore

    from rasa_server.channels.forget import delete_conversation

    memory = InMemoryTrackerStore(Domain.empty())
    for sender, events in CONVERSATIONS.items():
        asyncio.run(memory.save(DialogueStateTracker.from_events(sender, events)))
    assert delete_conversation(memory, "returning") is True
    assert asyncio.run(memory.retrieve("returning")) is None and asyncio.run(memory.retrieve("recent"))
