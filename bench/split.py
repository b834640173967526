"""A fixed held-out split of data/nlu for the accuracy column (20 % of each intent, per language).

Same rule as the staff tooling's split (`make evaluate`): stratified by language and intent, the
shuffle of each intent seeded by "seed:language:intent", so both give the same held-out examples.
"""
import math
import random
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "data" / "nlu"
LANGUAGES = ("es", "pt", "en")
SEED = 42
TEST_FRACTION = 0.2


def read_examples(path: Path) -> Dict[str, List[str]]:
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    result: Dict[str, List[str]] = {}
    for block in document.get("nlu", []):
        if "intent" not in block:
            continue
        lines = str(block.get("examples", "")).splitlines()
        result.setdefault(block["intent"], []).extend(
            line.strip()[2:].strip() for line in lines if line.strip().startswith("- ") and line.strip()[2:].strip())
    return result


def split_intent(examples: List[str], language: str, intent: str) -> Tuple[List[str], List[str]]:
    unique = list(dict.fromkeys(examples))
    if len(unique) < 2:
        return unique, []
    shuffled = sorted(unique)
    random.Random(f"{SEED}:{language}:{intent}").shuffle(shuffled)
    size = min(len(unique) - 1, max(1, math.floor(len(unique) * TEST_FRACTION + 0.5)))
    test = set(shuffled[:size])
    return [e for e in unique if e not in test], [e for e in unique if e in test]


def _write_nlu(path: Path, examples: Dict[str, List[str]]) -> None:
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in examples.items():
        if texts:
            lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {t.replace(chr(10), ' ')}" for t in texts]
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(lines) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def make_split(directory: Path) -> Tuple[Path, List[Tuple[str, str, str]]]:
    """Writes the training part under directory/train/ and returns it with the held-out
    (language, intent, text) examples."""
    held_out = []
    for language in LANGUAGES:
        train = {}
        for intent, texts in read_examples(NLU_DIR / f"{language}.yml").items():
            train[intent], test = split_intent(texts, language, intent)
            held_out += [(language, intent, text) for text in test]
        _write_nlu(directory / "train" / f"{language}.yml", train)
    return directory / "train", held_out
