"""Benchmark of `make insights`: a generated store of N events (default 100,000), then the report
over it, timed (wall and CPU of the report process). Not a test: run it by hand (docs/performance.md).

    python -m bench.insights [--events 100000] [--days 30] [--url DATABASE_URL]

The conversations are built from Rasa's own event classes and written to Rasa's `events` table
(SQLTrackerStore's schema), as the assistant stores them: per citizen message the user event, the
action, the bot reply with its outcome, the slots the actions set and action_listen; a session start
per conversation. A mix of es/pt/en, three channels, known questions, unknown ones carrying an email
address or a phone number, and hand-off cases in a case store beside it.
"""
import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import sqlalchemy as sa

from contracts import (
    ANSWERED,
    CHANNEL_KEY,
    DONT_KNOW,
    LANGUAGE_SLOT,
    OUTCOME_KEY,
    REST_CHANNEL,
    TELEGRAM_CHANNEL,
    WEB_CHANNEL,
)

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".state" / "bench" / "insights"
DAY = 86400

KNOWN = {  # intent -> (text per language, entity)
    "ask_secretary_general": ({"es": "¿Quién es el secretario general?", "pt": "Quem é o secretário-geral?",
                               "en": "Who is the Secretary General?"}, None),
    "ask_contact": ({"es": "teléfono de la oficina de México", "pt": "telefone do escritório do México",
                     "en": "phone number of the Mexico office"}, ("office", "office_mexico")),
    "ask_is_observer": ({"es": "¿Es Italia observador?", "pt": "A Itália é observadora?",
                         "en": "Is Italy an observer?"}, ("observer", "italy")),
    "greet": ({"es": "hola", "pt": "olá", "en": "hello"}, None),
}
UNKNOWN = {"es": ["¿Qué tiempo hará mañana en Madrid? escríbeme a {email}",
                  "¿Me podéis renovar el pasaporte? mi teléfono es {phone}",
                  "¿Cuánto cuesta un billete de avión a Lima?"],
           "pt": ["Qual é a previsão do tempo para amanhã? meu email é {email}",
                  "Podem ligar-me para o {phone}?", "Onde posso comprar bilhetes de comboio?"],
           "en": ["What's the weather tomorrow? write to {email}", "Please call me on {phone}",
                  "Can you recommend a restaurant in Lisbon?"]}
CHANNELS = (TELEGRAM_CHANNEL, WEB_CHANNEL, REST_CHANNEL)
# Unknown questions vary like real ones: each also names one of these, so most wordings are new.
VARIETY = ("Lima", "Quito", "Bogotá", "Sevilla", "Oporto", "Cádiz", "Rosario", "Cusco", "Valparaíso", "Cancún",
           "visado", "beca", "vacuna", "aduana", "euros", "dólares", "tren", "metro", "hotel", "museo",
           "fútbol", "música", "cine", "clima", "lluvia", "huelga", "elecciones", "pasaporte", "permiso", "piso")


