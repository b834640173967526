"""What the citizen's "yes" to a person does, by channel (docs/handoff.md).

- A channel with a live relay says so in the message metadata (`relay`, set by the Telegram gateway
  and the widget's socket.io channel): `open` when a staff group is configured, `closed` when not.
  The case goes to the office that serves the citizen (`office_for`), and that office's hours
  (HANDOFF_HOURS, HANDOFF_HOURS_<OFFICE_ID>: handoff.hours.schedule, read here, one place) decide:
  - `open` and within the office's hours: a live case is opened, the citizen is told a colleague
    will answer in this chat, and the conversation is paused in Rasa (ConversationPaused) until
    staff close the case or the citizen types /bot;
  - otherwise: the citizen is told honestly that nobody is available now and, with a staff group,
    when the team is back (in the office's time zone), gets the office's contacts, and the case is
    filed anyway.
- Any other channel (web widget, REST): handoff_form collects a validated email address and the
  question, then action_file_case files the case; staff answer by email.

Cases go to the case store (handoff.store), from which the Telegram gateway posts them to staff.
If the store cannot be written, the citizen gets the contacts: nothing is promised unrecorded.
At most HANDOFF_CASES_PER_HOUR cases per conversation and per public client (rasa_server.limits): beyond
that the citizen gets `handoff_limit` with the contacts, and nothing reaches the staff group.
"""
import concurrent.futures
import logging
import os
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, FollowupAction, SlotSet

from actions.turn import Turn
from contracts import CLIENT_KEY, ERROR, HANDOFF, HANDOFF_PAYLOAD, RELAY_CLOSED, RELAY_OPEN
from handoff import hours as office_hours
from handoff.quota import CLIENT_PREFIX, CaseQuota
from handoff.store import ASKED, EMAIL, FALLBACK, LIVE, OFFLINE, WEB, Case, CaseStore, shared_store
from knowledge import Answerer, Reply
from knowledge.text import fold
from ops.action_server import count_case

logger = logging.getLogger(__name__)

FORM = "handoff_form"
EMAIL_SLOT, QUESTION_SLOT, REASON_SLOT = "handoff_email", "handoff_question", "handoff_reason"
FILE_DEADLINE = 4.0           # seconds a citizen waits for the case store before "could not file"
# The case store's calls, in their own threads: one that hangs does not hold up the others.
_DATABASE = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="case-store")
TRANSCRIPT_MESSAGES = 12      # the last messages staff see with a case
TRANSCRIPT_CHARS = 600        # each one cut to this length (long answers: member lists...)
MAX_QUESTION_CHARS = 2000
CANCEL_WORDS = {"cancelar", "cancel", "cancela", "/bot", "/deny", "stop", "parar", "sair", "salir"}
_EMAIL = re.compile(r"^[^@\s<>\"'(),;:]+@[^@\s<>\"'(),;:]+\.[^@\s<>\"'(),;:.]{2,}$")


def transcript(events: Sequence[Dict[str, Any]]) -> List[Tuple[str, str]]:
    """The last turns as (who, text): what the citizen typed and what the bot said, nothing else
    (no button payloads, metadata or slots)."""
    lines = []
    for event in events:
        text = (event.get("text") or "").strip()
        if event.get("event") not in ("user", "bot") or not text:
            continue
        if event["event"] == "user" and text.startswith("/"):
            continue   # a tapped button's payload (/affirm): the bot's next line says what it did
        lines.append(("citizen" if event["event"] == "user" else "bot", text[:TRANSCRIPT_CHARS]))
    return lines[-TRANSCRIPT_MESSAGES:]


def country_of(turn: Turn, answerer: Answerer) -> Optional[str]:
    """The member country the conversation was about, if any (its name in Spanish, for staff)."""
    entry = answerer.knowledge.get(turn.context.subject)
    return entry.name("es") if entry is not None and entry.kind == "member_country" else None


