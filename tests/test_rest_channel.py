"""The REST channel's request handling in process (Sanic app over ASGI, no Rasa server): the optional
shared-secret header, and a fuzz test (hypothesis) showing that random and malformed payloads never
produce a 500, an exception or a hang. Also fuzzes clean_metadata."""
import asyncio
import json
import uuid

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from rasa.core.actions.action import create_bot_utterance
from sanic import Sanic

from contracts import OUTCOME_KEY, REPLY_LANGUAGE_KEY
from knowledge import default_knowledge
from rasa_server.channels.rest import (
    METADATA_KEYS,
    SECRET_HEADER,
    SegibRestInput,
    clean_metadata,
    open_rest_refusal,
    secret_matches,
    unavailable,
)

URL = "/webhooks/rest/webhook"
FUZZ = settings(max_examples=150, deadline=3000, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.function_scoped_fixture])


async def echo(message):
    if message.text == "como vai?":   # what Rasa's processor does with an action's reply (processor.py)
        for reply in ({"text": "Bem, obrigado.\n\nEm que posso ajudar?"},
                      {"text": "Temas:", "buttons": [{"title": "Países membros", "payload": "/ask_member_countries"}]}):
            event = create_bot_utterance({**reply, OUTCOME_KEY: "answered", REPLY_LANGUAGE_KEY: "pt"})
            await message.output_channel.send_response(message.sender_id, event.message())
        return
    if message.text == "boom":
        raise RuntimeError("the action server is down")
    if message.text == "metadata?":
        await message.output_channel.send_text_message(message.sender_id, json.dumps(message.metadata, sort_keys=True))
        return
    await message.output_channel.send_text_message(message.sender_id, f"echo {message.text}")


class GuardedRestInput(SegibRestInput):  # its own blueprint name, to sit next to the open one
    pass


class GatewayAndPublicRestInput(SegibRestInput):  # make run with Telegram: a secret and REST_ALLOW_PUBLIC=1
    pass


