"""`make evaluate`: NLU quality per language on a held-out split the model never sees.

Usage: python -m quality.evaluate [--fraction 0.2] [--seed 42] [--cross-validation FOLDS] [--more-seeds 7,2026]

1. Splits data/nlu/{es,pt,en}.yml per language and intent (quality.split), writes both sides
   under reports/evaluation/split/.
2. Trains (or reuses) models/staff-heldout-<hash>.tar.gz on the training side, with config.yml.
3. `rasa test nlu` on the held-out side (Rasa's own report, confusion matrix and errors are kept under
   reports/evaluation/rasa/), then intent precision/recall/F1 per intent and per language, and one
   confusion matrix picture per language.
4. The model trained on all the training data, scored on tests/data/unseen/ (messages written without
   reading the training data; quality.unseen).
5. Entity scores of the knowledge matcher on tests/data/entity_examples.yml, and the language
   detector's accuracy on tests/data/language_samples.yml.
6. The realistic conversations of issue #21 (tests/data/realistic/, quality.realistic): the assistant
   as `make run` starts it, through the REST channel; right answers per language and kind.
7. Optional: Rasa's cross-validation on all the training data (--cross-validation N), and the intent
   macro-F1 per language on other held-out splits (--more-seeds), to see how much one split's luck
   moves the figure.
Writes reports/evaluation.json, renders reports/index.html, prints the scores; exits 1 when the
quality bar (intent macro-F1 >= 0.95 in each language, entity F1 >= 0.95) is not met. The realistic
conversations' own bar is shown next to it (tests/e2e/test_realistic.py asserts it in `make test`).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from quality import detector, entities, heldout, intents, realistic, report, split as splitting, unseen
from quality.common import CONFIG_FILE, LANGUAGES, NLU_DIR, REPORTS, ROOT, relative

RESULTS_FILE = "evaluation.json"
INTENT_F1_BAR = 0.95
ENTITY_F1_BAR = 0.95


def _rasa(args, log_file: Path) -> None:
    with open(log_file, "w", encoding="utf-8") as log:
        completed = subprocess.run([sys.executable, "-m", "rasa", *args], cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    if completed.returncode != 0:
        tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"rasa {args[0]} {args[1]} failed (exit {completed.returncode}):\n{tail}")


def cross_validation(folds: int, out_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    _rasa(["test", "nlu", "--cross-validation", "--folds", str(folds), "--config", str(CONFIG_FILE),
           "--nlu", str(NLU_DIR), "--out", str(out_dir)], out_dir / "rasa_test_nlu_cv.log")
    data = json.loads((out_dir / "intent_report.json").read_text(encoding="utf-8"))
    return {"folds": folds, "accuracy": data.get("accuracy"), "macro_f1": data.get("macro avg", {}).get("f1-score"),
            "weighted_f1": data.get("weighted avg", {}).get("f1-score"),
            "report": relative(out_dir / "intent_report.json")}


def _predictions(model: Path, test_dir: Path, out: Path) -> dict:
    """`rasa test nlu` of one model on a folder of NLU files: text -> (intent, confidence)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    _rasa(["test", "nlu", "--model", str(model), "--nlu", str(test_dir), "--out", str(out), "--successes"],
          out.parent / f"{out.name}_test_nlu.log")
    return intents.read_rasa_predictions(out)


def heldout_intents(split: splitting.Split, out: Path) -> Tuple[Path, dict]:
    """Trains (or reuses) the model on the training side of one split and scores it on the held-out side."""
    if (out / "split").exists():
        shutil.rmtree(out / "split")
    train_dir, test_dir = splitting.write_split(split, out / "split")
    model = heldout.ensure(train_dir, out / "train.log")
    return model, intents.evaluate(split.test_examples(), _predictions(model, test_dir, out / "rasa"))


