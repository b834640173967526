"""Answer checks (tests/answer_checks.yml): questions and the facts their answer must contain.

Each check has a topic and, per language, one or more cases. A case says one message, or a short
conversation (a list: only the reply to the last message is checked), and the facts (`expect`) that
must all appear in that reply, by the rule of quality/fragments.py: upper/lower case, spacing and
Unicode encoding do not count, accents do ("Japón" is not "Japão"), which is how a reply in the wrong
language is caught. A fact can be a list of alternatives: any one of them is enough.
"""
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from quality import fragments, yamlfile
from quality.common import ANSWER_CHECKS_FILE, LANGUAGES, TOPICS, relative
from quality.fragments import Fact
from quality.problems import Problem


@dataclass
class Case:
    check: str                # the check's id
    topic: str
    language: str
    messages: List[str]
    expect: List[Fact]
    line: int
    path: str
    hint: Optional[str] = None  # optional metadata.language sent with the messages

    @property
    def label(self) -> str:
        return f"{self.check} ({self.language})"


@dataclass
class CaseResult:
    case: Case
    replies: List[List[str]] = field(default_factory=list)  # bot texts per message sent
    missing: List[Fact] = field(default_factory=list)
    error: str = ""

    @property
    def passed(self) -> bool:
        return not self.error and not self.missing

    @property
    def last_reply(self) -> str:
        return "\n".join(self.replies[-1]) if self.replies else ""


def _as_fact(value, where: str, line: int, problems: List[Problem]) -> Optional[Fact]:
    if isinstance(value, (str, int, float)) and str(value).strip():
        return str(value)
    if isinstance(value, list) and value and all(isinstance(v, (str, int, float)) and str(v).strip() for v in value):
        return [str(v) for v in value]
    problems.append(Problem(where, line,
                            f"'expect' items must be texts (or lists of alternative texts), found {value!r}"))
    return None


def load(path: Path = ANSWER_CHECKS_FILE) -> Tuple[List[Case], List[Problem]]:
    where = str(path)
    try:
        document = yamlfile.load(path)
    except yamlfile.YamlError as error:
        return [], [Problem(where, error.line, error.message)]
    if not isinstance(document, dict) or not isinstance(document.get("checks"), list):
        return [], [Problem(where, getattr(document, "line", 1), "the file needs a 'checks:' list")]
    cases: List[Case] = []
    problems: List[Problem] = []
    seen = {}
    for check in document["checks"]:
        line = getattr(check, "line", None)
        if not isinstance(check, dict) or not isinstance(check.get("id"), str):
            problems.append(Problem(where, line, "each check needs 'id: <name>'"))
            continue
        check_id = check["id"]
        if check_id in seen:
            problems.append(Problem(where, line,
                                    f"check '{check_id}' repeats the id of the check at line {seen[check_id]}"))
        seen[check_id] = line
        topic = check.get("topic")
        if topic not in TOPICS:
            problems.append(Problem(where, check.line_of("topic"), f"check '{check_id}': topic must be one of "
                                    f"{', '.join(TOPICS)} (found {topic!r})"))
        unknown = sorted(str(k) for k in check if k not in ("id", "topic", *LANGUAGES))
        if unknown:
            problems.append(Problem(where, line, f"check '{check_id}': unknown field(s) {', '.join(unknown)} "
                                    f"(expected id, topic, {', '.join(LANGUAGES)})"))
        languages = [lang for lang in LANGUAGES if lang in check]
        if not languages:
            problems.append(Problem(where, line, f"check '{check_id}': add at least one language (es, pt, en)"))
        for language in languages:
            items = check[language]
            items = items if isinstance(items, list) else [items]
            for item in items:
                item_line = getattr(item, "line", check.line_of(language))
                case = _case(item, check_id, str(topic), language, item_line, where, problems)
                if case:
                    cases.append(case)
    return cases, problems


def _case(item, check_id: str, topic: str, language: str, line: int, where: str,
          problems: List[Problem]) -> Optional[Case]:
    label = f"check '{check_id}' ({language})"
    if not isinstance(item, dict):
        problems.append(Problem(where, line, f"{label}: each case needs 'ask:' and 'expect:'"))
        return None
    unknown = sorted(str(k) for k in item if k not in ("ask", "expect", "hint"))
    if unknown:
        problems.append(Problem(where, line,
                                f"{label}: unknown field(s) {', '.join(unknown)} (expected ask, expect, hint)"))
    ask = item.get("ask")
    messages = [ask] if isinstance(ask, str) else ask
    if not isinstance(messages, list) or not messages or not all(isinstance(m, str) and m.strip() for m in messages):
        problems.append(Problem(where, line, f"{label}: 'ask' must be a message or a list of messages"))
        return None
    expect = item.get("expect")
    if not isinstance(expect, list) or not expect:
        problems.append(Problem(where, line, f"{label}: 'expect' must list at least one fact"))
        return None
    facts = [_as_fact(value, where, line, problems) for value in expect]
    if any(f is None for f in facts):
        return None
    hint = item.get("hint")
    if hint is not None and not isinstance(hint, str):
        problems.append(Problem(where, line, f"{label}: 'hint' must be a language code such as pt or pt-BR"))
        hint = None
    return Case(check_id, topic, language, [m.strip() for m in messages], facts, line, relative(where), hint)


def check_parity(cases: List[Case], path: Path = ANSWER_CHECKS_FILE) -> List[Problem]:
    """Warns when a topic has answer checks in some languages but not in others."""
    problems = []
    for topic in TOPICS:
        have = {c.language for c in cases if c.topic == topic}
        if have and have != set(LANGUAGES):
            problems.append(Problem(str(path), None, f"topic '{topic}' has answer checks in "
                                    f"{', '.join(sorted(have))} but not in {', '.join(sorted(set(LANGUAGES) - have))}",
                                    "warning"))
    return problems


def run(cases: List[Case], say: Callable[[str, str, Optional[dict]], list]) -> List[CaseResult]:
    """Runs each case in a new conversation. `say(sender, text, metadata)` returns the REST reply."""
    results = []
    for case in cases:
        result = CaseResult(case)
        sender = f"staff-check-{re.sub(r'[^a-z0-9_]', '_', case.check.lower())}-{case.language}-{uuid.uuid4().hex[:8]}"
        metadata = {"language": case.hint} if case.hint else None
        try:
            for message in case.messages:
                body = say(sender, message, metadata)
                result.replies.append([m.get("text", "") for m in body if isinstance(m, dict) and m.get("text")])
        except Exception as error:  # a broken server must show up in the report, not stop the run
            result.error = f"{type(error).__name__}: {error}"
        else:
            result.missing = fragments.missing(result.last_reply, case.expect)
        results.append(result)
    return results
