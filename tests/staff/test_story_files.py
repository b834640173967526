"""Staff test stories: the files in tests/stories, clear errors for broken ones, Rasa's output parsed."""
from pathlib import Path

from quality import core_test, stories
from quality.common import LANGUAGES, TOPICS
from quality.domain import domain_actions, domain_intents


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_staff_stories_are_well_formed_and_cover_every_topic_in_every_language():
    found, problems = stories.load_all()
    assert problems == []
    assert stories.check_against_domain(found, domain_intents(), domain_actions()) == []
    assert stories.check_coverage(found) == []
    for topic in TOPICS:
        for language in LANGUAGES:
            assert sum(s.topic == topic and s.language == language for s in found) >= 3, (topic, language)


def test_steps_keep_turns_texts_and_lines(tmp_path):
    write(tmp_path, "es/observers.yml", 'version: "3.1"\nstories:\n- story: uno\n  steps:\n'
          '  - user: |\n      ¿Bélgica es observador?\n    intent: ask_is_observer\n  - action: action_answer\n'
          '  - user: |\n      ¿y Luxemburgo?\n    intent: follow_up\n  - action: action_answer\n')
    [story], problems = stories.load_all(tmp_path)
    assert problems == []
    assert (story.language, story.topic, story.line) == ("es", "observers", 3)
    assert [(s.kind, s.name, s.turn, s.line) for s in story.steps] == [
        ("intent", "ask_is_observer", 1, 5), ("action", "action_answer", 1, 8),
        ("intent", "follow_up", 2, 9), ("action", "action_answer", 2, 12)]
    assert story.steps[2].text == "¿y Luxemburgo?"


def test_broken_story_files_name_the_file_and_line(tmp_path):
    write(tmp_path, "es/observers.yml", 'version: "3.1"\nstories:\n- story: sin intención\n  steps:\n'
          '  - user: |\n      hola\n  - action: action_greet\n'
          '- story: intención desconocida\n  steps:\n  - user: hola\n    intent: saludar\n  - action: action_greet\n')
    write(tmp_path, "observers.yml", "stories: []\n")
    write(tmp_path, "pt/planets.yml",
          'stories:\n- story: x\n  steps:\n  - user: oi\n    intent: greet\n  - action: action_greet\n')
    write(tmp_path, "en/summits.yml", "stories:\n- story: [unclosed\n")
    found, problems = stories.load_all(tmp_path)
    problems += stories.check_against_domain(found, domain_intents(), domain_actions())
    text = "\n".join(str(p) for p in problems)
    assert "es/observers.yml:5: ERROR story 'sin intención': the user step 'hola' needs 'intent:'" in text
    assert "es/observers.yml:10: ERROR story 'intención desconocida': unknown intent 'saludar'" in text
    assert "must be in a language folder" in text
    assert "unknown topic 'planets'" in text
    assert "en/summits.yml:3: ERROR invalid YAML" in text


def test_coverage_names_the_missing_topic_and_language(tmp_path):
    write(tmp_path, "es/summits.yml", 'stories:\n- story: a\n  steps:\n  - user: hola\n    intent: greet\n'
          '  - action: action_greet\n')
    found, _ = stories.load_all(tmp_path)
    messages = [p.message for p in stories.check_coverage(found, tmp_path)]
    assert ("story 'a' has no intent of the topic 'summits' (ask_mandates, ask_summit_preparation, ask_summits)"
            in messages)
    assert "topic 'observers' has 0 stories in pt; at least 3 are needed" in messages


FAILED = '''version: "3.1"
stories:
- story: wrong intent (es) (/tmp/x/test_000_es_observers.yml)
  steps:
  - intent: greet
  - action: action_greet
  - intent: ask_summits  # predicted: ask_secretary_general: ¿Quién es el [secretario general]{"entity": "topic", "value": "secretary_general"}?
  - action: action_answer
- story: "only entities: not a failure (es) (/tmp/x/test_000_es_observers.yml)"
  steps:
  - intent: ask_is_observer  # predicted: ask_is_observer: ¿[Bélgica]{"entity": "observer", "value": "belgium"} es observador?
  - action: action_answer
- story: wrong action (en) (/tmp/x/test_001_en_conversation.yml)
  steps:
  - intent: greet
  - action: action_goodbye  # predicted: action_greet
'''  # noqa: E501 (Rasa's failed_test_stories.yml as Rasa writes it)


def test_rasa_failed_stories_are_read_and_only_wrong_intents_or_actions_fail():
    parsed = core_test.parse_failed_stories(FAILED)
    assert set(parsed) == {("test_000_es_observers.yml", "wrong intent (es)"),
                           ("test_000_es_observers.yml", "only entities: not a failure (es)"),
                           ("test_001_en_conversation.yml", "wrong action (en)")}
    steps = parsed[("test_000_es_observers.yml", "wrong intent (es)")]
    assert [(s.kind, s.expected, s.predicted) for s in steps] == [
        ("intent", "greet", None), ("action", "action_greet", None),
        ("intent", "ask_summits", "ask_secretary_general"), ("action", "action_answer", None)]
    story = stories.Story("wrong intent (es)", "tests/stories/es/observers.yml", 3, "es", "observers", [
        stories.Step("intent", "greet", 5, 1, "hola"), stories.Step("action", "action_greet", 7, 1),
        stories.Step("intent", "ask_summits", 8, 2, "¿Quién es el secretario general?"),
        stories.Step("action", "action_answer", 10, 2)])
    [failure] = core_test.failures_of(story, steps)
    assert (failure.turn, failure.kind, failure.expected, failure.predicted, failure.line) == \
        (2, "intent", "ask_summits", "ask_secretary_general", 8)
    assert failure.user_text == "¿Quién es el secretario general?"
    entity_only = parsed[("test_000_es_observers.yml", "only entities: not a failure (es)")]
    assert core_test.failures_of(stories.Story("x", "p", 1, "es", "observers", [
        stories.Step("intent", "ask_is_observer", 1, 1, "t"), stories.Step("action", "action_answer", 2, 1)]),
        entity_only) == []


def test_markup_is_removed_from_predicted_texts():
    assert core_test.plain_text('¿[Bélgica]{"entity": "observer", "value": "belgium"} es [obs](topic)?') == \
        "¿Bélgica es obs?"


def test_broken_files_stop_the_run_before_rasa_and_show_in_the_report(tmp_path):
    from quality import run_stories

    write(tmp_path, "stories/es/observers.yml", 'stories:\n- story: a\n  steps:\n  - user: hola\n')
    checks = write(tmp_path, "checks.yml", "checks: []\n")
    results = run_stories.run(tmp_path / "stories", checks, model=tmp_path / "unused.tar.gz",
                              reports_dir=tmp_path / "r")
    assert results["broken"]
    assert any("needs 'intent:'" in p["message"] for p in results["problems"])
    html = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert "needs &#39;intent:&#39;" in html or "needs 'intent:'" in html
    assert run_stories.main(["--stories", str(tmp_path / "stories"), "--checks", str(checks),
                             "--model", str(tmp_path / "unused.tar.gz"), "--reports", str(tmp_path / "r")]) == 2
