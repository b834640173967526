"""Rasa's own checks: `rasa data validate` is clean and `rasa test` passes every test story."""
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.metrics import record

ROOT = Path(__file__).resolve().parents[2]
TRAINING_DATA = ["data/nlu", "data/rules.yml"]


def rasa(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "rasa", *args], cwd=cwd, text=True, capture_output=True,
                          env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"})


def test_rasa_data_validate_is_clean():
    result = rasa("data", "validate", "--domain", "domain.yml", "--config", "config.yml",
                  "--data", *TRAINING_DATA, "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_every_test_story_passes(model, tmp_path):
    stories = yaml.safe_load((ROOT / "tests" / "test_stories.yml").read_text(encoding="utf-8"))["stories"]
    assert len(stories) >= 40
    result = rasa("test", "core", "--model", str(model), "--stories", "tests/test_stories.yml",
                  "--out", str(tmp_path), "--fail-on-prediction-errors")
    failed = tmp_path / "failed_test_stories.yml"
    failures = failed.read_text() if failed.exists() else ""
    record("rasa test stories", f"{len(stories)} stories, exit code {result.returncode}")
    assert result.returncode == 0 and "story:" not in failures, failures[:4000] or result.stderr[-3000:]
