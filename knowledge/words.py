"""The common words of Spanish, Portuguese and English (wordfreq's lists, which ship inside its wheel).

Its own module, without spaCy, so that the action server (knowledge/frame.py) can tell a name that is
also a word ("chile", "china", "turkey") without importing the entity matcher.
"""
from functools import lru_cache
from typing import FrozenSet, Iterable, Iterator

import wordfreq

from knowledge.text import fold

# A word this frequent in Spanish, Portuguese or English (Zipf scale: 3 = once per million words) is a
# word of the language, not a misspelt name: "hungry" is no typo of "Hungary", "jabon" none of "Japón".
COMMON_WORD_ZIPF = 3.0   # not below 3: wordfreq's "small" lists (common_words) stop there
COMMON_WORD_LANGUAGES = ("es", "pt", "en")


def _words() -> Iterator[str]:
    """The folded words of Spanish, Portuguese and English at least as frequent as COMMON_WORD_ZIPF.
    wordfreq's "small" lists hold every word down to one per million (zipf 3), all this needs: the
    same words as the large lists, at a third of the memory."""
    buckets = int((9 - COMMON_WORD_ZIPF) * 100)   # wordfreq's lists hold one bucket per centibel below 0
    available = wordfreq.available_languages("small")
    for language in COMMON_WORD_LANGUAGES:
        for bucket in wordfreq.read_cBpack(available[language])[:buckets]:
            yield from (fold(word) for word in bucket)


@lru_cache(maxsize=1)
def common_words() -> FrozenSet[str]:
    """Every common word (72,942 of them), kept: the entity matcher looks its typos up in it."""
    return frozenset(_words())


def common_among(candidates: Iterable[str]) -> FrozenSet[str]:
    """The folded candidates that are common words, without keeping the whole list in memory (the
    action server only asks this of the knowledge file's names, once)."""
    wanted = {fold(candidate) for candidate in candidates}
    return frozenset(word for word in _words() if word in wanted)