def office_for(turn: Turn, answerer: Answerer) -> Optional[str]:
    """The office of a case: the one serving the citizen's country when the channel names it
    (metadata.country: a member country's id or name), else the one the conversation was about."""
    wanted = fold(turn.country or "")
    for country in answerer.knowledge.of_kind("member_country") if wanted else ():
        if wanted == country.id or wanted in (fold(alias) for alias in country.aliases()):
            return answerer.knowledge.office_for(country).id
    return turn.context.office


def back_at(answerer: Answerer, hours: office_hours.OfficeHours, language: str,
            now: Optional[datetime] = None) -> str:
    """"The team is back on Monday at 09:00, Madrid time" in the citizen's language; "" with `never`."""
    now = now or datetime.now(timezone.utc)
    opening = hours.next_opening(now)
    if opening is None or hours.zone is None:
        return ""
    days_ahead = (opening.date() - now.astimezone(hours.zone).date()).days
    near = answerer.phrase("handoff_days_near", language).split(",")
    day = near[days_ahead] if days_ahead < len(near) else \
        answerer.phrase("handoff_weekdays", language).split(",")[opening.weekday()]
    return answerer.phrase("handoff_back_at", language, day=day, time=opening.strftime("%H:%M"), place=hours.place)


def valid_email(text: Optional[str]) -> Optional[str]:
    email = (text or "").strip().strip("<>").strip()
    return email if len(email) <= 254 and _EMAIL.match(email) else None


def wants_to_cancel(tracker: Tracker, slot: str) -> bool:
    message = tracker.latest_message or {}
    text = (message.get("text") or "").strip().lower().rstrip(".!")
    intent = (message.get("intent") or {}).get("name")
    return text in CANCEL_WORDS or (slot == EMAIL_SLOT and intent == "deny" and "@" not in text)


@dataclass(frozen=True)
class Start:
    """What the action sends and returns: a reply (or none: the form asks), a custom payload for the
    channel (`{"handoff": {...}}`, read by the Telegram gateway) and extra events."""
    reply: Optional[Reply]
    custom: Optional[Dict[str, Any]] = None
    events: List[Dict[str, Any]] = field(default_factory=list)


