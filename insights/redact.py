"""Personal data out of citizens' messages before anything is written to a report.

What a citizen types may hold an email address, a phone number, an identity or case number or their
name; the reports keep the question and drop those. Sender ids are never read into a report at all.
SEGIB's own addresses and numbers (those in the knowledge files, which the bot's replies quote) are
kept: they are public and tell staff what the citizen was given.
"""
import re
from pathlib import Path
from typing import FrozenSet, Iterable

EMAIL, PHONE, NUMBER, NAME, REFERENCE = "[email]", "[phone]", "[number]", "[name]", "[reference]"

_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Hand-off case references (SGB-XXXX-XXXX) lead to a case holding the citizen's email address.
_REFERENCE = re.compile(r"\bSGB-[A-Z0-9]{4}-[A-Z0-9]{4}\b", re.IGNORECASE)
# A phone number: 7 or more digits, possibly with +, spaces, dots, dashes and brackets between them.
_PHONE = re.compile(r"(?<![\w])\+?\(?\d(?:[\s().-]{0,2}\d){6,}(?![\w])")
_DIGITS = re.compile(r"\d{5,}")
_INTRODUCTIONS = (r"me llamo", r"mi nombre es", r"my name is", r"my name's", r"i'?m called", r"i am called",
                  r"meu nome [eé]", r"me chamo", r"chamo-me")
# Words that end a name ("me llamo Ana y quiero..."): a name is at most three words before one of these.
_AFTER_NAME = {"y", "e", "and", "i", "soy", "sou", "am", "from", "de", "desde", "quiero", "quero", "want",
               "would", "tengo", "tenho", "have", "estoy", "estou", "vivo", "live", "necesito", "preciso",
               "need", "para", "por", "porque", "because", "com", "con", "with", "no", "não", "not"}
_INTRODUCTION = re.compile(r"\b(?:" + "|".join(_INTRODUCTIONS) + r")\s+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_GAP = re.compile(r"[ \t]+")


def _redact_names(text: str) -> str:
    """Up to three words after "me llamo / my name is / meu nome é"... become [name]."""
    parts, position = [], 0
    for match in _INTRODUCTION.finditer(text):
        if match.start() < position:
            continue
        cursor, name_end = match.end(), None
        for _ in range(3):
            word = _WORD.match(text, cursor)
            if not word or word.group().lower() in _AFTER_NAME:
                break
            name_end = word.end()
            gap = _GAP.match(text, name_end)
            if not gap:
                break
            cursor = gap.end()
        if name_end:
            parts += [text[position:match.end()], NAME]
            position = name_end
    return "".join(parts) + text[position:]


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def public_contacts(paths: Iterable[Path]) -> FrozenSet[str]:
    """The email addresses (lower case) and phone numbers (digits only) written in `paths`."""
    found = set()
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        found.update(email.lower() for email in _EMAIL.findall(text))
        found.update(_digits(phone) for phone in _PHONE.findall(text))
    return frozenset(found)


def redact(text: str, keep: FrozenSet[str] = frozenset()) -> str:
    """`text` with emails, case references, phone numbers, long digit runs and introduced names
    replaced; addresses and numbers in `keep` (public_contacts) stay."""
    text = _EMAIL.sub(lambda m: m.group() if m.group().lower() in keep else EMAIL, text or "")
    text = _REFERENCE.sub(REFERENCE, text)
    text = _PHONE.sub(lambda m: m.group() if _digits(m.group()) in keep else PHONE, text)
    text = _DIGITS.sub(lambda m: m.group() if m.group() in keep else NUMBER, text)
    return _redact_names(text)
