"""Runs scripted conversations through the REST channel: the end-to-end set (tests/data/e2e_conversations.yml)
and the realistic set of issue #21 (tests/data/realistic/)."""
import os
import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import yaml

from knowledge.loader import load_knowledge
from quality import fragments

CONVERSATIONS_FILE = Path(__file__).resolve().parents[1] / "data" / "e2e_conversations.yml"


@dataclass
class Outcome:
    id: str
    language: str
    reply: str
    missing: List[str]
    kind: str = ""
    turns: List[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.missing


def load_conversations(path: Path = CONVERSATIONS_FILE) -> list:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]


def reply_text(messages: list) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def play(say: Callable[[str, str], list], conversation: dict, prefix: str) -> str:
    """Plays the turns on a fresh sender, as a new citizen would; returns the reply to the last turn."""
    sender = f"{prefix}-{conversation['id']}-{uuid.uuid4().hex[:6]}"
    messages: list = []
    for turn in conversation["turns"]:
        messages = say(sender, turn)
    return reply_text(messages)


def run_conversation(say: Callable[[str, str], list], conversation: dict) -> Outcome:
    """Plays the turns on a fresh sender; checks the last reply holds every expected fragment
    (quality/fragments.py: case and spacing do not count, accents do)."""
    text = play(say, conversation, "e2e")
    missing = fragments.missing(text, conversation["expect"])
    return Outcome(conversation["id"], conversation["language"], text, missing)


# ---------------------------------------------------------------------------------------------------
# Realistic conversations (issue #21, tests/data/realistic/{es,pt,en}.yml): written the way citizens
# write, each with a kind, checked on the reply to the last turn for facts, honesty and language.
# One implementation for the pytest runner (tests/e2e/test_realistic.py) and `make evaluate`
# (quality/realistic.py). REALISTIC_DIR points both at another folder (the lead's hold-out set).
# ---------------------------------------------------------------------------------------------------
REALISTIC_DIR_ENV = "REALISTIC_DIR"
DEFAULT_REALISTIC_DIR = Path(__file__).resolve().parents[1] / "data" / "realistic"
REALISTIC_LANGUAGES = ("es", "pt", "en")
KINDS = ("unknown", "follow_up", "compound", "noisy_fact")
# The size and mix issue #21 asks of the set, and the bar the bot must meet on it.
MIN_PER_LANGUAGE = 60
MIN_SHARE = {"unknown": 0.25, "follow_up": 0.20, "compound": 0.20}
LANGUAGE_BAR = 0.95
KIND_BAR = 0.90
# Contract with the implementers of #21: an answer to something the knowledge file does not hold says
# so with one of these phrases (matched as fragments, quality/fragments.py) and gives a SEGIB contact.
HONESTY_MARKERS = {"es": ("no tengo",), "pt": ("não tenho",), "en": ("i don't have", "i do not have")}
NOT_HONEST = "no honest 'not known'"


def realistic_dir(directory: Optional[Path] = None) -> Path:
    return Path(directory or os.environ.get(REALISTIC_DIR_ENV) or DEFAULT_REALISTIC_DIR)


def load_realistic(directory: Optional[Path] = None) -> List[dict]:
    folder = realistic_dir(directory)
    conversations = []
    for language in REALISTIC_LANGUAGES:
        path = folder / f"{language}.yml"
        if path.exists():
            conversations += yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]
    return conversations


def realistic_set_problems(conversations: List[dict]) -> List[str]:
    """What keeps the set from the size and mix issue #21 asks for (empty when it meets them)."""
    problems = []
    ids = Counter(c["id"] for c in conversations)
    problems += [f"id {i!r} is used {n} times" for i, n in ids.items() if n > 1]
    for c in conversations:
        if c.get("kind") not in KINDS:
            problems.append(f"{c['id']}: kind {c.get('kind')!r} is not one of {', '.join(KINDS)}")
        if c.get("language") not in REALISTIC_LANGUAGES:
            problems.append(f"{c['id']}: language {c.get('language')!r}")
        if not c.get("turns") or not all(isinstance(t, str) and t.strip() for t in c["turns"]):
            problems.append(f"{c['id']}: turns must be a list of non-empty messages")
    for language in REALISTIC_LANGUAGES:
        kinds = Counter(c.get("kind") for c in conversations if c.get("language") == language)
        total = sum(kinds.values())
        if total < MIN_PER_LANGUAGE:
            problems.append(f"{language}: {total} conversations, at least {MIN_PER_LANGUAGE} needed")
        for kind, share in MIN_SHARE.items():
            if total and kinds[kind] / total < share:
                problems.append(f"{language}: {kinds[kind]}/{total} {kind}, at least {share:.0%} needed")
    return problems


