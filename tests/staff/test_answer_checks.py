"""Answer checks: the staff file, clear errors and the run loop (fact matching: tests/test_fragments.py)."""
from quality import answer_checks
from quality.common import LANGUAGES, TOPICS


def test_the_answer_checks_file_is_valid_and_covers_every_topic_in_every_language():
    cases, problems = answer_checks.load()
    assert problems == []
    assert answer_checks.check_parity(cases) == []
    for language in LANGUAGES:
        assert sum(c.language == language for c in cases) >= 50, language
    for topic in TOPICS:
        assert {c.language for c in cases if c.topic == topic} == set(LANGUAGES), topic


def test_a_broken_checks_file_names_the_line(tmp_path):
    path = tmp_path / "checks.yml"
    path.write_text("checks:\n"
                    "  - id: one\n    topic: planets\n    es:\n      - ask: hola\n        expect: [x]\n"
                    "  - id: two\n    topic: observers\n    pt:\n      - ask: oi\n"
                    "  - id: one\n    topic: observers\n    en:\n      - ask: [hi, there]\n        expect: [x]\n"
                    "        lang: en\n",
                    encoding="utf-8")
    cases, problems = answer_checks.load(path)
    text = "\n".join(str(p) for p in problems)
    assert "checks.yml:3: ERROR check 'one': topic must be one of" in text
    assert "checks.yml:10: ERROR check 'two' (pt): 'expect' must list at least one fact" in text
    assert "checks.yml:11: ERROR check 'one' repeats the id of the check at line 2" in text
    assert "checks.yml:14: ERROR check 'one' (en): unknown field(s) lang" in text
    assert [c.messages for c in cases] == [["hola"], ["hi", "there"]]


def test_each_case_runs_in_its_own_conversation_and_checks_the_last_reply():
    calls = []

    def say(sender, text, metadata):
        calls.append((sender, text, metadata))
        if text == "boom":
            raise OSError("connection refused")
        return [{"recipient_id": sender, "text": f"reply to {text}"}, {"recipient_id": sender, "image": "x"}]

    cases = [answer_checks.Case("a", "observers", "es", ["first", "second"], ["to second"], 1, "f"),
             answer_checks.Case("b", "observers", "pt", ["oi"], ["to first"], 2, "f", hint="pt-BR"),
             answer_checks.Case("c", "observers", "en", ["boom"], ["x"], 3, "f")]
    results = answer_checks.run(cases, say)
    assert [r.passed for r in results] == [True, False, False]
    assert results[0].replies == [["reply to first"], ["reply to second"]]
    assert results[1].missing == ["to first"]
    assert "connection refused" in results[2].error
    assert calls[0][0] == calls[1][0] != calls[2][0]
    assert calls[2][2] == {"language": "pt-BR"}
