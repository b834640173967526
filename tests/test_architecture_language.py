"""A message's language is detected in one place: the NLU component (nlu/language_detector.py).

Everything else (the actions, the Telegram gateway, the channels) decides with knowledge.language's
rule on what Rasa detected or answered in. A second module importing the detector would bring back
two decisions that can disagree (as the gateway's own detection once did), so this test reads every
module of the project and fails on it. tests/ is not scanned: the detector's tests, and the
reply-language check of the test conversations, which uses Lingua as an independent judge.
"""
import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
DETECTOR_MODULES = ("knowledge.detection", "lingua")
DETECTOR_FILE = "knowledge/detection.py"
ONLY_IMPORTER = "nlu/language_detector.py"
NOT_PROJECT_CODE = {".git", ".venv", "node_modules", "tests", "models", "reports", "__pycache__"}


def project_modules(root: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d not in NOT_PROJECT_CODE and not d.startswith("."))
        yield from (Path(directory) / name for name in sorted(files) if name.endswith(".py"))


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(root: Path, path: Path) -> Iterator[str]:
    """Every module `path` imports, `from package import name` counted as package.name too."""
    package = _module_name(root, path) if path.name == "__init__.py" else _module_name(root, path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:   # relative: from the module's own package upwards
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def detector_importers(root: Path) -> List[Tuple[str, str]]:
    found = []
    for path in project_modules(root):
        relative = path.relative_to(root).as_posix()
        if relative == DETECTOR_FILE:
            continue
        for module in imported_modules(root, path):
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
