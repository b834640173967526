"""HANDOFF_HOURS: the format, clear errors, and wall-clock windows across daylight-saving changes."""
from datetime import datetime, timezone

import pytest

from handoff.hours import HoursError, parse, schedule


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_default_is_monday_to_friday_nine_to_six_in_madrid():
    hours = parse(None)
    assert hours.text == "mon-fri 09:00-18:00 Europe/Madrid"
    assert hours.open_at(utc(2026, 1, 14, 8, 0))          # Wednesday 09:00 in Madrid (CET, UTC+1)
    assert not hours.open_at(utc(2026, 1, 14, 7, 59))
    assert not hours.open_at(utc(2026, 1, 14, 17, 0))     # 18:00 local: closed (end excluded)
    assert not hours.open_at(utc(2026, 1, 17, 10, 0))     # Saturday


def test_windows_keep_local_time_across_daylight_saving_changes():
    hours = parse("mon-fri 09:00-18:00 Europe/Madrid")
    # Summer (CEST, UTC+2): 09:00 local is 07:00 UTC.
    assert hours.open_at(utc(2026, 7, 15, 7, 0)) and not hours.open_at(utc(2026, 7, 15, 6, 59))
    # Sunday 29 March 2026, 02:00 -> 03:00: Monday 30 March opens at 07:00 UTC.
    assert hours.open_at(utc(2026, 3, 30, 7, 0)) and not hours.open_at(utc(2026, 3, 30, 6, 59))
    # Friday 23 October 2026 still summer time; Monday 26 October winter: 08:00 UTC.
    assert hours.open_at(utc(2026, 10, 23, 7, 0))
    assert not hours.open_at(utc(2026, 10, 26, 7, 0)) and hours.open_at(utc(2026, 10, 26, 8, 0))


def test_several_windows_wrapping_day_ranges_and_24_00():
    hours = parse("mon-thu 09:00-18:00, fri 09:00-14:00, sat-sun 10:00-24:00 America/Montevideo")
    assert hours.open_at(utc(2026, 1, 16, 16, 59))        # Friday 13:59 in Montevideo (UTC-3)
    assert not hours.open_at(utc(2026, 1, 16, 17, 0))
    assert hours.open_at(utc(2026, 1, 18, 2, 59))         # Saturday 23:59
    assert parse("fri-mon 08:00-09:00 UTC").open_at(utc(2026, 1, 18, 8, 30))   # Sunday


def test_always_and_never():
    assert parse("always").open_at() and parse(" Always ").open_at(utc(2026, 1, 17, 3, 0))
    assert not parse("never").open_at()


@pytest.mark.parametrize("value, says", [
    ("mon-fri 09:00-18:00", "must end with an IANA time zone"),
    ("mon-fri 09:00-18:00 Mars/Olympus", "Mars/Olympus' is not one"),
    ("weekdays 09:00-18:00 Europe/Madrid", "not a day"),
    ("mon-fri 9-18 Europe/Madrid", "is not `<days> HH:MM-HH:MM`"),
    ("mon-fri 18:00-09:00 Europe/Madrid", "ends before it starts"),
    ("mon-fri 09:00-25:00 Europe/Madrid", "not a time of day"),
    ("mon-fri 09:61-18:00 Europe/Madrid", "not a time of day"),
])
def test_a_malformed_value_says_what_is_wrong_and_shows_the_format(value, says):
    with pytest.raises(HoursError) as error:
        parse(value)
    assert says in str(error.value) and "HANDOFF_HOURS" in str(error.value) and "always" in str(error.value)


# ---- when staff are back (the out-of-hours reply names it) -------------------------------------------

def test_next_opening_over_a_weekend_and_a_short_friday():
    hours = parse("mon-thu 09:00-18:00, fri 09:00-14:00 Europe/Madrid")
    now = utc(2026, 1, 16, 13, 0)                       # Friday 14:00 in Madrid: just closed
    opening = hours.next_opening(now)
    assert (opening.weekday(), opening.strftime("%H:%M")) == (0, "09:00") and opening.day == 19
    assert hours.next_opening(utc(2026, 1, 15, 17, 30)).strftime("%a %H:%M") == "Fri 09:00"   # Thu 18:30
    assert hours.next_opening(utc(2026, 1, 15, 12, 0)) == utc(2026, 1, 15, 12, 0)   # open now: now
    assert parse("never").next_opening(now) is None and parse("always").next_opening(now) == now


@pytest.mark.parametrize("friday_evening, monday_opening_utc", [
    (utc(2027, 3, 26, 18, 0), utc(2027, 3, 29, 7, 0)),    # clocks go forward on Sunday 28 March: CEST
    (utc(2027, 10, 29, 17, 0), utc(2027, 11, 1, 8, 0)),   # and back on Sunday 31 October: CET
])
def test_next_opening_keeps_its_local_hour_across_daylight_saving_changes(friday_evening, monday_opening_utc):
    opening = parse("mon-fri 09:00-18:00 Europe/Madrid").next_opening(friday_evening)
    assert opening.strftime("%H:%M") == "09:00" and opening == monday_opening_utc


def test_an_office_has_its_own_hours_and_the_others_keep_the_default():
    hours = schedule({"HANDOFF_HOURS": "always",
                      "HANDOFF_HOURS_OFFICE_MEXICO": "mon-fri 09:00-18:00 America/Mexico_City"})
    mexico = hours.for_office("office_mexico")
    assert mexico.place == "Mexico City" and not mexico.open_at(utc(2026, 1, 14, 14, 59))   # 08:59 there
    assert mexico.open_at(utc(2026, 1, 14, 15, 0))
    assert hours.for_office("office_andean").always and hours.for_office(None).always
    with pytest.raises(HoursError) as error:
        schedule({"HANDOFF_HOURS_OFFICE_ANDEAN": "mon-fri 9-18 America/Lima"})
    assert "HANDOFF_HOURS_OFFICE_ANDEAN=" in str(error.value)
