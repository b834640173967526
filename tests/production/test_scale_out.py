"""Two Rasa replicas on PostgreSQL + Redis: each conversation's messages alternate between the
replicas, 30 conversations at once; context follow-ups must be answered right whichever replica
gets them, and PostgreSQL must hold every event exactly once, in order. Then one replica is killed
mid-load and the conversations go on on the other. Figures go to the end-of-run summary."""
import json
import os
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

from quality import fragments
from tests.production.conftest import DATABASE
from tests.support.metrics import record
from tests.support.services import json_headers

CONVERSATIONS = 30
# (message, fragments the reply must hold); turns 2 and 4 need the context of the turn before.
SCRIPT = [
    ("Which office serves Ecuador?", ["Ecuador", "Lima"]),
    ("and its address?", ["Olgu", "Lima"]),
    ("Is Belgium an observer?", ["Belgium", "associate"]),
    ("and Luxembourg?", ["Luxembourg", "associate"]),
]

PROBE_WORKERS = 200   # requests in flight at once in the lock race probe


def send(url: str, sender: str, text: str, timeout: float = 120):
    """(status, reply text); status None when the replica could not be reached or died mid-request."""
    data = json.dumps({"sender": sender, "message": text, "metadata": {"language": "en"}}).encode()
    request = urllib.request.Request(url, data, json_headers())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, "\n".join(m.get("text") or "" for m in json.loads(response.read()))
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except (OSError, ValueError):  # refused, reset, closed mid-reply
        return None, ""


class Load:
    """Plays SCRIPT on many conversations; message n of conversation i goes to replica (i + n) % 2,
    and to the other one when that replica is unreachable (what the load balancer does)."""

    def __init__(self, urls: List[str], prefix: str):
        self.urls = urls
        self.senders = [f"{prefix}-{i:02d}-{uuid.uuid4().hex[:6]}" for i in range(CONVERSATIONS)]
        self.sent = 0
        self.errors: List[str] = []
        self.wrong: List[str] = []
        self.failovers = 0
        self.acknowledged: Dict[str, List[str]] = {s: [] for s in self.senders}
        self.attempted: Dict[str, List[str]] = {s: [] for s in self.senders}

    def conversation(self, index: int) -> None:
        sender = self.senders[index]
        for turn, (text, expected) in enumerate(SCRIPT):
            first = (index + turn) % 2
            for replica in (first, 1 - first):
                self.attempted[sender].append(text)
                status, reply = send(self.urls[replica], sender, text)
                self.sent += 1
                if status is not None:
                    break
                self.failovers += 1
            if status != 200:
                self.errors.append(f"{sender} turn {turn}: HTTP {status} {reply[:200]}")
                return
            self.acknowledged[sender].append(text)
            missing = fragments.missing(reply, expected)
            if missing:
                self.wrong.append(f"{sender} turn {turn} ({text!r}) lacks {missing}: {reply[:200]!r}")

    def run(self, during=None) -> float:
        started = time.monotonic()
        with ThreadPoolExecutor(CONVERSATIONS) as pool:
            futures = [pool.submit(self.conversation, i) for i in range(CONVERSATIONS)]
            if during:
                during()
            for future in futures:
                future.result()
        return time.monotonic() - started


def stored_events(postgres, senders) -> Dict[str, list]:
    with postgres.connect(DATABASE) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT sender_id, type_name, timestamp, data FROM events "
                       "WHERE sender_id = ANY(%s) ORDER BY id", (list(senders),))
        rows = cursor.fetchall()
    events: Dict[str, list] = {s: [] for s in senders}
    for sender, type_name, timestamp, data in rows:
        events[sender].append((type_name, timestamp, data))
    return events


def audit(postgres, load: Load) -> dict:
    """Per conversation: user messages stored vs. acknowledged, duplicate rows, order."""
    lost = duplicated = out_of_order = extra = 0
    problems = []
    for sender, events in stored_events(postgres, load.senders).items():
        texts = [json.loads(data).get("text") for kind, _, data in events if kind == "user"]
        dupes = sum(n - 1 for n in Counter(data for _, _, data in events).values() if n > 1)
        duplicated += dupes
        timestamps = [ts for _, ts, _ in events]
        if timestamps != sorted(timestamps):
            out_of_order += 1
            problems.append(f"{sender}: events out of timestamp order")
        acknowledged = load.acknowledged[sender]
        # Acknowledged messages must all be there, in the order they were sent, each once.
        remaining = list(texts)
        for text in acknowledged:
            if text in remaining:
                del remaining[:remaining.index(text) + 1]
            else:
                lost += 1
                problems.append(f"{sender}: {text!r} acknowledged but not stored in order")
        if len(texts) != len(acknowledged):
            extra += abs(len(texts) - len(acknowledged))
            problems.append(f"{sender}: {len(texts)} user events stored, {len(acknowledged)} acknowledged: {texts}")
        if dupes:
            problems.append(f"{sender}: {dupes} duplicate event rows")
    return {"lost": lost, "duplicated": duplicated, "out_of_order": out_of_order, "extra": extra,
            "problems": problems}


def test_two_replicas_share_every_conversation(replicas, postgres):
    load = Load([r.rest_url for r in replicas], "scale")
    seconds = load.run()
    found = audit(postgres, load)
    record("production: two replicas", f"{CONVERSATIONS} conversations, {load.sent} messages in {seconds:.1f} s, "
           f"{len(load.errors)} errors, {len(load.wrong)} wrong replies, lost {found['lost']}, "
           f"duplicated {found['duplicated']}, out of order {found['out_of_order']}")
    assert not load.errors, load.errors[:5]
    assert not load.wrong, load.wrong[:5]
    assert load.sent == CONVERSATIONS * len(SCRIPT)
    assert not found["problems"], found["problems"][:5]


