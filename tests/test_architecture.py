"""The shape a newcomer relies on (docs/architecture.md): the tree, the README's layout table and the
architecture page name the same packages, the files and functions the page names exist, the knowledge
layer imports no Rasa, and the packages that run without Rasa (the gateway, action-server and web
images install none: requirements/*.txt) load none when imported. Static reading and short
subprocesses: no model, part of `make test-fast`."""
import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

import pytest

from tests.support.imports import imported_names, imports_of, modules_of, project_modules

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

# What the knowledge layer never imports, not even inside a function: it is the domain, shared by
# every process, and must stay testable and usable without a server framework.
NOT_IN_KNOWLEDGE = {"rasa", "rasa_sdk", "sanic", "telegram"}
# The packages that must load no Rasa when imported (a tool may import Rasa inside a function that
# only the Rasa server or an operator runs), with what else their images lack.
NO_RASA = {"rasa", "tensorflow"}
NO_SERVER_SDK = NO_RASA | {"rasa_sdk", "sanic"}
LIGHT_PACKAGES = {
    "knowledge": NO_SERVER_SDK,
    "handoff": NO_SERVER_SDK,
    "ops": NO_SERVER_SDK,
    "contracts": NO_SERVER_SDK,
    "telegram_gateway": NO_SERVER_SDK,
    "website": NO_SERVER_SDK,
    "data_protection": NO_SERVER_SDK,
    "actions": NO_RASA,   # the action server's image has rasa-sdk (and Sanic), not Rasa
}


# ---- the tree and the two tables ------------------------------------------------------------------
def python_packages(root: Path = ROOT) -> Set[str]:
    """Top-level packages as `name/` and top-level modules as `name.py` (contracts.py)."""
    packages = {f"{path.name}/" for path in root.iterdir() if (path / "__init__.py").is_file()}
    modules = {path.name for path in root.glob("*.py")}
    return packages | modules


def section(markdown: str, heading: str) -> str:
    """The text under `heading` (a whole line) up to the next heading of any level."""
    lines = markdown.splitlines()
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("#")), len(lines))
    return "\n".join(lines[start:end])


def first_column_names(text: str) -> Set[str]:
    """The code spans of the first cell of each table row (`config.yml`, `domain.yml` share one)."""
    names = set()
    for line in text.splitlines():
        cells = line.strip().strip("|").split("|")
        if line.lstrip().startswith("|") and not set(cells[0].strip()) <= {"-", ":"}:
            names.update(re.findall(r"`([^`]+)`", cells[0]))
    return names


def readme_layout() -> Set[str]:
    return first_column_names(section(README.read_text(encoding="utf-8"), "## Layout"))


def architecture_packages() -> Set[str]:
    return first_column_names(section(ARCHITECTURE.read_text(encoding="utf-8"), "## Packages"))


def mermaid_blocks(markdown: str) -> List[str]:
    return re.findall(r"```mermaid\n(.*?)```", markdown, flags=re.S)


def test_every_package_is_in_the_readme_layout_table():
    missing = python_packages() - readme_layout()
    assert not missing, f"README.md '## Layout' does not list {sorted(missing)}"


def test_every_package_is_in_the_architecture_page_table_and_picture():
    missing = python_packages() - architecture_packages()
    assert not missing, f"docs/architecture.md '## Packages' does not list {sorted(missing)}"
    (picture,) = mermaid_blocks(ARCHITECTURE.read_text(encoding="utf-8"))
    nodes = set(re.findall(r"\b\w+\b", picture))
    undrawn = {name for name in python_packages() - {"tests/"} if name.split("/")[0].removesuffix(".py") not in nodes}
    assert not undrawn, f"docs/architecture.md's picture does not draw {sorted(undrawn)}"


@pytest.mark.parametrize("table", ["README.md ## Layout", "docs/architecture.md ## Packages"])
def test_every_path_the_tables_name_exists(table):
    names = readme_layout() if table.startswith("README") else architecture_packages()
    assert names, f"{table}: no table found"
    gone = sorted(name for name in names if not (ROOT / name).exists())
    assert not gone, f"{table} names {gone}, which the tree does not have"


# ---- the files and functions the architecture page names -----------------------------------------
def repository_paths(markdown: str) -> Set[str]:
    """Code spans that are paths in this repository (`knowledge/frame.py`, `requirements/*.txt`):
    no spaces, a slash, not a URL path or a runtime file (`/metrics`, `.state/...`)."""
    return {span for span in re.findall(r"`([^`\s]+)`", markdown)
            if "/" in span and not span.startswith(("/", ".")) and ":" not in span and "<" not in span}


