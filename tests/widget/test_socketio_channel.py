"""The widget's socket.io channel (rasa_server.channels.socketio) with a plain socket.io client: replies with
session persistence (the enter_room bug), sessions that cannot be taken over, origins, size limit,
language hint, no silent drops."""
import asyncio

import pytest
import socketio

from rasa_server.channels.rest import unavailable
from rasa_server.channels.socketio import (
    DEFAULT_ALLOWED_ORIGINS,
    ResumeTokens,
    SegibSocketIOInput,
    configured_origins,
    parse_origins,
    phrase,
    valid_session_id,
)
from tests.support.widget_client import WAIT, Visitor


@pytest.fixture
def visitors(assistant, widget_origin):
    opened = []

    def _open(origin: str = None) -> Visitor:
        visitor = Visitor(assistant.base_url, origin or widget_origin)
        opened.append(visitor)
        return visitor

    yield _open
    for visitor in opened:
        visitor.close()


def test_replies_arrive_with_session_persistence_and_the_language_hint(visitors):
    visitor = visitors()
    session_id = visitor.session()
    assert valid_session_id(session_id)
    assert visitor.say("/greet", session_id, language="pt-BR")["text"].startswith("Olá!")


def test_a_reload_with_the_resume_token_continues_the_conversation(visitors):
    first = visitors()
    session_id = first.session()
    assert "Recoletos" in first.say("¿Dónde está la sede de la SEGIB?", session_id, "es")["text"]
    first.close()
    second = visitors()  # a reload: new socket, same id and token from the browser's storage
    assert second.session(session_id, first.resume_token) == session_id
    assert "+34 91 590 19 80" in second.say("¿y su teléfono?", session_id, "es")["text"]


def test_every_tab_of_a_session_gets_the_replies(visitors):
    asking, other_tab = visitors(), visitors()
    session_id = asking.session()
    assert other_tab.session(session_id, asking.resume_token) == session_id
    reply = asking.say("Where are SEGIB's headquarters?", session_id, "en")
    assert other_tab.replies.get(timeout=WAIT) == reply


def test_a_conversation_cannot_be_taken_over_by_naming_its_id(visitors, tracker_db):
    victim = visitors()
    session_id = victim.session()
    victim.say("¿Dónde está la sede de la SEGIB?", language="es")
    # A second socket names the id, without the token or with a forged one: a new conversation.
    intruder = visitors()
    assert intruder.session(session_id) != session_id
    assert intruder.session(session_id, "0" * 64) != session_id
    assert intruder.session(session_id, victim.resume_token.upper()) != session_id
    # It gets none of the victim's replies...
    victim.say("¿y su teléfono?", language="es")
    assert intruder.quiet_for(3)
    # ...cannot write into the victim's conversation, even naming its id in the message...
    intruder.say("intruder text", session_id=session_id, language="en")
    assert victim.quiet_for(3)
    assert tracker_db.user_texts(intruder.session_id) == ["intruder text"]
    # ...and cannot forget it (it forgets its own).
    assert intruder.forget({"session_id": session_id, "sender": session_id}) == {"ok": True, "deleted": True}
    assert tracker_db.user_texts(session_id) == ["¿Dónde está la sede de la SEGIB?", "¿y su teléfono?"]


def test_a_message_from_a_socket_without_a_session_is_refused(visitors, tracker_db):
    victim = visitors()
    session_id = victim.session()
    victim.say("Who is the Secretary General?", language="en")
    third = visitors()   # never asked for a session: names the victim's id in its message
    assert third.say("third text", session_id=session_id, language="pt") == {
        "text": phrase("widget_session_required", "pt")}
    assert victim.quiet_for(3)
    assert tracker_db.user_texts(session_id) == ["Who is the Secretary General?"]


def test_an_invalid_session_id_is_replaced(visitors):
    visitor = visitors()
    session_id = visitor.session("x")
    assert session_id != "x" and valid_session_id(session_id)


def test_too_long_a_message_gets_a_reply_in_the_visitors_language(visitors):
    visitor = visitors()
    session_id = visitor.session()
    reply = visitor.say("¿Dónde está la sede? " * 200, session_id, "en-GB")
    assert reply == {"text": phrase("message_too_long", "en", limit=2000)}


def test_junk_metadata_is_dropped_and_the_message_still_answered(visitors):
    visitor = visitors()
    session_id = visitor.session()
    visitor.client.emit("user_uttered", {"message": "hola", "session_id": session_id,
                                         "customData": {"language": "x" * 500, "evil": {"$gt": 1}}})
    assert visitor.replies.get(timeout=WAIT)["text"]


