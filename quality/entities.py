"""Entity scores of the knowledge matcher (what KnowledgeEntityExtractor runs) on labelled examples.

An entity is "type:id". Per example, the found entities and the listed ones are compared as sets
(a name said twice is one entity): right = found and listed, precision = right / found,
recall = right / listed, over all the examples of a language.
"""
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

from quality import yamlfile
from quality.common import ENTITY_EXAMPLES_FILE, LANGUAGES
from quality.problems import Problem


def load_examples(path: Path = ENTITY_EXAMPLES_FILE) -> Tuple[List[Tuple[str, str, List[str], int]], List[Problem]]:
    """[(language, text, ["type:id", ...], line)] and the problems of the file."""
    try:
        document = yamlfile.load(path)
    except yamlfile.YamlError as error:
        return [], [Problem(str(path), error.line, error.message)]
    examples, problems = [], []
    by_language = (document or {}).get("examples") if isinstance(document, dict) else None
    if not isinstance(by_language, dict):
        return [], [Problem(str(path), 1, "the file needs 'examples:' with es, pt and en lists")]
    for language in LANGUAGES:
        items = by_language.get(language) or []
        for index, item in enumerate(items):
            line = getattr(items, "line_of", lambda i: None)(index)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str) \
                    or not isinstance(item.get("entities"), list) \
                    or not all(isinstance(e, str) and ":" in e for e in item["entities"]):
                problems.append(Problem(str(path), line, "each example needs 'text' and 'entities: [type:id, ...]'"))
                continue
            examples.append((language, item["text"], list(item["entities"]), line))
    return examples, problems


def _scores(right: int, found: int, listed: int) -> Dict[str, float]:
    precision = right / found if found else 1.0
    recall = right / listed if listed else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": listed, "found": found, "right": right}


def evaluate(examples: Iterable[Tuple[str, str, List[str], int]], find) -> dict:
    """`find(text)` returns the found entities as "type:id" strings."""
    totals: Dict[str, Counter] = defaultdict(Counter)   # language -> right/found/listed
    by_type: Dict[str, Counter] = defaultdict(Counter)
    errors = []
    count = 0
    for language, text, expected, line in examples:
        count += 1
        found = sorted(set(find(text)))
        expected = sorted(set(expected))
        right = [e for e in found if e in expected]
        extra = [e for e in found if e not in expected]
        missing = [e for e in expected if e not in found]
        for key in (language, "all"):
            totals[key].update(right=len(right), found=len(found), listed=len(expected))
        for entity in expected:
            by_type[entity.split(":")[0]]["listed"] += 1
        for entity in found:
            by_type[entity.split(":")[0]]["found"] += 1
        for entity in right:
            by_type[entity.split(":")[0]]["right"] += 1
        if missing or extra:
            errors.append({"language": language, "text": text, "line": line, "expected": expected,
                           "found": found, "missing": missing, "extra": extra})
    scores = {key: _scores(c["right"], c["found"], c["listed"]) for key, c in totals.items()}
    return {
        "examples": count,
        "by_language": {lang: scores.get(lang, _scores(0, 0, 0)) for lang in LANGUAGES},
        "all": scores.get("all", _scores(0, 0, 0)),
        "by_type": {name: _scores(c["right"], c["found"], c["listed"]) for name, c in sorted(by_type.items())},
        "errors": errors,
    }


def matcher_finder():
    """The knowledge matcher of the current knowledge file, as a `find` function."""
    from knowledge import load_knowledge
    from knowledge.matcher import KnowledgeMatcher

    matcher = KnowledgeMatcher(load_knowledge())
    return lambda text: [f"{m.entity}:{m.value}" for m in matcher.find(text)]
