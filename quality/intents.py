"""Intent scores per language from Rasa's predictions on the held-out examples, and their pictures."""
import json
from pathlib import Path
from typing import Dict, List, Tuple

from quality.common import LANGUAGES


def read_rasa_predictions(out_dir: Path) -> Dict[str, Tuple[str, float]]:
    """text -> (predicted intent, confidence) from `rasa test nlu --successes` output files."""
    predictions = {}
    for name in ("intent_successes.json", "intent_errors.json"):
        path = Path(out_dir) / name
        if not path.exists():
            continue
        for item in json.loads(path.read_text(encoding="utf-8")):
            predicted = item.get("intent_prediction") or {}
            predictions[item["text"]] = (predicted.get("name") or "None", float(predicted.get("confidence") or 0.0))
    return predictions


def scores(gold: List[str], predicted: List[str]) -> dict:
    """Accuracy, macro precision/recall/F1 over the gold intents, and per-intent scores."""
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(gold))
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0)
    per_intent = {label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                  for label, p, r, f, s in zip(labels, precision, recall, f1, support)}
    count = len(gold)
    return {
        "support": count,
        "accuracy": sum(g == p for g, p in zip(gold, predicted)) / count if count else None,
        "macro_precision": float(sum(precision) / len(labels)) if labels else None,
        "macro_recall": float(sum(recall) / len(labels)) if labels else None,
        "macro_f1": float(sum(f1) / len(labels)) if labels else None,
        "per_intent": per_intent,
    }


def evaluate(examples: List[Tuple[str, str, str]], predictions: Dict[str, Tuple[str, float]]) -> dict:
    """examples: (language, gold intent, text). Unpredicted texts count as errors ("None")."""
    by_language, misclassified = {}, []
    for language in LANGUAGES:
        rows = [(intent, text) for lang, intent, text in examples if lang == language]
        predicted = [predictions.get(text, ("None", 0.0)) for _, text in rows]
        by_language[language] = scores([g for g, _ in rows], [p for p, _ in predicted])
        by_language[language]["pairs"] = [[g, p] for (g, _), (p, _) in zip(rows, predicted)]
        misclassified += [{"language": language, "text": text, "expected": gold, "predicted": p, "confidence": c}
                          for (gold, text), (p, c) in zip(rows, predicted) if p != gold]
    names = sorted({intent for _, intent, _ in examples})
    return {"by_language": by_language, "intent_names": names,
            "misclassified": sorted(misclassified, key=lambda m: (m["language"], m["expected"]))}


def confusion_png(pairs: List[List[str]], title: str, path: Path) -> Path:
    """Draws the confusion matrix (rows: expected, columns: predicted) of one language."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    gold = [g for g, _ in pairs]
    predicted = [p for _, p in pairs]
    labels = sorted(set(gold)) + sorted(set(predicted) - set(gold))
    matrix = confusion_matrix(gold, predicted, labels=labels)
    size = max(6.0, 0.28 * len(labels) + 2.5)
    figure, axes = plt.subplots(figsize=(size, size), dpi=90)
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)))
    axes.set_yticks(range(len(labels)))
    axes.set_xticklabels(labels, rotation=90, fontsize=8)
    axes.set_yticklabels(labels, fontsize=8)
    axes.set_xlabel("predicha · predicted")
    axes.set_ylabel("esperada · expected")
    axes.set_title(title)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                off_diagonal = i != j
                on_dark = matrix[i, j] > matrix.max() / 2
                axes.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                          color="#b42318" if off_diagonal else ("white" if on_dark else "black"),
                          fontweight="bold" if off_diagonal else "normal")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
