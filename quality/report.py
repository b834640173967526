"""Renders reports/index.html from the JSON results of validate, test-stories and evaluate.

Each command writes its own JSON under reports/ and calls `render`, so the page always shows the
latest run of each (with its time). Pictures are embedded, so the page is one file that can be sent
by e-mail or opened from any folder.
"""
import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Optional

from jinja2 import Environment, FileSystemLoader, select_autoescape

from quality.common import LANGUAGE_NAMES, LANGUAGES, REPORTS, TOPICS

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE = "index.html"
SOURCES = {"stories": "stories.json", "evaluation": "evaluation.json", "validation": "validation.json"}


def _load(path: Path) -> Optional[dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _image(reports_dir: Path, relative_path: Optional[str]) -> Optional[str]:
    if not relative_path:
        return None
    path = reports_dir / relative_path
    if not path.exists():
        return None
    return png_data_uri(path.read_bytes())


def _pct(value) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _num(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def _when(iso: Optional[str]) -> str:
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def _fact(fact) -> str:
    return " / ".join(fact) if isinstance(fact, list) else str(fact)


def environment(reports_dir: Path, *template_dirs: Path) -> Environment:
    """The staff reports' Jinja environment: their look (templates/style.css), filters and pictures;
    `template_dirs` are searched first (the insights report's templates)."""
    env = Environment(loader=FileSystemLoader([str(d) for d in (*template_dirs, TEMPLATES)]),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=_pct, num=_num, when=_when, fact=_fact)
    env.globals.update(image=lambda rel: _image(reports_dir, rel), languages=LANGUAGES, language_names=LANGUAGE_NAMES,
                       topics=TOPICS)
    return env


def render(reports_dir: Path = REPORTS) -> Path:
    reports_dir = Path(reports_dir)
    data = {name: _load(reports_dir / file) for name, file in SOURCES.items()}
    html = environment(reports_dir).get_template("report.html.j2").render(
        stories=data["stories"], evaluation=data["evaluation"], validation=data["validation"])
    reports_dir.mkdir(parents=True, exist_ok=True)
    target = reports_dir / PAGE
    target.write_text(html, encoding="utf-8")
    return target


if __name__ == "__main__":
    print(render())
