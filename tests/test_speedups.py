"""The speed changes keep Rasa's behaviour: same validation verdicts and errors, same tracker
contents, same intent probabilities, one kept HTTP session."""
import asyncio
import copy

import numpy as np
import pytest
import scipy.sparse
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.utils.endpoints import EndpointConfig
from sklearn.linear_model import LogisticRegression

from nlu.intent_classifier import _Weights
from rasa_server.patches import speedups
from rasa_server.tracker_store import SQLiteTrackerStore

speedups.install()

SLOTS = [{"event": "slot", "timestamp": None, "name": "language", "value": "es"},
         {"event": "slot", "timestamp": 1.5, "name": "failed_turns", "value": 0.0}]
VALID = [
    {"events": SLOTS, "responses": [{"text": "Hola", "buttons": [{"title": "Sí", "payload": "/affirm"}]}]},
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "action", "name": "action_listen", "policy": None, "confidence": 1.0},
                {"event": "user", "text": "hola", "parse_data": {"intent": {"name": "greet", "confidence": 0.9},
                                                                   "entities": []}},
                {"event": "bot", "text": "hi", "data": {}}, {"event": "session_started"},
                {"event": "restart"}, {"event": "reset_slots"}, {"event": "followup", "name": "x"}]},
]
INVALID = [
    {"events": [{"event": "nonsense"}]},
    {"events": [{"event": "slot", "value": "es"}]},              # no slot name
    {"events": [{"name": "language", "value": "es"}]},           # no event type
    {"events": [{"event": "slot", "name": 3, "value": "es"}]},
    {"events": [{"event": "action", "name": 7}]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"entity": "x"}]}}]},
    {"events": "slot"},
    {"events": [["slot"]]},
    {"events": [], "responses": ["text"]},
    {"events": [{"event": "slot", "timestamp": "now", "name": "a", "value": 1}]},
    [],
]


def _original(response):
    try:
        validate(response, RemoteAction.action_response_format_spec())
        return None
    except ValidationError as error:
        return error.message


@pytest.mark.parametrize("response", VALID + INVALID)
def test_action_response_validation_gives_the_same_verdict_and_error(response):
    expected = _original(copy.deepcopy(response))
    try:
        RemoteAction("action_x", None)._validate_action_result(response)
        got = None
    except ValidationError as error:
        got = error.message
    if expected is None:
        assert got is None
    else:
        assert got is not None and got.startswith(expected)


def test_the_action_endpoint_keeps_one_session_per_event_loop():
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")

    async def two_sessions():
        async with endpoint.session() as first:
            pass
        async with endpoint.session() as second:
            pass
        assert not first.closed
        await first.close()
        return first, second

    first, second = asyncio.run(two_sessions())
    assert first is second
    other, _ = asyncio.run(two_sessions())
    assert other is not first


def test_logistic_regression_weights_give_scikit_learns_probabilities():
    rng = np.random.default_rng(0)
    X = scipy.sparse.random(300, 500, density=0.02, format="csr", random_state=1)
    for classes in (2, 7):
        y = rng.integers(0, classes, 300)
        clf = LogisticRegression(max_iter=200, class_weight="balanced").fit(X, [f"c{i}" for i in y])
        weights = _Weights.from_estimator(clf)
        assert weights.classes == list(clf.classes_)
        assert np.array_equal(weights.predict_proba(X[:20]), clf.predict_proba(X[:20]))


DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet]
slots:
  language: {type: text, influence_conversation: false, mappings: [{type: custom}]}
""")


def _events(tracker):
    return [e.as_dict() for e in tracker.events]


async def _conversation(store, sender="ana"):
    """What Rasa's processor does: fetch the tracker, add a turn's events, save; twice, then a new session."""
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    start = tracker.events[-1].timestamp if tracker.events else 1000.0
    turns = [
        [ActionExecuted("action_session_start", timestamp=start + 1), SessionStarted(timestamp=start + 2),
         ActionExecuted("action_listen", timestamp=start + 3)],
        [UserUttered("hola", {"name": "greet", "confidence": 1.0}, timestamp=start + 4),
         SlotSet("language", "es", timestamp=start + 5), BotUttered("¡Hola!", timestamp=start + 6),
         ActionExecuted("action_listen", timestamp=start + 7)],
        [],  # a save with nothing new writes nothing
        [ActionExecuted("action_session_start", timestamp=start + 10), SessionStarted(timestamp=start + 11),
         SlotSet("language", "es", timestamp=start + 12), ActionExecuted("action_listen", timestamp=start + 13)],
    ]
    seen = []
    for events in turns:
        tracker = await store.retrieve(sender) or tracker
        for event in events:
            tracker.update(event)
        await store.save(tracker)
        seen.append(_events(await store.retrieve(sender)))
    seen.append(_events(await store.retrieve_full_tracker(sender)))
    return seen


def _rows(db):
    import sqlite3

    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
                                  "FROM events ORDER BY id").fetchall()


def test_sqlite_tracker_store_writes_and_reads_what_rasas_sql_store_does(tmp_path):
    ours_db, theirs_db = str(tmp_path / "ours.db"), str(tmp_path / "theirs.db")
    ours = SQLiteTrackerStore(DOMAIN, db=ours_db)
    theirs = SQLTrackerStore(DOMAIN, dialect="sqlite", db=theirs_db)
    seen_ours, seen_theirs = asyncio.run(_conversation(ours)), asyncio.run(_conversation(theirs))
    assert seen_ours == seen_theirs
    assert len(seen_ours[-2]) < len(seen_ours[-1])  # the latest session only, unless asked for all
    assert _rows(ours_db) == _rows(theirs_db) and len(_rows(ours_db)) == 11
    # Rasa's own store reads our file (and the other way round): the format is the same.
    assert _events(asyncio.run(SQLTrackerStore(DOMAIN, dialect="sqlite", db=ours_db).retrieve("ana"))) == \
        _events(asyncio.run(SQLiteTrackerStore(DOMAIN, db=theirs_db).retrieve("ana")))
    assert ours._connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_event_types_resolve_as_before():
    from rasa.shared.core.events import Event

    for name in ("slot", "user", "bot", "action", "session_started", "restart", "followup"):
        assert Event.resolve_by_type(name).type_name == name
        assert Event.resolve_by_type(name) is Event.resolve_by_type(name)
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
