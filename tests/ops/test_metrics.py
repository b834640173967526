"""What an operator reads at /metrics and /health: the real stack (trained model, action server, Rasa
server, the Telegram gateway against the stand-in Bot API, one case store), a known conversation, and
counters that moved by exactly that much. The same stack logs JSON lines (LOG_FORMAT=json)."""
import json
import urllib.request
from collections import Counter
from typing import Dict, FrozenSet, Tuple

import pytest
from prometheus_client.parser import text_string_to_metric_families

from contracts import telegram_sender
from tests.support.fake_telegram import FakeTelegram
from tests.support.services import free_port, start_assistant
from tests.support.telegram_gateway import rasa_url_of, start_gateway

STAFF_CHAT = -1009876543210
LOG_HASH_KEY = "metrics-test-key"
# A Telegram-sized id: a short one can turn up inside a port or a timestamp and fail the "no ids in logs" check.
CITIZEN = 5873219406
Series = Tuple[str, FrozenSet[Tuple[str, str]]]


def get(url: str) -> Tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def scrape(url: str) -> Dict[Series, float]:
    status, text = get(url)
    assert status == 200, f"{url}: HTTP {status}"
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def moved(before: Dict[Series, float], after: Dict[Series, float], name: str) -> Dict[FrozenSet, float]:
    """The series of `name` whose value changed, with the change."""
    changes = {labels: value - before.get((metric, labels), 0.0)
               for (metric, labels), value in after.items() if metric == name}
    return {labels: change for labels, change in changes.items() if change}


def labels(**values: str) -> FrozenSet[Tuple[str, str]]:
    return frozenset(values.items())


