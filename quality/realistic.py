"""The realistic conversations of issue #21 (tests/data/realistic/, or REALISTIC_DIR / --dir): each played
through the REST channel with the real trained model, on a fresh sender, and scored per language and
per kind. `make evaluate` puts the table in reports/evaluation.json and reports/index.html;
tests/e2e/test_realistic.py asserts the bar with the same code (tests/support/conversations.py).

Usage: python -m quality.realistic [--dir /work/holdout] [--model PATH]
Prints the table and every failing conversation with its reply; exits 1 when the bar is not met.
"""
import argparse
import sys
import tempfile
from pathlib import Path
from typing import List, Optional

from quality.common import relative
from tests.support.conversations import (
    Outcome,
    describe_failure,
    load_realistic,
    realistic_dir,
    realistic_scores,
    realistic_table,
    run_realistic,
)


def run(directory: Optional[Path] = None, model: Optional[Path] = None, assistant=None) -> Optional[dict]:
    """Scores of the realistic set (None when the folder holds none); `assistant` reuses running servers."""
    from tests.support.services import start_assistant, trained_model

    conversations = load_realistic(directory)
    if not conversations:
        return None
    model = Path(model) if model else trained_model()
    with tempfile.TemporaryDirectory(prefix="realistic-assistant-") as workdir:
        running = assistant or start_assistant(Path(workdir), model)
        try:
            outcomes = [run_realistic(running.say, c) for c in conversations]
        finally:
            if assistant is None:
                running.stop()
    return summarise(outcomes, realistic_dir(directory), model.name)


def summarise(outcomes: List[Outcome], directory: Path, model_name: str) -> dict:
    """The JSON of reports/evaluation.json's "realistic": scores, the bar, and every failing conversation."""
    return {"directory": relative(directory), "model": model_name, **realistic_scores(outcomes),
            "failures": [{"id": o.id, "language": o.language, "kind": o.kind, "turns": o.turns,
                          "problems": o.missing, "reply": o.reply} for o in outcomes if not o.passed]}


def print_summary(results: dict, out=sys.stdout, failures: bool = True) -> None:
    print(f"\nConversaciones realistas / Realistic conversations ({results['directory']}, model {results['model']}):",
          file=out)
    for line in realistic_table(results):
        print(f"  {line}", file=out)
    bar = "MET" if results["bar_met"] else "NOT MET: " + "; ".join(results["bar_failures"])
    print(f"  Bar (issue #21: >= 95% per language, no kind below 90%, every 'unknown' honest) {bar}", file=out)
    if failures:
        for f in results["failures"]:
            print("  " + describe_failure_record(f).replace("\n", "\n  "), file=out)


def describe_failure_record(record: dict) -> str:
    return describe_failure(Outcome(record["id"], record["language"], record["reply"], record["problems"],
                                    kind=record["kind"], turns=record["turns"]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, help="folder with es.yml, pt.yml, en.yml (default: REALISTIC_DIR "
                                                   "or tests/data/realistic)")
    parser.add_argument("--model", type=Path, help="default: the model of the current data (trained if needed)")
    args = parser.parse_args(argv)
    results = run(args.dir, args.model)
    if results is None:
        print(f"No conversations in {realistic_dir(args.dir)}", file=sys.stderr)
        return 2
    print_summary(results)
    return 0 if results["bar_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