def _any_of(strings) -> "re.Pattern":
    longest_first = sorted((s for s in strings if s), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(s) for s in longest_first) + r")(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _knowledge_strings() -> Tuple["re.Pattern", "re.Pattern", Tuple[str, ...]]:
    """Patterns of every name and full name, and of every address, of the knowledge file (in any
    language); and the SEGIB contacts (e-mails and phones) an honest answer may point to."""
    knowledge = load_knowledge()
    names, addresses = set(), set()
    contacts = {knowledge.defaults["contact_email"]}
    for entry in knowledge.entries():
        names.update(entry.aliases())
        names.update((entry.get("full_name") or {}).values())
        addresses.update((entry.get("address") or {}).values())
        contacts.update(entry.get(key) for key in ("phone", "email") if entry.get(key))
    return _any_of(names), _any_of(addresses), tuple(sorted(contacts))


@lru_cache(maxsize=1)
def _reply_detector():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(
        Language.SPANISH, Language.PORTUGUESE, Language.ENGLISH).with_preloaded_language_models().build()


_LINKS = re.compile(r"https?://\S+|www\.\S+|\S+@\S+")
_NUMBERS = re.compile(r"\d+")
_LANGUAGE_CODES = {"SPANISH": "es", "PORTUGUESE": "pt", "ENGLISH": "en"}
MIN_WORDS_TO_JUDGE = 3
# Lingua's confidences add up to 1 over the three languages; closer than this, the reply's own words
# do not tell Spanish from Portuguese (e.g. "O ... é o chileno ..., que ocupa o cargo desde ...").
MIN_MARGIN = 0.25


def reply_language(text: str) -> Optional[str]:
    """The language a reply is written in, or None when its own words cannot tell.

    Independent of the bot's own detector (knowledge/language.py mixes Lingua with a model trained on
    the bot's training data, and reads the *citizen's* words): here plain Lingua, restricted to
    es/pt/en, reads only the *bot's* words. Links, e-mails, numbers and the knowledge file's addresses
    are removed first: they are written in one language whatever the reply's language ("Paseo de
    Recoletos" in an English reply, "programas-iniciativas-y-proyectos" in every source link). Then
    Lingua judges the words without the knowledge file's names either ("Andrés Allamand", "CEPAL"
    are no language); when that is too short or too close to call, the localized names are put back
    ("Escritório Sub-regional para o Cone Sul" *is* Portuguese), and if that is still unclear the
    reply is not judged. Every correct reply of the bot gets its own language from this check.
    """
    names, addresses, _ = _knowledge_strings()
    plain = _NUMBERS.sub(" ", addresses.sub(" ", _LINKS.sub(" ", text)))
    for words in (names.sub(" ", plain), plain):
        language = _clear_language(words)
        if language:
            return language
    return None


def _clear_language(words: str) -> Optional[str]:
    if len(re.findall(r"[^\W\d_]{2,}", words)) < MIN_WORDS_TO_JUDGE:
        return None
    best, second = _reply_detector().compute_language_confidence_values(words)[:2]
    return _LANGUAGE_CODES[best.language.name] if best.value - second.value >= MIN_MARGIN else None