def named_definitions(markdown: str) -> Set[Tuple[str, str]]:
    """`file.py` `Name` pairs: the page says `Name` (a function, class, Class.method or constant)
    is defined in `file.py`."""
    return set(re.findall(r"`([\w/]+\.py)` `([A-Za-z_][\w.]*)`", markdown))


def defines(path: Path, qualified: str) -> bool:
    scope: List[ast.stmt] = ast.parse(path.read_text(encoding="utf-8")).body
    for part in qualified.split("."):
        found = None
        for node in scope:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == part:
                found = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == part for t in targets):
                    found = node
        if found is None:
            return False
        scope = getattr(found, "body", [])
    return True


def test_the_files_the_architecture_page_names_exist():
    paths = repository_paths(ARCHITECTURE.read_text(encoding="utf-8"))
    assert len(paths) > 20
    gone = sorted(path for path in paths if not any(ROOT.glob(path.rstrip("/"))))
    assert not gone, f"docs/architecture.md names {gone}, which the tree does not have"


def test_the_functions_of_a_messages_path_exist_where_the_page_says():
    pairs = named_definitions(ARCHITECTURE.read_text(encoding="utf-8"))
    assert len(pairs) > 20
    wrong = sorted(f"{path} {name}" for path, name in pairs
                   if not (ROOT / path).is_file() or not defines(ROOT / path, name))
    assert not wrong, f"docs/architecture.md says these are defined there, but they are not: {wrong}"


def drawn_imports(picture: str) -> Dict[str, Set[str]]:
    """The picture's import arrows (`a --> b & c`: thin, unlabelled, from one package) as
    {package: the packages it draws it importing}; a node's package is its label's first word."""
    labels = {node: label.split()[0] for node, label in re.findall(r'(\w+)\["([^"]+)"\]', picture)}
    drawn: Dict[str, Set[str]] = {}
    for source, targets in re.findall(r"^\s*(\w+) --> (.+)$", picture, flags=re.M):
        for target in targets.split("&"):
            node = re.match(r"\s*(\w+)", target).group(1)
            drawn.setdefault(source, set()).add(labels.get(node, node))
    return drawn


def test_the_pictures_import_arrows_are_the_packages_imports():
    (picture,) = mermaid_blocks(ARCHITECTURE.read_text(encoding="utf-8"))
    drawn = drawn_imports(picture)
    assert {"telegram_gateway", "rasa_server", "actions", "website", "nlu"} <= set(drawn)
    tops = {name.split(".")[0] for name in project_modules(ROOT)}
    wrong = {}
    for package, targets in drawn.items():
        imported = {name.split(".")[0] for module, path in modules_of(package, ROOT)
                    for name, _ in imports_of(path, module)}
        actual = (imported & tops) - {package}
        if targets != actual:
            wrong[package] = f"drawn {sorted(targets)}, imports {sorted(actual)}"
    assert not wrong, f"docs/architecture.md's picture: {wrong}"


# ---- imports -------------------------------------------------------------------------------------
def reachable(start: Iterable[str]) -> Tuple[Set[str], List[Tuple[str, int, str]]]:
    """The project modules `start` imports directly or through each other (anywhere, inside
    functions too), and every import of something outside the project as (module, line, name)."""
    files = project_modules(ROOT)
    tops = {name.split(".")[0] for name in files}
    seen: Set[str] = set()
    outside = []
    todo = list(start)
    while todo:
        module = todo.pop()
        if module in seen or module not in files:
            continue
        seen.add(module)
        source = files[module]
        for name, line in imports_of(source, module):
            if name.split(".")[0] in tops:
                todo.extend(candidate for candidate in (name, name.rsplit(".", 1)[0]) if candidate in files)
            else:
                outside.append((module, line, name))
    return seen, outside


def forbidden_imports(package: str, forbidden: Set[str]) -> List[str]:
    """Every import of a `forbidden` top-level name by `package` or by any project module it imports
    (anywhere, inside functions too), as "module:line imports name"."""
    _, outside = reachable(name for name, _ in modules_of(package, ROOT))
    return sorted({f"{module}:{line} imports {name}" for module, line, name in outside
                   if name.split(".")[0] in forbidden})


def test_no_module_under_the_knowledge_layer_imports_rasa_or_a_channel_library():
    assert len(list(modules_of("knowledge", ROOT))) > 5
    found = forbidden_imports("knowledge", NOT_IN_KNOWLEDGE)
    assert not found, f"the knowledge layer must not import {sorted(NOT_IN_KNOWLEDGE)}: {found}"


