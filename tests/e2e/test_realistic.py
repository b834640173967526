"""Issue #21: conversations written the way citizens really write (tests/data/realistic/), end to end
through the REST channel with the real trained model, one fresh sender per conversation.

Each reply to the last turn is checked for its facts (expect / expect_any / forbid), for honesty when
the knowledge file does not hold the answer (kind "unknown"), and for its language
(tests/support/conversations.py). The scores per language and per kind are printed under "measured";
the test asserts the issue's bar. REALISTIC_DIR=/path runs another folder with the same code (the
lead's hold-out set): REALISTIC_DIR=/work/holdout .venv/bin/python -m pytest -q tests/e2e/test_realistic.py
"""
from tests.support.conversations import (
    DEFAULT_REALISTIC_DIR,
    KIND_BAR,
    LANGUAGE_BAR,
    describe_failure,
    load_realistic,
    realistic_dir,
    realistic_scores,
    realistic_set_problems,
    realistic_table,
    run_realistic,
)
from tests.support.metrics import record

CONVERSATIONS = load_realistic()


def test_the_committed_set_has_the_size_and_mix_the_issue_asks_for():
    assert realistic_set_problems(load_realistic(DEFAULT_REALISTIC_DIR)) == []


def test_realistic_conversations_meet_the_bar(assistant, capsys):
    assert CONVERSATIONS, f"no conversations in {realistic_dir()}"
    outcomes = [run_realistic(assistant.say, conversation) for conversation in CONVERSATIONS]
    scores = realistic_scores(outcomes)
    for line in realistic_table(scores):
        record(f"realistic conversations ({realistic_dir().name}) {line[:4].strip() or 'kind'}", line[5:])
    failing = [describe_failure(o) for o in outcomes if not o.passed]
    with capsys.disabled():
        print(f"\n{len(failing)} of {len(outcomes)} realistic conversations answered wrong:\n" + "\n".join(failing))
    assert scores["bar_met"], (
        f"bar: >= {LANGUAGE_BAR:.0%} right per language, no kind below {KIND_BAR:.0%}, every 'unknown' reply "
        "honest. Not met: " + "; ".join(scores["bar_failures"]))
