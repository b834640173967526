"""The held-out split of data/nlu for the accuracy column: the staff tooling's own split
(`quality.split`, used by `make evaluate`: 20 % of each intent of each language, seed 42), so both
report on the same held-out examples."""
from pathlib import Path
from typing import List, Tuple

from quality import split as splitting


def make_split(directory: Path) -> Tuple[Path, List[Tuple[str, str, str]]]:
    """Writes the training part under directory/train/ and returns it with the held-out
    (language, intent, text) examples."""
    split = splitting.make_split(splitting.NLU_DIR, splitting.DEFAULT_TEST_FRACTION, splitting.DEFAULT_SEED)
    for language, examples in split.train.items():
        splitting.write_nlu(directory / "train" / f"{language}.yml", examples)
    return directory / "train", split.test_examples()