def unseen_messages(out: Path) -> Optional[dict]:
    """Scores of the model trained on all the training data on the unseen messages (quality.unseen)."""
    examples, left_out = unseen.load()
    if not examples:
        return None
    model = heldout.ensure(NLU_DIR, out / "train.log")
    messages = out / "messages"
    if messages.exists():
        shutil.rmtree(messages)
    for language in LANGUAGES:
        by_intent: Dict[str, List[str]] = {}
        for lang, intent, text in examples:
            if lang == language:
                by_intent.setdefault(intent, []).append(text)
        splitting.write_nlu(messages / f"{language}.yml", by_intent)
    results = intents.evaluate(examples, _predictions(model, messages, out / "rasa"))
    for scores in results["by_language"].values():
        scores.pop("pairs")
    return {"model": model.name, "left_out": left_out, **results}


def other_splits(fraction: float, seeds: List[int], out: Path) -> Optional[dict]:
    """Macro-F1 per language on other held-out splits: how much the figure depends on the luck of one split."""
    if not seeds:
        return None
    rows = []
    for seed in seeds:
        _, results = heldout_intents(splitting.make_split(NLU_DIR, fraction, seed), out / f"seed-{seed}")
        rows.append({"seed": seed, **{lang: results["by_language"][lang]["macro_f1"] for lang in LANGUAGES}})
    return {"rows": rows,
            "mean": {lang: sum(r[lang] for r in rows) / len(rows) for lang in LANGUAGES},
            "min": {lang: min(r[lang] for r in rows) for lang in LANGUAGES}}


def run(fraction: float = splitting.DEFAULT_TEST_FRACTION, seed: int = splitting.DEFAULT_SEED, folds: int = 0,
        reports_dir: Path = REPORTS, render: bool = True, more_seeds: Sequence[int] = ()) -> dict:
    started = time.monotonic()
    out = reports_dir / "evaluation"
    split = splitting.make_split(NLU_DIR, fraction, seed)
    model, intent_results = heldout_intents(split, out)
    for language in LANGUAGES:
        scores = intent_results["by_language"][language]
        png = intents.confusion_png(scores.pop("pairs"), f"{language}: F1 macro {scores['macro_f1']:.3f}",
                                    out / f"confusion_{language}.png")
        scores["confusion_png"] = str(png.relative_to(reports_dir))

    examples, problems = entities.load_examples()
    if problems:
        raise SystemExit("\n".join(str(p) for p in problems))
    entity_results = entities.evaluate(examples, entities.matcher_finder())
    detector_results = detector.evaluate(detector.bot_detector())

    bar_details = [f"intent macro-F1 {lang} {intent_results['by_language'][lang]['macro_f1']:.3f}"
                   for lang in LANGUAGES]
    bar_details.append(f"entity F1 {entity_results['all']['f1']:.3f}")
    met = all(intent_results["by_language"][lang]["macro_f1"] >= INTENT_F1_BAR for lang in LANGUAGES) \
        and entity_results["all"]["f1"] >= ENTITY_F1_BAR
    results = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": model.name,
        "seed": seed,
        "test_fraction": fraction,
        "split": {lang: {"train": sum(map(len, split.train[lang].values())),
                         "test": sum(map(len, split.test[lang].values()))} for lang in LANGUAGES},
        "intents": intent_results,
        "entities": entity_results,
        "detector": detector_results,
        "cross_validation": cross_validation(folds, out / "cross_validation") if folds else None,
        "unseen": unseen_messages(out / "unseen"),
        "realistic": realistic.run(),
        "other_splits": other_splits(fraction, [s for s in more_seeds if s != seed], out / "other_splits"),
        "bar": {"intent_macro_f1_min": INTENT_F1_BAR, "entity_f1_min": ENTITY_F1_BAR, "met": met,
                "details": bar_details},
        "rasa_report": relative(out / "rasa" / "intent_report.json"),
    }
    results["duration_s"] = round(time.monotonic() - started, 1)
    reports_dir.mkdir(parents=True, exist_ok=True)
    (reports_dir / RESULTS_FILE).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    if render:
        report.render(reports_dir)
    return results


