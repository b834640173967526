"""The gateway's hand-off pieces on their own: settings, case texts, Rasa's hand-off payload, forget-me,
the outbox shared by two gateways."""
import asyncio
import itertools
import time
from types import SimpleNamespace

import pytest

from data_protection import rights as privacy
from handoff.hours import parse
from handoff.store import ASKED, CITIZEN, EMAIL, FALLBACK, LIVE, STAFF, CaseStore
from handoff.texts import CaseTexts, age, fit, utf16_len
from knowledge.phrases import Phrases
from telegram_gateway import outbox as outbox_module
from telegram_gateway.config import ConfigError, Settings
from telegram_gateway.rasa import parse_messages
from telegram_gateway.staff import HandoffRelay

TOKEN = "123:abc"


def settings(**env):
    return Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, **env}, None)


def test_staff_settings_come_from_the_environment():
    default = settings()
    assert default.staff_chat is None and default.office_chats == {} and default.staff_language == "es"
    assert default.hours.text == "mon-fri 09:00-18:00 Europe/Madrid"
    configured = settings(TELEGRAM_STAFF_CHAT_ID="-1001234567890", HANDOFF_HOURS="always",
                          TELEGRAM_STAFF_CHATS="office_mexico=-1002, office_andean = -1003",
                          HANDOFF_STAFF_LANGUAGE="en")
    assert configured.staff_chat == -1001234567890 and configured.hours.always
    assert configured.office_chats == {"office_mexico": -1002, "office_andean": -1003}
    assert configured.resume_url == "http://127.0.0.1:5005/webhooks/handoff/resume"
    assert configured.export_url == "http://127.0.0.1:5005/webhooks/privacy/export"
    assert (default.stale_hours, default.retention_days, default.privacy_url) == (72, 90, "http://localhost:8080/privacy")
    privacy = settings(HANDOFF_STALE_HOURS="24", RETENTION_DAYS="30", PRIVACY_URL="https://www.example.org/privacidad")
    assert (privacy.stale_hours, privacy.retention_days, privacy.privacy_url) == (24, 30, "https://www.example.org/privacidad")


@pytest.mark.parametrize("env, says", [
    ({"HANDOFF_HOURS": "weekdays 9-5"}, "HANDOFF_HOURS"),
    ({"TELEGRAM_STAFF_CHAT_ID": "@segib_staff"}, "TELEGRAM_STAFF_CHAT_ID must be a Telegram chat id"),
    ({"TELEGRAM_STAFF_CHATS": "office_mexico"}, "office=chat_id pairs"),
    ({"HANDOFF_STAFF_LANGUAGE": "fr"}, "HANDOFF_STAFF_LANGUAGE"),
    ({"HANDOFF_STALE_HOURS": "three days"}, "HANDOFF_STALE_HOURS must be a positive number of hours"),
    ({"HANDOFF_STALE_HOURS": "0"}, "HANDOFF_STALE_HOURS must be a positive number of hours"),
    ({"RETENTION_DAYS": "-5"}, "RETENTION_DAYS must be a positive number of days"),
])
def test_a_wrong_hand_off_setting_stops_start_up_with_the_reason(env, says):
    with pytest.raises(ConfigError) as error:
        settings(**env)
    assert says in str(error.value)


def test_rasa_replies_carry_the_hand_off_payload():
    body = [{"recipient_id": "x", "text": "De acuerdo: ..."},
            {"recipient_id": "x", "custom": {"handoff": {"reference": "SGB-AAAA-BBBB", "mode": "live"}}}]
    text, payload = parse_messages(body)
    assert text.text == "De acuerdo: ..." and text.handoff is None
    assert payload.text == "" and payload.handoff == {"reference": "SGB-AAAA-BBBB", "mode": "live"}


def test_case_message_for_staff_and_its_limits(tmp_path):
    store = CaseStore(f"sqlite:///{tmp_path / 'h.db'}")
    long_turns = [("citizen", f"pregunta {i} " + "x" * 400) for i in range(30)] + [("bot", "¿Quieres...?")]
    case = store.open_case("telegram:1", "telegram", "pt", FALLBACK, LIVE, long_turns, office="office_mexico")
    texts = CaseTexts(Phrases(), "es")
    text = texts.announcement(case)
    assert utf16_len(text) <= 4096 and text.startswith(f"Caso {case.reference}: la persona espera en Telegram")
    assert "Idioma: pt" in text and "Motivo: el asistente no supo responder" in text
    assert "Asistente: ¿Quieres...?" in text and "pregunta 0 " not in text     # the oldest turns go first
    email = store.open_case("widget", "socketio", "en", ASKED, EMAIL, [], email="a@b.org", question="Hi?")
    assert CaseTexts(Phrases(), "en").announcement(email).startswith(f"Case {email.reference} by email: answer a@b.org")
    assert texts.citizen(case, "handoff_back").startswith("Voltou ao assistente")


