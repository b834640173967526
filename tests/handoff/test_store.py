"""The case store on SQLite (the embedded default) and on real PostgreSQL (the production profile)."""
import json
import time

import pytest
import sqlalchemy as sa

from handoff.store import (
    ASKED,
    CITIZEN,
    CLOSED,
    EMAIL,
    ERASE,
    ERASED,
    FALLBACK,
    FILED,
    LIVE,
    NO_CASE,
    OPEN,
    STAFF,
    CaseStore,
)
from tests.support.databases import Postgres

TRANSCRIPT = [("citizen", "quiero hablar con alguien"), ("bot", "¿Quieres que te ponga en contacto...?"),
              ("citizen", "sí")]


@pytest.fixture(scope="module")
def postgres_url():
    server = Postgres()
    try:
        server.start()
        connection = server.connect("postgres")
        connection.autocommit = True
        connection.cursor().execute("CREATE DATABASE segib_handoff")
        connection.close()
        yield server.url("segib_handoff")
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield CaseStore(f"sqlite:///{tmp_path / 'state' / 'handoff.db'}")
        return
    url = request.getfixturevalue("postgres_url")
    store = CaseStore(url)
    with store.engine.begin() as connection:   # each test starts empty
        for table in ("handoff_staff_messages", "handoff_outbox", "handoff_cases", "handoff_leases"):
            connection.execute(sa.text(f"DELETE FROM {table}"))
    yield store
    store.engine.dispose()


def test_a_live_case_is_open_with_its_transcript_and_its_announcement_queued(store):
    case = store.open_case("telegram:42", "telegram", "es", ASKED, LIVE, TRANSCRIPT, office="office_mexico",
                           country="MX")
    assert case.reference.startswith("SGB-") and len(case.reference) == 13 and case.status == OPEN
    assert case.transcript == tuple(TRANSCRIPT) and case.office == "office_mexico" and case.country == "MX"
    assert store.live_case("telegram:42") == case and store.live_case("telegram:43") is None
    assert store.by_reference(case.reference.lower()) == case
    [announcement] = store.pending()
    assert (announcement.case_id, announcement.target, announcement.kind) == (case.id, STAFF, "case")


def test_an_email_case_is_filed_not_live(store):
    case = store.open_case("widget-1", "socketio", "pt", FALLBACK, EMAIL, TRANSCRIPT, email="ana@example.org",
                           question="Como candidatar-me?")
    assert case.status == FILED and store.live_case("widget-1") is None
    assert [c.reference for c in store.active()] == [case.reference]


def test_the_outbox_delivers_in_order_once_and_maps_staff_messages(store):
    case = store.open_case("telegram:7", "telegram", "en", ASKED, LIVE, TRANSCRIPT)
    assert store.enqueue(case.id, STAFF, "citizen", "first", source="tg:7:100")
    assert store.enqueue(case.id, STAFF, "citizen", "second", source="tg:7:101")
    assert not store.enqueue(case.id, STAFF, "citizen", "first", source="tg:7:100")   # a redelivered update
    items = store.pending()
    assert [i.kind for i in items] == ["case", "citizen", "citizen"] and items[1].text == "first"
    assert store.backlog(case.id) == 3
    store.mark_sent(items[0], chat_id=-1001, message_id=500)
    store.mark_sent(items[1], chat_id=-1001, message_id=501)
    assert [i.text for i in store.pending()] == ["second"] and store.backlog(case.id) == 1
    assert store.case(case.id).staff_message_id == 500 and store.case(case.id).staff_chat_id == -1001
    assert store.for_staff_message(-1001, 500) == store.for_staff_message(-1001, 501) == store.case(case.id)
    assert store.for_staff_message(-1002, 500) is None


def test_closing_is_done_once(store):
    case = store.open_case("telegram:8", "telegram", "es", ASKED, LIVE, TRANSCRIPT)
    assert store.close(case.id) and not store.close(case.id)
    assert store.case(case.id).status == CLOSED and store.live_case("telegram:8") is None
    assert store.active() == []


