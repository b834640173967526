"""`make insights` end to end: 210 citizen conversations and two hand-offs through the REST channel of
the real assistant (real model, action server, case store) into an empty store, then the report
module, whose figures must match what was sent, with no personal data and a YAML file Rasa reads.
One test body, run on the embedded SQLite store and on PostgreSQL (the production endpoints)."""
import json
import os
import secrets
import subprocess
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from handoff.store import CITIZEN, CaseStore
from insights.training import UNCHOSEN_INTENT
from tests.support.databases import Postgres, Redis
from tests.support.services import PYTHON, ROOT, start_assistant

LANGUAGES = ("es", "pt", "en")
CHANNELS = (None, "telegram", "socketio")   # None: no metadata channel, Rasa's input channel (rest)
KNOWN = {  # language -> (question, intent), every one answered from the knowledge file
    "es": [("¿Quién es el secretario general?", "ask_secretary_general"), ("¿Qué es la SEGIB?", "ask_segib"),
           ("¿Quiénes son los observadores?", "ask_observers")],
    "pt": [("Quem é o secretário-geral?", "ask_secretary_general"), ("O que é a SEGIB?", "ask_segib"),
           ("Quais são os observadores?", "ask_observers")],
    "en": [("Who is the Secretary General?", "ask_secretary_general"), ("What is SEGIB?", "ask_segib"),
           ("Who are the observers?", "ask_observers")],
}
UNKNOWN = {  # questions the knowledge file cannot answer, with personal data in them
    "es": "Me llamo Lucía Pereda. ¿Qué tiempo hará mañana en Sevilla? Escríbeme a {email} o llámame al {phone}",
    "pt": "Qual é a previsão do tempo para amanhã no Porto? O meu email é {email} e o telefone {phone}",
    "en": "What will the weather be like tomorrow in Lisbon? Write to {email} or call me on {phone}",
}
CONVERSATIONS = 210
UNKNOWN_EVERY = 5           # every 5th conversation also asks an unknown question


@dataclass
class Sent:
    sender: str
    language: str
    channel: str
    messages: List[Tuple[str, str, Optional[str]]] = field(default_factory=list)   # (text, outcome, intent)


@dataclass
class Deployment:
    assistant: object
    endpoints: str
    handoff_url: str
    env: Dict[str, str]


@pytest.fixture(params=["sqlite", "postgresql"])
def deployment(request, model, tmp_path):
    """An empty deployment: a fresh tracker store and case store, one Rasa server and one action server."""
    started = []
    try:
        if request.param == "sqlite":
            handoff_url = f"sqlite:///{tmp_path / 'handoff.db'}"
            db = tmp_path / "conversations.db"
            assistant = start_assistant(tmp_path, model, env={"HANDOFF_DB_URL": handoff_url}, tracker_db=db)
            started.append(assistant)
            yield Deployment(assistant, f"sqlite:///{db}", handoff_url, {})
            return
        postgres = Postgres().start()
        started.append(postgres)
        redis = Redis().start()
        started.append(redis)
        connection = postgres.connect("postgres")
        connection.autocommit = True   # CREATE DATABASE runs outside a transaction
        connection.cursor().execute("CREATE DATABASE handoff")
        connection.close()
        env = {**postgres.env("conversations"), **redis.env(), "HANDOFF_DB_URL": postgres.url("handoff")}
        assistant = start_assistant(tmp_path, model, env=env, endpoints=ROOT / "endpoints.production.yml")
        started.append(assistant)
        # The operator's environment holds every variable endpoints.production.yml names.
        env["ACTION_SERVER_URL"] = assistant.rasa.env["ACTION_SERVER_URL"]
        yield Deployment(assistant, "endpoints.production.yml", env["HANDOFF_DB_URL"], env)
    finally:
        for service in reversed(started):
            service.stop()


def texts(body) -> List[str]:
    return [m["text"] for m in body if m.get("text")]


