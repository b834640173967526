"""Office hours of the staff who answer hand-offs live: HANDOFF_HOURS.

    always                                          staffed 24/7
    never                                           nobody answers live: every case is filed
    mon-fri 09:00-18:00 Europe/Madrid               the default
    mon-thu 09:00-18:00, fri 09:00-14:00 America/Montevideo

Windows separated by commas, each a day or a day range (`sat`, `mon-fri`, `fri-mon`) and one
HH:MM-HH:MM span (end after start; 24:00 allowed as an end), then one IANA time zone. Times are
wall-clock times in that zone, so a window keeps its local hours across daylight-saving changes.
A malformed value raises HoursError, which stops start-up with the reason.

HANDOFF_HOURS_<OFFICE_ID> (e.g. HANDOFF_HOURS_OFFICE_MEXICO=mon-fri 09:00-18:00 America/Mexico_City)
sets one office's own hours, in the same format; offices without one keep HANDOFF_HOURS (`Schedule`).
"""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Dict, FrozenSet, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV = "HANDOFF_HOURS"
DEFAULT = "mon-fri 09:00-18:00 Europe/Madrid"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^(?P<days>[a-z]+(?:-[a-z]+)?)\s+(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})$")


OFFICE_PREFIX = ENV + "_"
DAYS_AHEAD = 8   # a weekly schedule opens again within a week; one more day for windows ending at 24:00


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

    def next_opening(self, moment: Optional[datetime] = None) -> Optional[datetime]:
        """When staff answer live again, in the office's time zone: `moment` itself when open now,
        None with `never`. Windows are wall-clock times, so across a daylight-saving change the
        opening keeps its local hour (and its UTC time moves)."""
        moment = moment or datetime.now(timezone.utc)
        if self.open_at(moment):
            return moment.astimezone(self.zone) if self.zone else moment
        if not self.windows:
            return None
        today = moment.astimezone(self.zone).date()
        starts = (datetime.combine(today + timedelta(days=ahead), datetime.min.time(), self.zone)
                  .replace(hour=w.start // 60, minute=w.start % 60)
                  for ahead in range(DAYS_AHEAD) for w in self.windows
                  if (today + timedelta(days=ahead)).weekday() in w.days)
        # A start that does not exist on the day clocks go forward (02:30 in Madrid) is read as
        # the later offset by zoneinfo; open_at confirms it.
        return min((start for start in starts if start > moment and self.open_at(start)), default=None)

    @property
    def place(self) -> str:
        """The zone's city as people say it ("Madrid", "Mexico City"), for "09:00, Madrid time"."""
        return str(self.zone).rpartition("/")[2].replace("_", " ") if self.zone else ""


@dataclass(frozen=True)
class Schedule:
    """HANDOFF_HOURS for every office, with the offices' own HANDOFF_HOURS_<OFFICE_ID>."""
    default: OfficeHours
    offices: Mapping[str, OfficeHours]

    def for_office(self, office: Optional[str]) -> OfficeHours:
        return self.offices.get(office or "", self.default)


def schedule(env: Mapping[str, str]) -> Schedule:
    """HANDOFF_HOURS and every HANDOFF_HOURS_<OFFICE_ID> of `env` (office ids lower-cased, as in
    data/knowledge/segib.yml). A malformed value raises HoursError naming its variable."""
    offices: Dict[str, OfficeHours] = {}
    for name, value in env.items():
        if name.startswith(OFFICE_PREFIX) and len(name) > len(OFFICE_PREFIX):
            try:
                offices[name[len(OFFICE_PREFIX):].lower()] = parse(value)
            except HoursError as error:
                raise HoursError(str(error).replace(f"{ENV}=", f"{name}=", 1)) from None
    return Schedule(parse(env.get(ENV)), offices)


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
        raise _fail(text, f"it must end with an IANA time zone such as Europe/Madrid, "
                          f"and {zone_name!r} is not one") from None
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
