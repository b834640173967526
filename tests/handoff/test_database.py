"""The case store's database from the action server: its calls never hold up the action server's
event loop (so one slow database call does not stop every other conversation), and a database that
hangs gets the citizen an honest answer within seconds."""
import asyncio
import time

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions as segib_actions, handoff
from handoff.store import CaseStore


def filled_form(sender: str) -> Tracker:
    """The tracker when handoff_form is done: email and question given, the case is to be filed."""
    return Tracker(sender, {"handoff_email": "ana@example.org", "handoff_question": "¿Me ayudan?",
                            "handoff_reason": "asked"},
                   {"text": "¿Me ayudan?", "intent": {"name": "inform", "confidence": 1.0}, "entities": [],
                    "language": {"language": "es", "confidence": 0.9, "other": None, "hint": None}, "metadata": {}},
                   [], False, None, {}, "action_listen")


class SlowStore(CaseStore):
    """A database that takes a second to answer."""

    def open_case(self, *args, **kwargs):
        time.sleep(1)
        return super().open_case(*args, **kwargs)


def test_filing_a_case_does_not_block_the_action_servers_event_loop(tmp_path, monkeypatch):
    monkeypatch.setattr(handoff, "DESK", handoff.Desk(SlowStore(f"sqlite:///{tmp_path / 'h.db'}")))
    tracker = filled_form("widget-slow")

    async def scenario():
        ticks = 0

        async def other_conversations():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        ticker = asyncio.ensure_future(other_conversations())
        dispatcher = CollectingDispatcher()
        await segib_actions.ActionFileCase().run(dispatcher, tracker, {})
        ticker.cancel()
        return ticks, dispatcher.messages

    ticks, messages = asyncio.run(scenario())
    assert "SGB-" in messages[0]["text"]
    assert ticks >= 10     # the loop kept serving while the database took its second


class HangingStore(CaseStore):
    """A database that accepts the connection and then never answers."""

    def open_case(self, *args, **kwargs):
        time.sleep(30)


def test_a_hanging_database_gets_the_could_not_file_answer_within_5_s(tmp_path, monkeypatch):
    monkeypatch.setattr(handoff, "DESK", handoff.Desk(HangingStore(f"sqlite:///{tmp_path / 'h.db'}")))
    tracker = filled_form("widget-hang")
    dispatcher = CollectingDispatcher()
    started = time.monotonic()
    asyncio.run(segib_actions.ActionFileCase().run(dispatcher, tracker, {}))
    assert time.monotonic() - started < 5
    assert dispatcher.messages[0]["text"].startswith("No he podido registrar tu consulta en este momento")