def realistic_problems(conversation: dict, text: str) -> List[str]:
    """Why the reply to a realistic conversation's last turn is wrong (empty when it is right).
    Fragments (expect, expect_any, forbid, the honesty markers) match by quality/fragments.py."""
    problems = [f"missing {f!r}" for f in fragments.missing(text, conversation.get("expect", []))]
    problems += [f"missing one of {group!r}" for group in fragments.missing(text, conversation.get("expect_any", []))]
    problems += [f"states {f!r}" for f in conversation.get("forbid", []) if fragments.contains(text, f)]
    language = conversation["language"]
    if conversation["kind"] == "unknown":
        if not fragments.contains_any(text, HONESTY_MARKERS[language]):
            problems.append(f"{NOT_HONEST} ({' / '.join(HONESTY_MARKERS[language])})")
        if not fragments.contains_any(text, _knowledge_strings()[2]):
            problems.append("no SEGIB contact")
    written_in = reply_language(text)
    if written_in is not None and written_in != language:
        problems.append(f"reply in {written_in}, not {language}")
    if not text.strip():
        problems.append("no reply")
    return problems


def run_realistic(say: Callable[[str, str], list], conversation: dict) -> Outcome:
    """Plays the conversation on a fresh sender; checks the reply to its last turn."""
    text = play(say, conversation, "realistic")
    return Outcome(conversation["id"], conversation["language"], text, realistic_problems(conversation, text),
                   kind=conversation["kind"], turns=list(conversation["turns"]))


def realistic_scores(outcomes: List[Outcome]) -> dict:
    """Right/total per language, per kind and per language × kind, and whether the #21 bar is met."""
    def tally(select) -> Dict[str, Dict[str, int]]:
        table: Dict[str, Dict[str, int]] = defaultdict(lambda: {"passed": 0, "total": 0})
        for o in outcomes:
            cell = table[select(o)]
            cell["passed"] += o.passed
            cell["total"] += 1
        return dict(table)

    by_language = tally(lambda o: o.language)
    by_kind = tally(lambda o: o.kind)
    cells = tally(lambda o: f"{o.language}/{o.kind}")
    share = lambda cell: cell["passed"] / cell["total"]
    bar = [f"{lang} {share(c):.1%} < {LANGUAGE_BAR:.0%}" for lang, c in by_language.items() if share(c) < LANGUAGE_BAR]
    bar += [f"{kind} {share(c):.1%} < {KIND_BAR:.0%}" for kind, c in by_kind.items() if share(c) < KIND_BAR]
    # "Never a different fact presented as the answer": a reply without the honest "not known" does just
    # that (or says nothing useful), so every 'unknown' reply must carry it.
    dishonest = [o.id for o in outcomes if o.kind == "unknown" and any(p.startswith(NOT_HONEST) for p in o.missing)]
    if dishonest:
        bar.append(f"{len(dishonest)} 'unknown' replies do not say the answer is not known: {', '.join(dishonest)}")
    return {"by_language": by_language, "by_kind": by_kind,
            "by_language_kind": {lang: {kind: cells.get(f"{lang}/{kind}") for kind in KINDS}
                                 for lang in REALISTIC_LANGUAGES if lang in by_language},
            "total": {"passed": sum(o.passed for o in outcomes), "total": len(outcomes)},
            "bar": {"language_min": LANGUAGE_BAR, "kind_min": KIND_BAR},
            "bar_met": not bar, "bar_failures": bar}


def realistic_table(scores: dict) -> List[str]:
    """The per language × kind table as text lines (pytest's "measured" section, `make evaluate`)."""
    def cell(c) -> str:
        return f"{c['passed']}/{c['total']}" if c else "-"

    lines = [f"{'':<4} " + " ".join(f"{k:>11}" for k in KINDS) + f" {'all':>13}"]
    for lang, row in scores["by_language_kind"].items():
        c = scores["by_language"][lang]
        lines.append(f"{lang:<4} " + " ".join(f"{cell(row[k]):>11}" for k in KINDS)
                     + f" {cell(c):>7} {c['passed'] / c['total']:>5.0%}")
    lines.append(f"{'all':<4} " + " ".join(f"{cell(scores['by_kind'].get(k)):>11}" for k in KINDS)
                 + f" {cell(scores['total']):>7} {scores['total']['passed'] / max(scores['total']['total'], 1):>5.0%}")
    return lines


def describe_failure(outcome: Outcome) -> str:
    turns = " | ".join(outcome.turns)
    return (f"[{outcome.language}/{outcome.kind}] {outcome.id}: {'; '.join(outcome.missing)}\n"
            f"    said: {turns}\n    reply: " + outcome.reply.replace("\n", "\n           "))
