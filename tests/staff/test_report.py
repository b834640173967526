"""The HTML report: what a failing story and a failing check show, and that Chromium renders it."""
import json

import pytest

from quality import report
from quality.screenshot import find_chromium, screenshot

STORIES = {
    "generated": "2026-11-27T10:00:00+00:00", "model": "segib-test.tar.gz", "duration_s": 12.0,
    "stories": [
        {"name": "observer then another country (en)", "path": "tests/stories/en/follow_ups.yml", "line": 7,
         "language": "en", "topic": "follow_ups", "passed": False,
         "failures": [{"turn": 2, "kind": "intent", "user_text": "and <b>Luxembourg</b>?", "expected": "follow_up",
                       "predicted": "greet", "line": 13}],
         "turns": [{"turn": 1, "text": "Is Belgium an observer?", "intent": "ask_is_observer", "line": 9,
                    "actions": ["action_answer"], "bot_said": ["Yes, Belgium is an associate observer."]},
                   {"turn": 2, "text": "and <b>Luxembourg</b>?", "intent": "follow_up", "line": 13,
                    "actions": ["action_answer"], "bot_said": ["Hello! I am the virtual assistant of SEGIB."]}]},
        {"name": "ok (es)", "path": "tests/stories/es/observers.yml", "line": 3, "language": "es",
         "topic": "observers", "passed": True, "failures": [], "turns": []},
    ],
    "answer_checks": [
        {"check": "secretary_general", "topic": "organisation", "language": "pt",
         "messages": ["Quem é o secretário-geral?"], "expect": ["Allamand", ["chileno", "Chile"], "2023"],
         "path": "tests/answer_checks.yml", "line": 40, "hint": None, "passed": False, "missing": ["2023"],
         "replies": [["O Secretário-Geral é Andrés Allamand, do Chile, desde 2022."]], "error": ""},
    ],
    "problems": [],
    "summary": {
        "stories_by_file": {"tests/stories/en/follow_ups.yml": {"passed": 0, "failed": 1},
                            "tests/stories/es/observers.yml": {"passed": 1, "failed": 0}},
        "stories_by_language": {"en": {"passed": 0, "failed": 1}, "es": {"passed": 1, "failed": 0}},
        "checks_by_language": {"pt": {"passed": 0, "failed": 1}},
        "checks_by_topic": {"organisation": {"passed": 0, "failed": 1}},
        "stories_by_topic_language": {"follow_ups": {"en": {"passed": 0, "failed": 1}},
                                      "observers": {"es": {"passed": 1, "failed": 0}}},
        "checks_by_topic_language": {"organisation": {"pt": {"passed": 0, "failed": 1}}},
        "totals": {"stories_passed": 1, "stories_failed": 1, "checks_passed": 0, "checks_failed": 1},
    },
}


def scores(f1):
    return {"support": 10, "accuracy": f1, "macro_precision": f1, "macro_recall": f1, "macro_f1": f1,
            "per_intent": {"greet": {"precision": 1.0, "recall": f1, "f1": f1, "support": 10}}, "confusion_png": None}


def entity(f1):
    return {"precision": f1, "recall": f1, "f1": f1, "support": 20, "found": 20, "right": 19}


EVALUATION = {
    "generated": "2026-11-27T10:00:00+00:00", "model": "staff-heldout-x.tar.gz", "seed": 42, "test_fraction": 0.2,
    "intents": {"by_language": {"es": scores(0.97), "pt": scores(0.96), "en": scores(0.91)}, "intent_names": ["greet"],
                "misclassified": [{"language": "en", "text": "yo", "expected": "greet", "predicted": "deny",
                                   "confidence": 0.4}]},
    "entities": {"examples": 30, "by_language": {"es": entity(1.0), "pt": entity(0.95), "en": entity(0.97)},
                 "all": entity(0.97), "by_type": {"observer": entity(0.97)},
                 "errors": [{"language": "pt", "text": "e a OIT?", "missing": ["observer:ilo"], "extra": []}]},
    "detector": {"by_language": {lang: {"total": 10, "correct": 9, "wrong": 0, "undecided": 1, "accuracy": 0.9}
                                 for lang in ("es", "pt", "en")},
                 "ambiguous": {"total": 4, "decided": 0, "undecided": 4, "undecided_rate": 1.0}, "total": 30,
                 "overall_accuracy": 0.9,
                 "errors": [{"language": "es", "text": "si", "detected": None, "confidence": 0.2}]},
    "cross_validation": None,
    "bar": {"intent_macro_f1_min": 0.95, "entity_f1_min": 0.95, "met": False, "details": []},
}


@pytest.fixture
def reports(tmp_path):
    (tmp_path / "stories.json").write_text(json.dumps(STORIES), encoding="utf-8")
    (tmp_path / "evaluation.json").write_text(json.dumps(EVALUATION), encoding="utf-8")
    return tmp_path