class Server:
    """One Sanic app (Sanic 21 prepares its class once per process) with an open channel under
    /open and a guarded one under /guarded, driven through httpx's ASGI transport."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.app = Sanic(f"rest_{uuid.uuid4().hex[:8]}")
        self.app.blueprint(SegibRestInput(shared_secret="").blueprint(echo), url_prefix="/open/webhooks/rest")
        self.app.blueprint(GuardedRestInput(shared_secret="s3cr3t-value").blueprint(echo),
                           url_prefix="/guarded/webhooks/rest")
        self.app.blueprint(GatewayAndPublicRestInput(shared_secret="s3cr3t-value", allow_public=True).blueprint(echo),
                           url_prefix="/mixed/webhooks/rest")
        self.loop.run_until_complete(self.app._startup())


class Harness:
    def __init__(self, server: Server, prefix: str):
        self.app, self.loop, self.prefix = server.app, server.loop, prefix

    def post(self, content: bytes, headers=None, timeout: float = 10) -> httpx.Response:
        async def send():
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.post(self.prefix + URL, content=content,
                                         headers={"Content-Type": "application/json", **(headers or {})})
        # A hang fails the test instead of blocking it.
        return self.loop.run_until_complete(asyncio.wait_for(send(), timeout))

    def post_json(self, payload, headers=None) -> httpx.Response:
        return self.post(json.dumps(payload).encode(), headers)


@pytest.fixture(scope="module")
def server():
    running = Server()
    yield running
    running.loop.close()


@pytest.fixture(scope="module")
def open_channel(server):
    return Harness(server, "/open")


@pytest.fixture(scope="module")
def guarded_channel(server):
    return Harness(server, "/guarded")


def test_without_a_configured_secret_no_header_is_needed(open_channel):
    response = open_channel.post_json({"sender": "a", "message": "hi"})
    assert response.status_code == 200 and response.json()[0]["text"] == "echo hi"


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: ""}, {SECRET_HEADER: "wrong"},
                                     {SECRET_HEADER: "s3cr3t"}, {"X-Other": "s3cr3t-value"}])
def test_a_configured_secret_rejects_requests_without_it(guarded_channel, headers):
    response = guarded_channel.post_json({"sender": "a", "message": "hi"}, headers)
    assert response.status_code == 403 and response.json() == {"error": "forbidden"}


def test_a_configured_secret_admits_requests_with_it(guarded_channel):
    response = guarded_channel.post_json({"sender": "a", "message": "hi"}, {SECRET_HEADER: "s3cr3t-value"})
    assert response.status_code == 200, response.text


def test_with_public_callers_allowed_the_secret_marks_the_gateway_and_the_rest_are_the_public(server, guard):
    mixed = Harness(server, "/mixed")
    public = mixed.post_json({"sender": "web-2", "message": "metadata?", "metadata": {"language": "pt", **TRUSTED}})
    assert public.status_code == 200
    metadata = json.loads(public.json()[0]["text"])
    assert metadata.pop("client") and metadata == {"language": "pt"}
    assert mixed.post_json({"sender": "telegram:1", "message": "hi"}).status_code == 403
    assert mixed.post_json({"sender": "a", "message": "hi"}, {SECRET_HEADER: "wrong"}).status_code == 403
    gateway = mixed.post_json({"sender": "telegram:1", "message": "metadata?", "metadata": TRUSTED},
                              {SECRET_HEADER: "s3cr3t-value"})
    assert gateway.status_code == 200 and json.loads(gateway.json()[0]["text"]) == TRUSTED


def test_public_callers_are_allowed_only_when_the_environment_says_so(monkeypatch):
    monkeypatch.setenv("REST_ALLOW_PUBLIC", "1")
    assert SegibRestInput.from_credentials(None).allow_public is True
    monkeypatch.setenv("REST_ALLOW_PUBLIC", "yes")
    assert SegibRestInput.from_credentials(None).allow_public is False


def test_the_secret_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("REST_SHARED_SECRET", "from-env")
    assert SegibRestInput.from_credentials(None).shared_secret == "from-env"
    monkeypatch.delenv("REST_SHARED_SECRET")
    assert SegibRestInput.from_credentials(None).shared_secret is None


def test_secret_matches():
    assert secret_matches(None, None) and secret_matches("", "anything")
    assert secret_matches("abc", "abc")
    assert not secret_matches("abc", None) and not secret_matches("abc", "abd") and not secret_matches("abc", "\udcff")


def test_a_failure_while_processing_still_gets_a_reply(open_channel):
    response = open_channel.post_json({"sender": "a", "message": "boom", "metadata": {"language": "pt"}})
    assert response.status_code == 200 and response.json()[0]["text"] == unavailable("pt")


def test_each_reply_carries_the_language_the_actions_chose(open_channel):
    """The Telegram gateway says its own phrases in it, instead of detecting the language again."""
    replies = open_channel.post_json({"sender": "b", "message": "como vai?", "metadata": {"language": "es"}}).json()
    assert [r["text"] for r in replies] == ["Bem, obrigado.", "Em que posso ajudar?", "Temas:"]
    assert [r[REPLY_LANGUAGE_KEY] for r in replies] == ["pt", "pt", "pt"] and replies[2]["buttons"]
    unavailable_reply = open_channel.post_json({"sender": "b", "message": "boom"}).json()[0]
    assert REPLY_LANGUAGE_KEY not in unavailable_reply   # the channel's own phrase: no language chosen


def test_a_public_caller_is_rate_limited_politely_in_its_language(open_channel, guard):
    answers = [open_channel.post_json({"sender": "limited", "message": "hi", "metadata": {"language": "pt-BR"}})
               for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[-1].json()[0]["text"] == default_knowledge().messages.text("rate_limited", "pt", seconds=1)
    guard.now += 1
    assert open_channel.post_json({"sender": "limited", "message": "hi"}).status_code == 200


def test_a_caller_with_the_shared_secret_throttles_its_own_users(guarded_channel, guard):
    for _ in range(60):   # e.g. the Telegram gateway, for many chats from one address
        response = guarded_channel.post_json({"sender": f"chat-{uuid.uuid4().hex}", "message": "hi"},
                                             {SECRET_HEADER: "s3cr3t-value"})
        assert response.status_code == 200


TRUSTED = {"relay": "open", "channel": "telegram", "country": "Chile"}


def test_a_public_caller_cannot_set_the_trusted_metadata_nor_a_telegram_sender(open_channel, guard):
    response = open_channel.post_json({"sender": "web-1", "message": "metadata?",
                                       "metadata": {"language": "pt", **TRUSTED}})
    metadata = json.loads(response.json()[0]["text"])
    assert metadata.pop("client") and metadata == {"language": "pt"}   # the channel's pseudonym of the address
    response = open_channel.post_json({"sender": "telegram:12345", "message": "quiero hablar con alguien",
                                       "metadata": TRUSTED})
    assert response.status_code == 403 and "telegram:" in response.json()["error"]


def test_a_caller_with_the_shared_secret_is_trusted(guarded_channel):
    response = guarded_channel.post_json({"sender": "telegram:12345", "message": "metadata?",
                                          "metadata": {"language": "es", **TRUSTED}},
                                         {SECRET_HEADER: "s3cr3t-value"})
    assert response.status_code == 200
    assert json.loads(response.json()[0]["text"]) == {"language": "es", **TRUSTED}


def test_the_server_refuses_a_public_rest_channel_beyond_loopback():
    assert open_rest_refusal("0.0.0.0", None, {}) and "REST_SHARED_SECRET" in open_rest_refusal("10.0.0.6", "", {})
    assert open_rest_refusal("0.0.0.0", "secret", {}) is None
    assert open_rest_refusal("0.0.0.0", None, {"ALLOW_OPEN_REST": "1"}) is None
    assert open_rest_refusal("0.0.0.0", None, {"ALLOW_OPEN_REST": "yes please"})   # only "1" says so
    for loopback in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert open_rest_refusal(loopback, None, {}) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)
payloads = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={"sender": json_values | st.text(max_size=200),
                                        "message": json_values | st.text(max_size=300),
                                        "metadata": json_values | st.dictionaries(
                                            st.sampled_from(sorted(METADATA_KEYS) + ["x"]), json_values | st.text())}),
)


@FUZZ
@given(payload=payloads)
def test_fuzz_json_payloads_never_500(open_channel, payload):
    response = open_channel.post_json(payload)
    assert response.status_code in (200, 400, 413, 429), (response.status_code, response.text)
    assert isinstance(response.json(), (list, dict))


@FUZZ
@given(body=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_fuzz_raw_bodies_never_500(open_channel, body):
    response = open_channel.post(body)
    assert response.status_code in (200, 400, 413, 429), (response.status_code, response.text)


@FUZZ
@given(raw=json_values | st.dictionaries(st.sampled_from(sorted(METADATA_KEYS) + ["other"]),
                                         json_values | st.text(max_size=80)))
def test_fuzz_clean_metadata(raw):
    cleaned = clean_metadata(raw)
    assert set(cleaned) <= set(METADATA_KEYS)
    for key, value in cleaned.items():
        assert isinstance(value, str) and 0 < len(value) <= METADATA_KEYS[key] and value == value.strip()
