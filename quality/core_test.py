"""Runs `rasa test core --e2e` on the staff stories and says, per story, which turns went wrong.

With --e2e Rasa runs the NLU model on each user text and the dialogue policy on each action, and
writes the stories with a wrong prediction to failed_test_stories.yml, with the prediction as a
comment (`- intent: ask_x  # predicted: ask_y: the text`). Rasa also flags a story whose text yields
entities the story does not list; staff stories do not list entities (they come from the knowledge
file), so only a wrong intent or a wrong action counts as a failure here.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from quality.common import ROOT
from quality.stories import Story

_PREDICTED = re.compile(r"#\s*predicted:\s*(.*)$")
_STEP = re.compile(r"^\s*-\s+(intent|action):\s*(\S+)")
_MARKUP = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")


@dataclass
class PredictedStep:
    kind: str                   # "intent" or "action"
    expected: str
    predicted: Optional[str]    # None when Rasa wrote no comment (the prediction was right)


@dataclass
class TurnFailure:
    turn: int
    kind: str           # "intent" or "action"
    user_text: str
    expected: str
    predicted: str
    line: int


def plain_text(marked: str) -> str:
    """'¿[Bélgica]{"entity": ...} es observador?' -> '¿Bélgica es observador?'"""
    return _MARKUP.sub(r"\1", marked)


def parse_failed_stories(text: str) -> Dict[Tuple[str, str], List[PredictedStep]]:
    """failed_test_stories.yml -> {(source file name, story name): steps in order}."""
    result: Dict[Tuple[str, str], List[PredictedStep]] = {}
    current: Optional[List[PredictedStep]] = None
    for line in text.splitlines():
        if line.startswith("- story:"):
            header = yaml.safe_load(line[2:])["story"]
            match = re.match(r"^(.*) \(([^()]*)\)$", str(header))
            name, source = (match.group(1), Path(match.group(2)).name) if match else (str(header), "")
            current = result.setdefault((source, name), [])
            continue
        step = _STEP.match(line)
        if step and current is not None:
            comment = _PREDICTED.search(line)
            predicted = None
            if comment:
                value = comment.group(1).strip()
                predicted = value.split(":", 1)[0].strip() if step.group(1) == "intent" else value
            current.append(PredictedStep(step.group(1), step.group(2), predicted))
    return result


def failures_of(story: Story, predicted: List[PredictedStep]) -> List[TurnFailure]:
    """The turns of a story where the bot recognised another intent or chose another action."""
    failures = []
    texts = {s.turn: s.text for s in story.steps if s.kind == "intent"}
    for step, prediction in zip(story.steps, predicted):
        if prediction.predicted is not None and prediction.predicted != step.name:
            failures.append(TurnFailure(step.turn, step.kind, texts.get(step.turn, ""), step.name,
                                        prediction.predicted, step.line))
    return failures


def evaluated_count(out_dir: Path) -> Optional[int]:
    """How many stories Rasa says it evaluated (Rasa merges stories whose steps are identical)."""
    try:
        log = (Path(out_dir) / "rasa_test_core.log").read_text(errors="replace")
        match = re.search(r"Evaluating (\d+) stories", log)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _staged_name(index: int, story_file: str) -> str:
    # Rasa reads test stories only from files whose name starts with "test_".
    return f"test_{index:03d}_{Path(story_file).parent.name}_{Path(story_file).stem}.yml"


def run(stories: List[Story], model: Path, out_dir: Path,
        timeout: float = 1800) -> Dict[Tuple[str, str], List[TurnFailure]]:
    """Runs Rasa on the story files and returns {story key: failed turns} (empty list = passed)."""
    files = sorted({s.path for s in stories})
    staged = {path: _staged_name(i, path) for i, path in enumerate(files)}
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="staff-stories-") as tmp:
        for path, name in staged.items():
            shutil.copy(ROOT / path, Path(tmp) / name)
        command = [sys.executable, "-m", "rasa", "test", "core", "--e2e", "--model", str(model),
                   "--stories", tmp, "--out", str(out_dir), "--no-plot"]
        with open(out_dir / "rasa_test_core.log", "w", encoding="utf-8") as log:
            completed = subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, timeout=timeout,
                                       env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    failed_file = out_dir / "failed_test_stories.yml"
    if completed.returncode != 0 or not failed_file.exists():
        tail = "\n".join((out_dir / "rasa_test_core.log").read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"rasa test core failed (exit {completed.returncode}):\n{tail}")
    predicted = parse_failed_stories(failed_file.read_text(encoding="utf-8"))
    return {story.key: failures_of(story, predicted.get((staged[story.path], story.name), []))
            for story in stories}
