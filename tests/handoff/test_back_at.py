"""The out-of-hours reply says when staff are back, in the citizen's language and the office's time zone;
a case goes to the office that serves the citizen's country."""
from datetime import datetime, timezone

import pytest

from actions.handoff import Desk, back_at, office_for
from actions.turn import Turn
from handoff.hours import parse, schedule
from knowledge import Answerer, default_knowledge
from knowledge.answers import Context, Question

ANSWERER = Answerer(default_knowledge())
FRIDAY_EVENING_MADRID = datetime(2026, 1, 16, 19, 0, tzinfo=timezone.utc)   # 20:00 in Madrid


@pytest.mark.parametrize("language, says", [
    ("es", "El equipo vuelve el lunes a las 09:00, hora de Madrid."),
    ("pt", "A equipa volta na segunda-feira às 09:00, hora de Madrid."),
    ("en", "The team is back on Monday at 09:00, Madrid time."),
])
def test_back_on_monday_in_the_citizens_language(language, says):
    assert back_at(ANSWERER, parse("mon-fri 09:00-18:00 Europe/Madrid"), language, FRIDAY_EVENING_MADRID) == says


def test_back_today_or_tomorrow_in_the_offices_time_zone():
    mexico = parse("mon-fri 09:00-18:00 America/Mexico_City")
    # 07:00 in Mexico City (13:00 UTC) on a Wednesday: later today there.
    assert back_at(ANSWERER, mexico, "es", datetime(2026, 1, 14, 13, 0, tzinfo=timezone.utc)) == \
        "El equipo vuelve hoy a las 09:00, hora de Mexico City."
    # Thursday 19:00 in Madrid: tomorrow, with a short-Friday schedule.
    assert (back_at(ANSWERER, parse("mon-thu 09:00-18:00, fri 09:00-14:00 Europe/Madrid"), "en",
                    datetime(2026, 1, 15, 18, 0, tzinfo=timezone.utc))
            == "The team is back tomorrow at 09:00, Madrid time.")
    assert back_at(ANSWERER, parse("never"), "es") == ""


def turn(country=None, office=None) -> Turn:
    return Turn(question=Question("ask_human"), context=Context(office=office), language="es",
                settled_language="es", detected=None, other_language=None, pending_offer=None, failed_turns=0,
                country=country)


def test_a_case_goes_to_the_office_serving_the_citizens_country_else_the_conversations():
    assert office_for(turn(country="Perú", office="office_mexico"), ANSWERER) == "office_andean"
    assert office_for(turn(country="mexico"), ANSWERER) == "office_mexico"
    assert office_for(turn(country="Atlantis", office="office_southern_cone"), ANSWERER) == "office_southern_cone"
    assert office_for(turn(), ANSWERER) is None


def test_the_desk_reads_each_offices_hours_from_the_environment(monkeypatch):
    monkeypatch.setenv("HANDOFF_HOURS", "always")
    monkeypatch.setenv("HANDOFF_HOURS_OFFICE_MEXICO", "never")
    desk = Desk()
    assert desk.schedule.for_office("office_andean").open_at()
    assert not desk.schedule.for_office("office_mexico").open_at()
    assert schedule({}).for_office("office_mexico").text == "mon-fri 09:00-18:00 Europe/Madrid"
