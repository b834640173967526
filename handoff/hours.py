"""Office hours of the staff who answer hand-offs live: HANDOFF_HOURS.

    always                                          staffed 24/7
    never                                           nobody answers live: every case is filed
    mon-fri 09:00-18:00 Europe/Madrid               the default
    mon-thu 09:00-18:00, fri 09:00-14:00 America/Montevideo

Windows separated by commas, each a day or a day range (`sat`, `mon-fri`, `fri-mon`) and one
HH:MM-HH:MM span (end after start; 24:00 allowed as an end), then one IANA time zone. Times are
wall-clock times in that zone, so a window keeps its local hours across daylight-saving changes.
A malformed value raises HoursError, which stops start-up with the reason.
"""
import re
from dataclasses import dataclass
from datetime import datetime, time, timezone
from typing import FrozenSet, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV = "HANDOFF_HOURS"
DEFAULT = "mon-fri 09:00-18:00 Europe/Madrid"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^(?P<days>[a-z]+(?:-[a-z]+)?)\s+(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})$")


class HoursError(ValueError):
    """HANDOFF_HOURS cannot be read; the message says what is wrong and shows the format."""


@dataclass(frozen=True)
class Window:
    days: FrozenSet[int]      # 0 = Monday
    start: int                # minutes after midnight
    end: int


@dataclass(frozen=True)
class OfficeHours:
    windows: Tuple[Window, ...]
    zone: Optional[ZoneInfo]   # None with `always` and `never`
    text: str
    always: bool = False

    def open_at(self, moment: Optional[datetime] = None) -> bool:
        if self.always or not self.windows:
            return self.always
        moment = moment or datetime.now(timezone.utc)
        local = moment.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        return any(local.weekday() in w.days and w.start <= minute < w.end for w in self.windows)


def _fail(value: str, why: str) -> HoursError:
    return HoursError(f"{ENV}={value!r}: {why}. Use `always`, `never` or a schedule such as {DEFAULT!r} "
                      f"(day ranges, HH:MM-HH:MM, comma-separated windows, one IANA time zone)")


def _minutes(value: str, text: str, end: bool) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        raise _fail(value, f"{text!r} is not a time of day")
    return hours * 60 + minutes


def _days(value: str, text: str) -> FrozenSet[int]:
    first, _, last = text.partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise _fail(value, f"{text!r} is not a day or a day range (mon, tue, wed, thu, fri, sat, sun)")
    start, stop = DAYS.index(first), DAYS.index(last or first)
    return frozenset(range(start, stop + 1) if start <= stop else [*range(start, 7), *range(0, stop + 1)])


def parse(value: Optional[str]) -> OfficeHours:
    text = " ".join((value or "").split()) or DEFAULT
    lowered = text.lower()
    if lowered in ("always", "never"):
        return OfficeHours((), None, text, always=lowered == "always")
    schedule, _, zone_name = text.rpartition(" ")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(text, f"it must end with an IANA time zone such as Europe/Madrid, and {zone_name!r} is not one") from None
    windows = []
    for part in filter(None, (p.strip() for p in schedule.lower().split(","))):
        match = _WINDOW.match(part)
        if not match:
            raise _fail(text, f"{part!r} is not `<days> HH:MM-HH:MM`")
        start, end = _minutes(text, match["start"], False), _minutes(text, match["end"], True)
        if end <= start:
            raise _fail(text, f"{match['start']}-{match['end']} ends before it starts")
        windows.append(Window(_days(text, match["days"]), start, end))
    if not windows:
        raise _fail(text, "no `<days> HH:MM-HH:MM` window")
    return OfficeHours(tuple(windows), zone, text)