@pytest.fixture(scope="module")
def stack(model, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("metrics")
    handoff_db = f"sqlite:///{workdir / 'handoff.db'}"
    common = {"HANDOFF_DB_URL": handoff_db, "LOG_FORMAT": "json", "LOG_HASH_KEY": LOG_HASH_KEY,
              "SEGIB_FORGET_TOKEN": "metrics-test-token",
              "HANDOFF_HOURS": "always"}   # the action server decides live or out of hours (actions/handoff.py)
    assistant = start_assistant(workdir, model, env=common)
    fake = FakeTelegram().start()
    gateway = start_gateway(fake, rasa_url_of(assistant.rest_url), workdir / "gateway", {
        **common, "TELEGRAM_STAFF_CHAT_ID": str(STAFF_CHAT), "HANDOFF_HOURS": "always",
        "HANDOFF_RETRY_EVERY": "0.5", "RASA_TIMEOUT": "30", "RASA_RETRY_AFTER": "0"})
    yield assistant, fake, gateway
    gateway.stop()
    fake.stop()
    assistant.stop()


def urls(assistant, gateway) -> Dict[str, str]:
    return {"rasa": assistant.base_url + "/metrics",
            "actions": assistant.actions.health_url.replace("/health", "/metrics"),
            "gateway": gateway.http_url + "/metrics"}


def test_a_known_conversation_moves_each_counter_by_exactly_that_much(stack):
    assistant, fake, gateway = stack
    endpoints = urls(assistant, gateway)
    before = {name: scrape(url) for name, url in endpoints.items()}

    # REST: one answered question.
    reply = assistant.say("metrics-rest", "¿Cuál es el teléfono de la sede en Madrid?")
    assert "+34 91 590 19 80" in reply[0]["text"]
    # Telegram: "don't know", answered, the offer of a person (answered), the yes (hand-off).
    citizen = CITIZEN
    fake.send_text(citizen, "me pasas una receta de paella?", "es")
    fake.wait_for_text(citizen, "info@segib.org")
    fake.send_text(citizen, "¿Qué oficina atiende a Uruguay?", "es")
    fake.wait_for_text(citizen, "Montevideo")
    fake.send_text(citizen, "quiero hablar con alguien", "es")
    fake.wait_until(lambda: any("Sí" in m.titles for m in fake.shown_to(citizen)), 30, "the yes/no offer")
    fake.tap(citizen, "Sí", "es")
    fake.wait_for_text(citizen, "te responderá aquí")
    fake.wait_for_text(STAFF_CHAT, "SGB-")          # the outbox delivered the case message
    pending = ("segib_outbox_pending", frozenset())
    fake.wait_until(lambda: scrape(endpoints["actions"])[pending] == 0, 10, "the outbox row marked sent")

    after = {name: scrape(url) for name, url in endpoints.items()}
    rasa = moved(before["rasa"], after["rasa"], "segib_messages_total")
    assert rasa == {labels(channel="rest", language="es", outcome="answered"): 1,
                    labels(channel="telegram", language="es", outcome="dont_know"): 1,
                    labels(channel="telegram", language="es", outcome="answered"): 2,
                    labels(channel="telegram", language="es", outcome="handoff"): 1}
    assert moved(before["rasa"], after["rasa"], "segib_reply_seconds_count") == {
        labels(channel="rest"): 1, labels(channel="telegram"): 4}

    actions = after["actions"]
    assert moved(before["actions"], actions, "segib_handoff_cases_total") == {
        labels(channel="telegram", office="office_southern_cone"): 1}
    assert actions[("segib_handoff_waiting", frozenset())] - before["actions"][("segib_handoff_waiting",
                                                                                 frozenset())] == 1
    assert actions[("segib_case_store_up", frozenset())] == 1

    gateway_after = after["gateway"]
    assert not moved(before["gateway"], gateway_after, "segib_rasa_unavailable_total")
    assert not moved(before["gateway"], gateway_after, "segib_telegram_api_errors_total")
    assert gateway_after[("segib_telegram_receiving", frozenset())] == 1

    status, body = get(gateway.http_url + "/health")
    health = json.loads(body)
    assert status == 200 and health["status"] == "ok", health
    assert health["telegram"]["mode"] == "polling" and health["telegram"]["receiving"] is True
    assert 0 <= health["telegram"]["last_update_age_seconds"] < 60
    assert health["outbox"] == {"pending": 0, "oldest_pending_age_seconds": None}
    assert health["staff_chats"] == {"configured": 1, "unreachable": []}
    # No ids or text in what an operator scrapes (numbers aside: a timestamp may contain the chat id's digits).
    for name, url in endpoints.items():
        text = get(url)[1]
        assert "metrics-rest" not in text and "paella" not in text, name
        label_sets = [line[line.index("{"):line.rindex("}") + 1] for line in text.splitlines()
                      if not line.startswith("#") and "{" in line]
        assert not [found for found in label_sets if str(citizen) in found], name


def test_logs_are_json_lines_with_the_same_fields_and_no_ids_or_text(stack):
    assistant, fake, gateway = stack
    import os

    from ops.logs import conversation_hash

    fields = {"time", "level", "service", "logger", "event", "conversation"}
    services = Counter()
    hashes = set()
    for path in (assistant.rasa.log_path, assistant.actions.log_path, gateway.log_path):
        for line in path.read_text().splitlines():
            record = json.loads(line)   # every line is one JSON object
            assert fields <= record.keys(), line
            services[record["service"]] += 1
            hashes.add(record["conversation"])
            assert "paella" not in line and str(CITIZEN) not in line and "metrics-rest" not in line, line
    assert {"rasa", "actions", "gateway"} <= services.keys(), services
    # Each message's line carries its conversation's hash (keyed with LOG_HASH_KEY), not its id.
    os.environ["LOG_HASH_KEY"] = LOG_HASH_KEY
    try:
        assert {conversation_hash(telegram_sender(CITIZEN)), conversation_hash("metrics-rest")} <= hashes
    finally:
        del os.environ["LOG_HASH_KEY"]


def test_failures_count_as_errors_and_unavailable(stack):
    """Runs last: it stops the action server, then the Rasa server."""
    assistant, fake, gateway = stack
    endpoints = urls(assistant, gateway)
    before_rasa, before_gateway = scrape(endpoints["rasa"]), scrape(endpoints["gateway"])
    assistant.actions.stop()
    reply = assistant.say("metrics-error", "¿Quién es el secretario general?")
    assert reply and reply[0]["text"]            # the channel's "unavailable" phrase, never silence
    assert moved(before_rasa, scrape(endpoints["rasa"]), "segib_messages_total") == {
        labels(channel="rest", language="es", outcome="error"): 1}

    assistant.rasa.stop()
    fake.send_text(7002, "¿Quién es el secretario general?", "es")
    fake.wait_until(lambda: fake.texts(7002), 30, "the 'unavailable' reply")
    assert moved(before_gateway, scrape(endpoints["gateway"]), "segib_rasa_unavailable_total") == {
        frozenset(): 1}


def test_health_says_degraded_when_the_staff_group_is_unreachable(tmp_path):
    """A real python-telegram-bot Bot against the stand-in Bot API: the bot removed from the group
    (403) makes /health 'degraded' (200: a restart would not fix it), and a later success clears it."""
    import asyncio

    from telegram import Bot

    from handoff.store import CaseStore
    from telegram_gateway.health import GatewayHealth, HealthServer

    fake = FakeTelegram().start()
    store = CaseStore(f"sqlite:///{tmp_path / 'handoff.db'}")

    async def scenario():
        health = GatewayHealth("polling", store, {STAFF_CHAT: None})
        health.receiving = True
        server = HealthServer(health, "127.0.0.1", free_port())
        assert await server.start()
        bot = Bot(fake.token, base_url=fake.api_url)
        async with bot:
            fake.fail("getChatMemberCount", 403, chat_id=STAFF_CHAT)
            await health.check_staff_chats(bot)
            degraded = await asyncio.to_thread(get, f"http://127.0.0.1:{server.port}/health")
            await health.check_staff_chats(bot)
            recovered = await asyncio.to_thread(get, f"http://127.0.0.1:{server.port}/health")
        health.receiving = False
        down = await asyncio.to_thread(get, f"http://127.0.0.1:{server.port}/health")
        await server.stop()
        return degraded, recovered, down

    try:
        (status, body), recovered, down = asyncio.run(scenario())
    finally:
        fake.stop()
        store.engine.dispose()
    report = json.loads(body)
    assert status == 200 and report["status"] == "degraded"
    assert report["staff_chats"]["unreachable"] == [{"office": None, "reason": "forbidden"}]
    assert recovered[0] == 200 and json.loads(recovered[1])["status"] == "ok"
    assert down[0] == 503 and json.loads(down[1])["status"] == "down"
