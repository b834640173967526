"""A message's language is detected in one place: the NLU component (nlu/language_detector.py).

Everything else (the actions, the Telegram gateway, the channels) decides with knowledge.language's
rule on what Rasa detected or answered in. A second module importing the detector would bring back
two decisions that can disagree (as the gateway's own detection once did), so this test reads every
module of the project and fails on it. tests/ is not scanned: the detector's tests, and the
reply-language check of the test conversations, which uses Lingua as an independent judge.
"""
import os
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

from tests.support.imports import imports_of, project_modules

ROOT = Path(__file__).resolve().parent.parent
DETECTOR_MODULES = ("knowledge.detection", "lingua")
DETECTOR_FILE = "knowledge/detection.py"
ONLY_IMPORTER = "nlu/language_detector.py"
def detector_importers(root: Path) -> List[Tuple[str, str]]:
    found = []
    for name, path in project_modules(root).items():
        relative = path.relative_to(root).as_posix()
        if relative == DETECTOR_FILE:
            continue
        for module, _ in imports_of(path, name):
            if any(module == name or module.startswith(name + ".") for name in DETECTOR_MODULES):
                found.append((relative, module))
                break
    return sorted(found)


def test_only_the_nlu_component_imports_the_language_detector():
    importers = detector_importers(ROOT)
    assert importers == [(ONLY_IMPORTER, "knowledge.detection")], (
        "Only the NLU component may detect a message's language; elsewhere use the language Rasa chose "
        f"(contracts.REPLY_LANGUAGE_KEY) and knowledge.language's rule. Importers: {importers}")


def test_the_check_sees_a_second_importer_whatever_the_import_form(tmp_path):
    (tmp_path / "nlu").mkdir()
    (tmp_path / "nlu" / "language_detector.py").write_text("from knowledge.detection import detect\n")
    (tmp_path / "knowledge").mkdir()
    (tmp_path / "knowledge" / "__init__.py").write_text("from .detection import detect\n")
    (tmp_path / "gateway").mkdir()
    (tmp_path / "gateway" / "phrases.py").write_text("import knowledge.detection as d\n")
    (tmp_path / "gateway" / "own.py").write_text("from knowledge import detection\n")
    (tmp_path / "gateway" / "lingo.py").write_text("def f():\n    from lingua import Language\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("import lingua\n")
    assert [path for path, _ in detector_importers(tmp_path)] == [
        "gateway/lingo.py", "gateway/own.py", "gateway/phrases.py", "knowledge/__init__.py",
        "nlu/language_detector.py"]



def test_the_gateway_the_actions_and_the_website_run_without_the_detectors_libraries():
    """Only the Rasa server's image installs Lingua and scikit-learn (requirements/rasa.txt)."""
    for path in (ROOT / "requirements").glob("*.txt"):
        assert ("lingua-language-detector" in path.read_text()) == (path.name == "rasa.txt"), path.name
    code = ("import sys; sys.modules.update(dict.fromkeys(('lingua', 'sklearn'), None)); "
            "import telegram_gateway.app, actions.actions, ops.action_server, website.server")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]