def race_run(urls, pairs: int):
    """One run of the probe: `pairs` conversations, each with two messages sent at the same instant,
    one to each replica. (statuses, lost user events, duplicate rows, interleaved turns)."""
    senders = [f"race-{i:03d}-{uuid.uuid4().hex[:6]}" for i in range(pairs)]
    texts = ("Which office serves Ecuador?", "Is Belgium an observer?")
    # A pair's two requests are next to each other in the list: two free workers start them together.
    with ThreadPoolExecutor(min(2 * pairs, PROBE_WORKERS)) as pool:
        results = list(pool.map(lambda job: send(urls[job[1]], job[0], texts[job[1]]),
                                [(s, k) for s in senders for k in (0, 1)]))
    return Counter(status for status, _ in results), senders, texts


def test_lock_race_probe(replicas, postgres):
    """RasaHQ/rasa#9213: two messages of one conversation sent at the same instant to the two
    replicas. Rasa's RedisLockStore could let both in and lose a turn (5 of 600 over ten runs);
    rasa_server/lock_store.py (endpoints.production.yml) must lose none, duplicate none, interleave none.
    LOCK_PROBE_PAIRS and LOCK_PROBE_RUNS make it the full probe (600 pairs, 10 runs: docs/production.md)."""
    pairs, runs = int(os.environ.get("LOCK_PROBE_PAIRS", "30")), int(os.environ.get("LOCK_PROBE_RUNS", "1"))
    urls = [r.rest_url for r in replicas]
    per_run = []
    for _ in range(runs):
        started = time.monotonic()
        statuses, senders, texts = race_run(urls, pairs)
        lost = duplicated = interleaved = 0
        found = stored_events(postgres, senders)
        for sender in senders:   # a conversation with nothing stored at all lost both turns
            events = found.get(sender, [])
            kinds = [(kind, json.loads(data).get("text") or json.loads(data).get("name")) for kind, _, data in events]
            users = [text for kind, text in kinds if kind == "user"]
            lost += sum(1 for t in texts if t not in users)
            duplicated += sum(n - 1 for n in Counter(data for _, _, data in events).values() if n > 1)
            # Serialised turns: after a user event, the next user event comes only after action_listen.
            pending = False
            for kind, name in kinds:
                if kind == "user":
                    interleaved += pending
                    pending = True
                elif kind == "action" and name == "action_listen":
                    pending = False
        per_run.append((dict(statuses), lost, duplicated, interleaved, time.monotonic() - started))
    record("production: lock race probe (#9213)",
           f"{runs} run(s) x {pairs} conversations x 2 simultaneous messages (one per replica): " + "; ".join(
               f"HTTP {s}, lost {lost}, duplicated {d}, interleaved {i}, {t:.0f} s" for s, lost, d, i, t in per_run))
    assert all(set(s) == {200} for s, *_ in per_run), per_run
    assert sum(lost + d + i for _, lost, d, i, _ in per_run) == 0, per_run


def test_privacy_notice_reachable_in_three_languages(replicas):
    for n, (text, language, words) in enumerate([
            ("privacy", "en", "data protection"), ("privacidad", "es", "protección de datos"),
            ("privacidade", "pt", "proteção de dados"),
            ("¿Qué hacen con mis datos personales?", "es", "protección de datos")]):
        data = json.dumps({"sender": f"privacy-{n}-{uuid.uuid4().hex[:6]}", "message": text,
                           "metadata": {"language": language}}).encode()
        request = urllib.request.Request(replicas[n % 2].rest_url, data, json_headers())
        with urllib.request.urlopen(request, timeout=120) as response:
            reply = "\n".join(m.get("text") or "" for m in json.loads(response.read()))
        assert "info@segib.org" in reply and fragments.contains(reply, words), (text, reply)


def test_conversations_survive_a_killed_replica(replicas, postgres):
    load = Load([r.rest_url for r in replicas], "failover")
    victim = replicas[1].rasa

    def kill_mid_load():
        # Once about a third of the messages are answered, the replica dies without warning.
        deadline = time.monotonic() + 300
        while sum(map(len, load.acknowledged.values())) < CONVERSATIONS * len(SCRIPT) // 3:
            assert time.monotonic() < deadline, "load did not progress"
            time.sleep(0.05)
        victim.process.kill()
        victim.process.wait()

    seconds = load.run(during=kill_mid_load)
    found = audit(postgres, load)
    acknowledged = sum(map(len, load.acknowledged.values()))
    record("production: one replica killed mid-load",
           f"{CONVERSATIONS} conversations, {load.sent} requests ({load.failovers} failed over) in {seconds:.1f} s, "
           f"{acknowledged} answered, {len(load.errors)} errors, {len(load.wrong)} wrong replies, "
           f"lost {found['lost']}, duplicated {found['duplicated']}, extra {found['extra']}, "
           f"out of order {found['out_of_order']}")
    assert victim.process.returncode is not None
    assert not load.errors, load.errors[:5]
    assert acknowledged == CONVERSATIONS * len(SCRIPT)
    assert not load.wrong, load.wrong[:5]
    assert found["lost"] == 0 and found["duplicated"] == 0, found["problems"][:5]


def test_logs_hold_no_message_text(replicas):
    """At the default (INFO) level neither Rasa, our channels nor the action server log what citizens
    write: the logs of everything above hold none of the messages sent."""
    logs = {path.name: path.read_text(errors="replace") for path in replicas[0].workdir.glob("*.log")}
    assert {"rasa-a.log", "rasa-b.log", "actions.log"} <= set(logs)
    secrets = [text for text, _ in SCRIPT] + ["Luxembourg", "privacidade"]
    leaks = [(name, text) for name, content in logs.items() for text in secrets if text in content]
    assert not leaks, leaks
