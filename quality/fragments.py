"""The one rule for finding an expected fragment in one of the bot's replies.

Used by every suite that checks replies for fragments written by people: the staff answer checks
(tests/answer_checks.yml, `make test-stories`), the end-to-end and realistic conversations
(tests/support/conversations.py) and the load benchmark (bench/load.py).

A fragment matches when it appears in the reply
- ignoring upper and lower case ("allamand" finds "Allamand"; Unicode case folding, so "STRASSE" finds
  "Straße"),
- ignoring how much white space there is and of which kind ("Cono  Sur" finds "Cono\\nSur"),
- ignoring how an accented letter is encoded (Unicode NFC: "ç" as one character or as "c" plus a
  combining cedilla is the same letter),
- but NOT ignoring accents: "cooperaç" (Portuguese) does not find "cooperación" (Spanish), "Japón" does
  not find "Japão", "Andres" does not find "Andrés". That is how a reply in the wrong language, or a
  misspelt fact, is caught, so a fragment is written exactly as the bot should say it.

A fact is a fragment, or a list of alternative fragments of which any one is enough.

Plain substring search, no fuzzy matching library: any tolerance beyond the above would let a reply in
the neighbouring language pass.
"""
import unicodedata
from typing import Iterable, List, Union

Fact = Union[str, List[str]]


def normalise(text) -> str:
    """The form in which fragments and replies are compared: NFC, case-folded, single spaces.

    NFC again after case folding, because folding can decompose a letter ("İ" -> "i" + combining dot);
    NFC (not NFD) throughout, because in NFD "cooperac" would be a substring of "cooperac" + cedilla.
    """
    folded = unicodedata.normalize("NFC", str(text)).casefold()
    return " ".join(unicodedata.normalize("NFC", folded).split())


def contains(reply: str, fragment) -> bool:
    """Whether the reply holds the fragment, by the rule of this module."""
    return normalise(fragment) in normalise(reply)


def contains_any(reply: str, fragments: Iterable) -> bool:
    """Whether the reply holds at least one of the fragments."""
    haystack = normalise(reply)
    return any(normalise(fragment) in haystack for fragment in fragments)


def missing(reply: str, facts: Iterable[Fact]) -> List[Fact]:
    """The facts not found in the reply (each fact: a fragment, or a list of alternative fragments)."""
    return [fact for fact in facts if not contains_any(reply, fact if isinstance(fact, list) else [fact])]
