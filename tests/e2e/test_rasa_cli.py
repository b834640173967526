"""Rasa's own checks: `rasa data validate` is clean and `rasa test` passes every test story."""
import subprocess
import sys
from pathlib import Path

from scripts.model import CONFIG, DOMAIN, TRAINING_DATA
from tests.support.metrics import record

ROOT = Path(__file__).resolve().parents[2]


def rasa(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "rasa", *args], cwd=cwd, text=True, capture_output=True,
                          env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"})


def test_rasa_data_validate_is_clean():
    result = rasa("data", "validate", "--domain", DOMAIN, "--config", CONFIG,
                  "--data", *TRAINING_DATA, "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_every_test_story_passes(model, tmp_path):
    """`rasa test core --e2e`: Rasa's NLU predicts each user text's intent and the policies each action."""
    from quality import core_test
    from quality.stories import load_file

    stories, problems = load_file(ROOT / "tests" / "test_stories.yml", staff_layout=False)
    assert not problems and len(stories) >= 40, problems
    failures = core_test.run(stories, model, tmp_path)
    wrong = {name: [(f.user_text, f.expected, f.predicted) for f in turns] for name, turns in failures.items() if turns}
    record("rasa test stories", f"{len(stories) - len(wrong)}/{len(stories)} stories passed (intents and actions)")
    assert not wrong, wrong
