"""`make test-stories` end to end, as the staff guide describes it.

One run (rasa test core on every staff story + every answer check through a freshly started REST
assistant) on copies of the staff files to which this test adds what a staff member would:
a new consultative observer in the knowledge file, an answer check about it, a story that fails on
purpose and an answer check that fails on purpose. Every real story and check must pass, the new
observer must be answered, and the two planted failures must be reported with their details.
"""
import shutil

import yaml

from knowledge.loader import DEFAULT_KNOWLEDGE_FILE
from quality import run_stories
from quality.common import ANSWER_CHECKS_FILE, STORIES_DIR

NEW_OBSERVER = {
    "id": "example_bank", "kind": "observer", "observer_type": "consultative",
    "names": {"es": ["Banco Ejemplar de Fomento", "BEF"], "pt": ["Banco Exemplar de Fomento", "BEF"],
              "en": ["Exemplary Development Bank", "EDB"]},
    "full_name": {"es": "Banco Ejemplar de Fomento", "pt": "Banco Exemplar de Fomento",
                  "en": "Exemplary Development Bank"},
    "source": "https://www.segib.org/",
}
PLANTED_STORY = """
- story: planted failure (es)
  steps:
  - user: |
      ¿Bélgica es observador?
    intent: ask_is_observer
  - action: action_answer
  - user: |
      muchas gracias
    intent: goodbye
  - action: action_goodbye
"""
NEW_CHECKS = """
  - id: new_observer
    topic: observers
    es:
      - ask: "¿El BEF es observador?"
        expect: ["Banco Ejemplar de Fomento", "consultivo"]
    en:
      - ask: "Is the Exemplary Development Bank an observer?"
        expect: ["Exemplary Development Bank", "consultative"]
  - id: planted_failure
    topic: organisation
    pt:
      - ask: "Quem é o secretário-geral?"
        expect: ["Allamand", "Napoleão"]
"""


def test_make_test_stories_reports_passes_new_entries_and_planted_failures(tmp_path, monkeypatch):
    knowledge = yaml.safe_load(DEFAULT_KNOWLEDGE_FILE.read_text(encoding="utf-8"))
    knowledge["entries"].append(NEW_OBSERVER)
    knowledge_file = tmp_path / "segib.yml"
    knowledge_file.write_text(yaml.safe_dump(knowledge, allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("SEGIB_KNOWLEDGE_FILE", str(knowledge_file))
    stories_dir = tmp_path / "stories"
    shutil.copytree(STORIES_DIR, stories_dir)
    with open(stories_dir / "es" / "observers.yml", "a", encoding="utf-8") as handle:
        handle.write(PLANTED_STORY)
    checks_file = tmp_path / "answer_checks.yml"
    checks_file.write_text(ANSWER_CHECKS_FILE.read_text(encoding="utf-8") + NEW_CHECKS, encoding="utf-8")
    reports_dir = tmp_path / "reports"

    results = run_stories.run(stories_dir, checks_file, reports_dir=reports_dir)

    failed_stories = [s for s in results["stories"] if not s["passed"]]
    assert [s["name"] for s in failed_stories] == ["planted failure (es)"], failed_stories
    [failure] = failed_stories[0]["failures"]
    assert (failure["turn"], failure["kind"], failure["user_text"], failure["expected"], failure["predicted"]) == \
        (2, "intent", "muchas gracias", "goodbye", "thank")
    said = failed_stories[0]["turns"][1]["bot_said"]
    assert said and "nada" in " ".join(said).lower()   # the bot's real reply ("¡De nada! ...")
    failed_checks = [c for c in results["answer_checks"] if not c["passed"]]
    assert [(c["check"], c["missing"]) for c in failed_checks] == [("planted_failure", ["Napoleão"])], failed_checks
    assert all(c["passed"] for c in results["answer_checks"] if c["check"] == "new_observer")
    assert len(results["stories"]) >= 72 and len(results["answer_checks"]) >= 150
    by_language = results["summary"]["stories_by_language"]
    assert by_language["es"]["failed"] == 1 and by_language["pt"]["failed"] == 0 and by_language["en"]["failed"] == 0
    html = (reports_dir / "index.html").read_text(encoding="utf-8")
    assert "planted failure (es)" in html and "Napoleão" in html
    summary = []
    run_stories.print_summary(results, out=type("Out", (), {"write": lambda self, s: summary.append(s)})())
    text = "".join(summary)
    assert "FAILED story 'planted failure (es)'" in text and "FAILED check 'planted_failure'" in text
    assert results["rasa_evaluated"] == len(results["stories"])
