"""The unseen messages (tests/data/unseen/<lang>.yml): wordings written without reading the training data.

Any message that is also in data/nlu/ (ignoring case, accents and punctuation) is left out, so the
score is about wordings the model was never trained on.
"""
import re
import unicodedata
from pathlib import Path
from typing import List, Set, Tuple

from quality.common import LANGUAGES, NLU_DIR, ROOT
from quality.split import read_examples

UNSEEN_DIR = ROOT / "tests" / "data" / "unseen"


def comparable(text: str) -> str:
    without_accents = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")
    return " ".join(re.sub(r"[^\w\s]", " ", without_accents).split())


def _training_texts(nlu_dir: Path) -> Set[str]:
    return {comparable(text) for language in LANGUAGES
            for texts in read_examples(Path(nlu_dir) / f"{language}.yml").values() for text in texts}


def load(unseen_dir: Path = UNSEEN_DIR, nlu_dir: Path = NLU_DIR) -> Tuple[List[Tuple[str, str, str]], int]:
    """(language, intent, text) of the unseen messages not in the training data, and how many were left out."""
    trained = _training_texts(nlu_dir)
    kept, left_out = [], 0
    for language in LANGUAGES:
        path = Path(unseen_dir) / f"{language}.yml"
        if not path.exists():
            continue
        for intent, texts in read_examples(path).items():
            for text in texts:
                if comparable(text) in trained:
                    left_out += 1
                else:
                    kept.append((language, intent, text))
    return kept, left_out