def conversation(rng: random.Random, sender: str, start: float) -> List:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

    language, channel = rng.choice(("es", "pt", "en")), rng.choice(CHANNELS)
    events = [ActionExecuted("action_session_start", timestamp=start), SessionStarted(timestamp=start),
              ActionExecuted("action_listen", timestamp=start)]
    at = start
    for _ in range(rng.randint(1, 5)):
        at += rng.uniform(5, 120)
        if rng.random() < 0.2:
            text = rng.choice(UNKNOWN[language]).format(email=f"user{rng.randint(1, 999)}@example.org",
                                                        phone=f"+34 6{rng.randint(10, 99)} {rng.randint(100, 999)} "
                                                              f"{rng.randint(100, 999)}")
            text += " " + " ".join(rng.sample(VARIETY, 3))
            intent, entity, outcome = "out_of_scope", None, DONT_KNOW
        else:
            intent = rng.choice(list(KNOWN))
            texts, entity = KNOWN[intent]
            text, outcome = texts[language], ANSWERED
        entities = [{"entity": entity[0], "value": entity[1], "start": 0, "end": 1}] if entity else []
        ranking = [{"name": intent, "confidence": 0.8}, {"name": "ask_contact", "confidence": 0.1}]
        parse = {"intent": {"name": intent, "confidence": 0.8}, "intent_ranking": ranking, "entities": entities,
                 "language": {"language": language, "hint": None}}
        events += [UserUttered(text, parse["intent"], entities, parse, timestamp=at, input_channel=REST_CHANNEL,
                               metadata={CHANNEL_KEY: channel}),
                   ActionExecuted("action_answer", timestamp=at + 0.01),
                   BotUttered(f"reply {intent}", {}, {OUTCOME_KEY: outcome}, timestamp=at + 0.02)]
        events += [SlotSet(name, value, timestamp=at + 0.03) for name, value in (
            (LANGUAGE_SLOT, language), ("failed_turns", 0.0), ("pending_offer", None), ("topic", None),
            ("subject", entity[1] if entity else None), ("office", None), ("country", None))]
        events.append(ActionExecuted("action_listen", timestamp=at + 0.04))
    return events


def generate(url: str, handoff_url: str, events: int, days: int, seed: int = 7) -> Dict[str, int]:
    from rasa.core.tracker_store import SQLTrackerStore

    from handoff.store import CITIZEN, CLOSED, cases, metadata as handoff_metadata, outbox

    rng, now = random.Random(seed), time.time()
    engine = sa.create_engine(url, future=True)
    table = SQLTrackerStore.SQLEvent.__table__
    table.drop(engine, checkfirst=True)
    table.create(engine)
    written = conversations = 0
    with engine.begin() as connection:
        while written < events:
            rows = []
            for event in conversation(rng, f"bench-{conversations}", now - rng.uniform(0, days * DAY)):
                data = event.as_dict()
                rows.append({"sender_id": f"bench-{conversations}", "type_name": event.type_name,
                             "timestamp": data.get("timestamp"),
                             "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                             "action_name": data.get("name"), "data": json.dumps(data)})
            connection.execute(table.insert(), rows[: events - written])
            written += min(len(rows), events - written)
            conversations += 1
    engine.dispose()
    handoff_engine = sa.create_engine(handoff_url, future=True)
    handoff_metadata.drop_all(handoff_engine)
    handoff_metadata.create_all(handoff_engine)
    with handoff_engine.begin() as connection:
        for n in range(conversations // 50):
            created = now - rng.uniform(0, days * DAY)
            case_id = connection.execute(cases.insert().values(
                reference=f"SGB-BNCH-{n:04d}", sender=f"bench-{n}", channel=rng.choice(CHANNELS), language="es",
                office=rng.choice((None, "office_mexico")), reason="asked", mode="live", status=CLOSED,
                transcript="[]", created_at=created, closed_at=created + 3600)).inserted_primary_key[0]
            if rng.random() < 0.8:
                connection.execute(outbox.insert().values(case_id=case_id, target=CITIZEN, kind="staff", text="x",
                                                          created_at=created + rng.uniform(30, 1800)))
    handoff_engine.dispose()
    return {"events": written, "conversations": conversations}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--url", default=f"sqlite:///{WORK / 'conversations.db'}")
    parser.add_argument("--handoff-url", default=f"sqlite:///{WORK / 'handoff.db'}")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    made = generate(args.url, args.handoff_url, args.events, args.days)
    print(f"generated {made['events']} events in {made['conversations']} conversations "
          f"({time.monotonic() - started:.0f} s)")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "insights", "--days", str(args.days), "--endpoints", args.url,
                    "--handoff-db", args.handoff_url, "--reports", str(WORK / "reports")], cwd=ROOT, check=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"make insights over {made['events']} events: {wall:.1f} s wall, {cpu:.1f} s CPU, "
          f"peak memory {after.ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
