"""Reading the project's imports without running it (ast): which modules a package has and what each
imports, in functions too. Shared by the architecture tests (tests/test_architecture.py,
tests/test_architecture_language.py)."""
import ast
from pathlib import Path
from typing import Dict, Iterator, Tuple

ROOT = Path(__file__).resolve().parents[2]
NOT_PROJECT_CODE = {"tests", "web", "models", "reports", "logs", "deploy", "data", "docs", "requirements"}


def modules_of(package: str, root: Path = ROOT) -> Iterator[Tuple[str, Path]]:
    """(dotted name, file) of every module of a top-level package or module."""
    single = root / f"{package}.py"
    if single.is_file():
        yield package, single
        return
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def imported_names(tree: ast.AST, module: str, everywhere: bool = True,
                   package: bool = False) -> Iterator[Tuple[str, int]]:
    """(imported module, line) for every import of `tree` (only module-level ones unless
    `everywhere`), relative imports resolved against `module` (`package`: its file is an
    __init__.py); `importlib.import_module("x")` and
    `__import__("x")` with a literal name count too."""
    nodes = ast.walk(tree) if everywhere else iter(tree.body)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:   # `module` is a package's __init__ when `package` says so
                parts = module.split(".") + ([""] if package else [])
                base = ".".join(parts[: -node.level] + ([base] if base else []))
            yield base, node.lineno
            for alias in node.names:    # `from pkg import submodule`
                yield f"{base}.{alias.name}", node.lineno
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in ("import_module", "__import__"):
                yield node.args[0].value, node.lineno


def project_modules(root: Path = ROOT) -> Dict[str, Path]:
    """Every module of the repository's top-level packages, namespace packages (scripts/) and modules,
    tests aside, by dotted name."""
    files: Dict[str, Path] = {}
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or path.name in NOT_PROJECT_CODE:
            continue
        if (path.is_dir() and any(path.glob("*.py"))) or (path.suffix == ".py" and path.is_file()):
            files.update(dict(modules_of(path.name.removesuffix(".py"), root)))
    return files


def imports_of(path: Path, module: str) -> Iterator[Tuple[str, int]]:
    """What the module in `path` imports, anywhere in it."""
    return imported_names(ast.parse(path.read_text(encoding="utf-8"), str(path)), module,
                          package=path.name == "__init__.py")
