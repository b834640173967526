"""Text folding shared by every matcher: case- and accent-insensitive, length-preserving.

Length preservation matters: entity offsets found in the folded text must point at the same
characters of the citizen's original message.
"""
import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFKD", char)[:1] or char
    lowered = base.lower()
    return lowered if len(lowered) == 1 else base


def fold(text: str) -> str:
    """Lower-case and strip accents, keeping exactly one output character per input character."""
    return "".join(_fold_char(char) for char in text)


_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list:
    """The folded words of a text ("¿Dónde está?" -> ["donde", "esta"])."""
    return _WORD.findall(fold(text))


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())


_NOT_PART_OF_A_NAME = re.compile(r"[^\w\s\-.&'’]", re.UNICODE)


def fold_for_matching(text: str) -> str:
    """fold(), with markup and punctuation that never belongs to a name turned into spaces."""
    return _NOT_PART_OF_A_NAME.sub(" ", fold(text))
