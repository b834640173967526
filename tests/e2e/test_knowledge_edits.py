"""Staff edit only the knowledge file: restart and the bot knows; a broken file stops start-up."""
import subprocess
import sys

import pytest
import yaml

from knowledge.loader import DEFAULT_KNOWLEDGE_FILE
from tests.support.services import ROOT, start_assistant


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


@pytest.fixture(scope="module")
def edited_knowledge(tmp_path_factory):
    document = yaml.safe_load(DEFAULT_KNOWLEDGE_FILE.read_text(encoding="utf-8"))
    document["entries"].append({
        "id": "iila", "kind": "observer", "observer_type": "consultative",
        "names": {"es": ["IILA", "Organización Internacional Ítalo-Latinoamericana"],
                  "pt": ["IILA", "Organização Internacional Ítalo-Latino-Americana"],
                  "en": ["IILA", "Italian-Latin American International Organisation"]},
        "full_name": {"es": "Organización Internacional Ítalo-Latinoamericana",
                      "pt": "Organização Internacional Ítalo-Latino-Americana",
                      "en": "Italian-Latin American International Organisation"},
        "source": "https://www.segib.org/"})
    path = tmp_path_factory.mktemp("knowledge") / "segib.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_new_observer_is_answered_after_a_restart_without_retraining(model, edited_knowledge, tmp_path):
    assistant = start_assistant(tmp_path, model, env={"SEGIB_KNOWLEDGE_FILE": str(edited_knowledge)})
    try:
        assert "Sí, IILA (Organización Internacional Ítalo-Latinoamericana) es observador consultivo" in texts(
            assistant.say("staff-es", "¿La IILA es observador?"))
        assert "one of the 20 international organisations" in texts(
            assistant.say("staff-en", "Is IILA an observer?"))
        assert "IILA" in texts(assistant.say("staff-list", "¿Cuáles son los observadores consultivos?"))
    finally:
        assistant.stop()


def test_conversations_survive_a_restart(model, tmp_path):
    db = tmp_path / "conversations.db"
    first = start_assistant(tmp_path / "first", model, tracker_db=db)
    try:
        first.say("restart", "Which office serves Ecuador?")
    finally:
        first.stop()
    second = start_assistant(tmp_path / "second", model, tracker_db=db)
    try:
        reply = texts(second.say("restart", "and its address?"))
    finally:
        second.stop()
    assert "Av. Manuel Olguín 501" in reply and reply.startswith("Address")


def test_a_broken_knowledge_file_stops_the_action_server_with_one_clear_message(tmp_path):
    document = yaml.safe_load(DEFAULT_KNOWLEDGE_FILE.read_text(encoding="utf-8"))
    next(e for e in document["entries"] if e["id"] == "chile")["office"] = "office_santiago"
    broken = tmp_path / "segib.yml"
    broken.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "actions", "--port", "0"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={"SEGIB_KNOWLEDGE_FILE": str(broken), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert result.stderr.strip() == (f"Knowledge file error: {broken}: entry #{_position(document, 'chile')} 'chile': "
                                     "office 'office_santiago' is not an office entry (known offices: "
                                     "headquarters, office_andean, office_mexico, office_southern_cone)")


def _position(document, entry_id):
    return next(i for i, e in enumerate(document["entries"], start=1) if e["id"] == entry_id)
