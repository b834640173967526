"""`make insights`: reads the stores, computes the figures, writes the three report files.

Usage: python -m insights [--days N] [--endpoints FILE_OR_URL] [--handoff-db URL] [--reports DIR]

--days       the period: the last N days (INSIGHTS_DAYS, default 30)
--endpoints  where the conversations are: an endpoints file (SEGIB_ENDPOINTS, default endpoints.yml;
             endpoints.production.yml for PostgreSQL, its ${VAR}s from the environment) or a database URL
--handoff-db the hand-off case store (HANDOFF_DB_URL, default .state/handoff.db)
Settings come from the environment or the untracked .env at the repository root (HANDOFF_HOURS too).
"""
import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Optional

from contracts import ANSWERED, DONT_KNOW, ERROR, HANDOFF, OTHER_LANGUAGE, REST_CHANNEL, TELEGRAM_CHANNEL, WEB_CHANNEL
from handoff import hours as office_hours
from insights import charts, figures, redact, stores, training
from knowledge.answers import SUBJECT_TYPES
from ops import envfile
from quality import report as quality_report
from quality.common import LANGUAGE_NAMES, REPORTS, ROOT, TOPICS, relative, topic_of_intent

TEMPLATES = Path(__file__).resolve().parent / "templates"
HTML, JSON, YAML = "insights.html", "insights.json", "insights-unanswered.yml"
DAY = 86400

OUTCOME_LABELS = {
    ANSWERED: "Respondidos · Answered", DONT_KNOW: "«No lo sé» · \"Don't know\"",
    HANDOFF: "Paso a una persona · Hand-off", OTHER_LANGUAGE: "Otra lengua · Other language",
    ERROR: "Error", stores.NO_REPLY: "Sin respuesta del bot · No bot reply",
}
OUTCOME_COLORS = {ANSWERED: "#12b76a", DONT_KNOW: "#f79009", HANDOFF: "#2e90fa",
                  OTHER_LANGUAGE: "#9e77ed", ERROR: "#b42318", stores.NO_REPLY: "#98a2b3"}
CHANNEL_LABELS = {REST_CHANNEL: "REST", WEB_CHANNEL: "web", TELEGRAM_CHANNEL: "Telegram", "cmdline": "terminal"}


def _knowledge_files() -> List[Path]:
    from knowledge.loader import DEFAULT_KNOWLEDGE_FILE, DEFAULT_MESSAGES_FILE, KNOWLEDGE_FILE_ENV, MESSAGES_FILE_ENV

    return [Path(os.environ.get(KNOWLEDGE_FILE_ENV) or DEFAULT_KNOWLEDGE_FILE),
            Path(os.environ.get(MESSAGES_FILE_ENV) or DEFAULT_MESSAGES_FILE)]


def _subject_namer() -> Callable[[str, str], str]:
    """A knowledge entry's display name in a language (its id if the file cannot be read)."""
    from knowledge import KnowledgeError, load_knowledge

    try:
        knowledge = load_knowledge()
    except KnowledgeError:
        return lambda value, language: value

    def name(value: str, language: str) -> str:
        entry = knowledge.get(value)
        return entry.name(language if language in ("es", "pt", "en") else "es") if entry else value
    return name


def _charts(data: Dict) -> Dict[str, str]:
    days, uri = data["days"], quality_report.png_data_uri
    channels = {CHANNEL_LABELS.get(k, k): v for k, v in data["channel_per_day"].items()}
    shares = {}
    totals = data["per_day"]["messages"]
    for outcome, values in data["outcome_per_day"].items():
        shares[OUTCOME_LABELS.get(outcome, outcome)] = [100 * v / t if t else 0 for v, t in zip(values, totals)]
    colors = {OUTCOME_LABELS.get(k, k): c for k, c in OUTCOME_COLORS.items()}
    return {
        "channels": uri(charts.stacked_days(days, channels, "Mensajes por día y canal · Messages per day and channel",
                                            "mensajes · messages", line=data["per_day"]["conversations"],
                                            line_label="conversaciones · conversations")),
        "languages": uri(charts.stacked_days(days, {LANGUAGE_NAMES.get(k, k): v
                                                    for k, v in data["language_per_day"].items()},
                                             "Mensajes por día y lengua · Messages per day and language",
                                             "mensajes · messages")),
        "outcomes": uri(charts.stacked_days(days, shares,
                                            "Qué recibieron los mensajes, por día · What messages got, per day",
                                            "% de los mensajes · % of messages", colors=colors)),
    }


def write(data: Dict, reports_dir: Path) -> Dict[str, Path]:
    reports_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: reports_dir / file for name, file in (("html", HTML), ("json", JSON), ("yaml", YAML))}
    paths["json"].write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    paths["yaml"].write_text(training.render(data["unanswered"], data["period"]), encoding="utf-8")
    html = quality_report.environment(reports_dir, TEMPLATES).get_template("insights.html.j2").render(
        data=data, charts=_charts(data), outcome_labels=OUTCOME_LABELS, channel_labels=CHANNEL_LABELS,
        topic_names=TOPICS, topic_of=topic_of_intent, when=_when, duration=_duration, yaml_file=YAML,
        unchosen=training.UNCHOSEN_INTENT)
    paths["html"].write_text(html, encoding="utf-8")
    return paths


def _when(timestamp: Optional[float]) -> str:
    return "" if timestamp is None else datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M")


def _duration(seconds: Optional[float]) -> str:
    if seconds is None:
        return "–"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def run(days: int, endpoints: Optional[str], handoff_db: Optional[str], reports_dir: Path,
        now: Optional[float] = None) -> Dict:
    until = time.time() if now is None else now
    since = until - days * DAY
    engine = stores.tracker_engine(endpoints)
    try:
        messages = stores.read_messages(engine, since, until, SUBJECT_TYPES)
    finally:
        engine.dispose()
    cases = stores.read_cases(handoff_db, since, until)
    data = figures.build(messages, cases, since, until, office_hours.parse(os.environ.get(office_hours.ENV)),
                         _subject_namer(), redact.public_contacts(p for p in _knowledge_files() if p.exists()))
    data["generated"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    write(data, reports_dir)
    return data


def main(argv=None) -> int:
    try:
        os.environ.update(envfile.configured(os.environ, ROOT))   # .env under the environment, as make run reads it
    except envfile.EnvFileError as error:
        print(error, file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=int(os.environ.get("INSIGHTS_DAYS") or 30))
    parser.add_argument("--endpoints", default=os.environ.get("SEGIB_ENDPOINTS") or None)
    parser.add_argument("--handoff-db", default=None)
    parser.add_argument("--reports", type=Path, default=REPORTS)
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days (INSIGHTS_DAYS) must be a whole number of days, 1 or more")
    started = time.monotonic()
    data = run(args.days, args.endpoints, args.handoff_db, args.reports)
    totals = data["totals"]
    print(f"{totals['messages']} messages in {totals['conversations']} conversations over {args.days} days; "
          f"{totals['unanswered']} unanswered in {totals['unanswered_groups']} groups; "
          f"{data['handoff']['cases']} hand-off cases ({time.monotonic() - started:.1f} s).")
    for name in (HTML, JSON, YAML):
        print(f"  {relative(args.reports / name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
