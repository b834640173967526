"""End to end through the REST channel with the real trained model: facts right, language right."""
from collections import defaultdict

import pytest

from tests.support.conversations import load_conversations, run_conversation
from tests.support.metrics import record

CONVERSATIONS = load_conversations()
RESULTS = defaultdict(lambda: [0, 0])


@pytest.fixture(scope="module", autouse=True)
def pass_rates():
    yield
    if RESULTS:
        record("end-to-end conversations passed", ", ".join(
            f"{lang} {ok}/{total}" for lang, (ok, total) in sorted(RESULTS.items())))


def test_there_are_enough_conversations_in_each_language():
    per_language = defaultdict(int)
    for conversation in CONVERSATIONS:
        per_language[conversation["language"]] += 1
    assert all(per_language[lang] >= 20 for lang in ("es", "pt", "en")) and len(CONVERSATIONS) >= 60


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["id"] for c in CONVERSATIONS])
def test_conversation(assistant, conversation):
    outcome = run_conversation(assistant.say, conversation)
    RESULTS[outcome.language][0] += outcome.passed
    RESULTS[outcome.language][1] += 1
    assert outcome.passed, f"missing {outcome.missing} in reply:\n{outcome.reply}"