def print_summary(results: dict, out=sys.stdout, reports_dir: Path = REPORTS) -> None:
    print(f"\nEvaluación NLU / NLU evaluation (held-out {results['test_fraction']:.0%}, seed {results['seed']}, "
          f"model {results['model']})", file=out)
    print(f"  {'':<4} {'examples':>8} {'accuracy':>9} {'macro-P':>8} {'macro-R':>8} {'macro-F1':>9}"
          f" {'entity-F1':>10} {'detector':>9}", file=out)
    for language in LANGUAGES:
        m = results["intents"]["by_language"][language]
        e = results["entities"]["by_language"][language]
        d = results["detector"]["by_language"][language]
        print(f"  {language:<4} {m['support']:>8} {m['accuracy']:>9.3f} {m['macro_precision']:>8.3f} "
              f"{m['macro_recall']:>8.3f} {m['macro_f1']:>9.3f} {e['f1']:>10.3f} {d['accuracy']:>9.3f}", file=out)
    print(f"  entity F1 (all): {results['entities']['all']['f1']:.3f} on {results['entities']['examples']} examples; "
          f"detector accuracy (all): {results['detector']['overall_accuracy']:.3f}", file=out)
    if results.get("cross_validation"):
        cv = results["cross_validation"]
        print(f"  cross-validation ({cv['folds']} folds, all languages): accuracy {cv['accuracy']:.3f}, "
              f"macro-F1 {cv['macro_f1']:.3f}", file=out)
    if results.get("unseen"):
        new = results["unseen"]
        print(f"  unseen messages (tests/data/unseen, model trained on all the data; {new['left_out']} left out as "
              f"already in the training data):", file=out)
        for language in LANGUAGES:
            m = new["by_language"][language]
            print(f"    {language:<4} {m['support']:>4} messages  accuracy {m['accuracy']:.3f}  "
                  f"macro-F1 {m['macro_f1']:.3f}", file=out)
    if results.get("other_splits"):
        others = results["other_splits"]
        print(f"  other held-out splits (macro-F1 per language; the bar is checked on seed {results['seed']} only):",
              file=out)
        for row in others["rows"]:
            print(f"    seed {row['seed']:<6} " + "  ".join(f"{lang} {row[lang]:.3f}" for lang in LANGUAGES), file=out)
        for name in ("mean", "min"):
            print(f"    {name:<11} " + "  ".join(f"{lang} {others[name][lang]:.3f}" for lang in LANGUAGES), file=out)
    if results.get("realistic"):
        realistic.print_summary(results["realistic"], out=out, failures=False)
    wrong = results["intents"]["misclassified"]
    if wrong:
        print(f"\n  Misclassified held-out examples ({len(wrong)}):", file=out)
        for item in wrong:
            print(f"    [{item['language']}] {item['text']!r}: expected {item['expected']}, got {item['predicted']} "
                  f"({item['confidence']:.2f})", file=out)
    bar = results["bar"]
    print(f"\nQuality bar {'MET' if bar['met'] else 'NOT MET'}: " + "; ".join(bar["details"]) +
          f" ({results['duration_s']:.0f} s). Report: {relative(reports_dir / 'index.html')}", file=out)


def _seeds(text: str) -> List[int]:
    try:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds must be whole numbers separated by commas, not {text!r}") from None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fraction", type=float, default=splitting.DEFAULT_TEST_FRACTION,
                        help="share of each intent's examples held out (default 0.2)")
    parser.add_argument("--seed", type=int, default=splitting.DEFAULT_SEED)
    parser.add_argument("--cross-validation", type=int, default=int(os.environ.get("CROSS_VALIDATION") or 0),
                        metavar="FOLDS", help="also run Rasa's cross-validation with this many folds (slow)")
    parser.add_argument("--more-seeds", type=_seeds, default=_seeds(os.environ.get("MORE_SEEDS") or ""),
                        metavar="S1,S2",
                        help="also score other held-out splits (one model each, about 1.5 min per seed)")
    parser.add_argument("--reports", type=Path, default=REPORTS)
    args = parser.parse_args(argv)
    results = run(args.fraction, args.seed, args.cross_validation, args.reports, more_seeds=args.more_seeds)
    print_summary(results, reports_dir=args.reports)
    return 0 if results["bar"]["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