def test_failing_story_shows_the_turn_the_words_the_expectation_and_what_the_bot_did_and_said(reports):
    html = report.render(reports).read_text(encoding="utf-8")
    assert "observer then another country (en)" in html
    assert "tests/stories/en/follow_ups.yml:7" in html
    assert "Fails at turn 2" in html
    assert "and &lt;b&gt;Luxembourg&lt;/b&gt;?" in html and "<b>Luxembourg</b>" not in html  # escaped
    assert "<code>follow_up</code> → <code>action_answer</code>" in html
    assert "intent: <code>greet</code>" in html
    assert "Hello! I am the virtual assistant of SEGIB." in html


def test_failing_check_shows_missing_and_found_facts_and_the_reply(reports):
    html = report.render(reports).read_text(encoding="utf-8")
    assert "tests/answer_checks.yml:40" in html
    assert "✗ 2023" in html and "✓ Allamand" in html and "✓ chileno / Chile" in html
    assert "desde 2022." in html


def test_evaluation_section_shows_scores_bar_and_errors(reports):
    html = report.render(reports).read_text(encoding="utf-8")
    assert "0.910" in html and "no cumplido · not met" in html
    assert "e a OIT?" in html and "observer:ilo" in html
    assert "make validate" in html  # validation not run yet: the page says how to run it


def test_pages_without_any_results_still_render(tmp_path):
    html = report.render(tmp_path).read_text(encoding="utf-8")
    assert "make test-stories" in html and "make evaluate" in html


@pytest.mark.skipif(not find_chromium() and not __import__("os").environ.get("CI"),
                    reason="Chromium is not installed (make chromium installs it; CI requires it)")
def test_the_report_renders_in_headless_chromium(reports, tmp_path):
    from PIL import Image

    png = screenshot(report.render(reports), tmp_path / "report.png", width=1100, height=900)
    image = Image.open(png).convert("RGB")
    assert image.size == (1100, 900)
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours and len(colours) > 50  # text, tables and the header, not a blank page
    header = image.getpixel((10, 10))
    assert header[0] > header[2] + 40  # the dark red header band is drawn (CSS applied)


def test_other_splits_show_each_seed_with_mean_and_minimum(tmp_path):
    others = {"rows": [{"seed": 7, "es": 0.961, "pt": 0.944, "en": 0.952},
                       {"seed": 2026, "es": 0.957, "pt": 0.966, "en": 0.938}],
              "mean": {"es": 0.959, "pt": 0.955, "en": 0.945}, "min": {"es": 0.957, "pt": 0.944, "en": 0.938}}
    (tmp_path / "evaluation.json").write_text(json.dumps({**EVALUATION, "other_splits": others}), encoding="utf-8")
    html = report.render(tmp_path).read_text(encoding="utf-8")
    assert "Other held-out splits" in html
    assert "<td>2026</td>" in html and "0.938" in html and "0.944" in html
    assert '<td class="n ko">0.944</td>' in html  # under the bar: marked


def test_other_split_seeds_must_be_numbers():
    from quality import evaluate

    assert evaluate._seeds("7, 2026,") == [7, 2026]
    with pytest.raises(Exception, match="whole numbers"):
        evaluate._seeds("7,abc")


def test_unseen_messages_show_scores_and_what_was_misunderstood(tmp_path):
    unseen = {"model": "staff-heldout-all.tar.gz", "left_out": 12, "intent_names": ["greet"],
              "by_language": {"es": scores(0.96), "pt": scores(0.93), "en": scores(0.97)},
              "misclassified": [{"language": "pt", "text": "fala <i>aí</i>", "expected": "greet", "predicted": "help",
                                 "confidence": 0.5}]}
    (tmp_path / "evaluation.json").write_text(json.dumps({**EVALUATION, "unseen": unseen}), encoding="utf-8")
    html = report.render(tmp_path).read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "Unseen messages" in html and "12 left out" in html
    assert "fala &lt;i&gt;aí&lt;/i&gt;" in html


def test_realistic_conversations_show_the_language_by_kind_table_the_bar_and_each_failure(tmp_path):
    from quality import realistic
    from tests.support.conversations import Outcome

    outcomes = [Outcome(f"es-{i}", "es", "ok", [], kind="noisy_fact") for i in range(19)]
    outcomes += [Outcome("es-unk-budget", "es", "La SEGIB tiene su sede en Madrid.",
                         ["no honest 'not known' (no tengo)"], kind="unknown",
                         turns=["¿cuál es el presupuesto de la segib?"])]
    results = realistic.summarise(outcomes, tmp_path / "realistic", "segib-x.tar.gz")
    (tmp_path / "evaluation.json").write_text(json.dumps({**EVALUATION, "realistic": results}), encoding="utf-8")
    html = report.render(tmp_path).read_text(encoding="utf-8")
    assert "Realistic conversations" in html
    assert '<td class="n ok">19 / 19 (100.0 %)</td>' in html  # noisy_fact
    assert '<td class="n ko">0 / 1 (0.0 %)</td>' in html      # unknown
    assert '<td class="n ok">19 / 20 (95.0 %)</td>' in html   # Spanish: at the bar
    assert "es-unk-budget" in html and "¿cuál es el presupuesto de la segib?" in html
    assert "La SEGIB tiene su sede en Madrid." in html and "no honest" in html
    assert not results["bar_met"]  # the 'unknown' kind is under 90 %, and its reply was not honest
