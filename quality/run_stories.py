"""`make test-stories`: the staff test stories (rasa test core) and the answer checks (REST channel).

Usage: python -m quality.run_stories [--stories DIR] [--checks FILE] [--model PATH] [--no-report]

1. Reads and checks tests/stories/<language>/<topic>.yml and tests/answer_checks.yml.
2. Runs `rasa test core --e2e` on the stories against the current model (trained if its inputs changed).
3. Starts the assistant (action server + Rasa server on free loopback ports) and asks every answer
   check through the REST channel; replays each failing story there too, to show what the bot said.
4. Prints a summary per file and per language, writes reports/stories.json and renders
   reports/index.html. Exits 1 when a story or a check fails, 2 when the files themselves are broken.
"""
import argparse
import json
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional

from quality import answer_checks, core_test, report, stories as story_files
from quality.common import ANSWER_CHECKS_FILE, REPORTS, STORIES_DIR, TOPICS, relative
from quality.domain import domain_actions, domain_intents
from quality.problems import errors

RESULTS_FILE = "stories.json"


def _replay(assistant, story: story_files.Story, last_turn: int) -> Dict[int, List[str]]:
    """What the running bot says to each user turn of the story, up to `last_turn`."""
    sender = f"staff-story-{uuid.uuid4().hex[:12]}"
    said = {}
    for step in story.user_turns():
        if step.turn > last_turn:
            break
        try:
            body = assistant.say(sender, step.text)
            said[step.turn] = [m.get("text", "") for m in body if isinstance(m, dict) and m.get("text")]
        except Exception as error:  # shown in the report instead of stopping the run
            said[step.turn] = [f"(no reply: {error})"]
    return said


def _story_record(story, failures, said=None) -> dict:
    return {
        "name": story.name, "path": story.path, "line": story.line, "language": story.language,
        "topic": story.topic, "passed": not failures,
        "failures": [f.__dict__ for f in failures],
        "turns": [{"turn": s.turn, "text": s.text, "intent": s.name, "line": s.line,
                   "actions": [a.name for a in story.steps if a.kind == "action" and a.turn == s.turn],
                   "bot_said": (said or {}).get(s.turn)} for s in story.user_turns()],
    }


def _case_record(result: answer_checks.CaseResult) -> dict:
    case = result.case
    return {"check": case.check, "topic": case.topic, "language": case.language, "messages": case.messages,
            "expect": case.expect, "path": case.path, "line": case.line, "hint": case.hint,
            "passed": result.passed, "missing": result.missing, "replies": result.replies, "error": result.error}


def summarise(records: List[dict], key: str) -> Dict[str, Dict[str, int]]:
    table: Dict[str, Dict[str, int]] = defaultdict(lambda: {"passed": 0, "failed": 0})
    for record in records:
        table[record[key]]["passed" if record["passed"] else "failed"] += 1
    return dict(sorted(table.items()))


def by_topic_and_language(records: List[dict]) -> Dict[str, Dict[str, Dict[str, int]]]:
    """topic -> language -> {passed, failed}, topics in the order of quality.common.TOPICS."""
    table: Dict[str, Dict[str, Dict[str, int]]] = {}
    for topic in [*TOPICS, *sorted({r["topic"] for r in records} - set(TOPICS))]:
        rows = [r for r in records if r["topic"] == topic]
        if rows:
            table[topic] = summarise(rows, "language")
    return table


def print_summary(results: dict, out=sys.stdout, reports_dir: Path = REPORTS) -> None:
    def line(label, counts):
        total = counts["passed"] + counts["failed"]
        mark = "OK  " if counts["failed"] == 0 else "FAIL"
        print(f"  {mark} {label:<40} {counts['passed']:>4} passed, {counts['failed']:>3} failed  (of {total})",
              file=out)

    print("\nHistorias / Stories (rasa test core --e2e)", file=out)
    for path, counts in results["summary"]["stories_by_file"].items():
        line(path, counts)
    print("  por lengua / per language:", file=out)
    for language, counts in results["summary"]["stories_by_language"].items():
        line(language, counts)
    print("\nComprobaciones de respuestas / Answer checks (REST)", file=out)
    for language, counts in results["summary"]["checks_by_language"].items():
        line(language, counts)
    for record in results["stories"]:
        if not record["passed"]:
            first = record["failures"][0]
            print(f"\n  FAILED story '{record['name']}' ({record['path']}:{record['line']}), turn {first['turn']}: "
                  f"user said {first['user_text']!r}; expected {first['kind']} {first['expected']}, "
                  f"the bot did {first['predicted']}", file=out)
    for record in results["answer_checks"]:
        if not record["passed"]:
            reason = record["error"] or "missing " + ", ".join(json.dumps(m, ensure_ascii=False)
                                                               for m in record["missing"])
            print(f"\n  FAILED check '{record['check']}' ({record['language']}, {record['path']}:{record['line']}): "
                  f"asked {record['messages'][-1]!r}: {reason}", file=out)
    evaluated = results.get("rasa_evaluated")
    if evaluated is not None and evaluated != len(results["stories"]):
        print(f"\n  WARNING Rasa evaluated {evaluated} of {len(results['stories'])} stories: stories with identical "
              "steps are merged by Rasa (see reports/stories/rasa_test_core.log)", file=out)
    totals = results["summary"]["totals"]
    print(f"\n{totals['stories_passed']} passed, {totals['stories_failed']} failed: stories; "
          f"{totals['checks_passed']} passed, {totals['checks_failed']} failed: answer checks "
          f"({results['duration_s']:.0f} s). Report: {relative(reports_dir / 'index.html')}", file=out)


