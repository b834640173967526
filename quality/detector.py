"""Accuracy of the language detector on tests/data/language_samples.yml, run as the NLU pipeline runs it.

The texts go through the NLU components themselves (names found by the knowledge entity extractor
are set aside before detection). "Undecided" (the text cannot tell) is counted apart: the
conversation then keeps its language, which is safe, so accuracy = right / all and the wrong ones
are the real errors.
"""
from pathlib import Path
from typing import Callable, Dict, Optional

import yaml

from quality.common import LANGUAGE_SAMPLES_FILE, LANGUAGES


def parse_language() -> Callable[[str], dict]:
    """The `language` parse data of a text as Rasa's pipeline makes it: the knowledge entity
    extractor, then the language detector (nlu/), on a real Message."""
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from nlu.knowledge_entity_extractor import KnowledgeEntityExtractor
    from nlu.language_detector import LANGUAGE_PROPERTY, LanguageDetector

    extractor = KnowledgeEntityExtractor(KnowledgeEntityExtractor.get_default_config())
    detector = LanguageDetector()

    def run(text: str) -> dict:
        message = Message(data={TEXT: text})
        detector.process(extractor.process([message]))
        return message.get(LANGUAGE_PROPERTY)
    return run


def bot_detector() -> Callable[[str], tuple]:
    parse = parse_language()

    def run(text: str):
        found = parse(text)
        return found["language"], found["confidence"]
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