def test_ages_and_fitting():
    assert [age(s) for s in (30, 600, 3 * 3600 + 120, 3 * 86400)] == ["0 min", "10 min", "3 h 02 min", "3 d"]
    assert fit(["a" * 5000], 0) == "a" * 4095 + "…"


def test_the_forget_me_command_line_deletes_hand_off_records(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    monkeypatch.setenv("HANDOFF_DB_URL", url)
    store = CaseStore(url)
    store.open_case("telegram:77", "telegram", "es", ASKED, LIVE, [("citizen", "hola")])
    conversations = tmp_path / "conversations.db"
    assert privacy.main(["forget", "telegram:77", "--db-url", f"sqlite:///{conversations}"]) == 0
    assert store.live_case("telegram:77") is None and store.pending() == []


def test_cases_go_to_their_offices_group_else_to_the_main_one(tmp_path):
    store = CaseStore(f"sqlite:///{tmp_path / 'h.db'}")
    relay = HandoffRelay(store, CaseTexts(Phrases()), parse("always"), -100, {"office_mexico": -200})
    mexico = store.open_case("telegram:1", "telegram", "es", ASKED, LIVE, [], office="office_mexico")
    andean = store.open_case("telegram:2", "telegram", "es", ASKED, LIVE, [], office="office_andean")
    nowhere = store.open_case("telegram:3", "telegram", "es", ASKED, LIVE, [])
    assert [relay.staff_chat_for(c) for c in (mexico, andean, nowhere)] == [-200, -100, -100]
    assert relay.staff_chats == {-100, -200} and relay.state() == "open"
    assert HandoffRelay(store, CaseTexts(Phrases()), parse("always"), None).state() == "closed"
    # The hours are the action server's decision (the case's office's hours): the gateway says a relay exists.
    assert HandoffRelay(store, CaseTexts(Phrases()), parse("never"), -100).state() == "open"


def test_only_the_gateways_rest_channel_and_the_widgets_server_side_are_believed_to_relay():
    from rasa_sdk import Tracker

    from actions.turn import Turn

    def turn(input_channel):
        latest = {"text": "sí", "intent": {"name": "affirm"}, "entities": [],
                  "metadata": {"channel": "telegram", "relay": "open"}}
        events = [{"event": "user", "text": "sí", "input_channel": input_channel}]
        return Turn.from_tracker(Tracker("x", {}, latest, events, False, None, {}, "action_listen"))

    # The socket.io channel replaces whatever the widget sent with its own (rasa_server/channels/livecase.py).
    assert turn("rest").relay == "open" and turn("socketio").relay == "open" and turn("cmdline").relay is None


class RecordingBot:
    """Stands in for Telegram's sendMessage: records what each gateway sent, in order."""

    def __init__(self) -> None:
        self.sent = []
        self._ids = itertools.count(1000)

    async def send_message(self, chat, text, **_):
        self.sent.append((chat, text))
        await asyncio.sleep(0.001)
        return SimpleNamespace(message_id=next(self._ids))


def test_two_gateways_on_one_store_deliver_each_message_once_and_in_order(tmp_path, monkeypatch):
    """Webhook mode behind a balancer: both gateways queue, one delivers; when it dies the other
    takes over after the lease runs out."""
    store = CaseStore(f"sqlite:///{tmp_path / 'h.db'}")
    texts = CaseTexts(Phrases(), "es")
    gateways = [outbox_module.Outbox(store, texts, None, lambda case: -100, holder=name)
                for name in ("gateway-a", "gateway-b")]
    cases = [store.open_case(f"telegram:{n}", "telegram", "es", ASKED, LIVE, [("citizen", "hola")])
             for n in (1, 2, 3)]
    for n in range(4):
        for case in cases:
            store.enqueue(case.id, STAFF, "citizen", f"{case.reference} mensaje {n}")
            store.enqueue(case.id, CITIZEN, "staff", f"{case.reference} respuesta {n}")
    bot = RecordingBot()

    async def rounds(count):
        for _ in range(count):
            await asyncio.gather(*(gateway.deliver(bot) for gateway in gateways))

    asyncio.run(rounds(3))
    sent_texts = [text for _, text in bot.sent]
    assert len(sent_texts) == len(set(sent_texts)) == 3 + 3 * 8      # each row once
    assert not store.pending()
    for case in cases:                                                 # each chat's rows in order
        to_staff = [t for t in sent_texts if f"{case.reference} mensaje" in t]   # with the case's reference
        assert to_staff == [f"{case.reference} · Persona: {case.reference} mensaje {n}" for n in range(4)]

    monkeypatch.setattr(outbox_module, "LEASE_SECONDS", 0.3)
    asyncio.run(rounds(1))                                             # someone holds a short lease now
    holder = next(g for g in gateways if store.hold_lease(outbox_module.LEASE, g.holder, 0.3))
    other = next(g for g in gateways if g is not holder)
    store.enqueue(cases[0].id, CITIZEN, "staff", "after the holder died")
    asyncio.run(other.deliver(bot))
    assert bot.sent[-1][1] != "after the holder died"                 # the lease still runs
    time.sleep(0.4)
    asyncio.run(other.deliver(bot))
    assert bot.sent[-1] == (1, "after the holder died")               # taken over, delivered once


class SlowChatBot(RecordingBot):
    """Telegram that takes `delay` seconds per message to one chat (flooded, or slow to answer)."""

    def __init__(self, slow_chat, delay: float) -> None:
        super().__init__()
        self.slow_chat, self.delay, self.when = slow_chat, delay, {}

    async def send_message(self, chat, text, **kwargs):
        if chat == self.slow_chat:
            await asyncio.sleep(self.delay)
        self.when[text] = time.monotonic()
        return await super().send_message(chat, text, **kwargs)


def test_a_slow_chat_does_not_delay_the_other_chats(tmp_path):
    store = CaseStore(f"sqlite:///{tmp_path / 'h.db'}")
    staff = {"office_andean": -200}
    outbox = outbox_module.Outbox(store, CaseTexts(Phrases(), "es"), None,
                                  lambda case: staff.get(case.office, -100))
    flooded = [store.open_case(f"telegram:{n}", "telegram", "es", ASKED, LIVE, [("citizen", "hola")])
               for n in range(10, 15)]
    for case in flooded:   # a flooded staff group, queued first
        store.enqueue(case.id, STAFF, "citizen", f"{case.reference} flood")
    waiting = store.open_case("telegram:99", "telegram", "es", ASKED, LIVE, [("citizen", "hola")],
                              office="office_andean")
    store.enqueue(waiting.id, STAFF, "citizen", "another group's live message")
    store.enqueue(flooded[0].id, CITIZEN, "staff", "a staff answer to a citizen")
    bot = SlowChatBot(-100, 0.5)
    started = time.monotonic()
    asyncio.run(outbox.deliver(bot))
    assert bot.when[f"{waiting.reference} · Persona: another group's live message"] - started < 0.4
    assert bot.when["a staff answer to a citizen"] - started < 0.4
    assert not store.pending()


class RefusingBot(RecordingBot):
    def __init__(self) -> None:
        super().__init__()
        self.refusing = True

    async def send_message(self, chat, text, **kwargs):
        from telegram.error import Forbidden
        if self.refusing and chat == -100:
            raise Forbidden("Forbidden: bot was kicked from the supergroup chat")
        return await super().send_message(chat, text, **kwargs)


class RecordingHealth:
    def __init__(self) -> None:
        self.events = []

    def staff_chat_failed(self, chat_id, reason):
        self.events.append(("failed", chat_id, reason))

    def staff_chat_ok(self, chat_id):
        self.events.append(("ok", chat_id))


def test_a_staff_chat_refusing_the_bot_keeps_its_rows_backs_off_and_reports_it(tmp_path, caplog):
    store = CaseStore(f"sqlite:///{tmp_path / 'h.db'}")
    now = [100.0]
    health = RecordingHealth()
    outbox = outbox_module.Outbox(store, CaseTexts(Phrases(), "es"), None, lambda case: -100, health=health,
                                  clock=lambda: now[0])
    case = store.open_case("telegram:7", "telegram", "es", ASKED, LIVE, [("citizen", "hola")])
    store.enqueue(case.id, STAFF, "citizen", "primero")
    store.enqueue(case.id, CITIZEN, "staff", "a staff answer")   # the citizen's own chat still gets it
    bot = RefusingBot()
    asyncio.run(outbox.deliver(bot))
    assert [text for _, text in store_pending_texts(store)] == ["case", "primero"]
    assert health.events == [("failed", -100, "forbidden")]
    assert "ALERT: Telegram refuses messages to a staff group" in caplog.text
    asyncio.run(outbox.deliver(bot))                  # within the pause: not even tried
    assert len(health.events) == 1
    now[0] += outbox_module.STAFF_RETRY_FIRST
    asyncio.run(outbox.deliver(bot))                  # tried again, refused again: a longer pause
    assert health.events[-1] == ("failed", -100, "forbidden")
    now[0] += outbox_module.STAFF_RETRY_FIRST
    asyncio.run(outbox.deliver(bot))
    assert len(health.events) == 2                    # the pause doubled
    bot.refusing = False
    now[0] += 2 * outbox_module.STAFF_RETRY_FIRST
    asyncio.run(outbox.deliver(bot))
    assert not store.pending() and health.events[-1] == ("ok", -100)
    assert [text for chat, text in bot.sent if chat == -100][1:] == [f"{case.reference} · Persona: primero"]


def store_pending_texts(store):
    return [(item.id, item.kind if item.kind == "case" else item.text) for item in store.pending()]