def test_erase_queues_the_deletion_of_every_staff_group_copy_or_a_notice_for_old_cases(store):
    """data_protection.rights.forget's part in the case store: the cases go, and the staff group's copies of
    them (case message, relayed messages, staff replies) are queued for deletion; cases opened before
    `deletable_after` (older than Telegram's 48 hours) get one "erased" notice per staff chat."""
    recent = store.open_case("telegram:9", "telegram", "es", ASKED, LIVE, TRANSCRIPT)
    old = store.open_case("telegram:9", "telegram", "es", ASKED, EMAIL, TRANSCRIPT, email="a@b.org")
    other = store.open_case("telegram:10", "telegram", "es", ASKED, LIVE, TRANSCRIPT)
    for message_id, item in zip((500, 501, 502), store.pending()):
        store.mark_sent(item, chat_id=-1001, message_id=message_id)                 # the three case messages
    store.enqueue(recent.id, STAFF, "citizen", "hola", source="tg:9:1")
    store.mark_sent(store.pending()[0], chat_id=-1001, message_id=503)             # a relayed message
    # a staff reply
    store.enqueue(recent.id, CITIZEN, "staff", "SEGIB (staff): hola", source="tg:-1001:504:1796298680")
    store.enqueue(recent.id, STAFF, "citizen", "¿sigue ahí?", source="tg:9:2")     # not delivered yet
    with store.engine.begin() as connection:   # the email case was opened three days ago
        connection.execute(sa.text("UPDATE handoff_cases SET created_at = :at WHERE id = :id"),
                           {"at": time.time() - 3 * 86400, "id": old.id})
    assert store.erase("telegram:9", deletable_after=time.time() - 48 * 3600) == 2
    assert store.cases_of("telegram:9") == [] and store.for_staff_message(-1001, 503) is None
    queued = [(i.kind, json.loads(i.text)) for i in store.pending() if i.case_id == NO_CASE]
    assert queued == [(ERASE, {"chat": -1001, "message": m, "reference": recent.reference}) for m in (500, 503, 504)] \
        + [(ERASED, {"chat": -1001, "reference": old.reference})]
    assert "¿sigue ahí?" not in [i.text for i in store.pending()]                 # never sent now
    assert store.cases_of("telegram:10") == [store.case(other.id)] and store.for_staff_message(-1001, 502)
    assert store.erase("telegram:9", deletable_after=0) == 0


def test_stale_lists_only_live_cases_still_open_from_before(store):
    live = store.open_case("telegram:1", "telegram", "es", ASKED, LIVE, TRANSCRIPT)
    store.open_case("widget-1", "socketio", "es", ASKED, EMAIL, TRANSCRIPT, email="a@b.org")
    closed = store.open_case("telegram:2", "telegram", "es", ASKED, LIVE, TRANSCRIPT)
    store.close(closed.id)
    assert [c.id for c in store.stale(time.time() + 1)] == [live.id]
    assert store.stale(live.created_at) == []


def test_forget_removes_every_record_of_one_sender_only(store):
    mine = store.open_case("telegram:9", "telegram", "es", ASKED, LIVE, TRANSCRIPT)
    other = store.open_case("telegram:10", "telegram", "es", ASKED, LIVE, TRANSCRIPT)
    store.enqueue(mine.id, STAFF, "citizen", "hola", source="tg:9:1")
    store.mark_sent(store.pending()[0], chat_id=-1001, message_id=600)
    assert store.forget("telegram:9") == 1 and store.forget("telegram:9") == 0
    assert store.case(mine.id) is None and store.for_staff_message(-1001, 600) is None
    assert [i.case_id for i in store.pending()] == [other.id]
    assert store.live_case("telegram:10") == other


def test_two_processes_share_the_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    actions, gateway = CaseStore(url), CaseStore(url)
    case = actions.open_case("telegram:11", "telegram", "es", ASKED, LIVE, TRANSCRIPT)
    assert gateway.live_case("telegram:11") == case


def test_retention_purges_old_cases_but_never_a_live_one(store):
    old_live = store.open_case("telegram:20", "telegram", "es", ASKED, LIVE, TRANSCRIPT)
    old_filed = store.open_case("widget-20", "socketio", "es", ASKED, EMAIL, TRANSCRIPT, email="a@b.org")
    assert store.purge(before=old_filed.created_at - 1) == 0
    assert store.purge(before=old_filed.created_at + 1) == 1
    assert store.case(old_filed.id) is None and store.case(old_live.id) is not None


def test_one_gateway_at_a_time_holds_the_outbox_lease(store):
    import time

    assert store.hold_lease("outbox", "gateway-a", 0.5)
    assert not store.hold_lease("outbox", "gateway-b", 0.5)      # a's lease is running
    assert store.hold_lease("outbox", "gateway-a", 0.5)          # renewed by its holder
    time.sleep(0.7)                                               # a stopped renewing (it died)
    assert store.hold_lease("outbox", "gateway-b", 0.5)
    assert not store.hold_lease("outbox", "gateway-a", 0.5)
