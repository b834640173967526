"""Accuracy of the language detector on tests/data/language_samples.yml, run as the NLU pipeline runs it.

Names found by the knowledge matcher are set aside before detection (as nlu/language_detector.py
does). "Undecided" (the text cannot tell) is counted apart: the conversation then keeps its
language, which is safe, so accuracy = right / all and the wrong ones are the real errors.
"""
from pathlib import Path
from typing import Callable, Dict, Optional

import yaml

from quality.common import LANGUAGE_SAMPLES_FILE, LANGUAGES

NAME_TYPES = {"member_country", "observer", "non_member", "office", "document", "topic"}


def bot_detector() -> Callable[[str], tuple]:
    from knowledge import default_knowledge, detect
    from knowledge.matcher import KnowledgeMatcher

    matcher = KnowledgeMatcher(default_knowledge())

    def run(text: str):
        names = [m for m in matcher.find(text) if m.entity in NAME_TYPES]
        found = detect(text, [(m.start, m.end) for m in names], [getattr(m, "languages", ()) for m in names])
        return found.language, found.confidence
    return run


def evaluate(detect: Callable[[str], tuple], path: Path = LANGUAGE_SAMPLES_FILE) -> dict:
    samples: Dict[str, list] = (yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}).get("samples", {})
    by_language, errors = {}, []
    for language in LANGUAGES:
        right = wrong = undecided = 0
        for text in samples.get(language, []):
            detected, confidence = detect(str(text))
            if detected == language:
                right += 1
                continue
            if detected is None:
                undecided += 1
            else:
                wrong += 1
            errors.append({"language": language, "text": str(text), "detected": detected, "confidence": confidence})
        total = right + wrong + undecided
        by_language[language] = {"total": total, "correct": right, "wrong": wrong, "undecided": undecided,
                                 "accuracy": right / total if total else None}
    ambiguous: Optional[dict] = None
    if samples.get("ambiguous"):
        verdicts = [detect(str(text))[0] for text in samples["ambiguous"]]
        decided = sum(v is not None for v in verdicts)
        ambiguous = {"total": len(verdicts), "decided": decided, "undecided": len(verdicts) - decided,
                     "undecided_rate": (len(verdicts) - decided) / len(verdicts)}
    total = sum(v["total"] for v in by_language.values())
    correct = sum(v["correct"] for v in by_language.values())
    return {"by_language": by_language, "ambiguous": ambiguous, "total": total,
            "overall_accuracy": correct / total if total else None, "errors": errors}