# Imports every module of one package in a fresh interpreter where the forbidden libraries cannot be
# imported (as in an image without them); `__main__` modules are not run: their module-level imports
# are. Prints {module: error} for the modules that failed (a module that falls back when one of them is
# missing passes, as it would in the image).
IMPORT_CHECK = r"""
import importlib, importlib.abc, json, sys, traceback
forbidden, modules = set(json.loads(sys.argv[1])), json.loads(sys.argv[2])

class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in forbidden:
            raise ModuleNotFoundError(f"No module named {name!r} (not in this image)", name=name)
        return None

sys.meta_path.insert(0, Missing())
failed = {}
for module in modules:
    try:
        importlib.import_module(module)
    except BaseException as error:
        chain = [f"{frame.filename}:{frame.lineno}" for frame in traceback.extract_tb(error.__traceback__)
                 if "site-packages" not in frame.filename and "importlib" not in frame.filename]
        failed[module] = f"{type(error).__name__}: {error} (via {' <- '.join(reversed(chain))})"
print(json.dumps(failed))
"""


def importable_modules(package: str) -> List[str]:
    """The package's modules, with each `__main__` replaced by what it imports at module level."""
    modules = dict(modules_of(package, ROOT))
    names = []
    for module, path in modules.items():
        if module.endswith(".__main__"):
            names += [name for name, _ in imported_names(ast.parse(path.read_text(encoding="utf-8")), module,
                                                            everywhere=False)
                      if name in modules and not name.endswith("__main__")]
        else:
            names.append(module)
    return sorted(set(names))


def load_without(package: str, forbidden: Set[str]) -> Dict[str, str]:
    """{module: why it failed} for the modules of `package` that cannot be imported without `forbidden`."""
    result = subprocess.run([sys.executable, "-c", IMPORT_CHECK, json.dumps(sorted(forbidden)),
                             json.dumps(importable_modules(package))],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("package", sorted(LIGHT_PACKAGES))
def test_packages_that_run_without_rasa_load_none_when_imported(package):
    forbidden = LIGHT_PACKAGES[package]
    failed = load_without(package, forbidden)
    assert not failed, f"{package} needs {sorted(forbidden)} at import: {failed}"


def test_the_import_check_sees_a_module_level_rasa_import(tmp_path, monkeypatch):
    """The checks above would pass vacuously if they could not see an import: a module-level Rasa
    import in a scratch package is reported by both."""
    package = tmp_path / "scratch_light"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "uses_rasa.py").write_text("def later():\n    import sanic\n\nfrom rasa.shared import constants\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert forbidden_imports("scratch_light", {"rasa", "sanic"}) == [
        "scratch_light.uses_rasa:2 imports sanic", "scratch_light.uses_rasa:4 imports rasa.shared",
        "scratch_light.uses_rasa:4 imports rasa.shared.constants"]
    assert list(load_without("scratch_light", {"rasa"})) == ["scratch_light.uses_rasa"]


# ---- images --------------------------------------------------------------------------------------
# The packages each image's process starts from (its CMD, and for Rasa what config.yml,
# credentials.yml and endpoints.production.yml load by class path).
IMAGE_ENTRIES = {
    "rasa.Dockerfile": ("rasa_server", "nlu"),
    "actions.Dockerfile": ("actions",),
    "gateway.Dockerfile": ("telegram_gateway",),
    "web.Dockerfile": ("website",),
}


def copied_packages(dockerfile: Path) -> Set[str]:
    """The project's top-level packages and modules a Dockerfile copies into its image."""
    sources = [source for line in re.findall(r"^COPY (?!--from)(.+)$", dockerfile.read_text(), re.M)
               for source in line.split()[:-1]]
    return {source.rstrip("/").removesuffix(".py") for source in sources}


@pytest.mark.parametrize("dockerfile", sorted(IMAGE_ENTRIES))
def test_each_image_holds_every_package_its_process_imports(dockerfile):
    """A package imported only inside a function (on the first live case, say) and missing from the
    image fails in production only, on that first use."""
    copied = copied_packages(ROOT / "deploy" / dockerfile)
    modules, _ = reachable(name for package in IMAGE_ENTRIES[dockerfile] for name, _ in modules_of(package, ROOT))
    needed = {module.split(".")[0] for module in modules}
    assert needed - copied == set(), f"deploy/{dockerfile} does not copy {sorted(needed - copied)}, which " \
        f"its process imports ({sorted(m for m in modules if m.split('.')[0] in needed - copied)})"
