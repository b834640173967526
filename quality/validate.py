"""`make validate`: everything staff edit is checked before anything is trained or run.

Usage: python -m quality.validate [--no-rasa]

Checks, each printing `file:line: ERROR what to fix`:
  1. knowledge file and bot phrases against their schema (data/knowledge/*.yml)
  2. language parity of the training data (every intent in es, pt and en)
  3. reachability: every knowledge entry can be asked about and recognised
  4. staff test stories: their form, their intents/actions, >= 3 stories per topic and language
  5. answer checks and labelled entity examples: their form
  5b. citizens' questions from `make insights` moved under data/nlu/: every intent chosen
  6. `rasa data validate` on domain, NLU data and rules (--no-rasa skips it)
Writes reports/validation.json and renders reports/index.html; exits 1 when there is an error.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import List

from quality import answer_checks, entities, parity, reachability, report, stories
from quality.common import CONFIG_FILE, DOMAIN_FILE, KNOWLEDGE_FILE, NLU_DIR, REPORTS, ROOT, relative
from quality.domain import domain_actions, domain_entities, domain_intents
from quality.problems import Problem, errors
from scripts.model import TRAINING_DATA

RESULTS_FILE = "validation.json"


def knowledge_checks() -> tuple:
    """(knowledge or None, problems) of the knowledge file and the messages file."""
    from knowledge import KnowledgeError, load_knowledge

    try:
        return load_knowledge(), []
    except KnowledgeError as error:
        message = str(error)
        path, _, detail = message.partition(": ")
        line = reachability.knowledge_error_line(message, Path(path)) if Path(path).name == KNOWLEDGE_FILE.name else 0
        if Path(path).name == "messages.yml":
            line = _messages_line(Path(path), detail)
        return None, [Problem(path, line or None, detail or message)]


def _messages_line(path: Path, detail: str) -> int:
    import re

    from quality import yamlfile

    match = re.search(r"message '([^']+)'", detail)
    try:
        document = yamlfile.load(path)
    except yamlfile.YamlError as error:
        return error.line
    if match and isinstance(document.get("messages"), dict):
        return document["messages"].line_of(match.group(1))
    return 0


def rasa_data_validate() -> List[Problem]:
    completed = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--domain", str(DOMAIN_FILE), "--config", str(CONFIG_FILE),
         "--data", *(str(ROOT / p) for p in TRAINING_DATA), "--fail-on-warnings"],
        cwd=ROOT, text=True, capture_output=True, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    if completed.returncode == 0:
        return []
    lines = [line for line in (completed.stdout + completed.stderr).splitlines()
             if ("WARNING" in line or "ERROR" in line or "UserWarning" in line) and "tensorflow" not in line.lower()]
    detail = "\n    ".join(lines[-15:]) or (completed.stdout + completed.stderr)[-1500:]
    return [Problem(str(DOMAIN_FILE), None, f"rasa data validate failed:\n    {detail}")]


def run(with_rasa: bool = True, reports_dir: Path = REPORTS, render: bool = True) -> dict:
    started = time.monotonic()
    intents, actions, entity_types = domain_intents(), domain_actions(), domain_entities()
    results = []

    def record(name: str, problems: List[Problem], detail: str = "") -> None:
        results.append((name, problems, detail))

    knowledge, problems = knowledge_checks()
    summary = ""
    if knowledge is not None:
        summary = f"{len(knowledge)} entries, {len(knowledge.messages.texts)} phrases"
    record("Archivo de conocimiento y frases · Knowledge file and phrases (schema, es/pt/en)", problems, summary)
    record("Paridad de lenguas del entrenamiento · Training data language parity", parity.check(intents))
    if knowledge is not None:
        from knowledge.matcher import KnowledgeMatcher

        record("Alcance · Reachability (intents, rules, names recognised)",
               reachability.check(knowledge, KnowledgeMatcher(knowledge), intents, entity_types))
    else:
        record("Alcance · Reachability (intents, rules, names recognised)",
               [Problem(str(KNOWLEDGE_FILE), None, "skipped: fix the knowledge file first")])
    found, problems = stories.load_all()
    problems += stories.check_against_domain(found, intents, actions)
    problems += stories.check_coverage(found)
    record("Historias de prueba · Test stories (form, domain, >= 3 per topic and language)", problems,
           f"{len(found)} stories")
    cases, problems = answer_checks.load()
    record("Comprobaciones de respuestas · Answer checks", problems + answer_checks.check_parity(cases),
           f"{len(cases)} cases")
    from insights import training

    record("Preguntas de ciudadanos añadidas · Citizens' questions added (make insights)",
           training.check(NLU_DIR, intents))
    examples, problems = entities.load_examples()
    record("Ejemplos de entidades · Entity examples", problems, f"{len(examples)} examples")
    if with_rasa:
        record("rasa data validate", rasa_data_validate())

    all_problems = [p for _, problems, _ in results for p in problems]
    output = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "ok": not errors(all_problems),
        "error_count": len(errors(all_problems)),
        "duration_s": round(time.monotonic() - started, 1),
        "checks": [{"name": name, "ok": not errors(problems), "detail": detail} for name, problems, detail in results],
        "problems": [p.as_dict() for p in all_problems],
    }
    reports_dir.mkdir(parents=True, exist_ok=True)
    (reports_dir / RESULTS_FILE).write_text(json.dumps(output, ensure_ascii=False, indent=1), encoding="utf-8")
    if render:
        report.render(reports_dir)
    output["_results"] = results
    return output


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-rasa", action="store_true", help="skip `rasa data validate` (slow to start)")
    parser.add_argument("--reports", type=Path, default=REPORTS)
    args = parser.parse_args(argv)
    output = run(not args.no_rasa, args.reports)
    for name, problems, detail in output["_results"]:
        status = "OK  " if not errors(problems) else "FAIL"
        print(f"{status} {name}" + (f" ({detail})" if detail else ""))
        for problem in problems:
            print(f"     {problem}")
    count = output["error_count"]
    warnings = sum(p["severity"] == "warning" for p in output["problems"])
    print(f"\n{'Validation passed' if not count else f'Validation FAILED: {count} error(s)'}"
          f"{f', {warnings} warning(s)' if warnings else ''} ({output['duration_s']:.0f} s). "
          f"Report: {relative(args.reports / 'index.html')}")
    return 0 if not count else 1


if __name__ == "__main__":
    sys.exit(main())