def test_forget_deletes_the_sockets_own_conversation_and_only_that(visitors, tracker_db):
    me, other = visitors(), visitors()
    mine, theirs = me.session(), other.session()
    me.say("¿Dónde está la sede de la SEGIB?", mine)
    other.say("¿Dónde está la sede de la SEGIB?", theirs)
    assert tracker_db.events(mine) > 0 and tracker_db.events(theirs) > 0
    # The id in the request is ignored: a socket can only forget the conversation it is bound to.
    assert me.forget({"session_id": theirs, "sender": theirs}) == {"ok": True, "deleted": True}
    assert tracker_db.events(mine) == 0
    assert tracker_db.events(theirs) > 0
    # The socket is unbound: it asks for a new conversation, the old one stays gone.
    assert me.say("Who is the Secretary General?", language="en")["text"] == phrase("widget_session_required", "en")
    new = me.session()
    assert "Allamand" in me.say("Who is the Secretary General?", new)["text"]
    assert new != mine and tracker_db.events(mine) == 0
    assert me.forget() == {"ok": True, "deleted": True}


def test_forget_before_any_conversation_deletes_nothing(visitors):
    assert visitors().forget() == {"ok": True, "deleted": False}


def test_a_browser_page_from_another_origin_cannot_connect(assistant):
    with pytest.raises(socketio.exceptions.ConnectionError):
        Visitor(assistant.base_url, "https://evil.example")


# ------------------------------------------------------------------ without servers

def test_origins_setting(monkeypatch):
    assert parse_origins("https://www.segib.org, https://segib.org/ HTTP://LOCALHOST:8080") == [
        "https://www.segib.org", "https://segib.org", "http://localhost:8080"]
    for wrong in ("*", "www.segib.org", "https://segib.org/chat", "ftp://segib.org"):
        with pytest.raises(ValueError):
            parse_origins(wrong)
    monkeypatch.delenv("WIDGET_ALLOWED_ORIGINS", raising=False)
    assert configured_origins({}) == list(DEFAULT_ALLOWED_ORIGINS)
    assert configured_origins({"allowed_origins": ["https://www.segib.org"]}) == ["https://www.segib.org"]
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://segib.org")
    assert configured_origins({"allowed_origins": ["https://www.segib.org"]}) == ["https://segib.org"]


class FakeServer:
    def __init__(self) -> None:
        self.emitted = []

    async def emit(self, event, data=None, room=None, **kwargs):
        self.emitted.append((event, data, room))


def test_a_failure_while_processing_is_told_to_the_visitor_not_swallowed():
    channel = SegibSocketIOInput.from_credentials({"session_persistence": True})

    async def broken(message):
        raise RuntimeError("action server down")

    sio = FakeServer()
    asyncio.run(channel._process(broken, sio, "session-1234567890", {
        "message": "hola", "customData": {"language": "pt-PT"}}))
    assert sio.emitted == [("bot_uttered", {"text": unavailable("pt")}, "session-1234567890")]


def test_resume_tokens_are_bound_to_the_id_and_the_secret(monkeypatch):
    tokens = ResumeTokens("a" * 32)
    token = tokens.issue("session-1234567890")
    assert tokens.valid("session-1234567890", token)
    assert not tokens.valid("session-1234567891", token)
    assert not ResumeTokens("b" * 32).valid("session-1234567890", token)
    assert not tokens.valid("session-1234567890", None) and not tokens.valid("session-1234567890", 12)
    monkeypatch.setenv("SOCKETIO_SESSION_SECRET", "short")
    with pytest.raises(ValueError, match="SOCKETIO_SESSION_SECRET"):
        ResumeTokens.from_environment()
    monkeypatch.setenv("SOCKETIO_SESSION_SECRET", "c" * 64)
    assert ResumeTokens.from_environment().valid("session-1234567890", ResumeTokens("c" * 64).issue(
        "session-1234567890"))


def test_metadata_is_read_from_custom_data_and_cleaned():
    channel = SegibSocketIOInput.from_credentials({})
    assert channel.metadata_key == "customData"
    assert channel._metadata({"customData": {"language": "en-US", "other": "x"}}) == {"language": "en-US"}
    # A web page cannot pass itself off as Telegram, a live relay or a country.
    assert channel._metadata({"customData": {"language": "es", "channel": "telegram", "relay": "open",
                                             "country": "Chile"}}) == {"language": "es"}
    assert channel._metadata({"customData": '{"language": "pt"}'}) == {"language": "pt"}
    assert channel._metadata({"customData": "not json"}) == {}
