"""The rate limits and the cap on hand-off cases (rasa_server/limits.py, handoff/quota.py), with a clock the
test moves, and the REST channel's use of them in process (Sanic app over ASGI)."""
import asyncio

import pytest

import rasa_server.limits
from handoff.quota import CaseQuota
from rasa_server.limits import Client, MessageLimits, client_address, parse_networks
from tests.support.clock import Clock


def test_a_conversation_gets_a_burst_of_five_then_one_message_a_second():
    clock = Clock()
    limits = MessageLimits(clock=clock)
    assert [limits.wait("c1", Client()) for _ in range(5)] == [0] * 5
    assert limits.wait("c1", Client()) == pytest.approx(1.0)
    assert limits.wait("c2", Client()) == 0          # another conversation is not held back
    clock.now += 1
    assert limits.wait("c1", Client()) == 0 and limits.wait("c1", Client()) > 0


def test_a_connection_is_limited_whatever_conversation_it_names():
    limits = MessageLimits(clock=Clock())
    socket = Client(connection="sid-1", address="10.0.0.1")
    assert [limits.wait(f"conversation-{n}", socket) for n in range(5)] == [0] * 5
    assert limits.wait("conversation-6", socket) > 0


def test_an_address_has_a_looser_bound_and_a_flooder_does_not_use_up_its_neighbours_allowance():
    clock = Clock()
    limits = MessageLimits(address_burst=20, address_per_second=2, clock=clock)
    flooder = Client(connection="flood", address="10.0.0.1")
    assert sum(limits.wait("flood-conversation", flooder) == 0 for _ in range(200)) == 5
    neighbours = [Client(connection=f"n{n}", address="10.0.0.1") for n in range(20)]
    admitted = [limits.wait(f"neighbour-{n}", client) == 0 for n, client in enumerate(neighbours)]
    assert admitted == [True] * 15 + [False] * 5      # 20 for the address, 5 went to the flooder
    assert limits.wait("other-address", Client(connection="x", address="10.0.0.2")) == 0


def test_the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy():
    proxies = parse_networks("10.0.0.5, 172.16.0.0/12")
    assert client_address("203.0.113.9", "198.51.100.1", proxies) == "203.0.113.9"   # not a proxy: header ignored
    assert client_address("10.0.0.5", "198.51.100.1", proxies) == "198.51.100.1"
    # A client's own X-Forwarded-For is before the proxies' entries: the nearest untrusted hop counts.
    assert client_address("10.0.0.5", "1.2.3.4, 198.51.100.1, 172.16.3.4", proxies) == "198.51.100.1"
    assert client_address("10.0.0.5", None, proxies) == "10.0.0.5"
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        parse_networks("not-an-address")


def test_at_most_three_cases_per_conversation_and_per_client_an_hour():
    clock = Clock()
    quota = CaseQuota(clock=clock)
    assert [quota.take(["sender:a", "client:x"]) for _ in range(4)] == [True, True, True, False]
    assert quota.full(["sender:b", "client:x"]) and not quota.take(["sender:b", "client:x"])
    assert quota.take(["sender:b", "client:y"])      # another client, another conversation
    clock.now += 3601
    assert quota.take(["sender:a", "client:x"])


def test_the_cap_per_client_address_can_differ_from_the_cap_per_conversation(monkeypatch):
    monkeypatch.setenv("HANDOFF_CASES_PER_HOUR", "2")
    monkeypatch.setenv("HANDOFF_CASES_PER_CLIENT_HOUR", "3")
    quota = CaseQuota.from_environment()
    assert [quota.take(["sender:a", "client:x"]) for _ in range(3)] == [True, True, False]
    assert quota.take(["sender:b", "client:x"]) and not quota.take(["sender:c", "client:x"])


def test_the_actions_get_a_pseudonym_of_the_address_never_the_address(guard):
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from rasa_server.channels.rest import run_assistant
    seen = []

    async def record(message):
        seen.append(message.metadata)

    message = UserMessage("hi", CollectingOutputChannel(), "pseudonym-test", metadata={"language": "es"})
    assert asyncio.run(run_assistant(record, message, Client(address="198.51.100.7")))
    client = seen[0]["client"]
    assert "198.51.100.7" not in client and client == rasa_server.limits._guard.pseudonym("198.51.100.7")
    assert client != rasa_server.limits._guard.pseudonym("198.51.100.8")