def run(stories_dir: Path = STORIES_DIR, checks_file: Path = ANSWER_CHECKS_FILE, model: Optional[Path] = None,
        reports_dir: Path = REPORTS, render: bool = True, assistant=None) -> dict:
    """Runs everything; `assistant` (tests.support.services.Assistant) reuses servers already running."""
    from tests.support.services import start_assistant, trained_model

    started = time.monotonic()
    stories, problems = story_files.load_all(stories_dir)
    problems += story_files.check_against_domain(stories, domain_intents(), domain_actions())
    cases, case_problems = answer_checks.load(checks_file)
    problems += case_problems
    if errors(problems):
        broken = {"generated": datetime.now(timezone.utc).isoformat(timespec="seconds"), "broken": True,
                  "problems": [p.as_dict() for p in problems]}
        reports_dir.mkdir(parents=True, exist_ok=True)
        (reports_dir / RESULTS_FILE).write_text(json.dumps(broken, ensure_ascii=False, indent=1), encoding="utf-8")
        if render:
            report.render(reports_dir)
        return broken
    model = Path(model) if model else trained_model()
    out_dir = reports_dir / "stories"
    failures = core_test.run(stories, model, out_dir) if stories else {}
    failing = [s for s in stories if failures.get(s.key)]
    with tempfile.TemporaryDirectory(prefix="staff-assistant-") as workdir:
        running = assistant or start_assistant(Path(workdir), model)
        try:
            case_results = answer_checks.run(cases, lambda sender, text, metadata: running.say(sender, text, metadata))
            said = {s.key: _replay(running, s, failures[s.key][0].turn) for s in failing}
        finally:
            if assistant is None:
                running.stop()
    story_records = [_story_record(s, failures.get(s.key, []), said.get(s.key)) for s in stories]
    case_records = [_case_record(r) for r in case_results]
    results = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": model.name,
        "duration_s": round(time.monotonic() - started, 1),
        "stories": story_records,
        "answer_checks": case_records,
        "problems": [p.as_dict() for p in problems],
        "rasa_evaluated": core_test.evaluated_count(out_dir) if stories else 0,
        "summary": {
            "stories_by_file": summarise(story_records, "path"),
            "stories_by_language": summarise(story_records, "language"),
            "checks_by_language": summarise(case_records, "language"),
            "checks_by_topic": summarise(case_records, "topic"),
            "stories_by_topic_language": by_topic_and_language(story_records),
            "checks_by_topic_language": by_topic_and_language(case_records),
            "totals": {
                "stories_passed": sum(r["passed"] for r in story_records),
                "stories_failed": sum(not r["passed"] for r in story_records),
                "checks_passed": sum(r["passed"] for r in case_records),
                "checks_failed": sum(not r["passed"] for r in case_records),
            },
        },
    }
    reports_dir.mkdir(parents=True, exist_ok=True)
    (reports_dir / RESULTS_FILE).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    if render:
        report.render(reports_dir)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=Path, default=STORIES_DIR)
    parser.add_argument("--checks", type=Path, default=ANSWER_CHECKS_FILE)
    parser.add_argument("--model", type=Path, help="default: the model of the current data (trained if needed)")
    parser.add_argument("--reports", type=Path, default=REPORTS)
    args = parser.parse_args(argv)
    results = run(args.stories, args.checks, args.model, args.reports)
    if results.get("broken"):
        for problem in results["problems"]:
            print(f"{problem['path']}:{problem['line'] or ''}: {problem['severity'].upper()} {problem['message']}",
                  file=sys.stderr)
        print("The story or answer-check files have errors: fix them (see above) and run again.", file=sys.stderr)
        return 2
    print_summary(results, reports_dir=args.reports)
    totals = results["summary"]["totals"]
    return 0 if totals["stories_failed"] == 0 and totals["checks_failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