def run_conversations(assistant, tag: str) -> List[Sent]:
    sent = []
    for n in range(CONVERSATIONS):
        language, channel = LANGUAGES[n % 3], CHANNELS[(n // 3) % 3]
        conversation = Sent(f"citizen-{tag}-{n:03d}-{secrets.token_hex(3)}", language, channel or "rest")
        metadata = {"language": language, **({"channel": channel} if channel else {})}
        question, intent = KNOWN[language][(n // 9) % 3]
        assert texts(assistant.say(conversation.sender, question, metadata)), question
        conversation.messages.append((question, "answered", intent))
        if n % UNKNOWN_EVERY == 0:
            unknown = UNKNOWN[language].format(email=f"person{n}.{tag}@example.org", phone=f"+34 612 {n:03d} 4{n:02d}")
            assert texts(assistant.say(conversation.sender, unknown, metadata)), unknown
            conversation.messages.append((unknown, "dont_know", None))
        sent.append(conversation)
    return sent


def telegram_live_handoff(assistant, cases: CaseStore) -> Tuple[Sent, float]:
    """A citizen on Telegram, within office hours (the gateway's relay metadata), talks to a colleague
    who answers (as the gateway queues staff replies) and closes the case: the wait before the reply."""
    chat = f"telegram:{700000000 + secrets.randbelow(99999999)}"
    meta = {"language": "es", "channel": "telegram", "relay": "open"}
    conversation = Sent(chat, "es", "telegram")
    assert texts(assistant.say(chat, "Quiero hablar con una persona", meta))
    conversation.messages.append(("Quiero hablar con una persona", "answered", "request_human"))
    assert "te responderá aquí" in " ".join(texts(assistant.say(chat, "sí", meta)))
    conversation.messages.append(("sí", "handoff", None))
    case = cases.live_case(chat)
    time.sleep(1.2)
    assert cases.enqueue(case.id, CITIZEN, "staff", "Hola, le atiende Marta.", source=f"tg:{chat}:1")
    assert cases.close(case.id)
    return conversation, time.time() - case.created_at


def email_handoff(assistant) -> Sent:
    """A citizen on the web widget files a case by email (handoff_form)."""
    sender = f"widget-{secrets.token_hex(4)}"
    meta = {"language": "en", "channel": "socketio"}
    conversation = Sent(sender, "en", "socketio")
    steps = [("I would like to talk to a person", "answered", "request_human"),
             ("yes", "answered", None),
             (f"jane.{sender}@example.com", "answered", None),
             ("I need a certificate of my scholarship, my phone is +44 7700 900123", "handoff", None)]
    for text, outcome, intent in steps:
        assert texts(assistant.say(sender, text, meta)), text
        conversation.messages.append((text, outcome, intent))
    return conversation


def run_insights(deployment: Deployment, reports: Path) -> Dict:
    completed = subprocess.run(
        [PYTHON, "-m", "insights", "--days", "1", "--endpoints", deployment.endpoints,
         "--handoff-db", deployment.handoff_url, "--reports", str(reports)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, **deployment.env, "HANDOFF_HOURS": "always"})
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return json.loads((reports / "insights.json").read_text(encoding="utf-8"))


def expected_counts(sent: List[Sent], key) -> Dict[str, Dict[str, int]]:
    senders, messages = defaultdict(set), Counter()
    for conversation in sent:
        for _ in conversation.messages:
            senders[key(conversation)].add(conversation.sender)
            messages[key(conversation)] += 1
    return {k: {"conversations": len(senders[k]), "messages": messages[k]} for k in messages}


def test_the_report_counts_what_citizens_sent_and_keeps_no_personal_data(deployment, tmp_path):
    assistant = deployment.assistant
    cases = CaseStore(deployment.handoff_url)
    try:
        sent = run_conversations(assistant, "ins")
        live, longest_wait = telegram_live_handoff(assistant, cases)
        sent += [live, email_handoff(assistant)]
    finally:
        cases.engine.dispose()
    data = run_insights(deployment, tmp_path / "reports")

    messages = [m for conversation in sent for m in conversation.messages]
    assert data["totals"]["conversations"] == len(sent) == CONVERSATIONS + 2
    assert data["totals"]["messages"] == len(messages)
    assert data["by_language"] == expected_counts(sent, lambda c: c.language)
    assert data["by_channel"] == expected_counts(sent, lambda c: c.channel)
    assert sum(data["per_day"]["messages"]) == len(messages)
    assert data["outcomes"] == dict(Counter(outcome for _, outcome, _ in messages)), data["outcomes"]
    for language in LANGUAGES:
        asked = Counter(intent for c in sent if c.language == language for _, _, intent in c.messages if intent)
        topics = dict(data["topics"][language])
        assert {intent: topics.get(intent) for intent in asked} == dict(asked), data["topics"][language]

    # The unanswered questions: one group per language (the personal data differed, the question did not).
    unknown = Counter(c.language for c in sent for _, outcome, _ in c.messages if outcome == "dont_know")
    assert data["totals"]["unanswered"] == sum(unknown.values()) == CONVERSATIONS // UNKNOWN_EVERY
    groups = {tuple(g["languages"]): g for g in data["unanswered"]}
    assert {language: groups[(language,)]["count"] for language in LANGUAGES} == dict(unknown)
    assert len(data["unanswered"]) == 3
    for group in data["unanswered"]:
        assert "[email]" in group["text"] and "[phone]" in group["text"] and group["bot_reply"]
    assert groups[("es",)]["text"].startswith("Me llamo [name]. ¿Qué tiempo hará mañana en Sevilla?")

    handoff = data["handoff"]
    assert (handoff["cases"], handoff["in_hours"], handoff["out_of_hours"]) == (2, 2, 0)
    assert handoff["by_channel"] == {"telegram": 1, "socketio": 1}
    assert handoff["by_office"] == {"headquarters": 2}
    assert (handoff["staff_replied"], handoff["by_email"], handoff["closed_without_staff_reply"],
            handoff["still_open"]) == (1, 1, 0, 1)
    assert 1.2 <= handoff["first_reply_median_s"] == handoff["first_reply_p90_s"] <= longest_wait + 0.1

    # Nothing personal in any of the three files: no address, no phone number, no sender id, no name.
    reports = {name: (tmp_path / "reports" / name).read_text(encoding="utf-8")
               for name in ("insights.html", "insights.json", "insights-unanswered.yml")}
    personal = [c.sender for c in sent] + ["Lucía", "Pereda", "example.org", "example.com", "7700 900123"]
    personal += [f"612 {n:03d} 4{n:02d}" for n in range(0, CONVERSATIONS, UNKNOWN_EVERY)]
    for name, text in reports.items():
        leaked = [value for value in personal if value in text]
        assert not leaked, f"{name} shows {leaked[:5]}"
    assert "¿Qué tiempo hará mañana en Sevilla?" in reports["insights.html"]

    # Rasa reads the unanswered questions as training data, each block waiting for an intent.
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    training = RasaYAMLReader().read(tmp_path / "reports" / "insights-unanswered.yml")
    assert {m.get("intent") for m in training.intent_examples} == {UNCHOSEN_INTENT}
    assert len(training.intent_examples) == sum(len(g["variants"]) for g in data["unanswered"]) >= 3
