"""The figures of the report, from the messages and cases the stores hold: a plain dict that becomes
reports/insights.json and feeds the HTML page. Every text in it is redacted; no sender id is read in.
"""
import math
import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional

from contracts import DONT_KNOW, OUTCOMES
from handoff import hours as office_hours
from handoff.store import CLOSED, EMAIL
from insights import grouping
from insights.redact import redact
from insights.stores import FALLBACK_INTENT, NO_REPLY, CaseRecord, Message

TOP = 10
HEADQUARTERS = "headquarters"    # a case without an office goes to the main staff group


def day_of(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).date().isoformat()


def days_between(since: float, until: float) -> List[str]:
    first = datetime.fromtimestamp(since, timezone.utc).date()
    last = datetime.fromtimestamp(until - 1e-6, timezone.utc).date()
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def is_unanswered(message: Message) -> bool:
    """The actions' "don't know" (out of scope, the NLU fallback, an unknown attribute); the fallback
    also when the store holds no outcome for the reply (events stored before replies carried one).
    A fallback inside the hand-off form (an email address) got the form's next question: answered."""
    return message.outcome == DONT_KNOW or (message.outcome == NO_REPLY and message.intent == FALLBACK_INTENT)


def _counts(messages: Iterable[Message], key: Callable[[Message], str]) -> Dict[str, Dict[str, int]]:
    """key -> {"conversations": distinct senders, "messages": n}, most messages first."""
    senders, counts = defaultdict(set), Counter()
    for message in messages:
        value = key(message)
        senders[value].add(message.sender)
        counts[value] += 1
    return {value: {"conversations": len(senders[value]), "messages": n} for value, n in counts.most_common()}


def _per_day(messages: List[Message], days: List[str], key: Callable[[Message], str]) -> Dict[str, List[int]]:
    """key value -> messages per day, in the order of `days`."""
    index = {day: n for n, day in enumerate(days)}
    series: Dict[str, List[int]] = {}
    for message in messages:
        series.setdefault(key(message), [0] * len(days))[index[day_of(message.timestamp)]] += 1
    return dict(sorted(series.items(), key=lambda item: -sum(item[1])))


def _top_by_language(messages: List[Message], values: Callable[[Message], Iterable[str]]) -> Dict[str, List]:
    per_language: Dict[str, Counter] = defaultdict(Counter)
    for message in messages:
        per_language[message.language].update(values(message))
    return {language: [[value, n] for value, n in counter.most_common(TOP)]
            for language, counter in sorted(per_language.items())}


def _percentile(values: List[float], share: float) -> Optional[float]:
    """Nearest-rank percentile (the value below which `share` of the values lie)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def handoff_figures(cases: Optional[List[CaseRecord]], hours: office_hours.OfficeHours) -> Dict:
    store, cases = cases is not None, cases or []
    waits = [c.first_staff_reply_at - c.created_at for c in cases if c.first_staff_reply_at is not None]
    in_hours = sum(hours.open_at(datetime.fromtimestamp(c.created_at, timezone.utc)) for c in cases)
    by_email = [c for c in cases if c.mode == EMAIL]
    return {
        "store": store,
        "cases": len(cases),
        "by_channel": dict(Counter(c.channel for c in cases).most_common()),
        "by_office": dict(Counter(c.office or HEADQUARTERS for c in cases).most_common()),
        "by_mode": dict(Counter(c.mode for c in cases).most_common()),
        "in_hours": in_hours,
        "out_of_hours": len(cases) - in_hours,
        "hours": hours.text,
        "staff_replied": len(waits),
        "first_reply_median_s": None if not waits else round(statistics.median(waits), 1),
        "first_reply_p90_s": None if not waits else round(_percentile(waits, 0.9), 1),
        # Email cases are answered from the mail client: the store cannot see that reply.
        "by_email": len(by_email),
        "closed_without_staff_reply": sum(c.status == CLOSED and c.first_staff_reply_at is None
                                          and c.mode != EMAIL for c in cases),
        "still_open": sum(c.status != CLOSED for c in cases),
    }


def build(messages: List[Message], cases: Optional[List[CaseRecord]], since: float, until: float,
          hours: office_hours.OfficeHours, subject_name: Callable[[str, str], str],
          public: FrozenSet[str] = frozenset()) -> Dict:
    """All the figures of the period [since, until). `subject_name(value, language)` names a knowledge
    entry; `public`: SEGIB's own addresses and numbers, kept by the redaction."""
    days = days_between(since, until)
    outcomes = [*OUTCOMES, NO_REPLY]
    outcome_per_day = _per_day(messages, days, lambda m: m.outcome)
    unanswered = [m for m in messages if is_unanswered(m)]
    items = [grouping.Item(redact(m.text, public), m.timestamp, m.language, m.channel, redact(m.reply or "", public),
                           m.guess)
             for m in unanswered]
    groups = grouping.group(items)
    return {
        "period": {"since": datetime.fromtimestamp(since, timezone.utc).isoformat(timespec="seconds"),
                   "until": datetime.fromtimestamp(until, timezone.utc).isoformat(timespec="seconds"),
                   "days": len(days)},
        "totals": {"conversations": len({m.sender for m in messages}), "messages": len(messages),
                   "unanswered": len(unanswered), "unanswered_groups": len(groups)},
        "days": days,
        "per_day": {"conversations": [len(s) for s in _senders_per_day(messages, days)],
                    "messages": [sum(values) for values in zip(*outcome_per_day.values())] or [0] * len(days)},
        "by_channel": _counts(messages, lambda m: m.channel),
        "by_language": _counts(messages, lambda m: m.language),
        "channel_per_day": _per_day(messages, days, lambda m: m.channel),
        "language_per_day": _per_day(messages, days, lambda m: m.language),
        "outcomes": {o: n for o, n in ((o, sum(outcome_per_day.get(o, []))) for o in outcomes) if n},
        "outcome_per_day": {o: outcome_per_day[o] for o in outcomes if o in outcome_per_day},
        "topics": _top_by_language(messages, lambda m: [m.intent]),
        "subjects": {language: [[subject_name(value, language), n] for value, n in top]
                     for language, top in _top_by_language(messages, lambda m: [v for _, v in m.subjects]).items()},
        "unanswered": groups,
        "handoff": handoff_figures(cases, hours),
        "office_names": {office: subject_name(office, "es")
                         for office in {c.office or HEADQUARTERS for c in cases or []}},
    }


def _senders_per_day(messages: List[Message], days: List[str]) -> List[set]:
    index = {day: n for n, day in enumerate(days)}
    senders: List[set] = [set() for _ in days]
    for message in messages:
        senders[index[day_of(message.timestamp)]].add(message.sender)
    return senders
