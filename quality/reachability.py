"""Can every knowledge entry actually be reached by a citizen?

- a fact answers an intent that is in domain.yml, has training examples in es, pt and en, and a rule
  (or story) that runs action_answer for it;
- an observer, member country, document, office, city or non-member can be asked about: the intents
  that use it exist with examples in every language, and the matcher finds the entry from at least
  one of its names in every language (names that lead to another entry are reported too);
- every entity type the matcher produces is declared in domain.yml (Rasa drops undeclared ones).
"""
import re
from pathlib import Path
from typing import Dict, List, Set

import yaml

from quality import yamlfile
from quality.common import DOMAIN_FILE, KNOWLEDGE_FILE, LANGUAGES, NLU_DIR, RULES_FILE
from quality.problems import Problem

# Which intents let a citizen ask about an entry of each kind.
INTENTS_FOR_KIND = {
    "observer": ["ask_is_observer"],
    "member_country": ["ask_is_member", "ask_office_for_country"],
    "non_member": ["ask_is_member", "ask_is_observer"],
    "document": ["ask_document"],
    "office": ["ask_contact"],
    "city": ["ask_contact", "ask_office_for_country"],
}


def entry_lines(path: Path = KNOWLEDGE_FILE) -> Dict[str, int]:
    """entry id -> line of the entry in the knowledge file."""
    try:
        document = yamlfile.load(path)
    except yamlfile.YamlError:
        return {}
    entries = document.get("entries") if isinstance(document, dict) else None
    return {e["id"]: e.line for e in entries or [] if isinstance(e, dict) and isinstance(e.get("id"), str)}


def intent_examples(nlu_dir: Path = NLU_DIR) -> Dict[str, Dict[str, int]]:
    """language -> intent -> number of training examples."""
    from quality.split import read_examples

    return {lang: {intent: len(texts) for intent, texts in read_examples(Path(nlu_dir) / f"{lang}.yml").items()}
            for lang in LANGUAGES if (Path(nlu_dir) / f"{lang}.yml").exists()}


def answered_intents(rules_file: Path = RULES_FILE) -> Dict[str, Set[str]]:
    """intent -> actions that rules run right after it."""
    document = yaml.safe_load(Path(rules_file).read_text(encoding="utf-8")) or {}
    result: Dict[str, Set[str]] = {}
    for block in (document.get("rules") or []) + (document.get("stories") or []):
        steps = block.get("steps") or []
        for step, following in zip(steps, steps[1:]):
            if "intent" in step and "action" in following:
                result.setdefault(step["intent"], set()).add(following["action"])
    return result


def check(knowledge, matcher, domain_intents: Set[str], domain_entities: Set[str],
          knowledge_file: Path = KNOWLEDGE_FILE, nlu_dir: Path = NLU_DIR, rules_file: Path = RULES_FILE,
          domain_file: Path = DOMAIN_FILE) -> List[Problem]:
    from knowledge.matcher import CONTACT_FIELD, ENTITY_TYPE_BY_KIND, LANGUAGE

    problems: List[Problem] = []
    where = str(knowledge_file)
    lines = entry_lines(knowledge_file)
    examples = intent_examples(nlu_dir)
    rules = answered_intents(rules_file)

    def intent_problems(intent: str, entry_id: str, why: str) -> List[Problem]:
        found = []
        line = lines.get(entry_id)
        if intent not in domain_intents:
            return [Problem(where, line, f"entry '{entry_id}': {why} intent '{intent}', which is not in "
                            f"{Path(domain_file).name}: add it there and give it training examples")]
        for language in LANGUAGES:
            if not examples.get(language, {}).get(intent):
                found.append(Problem(str(Path(nlu_dir) / f"{language}.yml"), None,
                                     f"intent '{intent}' (needed by entry '{entry_id}') has no training examples "
                                     f"in {language}: add a '- intent: {intent}' block"))
        if "action_answer" not in rules.get(intent, set()):
            found.append(Problem(str(rules_file), None, f"intent '{intent}' (needed by entry '{entry_id}') has no "
                                 "rule that runs action_answer: the bot would never answer it"))
        return found

    checked_intents = set()
    for entry in knowledge.entries():
        if entry.kind == "fact":
            problems += intent_problems(entry.get("intent"), entry.id, "it answers the")
        for intent in INTENTS_FOR_KIND.get(entry.kind, []):
            if intent not in checked_intents:
                checked_intents.add(intent)
                problems += intent_problems(intent, entry.id, f"a {entry.kind} is asked about with the")
        entity_type = ENTITY_TYPE_BY_KIND.get(entry.kind)
        if entity_type and entry.names:
            problems += _names_problems(entry, entity_type, matcher, where, lines.get(entry.id))

    produced = set(ENTITY_TYPE_BY_KIND.values()) | {CONTACT_FIELD, LANGUAGE}
    for entity_type in sorted(produced - set(domain_entities)):
        problems.append(Problem(str(domain_file), None, f"entity '{entity_type}' is found in messages but not "
                                "declared under 'entities:' (Rasa would drop it)"))
    return problems


def _common_words() -> Set[str]:
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.es.stop_words import STOP_WORDS as ES
    from spacy.lang.pt.stop_words import STOP_WORDS as PT

    from knowledge.text import fold

    return {fold(word) for word in EN | ES | PT}


def _names_problems(entry, entity_type: str, matcher, where: str, line) -> List[Problem]:
    from knowledge.text import words

    problems = []
    common = _common_words()
    for language in LANGUAGES:
        names = entry.names.get(language, ())
        reached = False
        for name in names:
            if words(name) and all(word in common for word in words(name)):
                problems.append(Problem(where, line, f"entry '{entry.id}': the {language} name {name!r} is only "
                                        "common words: ordinary messages that contain them would be taken as "
                                        "this entry", "warning"))
            found = {(m.entity, m.value) for m in matcher.find(name)}
            if (entity_type, entry.id) in found:
                reached = True
            elif found:
                others = ", ".join(f"{e}:{v}" for e, v in sorted(found))
                problems.append(Problem(where, line, f"entry '{entry.id}': the {language} name {name!r} is "
                                        f"recognised as {others} instead", "warning"))
            else:
                problems.append(Problem(where, line, f"entry '{entry.id}': the {language} name {name!r} is not "
                                        "recognised (too short, or only common words)", "warning"))
        if not reached:
            problems.append(Problem(where, line, f"entry '{entry.id}': none of its {language} names is recognised "
                                    f"as this entry, so citizens writing in {language} cannot ask about it"))
    return problems


def knowledge_error_line(message: str, knowledge_file: Path = KNOWLEDGE_FILE) -> int:
    """The line of the entry a KnowledgeError message talks about (0 when unknown)."""
    match = re.search(r"at line (\d+)", message)
    if match:
        return int(match.group(1))
    lines = entry_lines(knowledge_file)
    match = re.search(r"entr(?:y|ies) (?:#(\d+) )?'([a-z0-9_]+)'", message)
    if match and match.group(2) in lines:
        return lines[match.group(2)]
    match = re.search(r"entry #(\d+)", message)
    if match:
        try:
            entries = yamlfile.load(knowledge_file)["entries"]
            return entries.line_of(int(match.group(1)) - 1)
        except (yamlfile.YamlError, KeyError, TypeError, IndexError):
            return 0
    return 0
