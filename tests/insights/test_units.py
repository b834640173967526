"""The parts of `make insights` that decide what staff read: redaction, grouping, the training-data
file and its check in `make validate`, and clear errors for a missing store."""
import subprocess
from pathlib import Path

import pytest

from insights import grouping, training
from insights.redact import redact
from quality.domain import domain_intents
from tests.support.services import PYTHON, ROOT


@pytest.mark.parametrize("text, expected", [
    ("escríbeme a ana.garcia+segib@correo.example.es ya", "escríbeme a [email] ya"),
    ("llámame al +34 612 345 678 o al (91) 590-1980", "llámame al [phone] o al [phone]"),
    ("mi pasaporte es X12345678", "mi pasaporte es X[number]"),
    ("Me llamo Ana María García y quiero saber", "Me llamo [name] y quiero saber"),
    ("my name is john smith, from Peru", "my name is [name], from Peru"),
    ("Olá, meu nome é João da Silva. Quero", "Olá, meu nome é [name]. Quero"),
    ("chamo-me Rui e preciso", "chamo-me [name] e preciso"),
    ("I'm called Mary", "I'm called [name]"),
    ("el caso SGB-AB2C-DE3F sigue abierto", "el caso [reference] sigue abierto"),
    ("la Agenda 2030 y la Cumbre de 2024", "la Agenda 2030 y la Cumbre de 2024"),
])
def test_personal_data_is_replaced_and_the_question_kept(text, expected):
    assert redact(text) == expected


def item(text, at, language="es"):
    return grouping.Item(text, at, language, "rest", "No lo sé.", ("ask_contact", 0.3))


def test_similar_questions_form_one_group_newest_first():
    groups = grouping.group([
        item("¿Qué tiempo hará mañana en Madrid?", 1), item("que tiempo hara mañana en madrid", 5),
        item("¿Cuánto cuesta el visado?", 3), item("Qué tiempo hará mañana en Madrid? escribe a [email]", 2),
    ])
    assert [(g["count"], g["text"]) for g in groups] == [(3, "que tiempo hara mañana en madrid"),
                                                         (1, "¿Cuánto cuesta el visado?")]
    assert groups[0]["suggested_intent"] == "ask_contact" and groups[0]["last_seen"] == 5


def rendered(texts):
    groups = grouping.group([item(text, n) for n, text in enumerate(texts)], similarity=100)
    return training.render(groups, {"since": "2026-11-01T00:00:00", "until": "2026-12-01T00:00:00"})


def test_the_file_is_rasa_training_data_whatever_citizens_typed(tmp_path):
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    texts = ["a: b # not a comment", "- starts with a dash", "\"quoted\" and 'single'", "[name][phone] llamadme",
             "two\nlines", "{braces} and | pipes"]
    path = tmp_path / "insights-unanswered.yml"
    path.write_text(rendered(texts), encoding="utf-8")
    examples = RasaYAMLReader().read(path).intent_examples
    assert sorted(m.get("text") for m in examples) == sorted(
        ["a: b # not a comment", "- starts with a dash", "\"quoted\" and 'single'", "[name] [phone] llamadme",
         "two lines", "{braces} and | pipes"])


def test_validate_names_each_unchosen_block_and_passes_a_filled_file(tmp_path):
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    text = rendered(["¿Qué tiempo hará mañana?", "¿Dónde compro billetes de tren?"])
    (nlu / "insights-unanswered.yml").write_text(text, encoding="utf-8")
    lines = [n for n, line in enumerate(text.splitlines(), 1) if f"intent: {training.UNCHOSEN_INTENT}" in line]
    problems = training.check(nlu, domain_intents())
    assert [(Path(p.path).name, p.line) for p in problems] == [("insights-unanswered.yml", n) for n in lines]
    assert all(training.UNCHOSEN_INTENT in p.message and "domain.yml" in p.message for p in problems)

    unchosen = f"intent: {training.UNCHOSEN_INTENT}"
    (nlu / "insights-unanswered.yml").write_text(text.replace(unchosen, "intent: out_of_scope", 1)
                                                 .replace(unchosen, "intent: ask_travel"), encoding="utf-8")
    [unknown] = training.check(nlu, domain_intents())
    assert unknown.line == lines[1] and "'ask_travel' is not in domain.yml" in unknown.message
    (nlu / "insights-unanswered.yml").write_text(text.replace(unchosen, "intent: out_of_scope"), encoding="utf-8")
    assert training.check(nlu, domain_intents()) == []


def test_a_missing_store_or_a_bad_period_is_a_clear_error(tmp_path):
    def insights(*args):
        return subprocess.run([PYTHON, "-m", "insights", "--reports", str(tmp_path / "reports"), *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    missing = insights("--endpoints", f"sqlite:///{tmp_path / 'none.db'}")
    assert missing.returncode == 1 and "No conversations database at" in missing.stderr
    assert "Traceback" not in missing.stderr and not (tmp_path / "none.db").exists()
    assert "must be a whole number of days" in insights("--days", "0").stderr
    assert not (tmp_path / "reports").exists()


def test_segib_s_own_contacts_are_kept():
    from insights.redact import public_contacts
    from knowledge.loader import DEFAULT_KNOWLEDGE_FILE, DEFAULT_MESSAGES_FILE

    public = public_contacts([DEFAULT_KNOWLEDGE_FILE, DEFAULT_MESSAGES_FILE])
    assert (redact("Puedes escribir a info@segib.org o llamar al +34 91 590 19 80; yo: ana@correo.es, 600 111 222",
                   public)
            == "Puedes escribir a info@segib.org o llamar al +34 91 590 19 80; yo: [email], [phone]")


def test_an_empty_store_and_no_case_store_give_an_empty_report(tmp_path):
    import json

    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'conversations.db'}")
    SQLTrackerStore.SQLEvent.__table__.create(engine)
    engine.dispose()
    completed = subprocess.run(
        [PYTHON, "-m", "insights", "--endpoints", f"sqlite:///{tmp_path / 'conversations.db'}",
         "--handoff-db", f"sqlite:///{tmp_path / 'handoff.db'}", "--reports", str(tmp_path / "reports")],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    data = json.loads((tmp_path / "reports" / "insights.json").read_text(encoding="utf-8"))
    assert data["totals"]["messages"] == 0 and data["unanswered"] == []
    assert data["handoff"]["store"] is False and data["handoff"]["cases"] == 0
    assert not (tmp_path / "handoff.db").exists()    # reading created no database
    html = (tmp_path / "reports" / "insights.html").read_text(encoding="utf-8")
    assert "Ninguna en el periodo · None in the period." in html and "No hay registro de casos" in html
    assert "nlu: []" in (tmp_path / "reports" / "insights-unanswered.yml").read_text(encoding="utf-8")
