"""The held-out split: per language and intent, a fixed share of the examples the model never sees.

Stratified by intent (every intent of every language keeps examples on both sides), reproducible
(the shuffle of each intent is seeded by the seed, the language and the intent name, so editing one
intent does not reshuffle the others).
"""
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from quality.common import LANGUAGES, NLU_DIR

DEFAULT_SEED = 42
DEFAULT_TEST_FRACTION = 0.2


@dataclass
class Split:
    train: Dict[str, Dict[str, List[str]]] = field(default_factory=dict)  # language -> intent -> examples
    test: Dict[str, Dict[str, List[str]]] = field(default_factory=dict)

    def test_examples(self) -> List[Tuple[str, str, str]]:
        """(language, intent, text) of every held-out example."""
        return [(lang, intent, text) for lang, intents in self.test.items()
                for intent, texts in intents.items() for text in texts]


def read_examples(path: Path) -> Dict[str, List[str]]:
    """intent -> examples of one Rasa NLU file (in file order)."""
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    result: Dict[str, List[str]] = {}
    for block in document.get("nlu", []):
        if "intent" not in block:
            continue
        lines = str(block.get("examples", "")).splitlines()
        result.setdefault(block["intent"], []).extend(
            line.strip()[2:].strip() for line in lines if line.strip().startswith("- ") and line.strip()[2:].strip())
    return result


def split_intent(examples: List[str], fraction: float, seed: int, language: str,
                 intent: str) -> Tuple[List[str], List[str]]:
    unique = list(dict.fromkeys(examples))
    if len(unique) < 2:
        return unique, []
    shuffled = sorted(unique)
    random.Random(f"{seed}:{language}:{intent}").shuffle(shuffled)
    size = min(len(unique) - 1, max(1, math.floor(len(unique) * fraction + 0.5)))
    test = set(shuffled[:size])
    return [e for e in unique if e not in test], [e for e in unique if e in test]


def make_split(nlu_dir: Path = NLU_DIR, fraction: float = DEFAULT_TEST_FRACTION, seed: int = DEFAULT_SEED) -> Split:
    split = Split()
    for language in LANGUAGES:
        examples = read_examples(Path(nlu_dir) / f"{language}.yml")
        split.train[language], split.test[language] = {}, {}
        for intent, texts in examples.items():
            split.train[language][intent], split.test[language][intent] = \
                split_intent(texts, fraction, seed, language, intent)
    return split


def _quote_free(text: str) -> str:
    return text.replace("\n", " ")


def write_nlu(path: Path, examples: Dict[str, List[str]]) -> None:
    """A Rasa NLU training file with the given examples."""
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in examples.items():
        if not texts:
            continue
        lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {_quote_free(t)}" for t in texts]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_split(split: Split, directory: Path) -> Tuple[Path, Path]:
    """Writes train/<lang>.yml and test/<lang>.yml under the directory; returns both folders."""
    directory = Path(directory)
    for language in LANGUAGES:
        write_nlu(directory / "train" / f"{language}.yml", split.train[language])
        write_nlu(directory / "test" / f"{language}.yml", split.test[language])
    return directory / "train", directory / "test"