def quota_keys(tracker: Tracker) -> List[str]:
    """The conversation and, from a public channel, the client pseudonym its channel set."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    client = metadata.get(CLIENT_KEY) if isinstance(metadata, dict) else None
    return [f"sender:{tracker.sender_id}"] + ([CLIENT_PREFIX + client] if isinstance(client, str) and client else [])


class Desk:
    def __init__(self, store: Optional[CaseStore] = None, quota: Optional[CaseQuota] = None,
                 schedule: Optional[office_hours.Schedule] = None) -> None:
        self._store = store
        self.quota = quota or CaseQuota.from_environment()
        self._schedule = schedule

    @property
    def schedule(self) -> office_hours.Schedule:
        """The offices' hours, from the action server's environment (as the gateway reads them)."""
        if self._schedule is None:
            self._schedule = office_hours.schedule(os.environ)
        return self._schedule

    def limited(self, turn: Turn, tracker: Tracker, answerer: Answerer) -> Reply:
        logger.info("A hand-off case was not filed: the hourly cap of this conversation or client is reached")
        return Reply(answerer.phrase("handoff_limit", turn.language,
                                     contacts=answerer.human_contacts(turn.context, turn.language)),
                     context=turn.context, outcome=ERROR)

    @property
    def store(self) -> CaseStore:
        """The process's one store, on first use (importing the actions opens no database). Its
        calls block: the actions call the desk off the event loop (actions.py, `uses_database`)."""
        return self._store or shared_store()

    def _open(self, turn: Turn, tracker: Tracker, answerer: Answerer, reason: str, mode: str,
              **fields: str) -> Optional[Case]:
        """The filed case, or None when the store failed or did not answer within FILE_DEADLINE
        seconds (a database that hangs without refusing: the citizen is not kept waiting)."""
        def file() -> Case:   # opening the store (on first use) may fail too: inside the guard
            return self.store.open_case(tracker.sender_id, turn.channel or "unknown", turn.language, reason, mode,
                                        transcript(tracker.events), office=office_for(turn, answerer),
                                        country=turn.country or country_of(turn, answerer), **fields)

        filing = _DATABASE.submit(file)
        try:
            case = filing.result(timeout=FILE_DEADLINE)
        except concurrent.futures.TimeoutError:
            logger.error("Filing a hand-off case took longer than %s s: the database does not answer", FILE_DEADLINE)
            return None
        except Exception:
            logger.exception("Filing a hand-off case failed")
            return None
        count_case(case.channel, case.office)   # segib_handoff_cases_total (ops/metrics.py)
        return case

    def start(self, turn: Turn, tracker: Tracker, answerer: Answerer) -> Start:
        if self.quota.full(quota_keys(tracker)):
            return Start(self.limited(turn, tracker, answerer))
        reason = FALLBACK if turn.failed_turns else ASKED
        by_email = Start(None, events=[SlotSet(REASON_SLOT, reason), FollowupAction(FORM)])
        if turn.relay not in (RELAY_OPEN, RELAY_CLOSED):
            return by_email
        office = office_for(turn, answerer)
        contacts = answerer.human_contacts(replace(turn.context, office=office), turn.language)
        hours = self.schedule.for_office(office)
        live = turn.relay == RELAY_OPEN and hours.open_at()
        if not live and turn.channel == WEB:   # out of hours on the web widget: by email
            return by_email
        if not self.quota.take(quota_keys(tracker)):
            return Start(self.limited(turn, tracker, answerer))
        case = self._open(turn, tracker, answerer, reason, LIVE if live else OFFLINE)
        if case is None:
            self.quota.give_back(quota_keys(tracker))
            return Start(Reply(answerer.phrase("handoff_unavailable", turn.language, contacts=contacts),
                               context=turn.context, outcome=ERROR))
        # For the Telegram gateway (it wakes its outbox). Not on the widget: Rasa's socket.io output
        # cannot send a custom payload (it passes the dict's keys to emit as arguments).
        custom = None if case.channel == WEB else {HANDOFF_PAYLOAD: {"reference": case.reference, "mode": case.mode}}
        if live:
            key = "handoff_live_web" if case.channel == WEB else "handoff_live"
            text = answerer.phrase(key, turn.language, reference=case.reference)
            return Start(Reply(text, context=turn.context, outcome=HANDOFF), custom, [ConversationPaused()])
        text = answerer.phrase("handoff_offline", turn.language, reference=case.reference, contacts=contacts)
        if turn.relay == RELAY_OPEN:   # staff answer live at other times: say when
            text = " ".join(filter(None, (text, back_at(answerer, hours, turn.language))))
        return Start(Reply(text, context=turn.context, outcome=HANDOFF), custom)

    def file(self, turn: Turn, tracker: Tracker, answerer: Answerer) -> Reply:
        email, question = tracker.get_slot(EMAIL_SLOT), tracker.get_slot(QUESTION_SLOT)
        if not (email and question):
            return Reply(answerer.phrase("handoff_cancelled", turn.language), context=turn.context)
        if not self.quota.take(quota_keys(tracker)):
            return self.limited(turn, tracker, answerer)
        case = self._open(turn, tracker, answerer, tracker.get_slot(REASON_SLOT) or ASKED, EMAIL, email=email,
                          question=question)
        if case is None:
            self.quota.give_back(quota_keys(tracker))
            contacts = answerer.human_contacts(turn.context, turn.language)
            return Reply(answerer.phrase("handoff_unavailable", turn.language, contacts=contacts),
                         context=turn.context, outcome=ERROR)
        return Reply(answerer.phrase("handoff_filed", turn.language, reference=case.reference, email=email),
                     context=turn.context, outcome=HANDOFF)


DESK = Desk()
