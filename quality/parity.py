"""Language parity of the training data: every intent of domain.yml is taught in es, pt and en."""
from pathlib import Path
from typing import List, Set

from quality import yamlfile
from quality.common import LANGUAGES, NLU_DIR
from quality.problems import Problem

MIN_EXAMPLES = 10          # fewer than this in a language: error
IMBALANCE = 0.5            # fewer than half of the best-served language: warning


def _blocks(path: Path):
    """intent -> (line of its block, number of examples) of one NLU file."""
    document = yamlfile.load(path)
    result = {}
    for block in (document or {}).get("nlu") or []:
        if isinstance(block, dict) and "intent" in block:
            count = sum(1 for line in str(block.get("examples", "")).splitlines() if line.strip().startswith("- "))
            line, previous = result.get(block["intent"], (block.line, 0))
            result[block["intent"]] = (line, previous + count)
    return result


def check(domain_intents: Set[str], nlu_dir: Path = NLU_DIR) -> List[Problem]:
    problems: List[Problem] = []
    blocks = {}
    for language in LANGUAGES:
        path = Path(nlu_dir) / f"{language}.yml"
        try:
            blocks[language] = _blocks(path)
        except yamlfile.YamlError as error:
            problems.append(Problem(str(path), error.line, error.message))
            blocks[language] = {}
    for language in LANGUAGES:
        path = str(Path(nlu_dir) / f"{language}.yml")
        for intent, (line, _) in sorted(blocks[language].items()):
            if intent not in domain_intents:
                problems.append(Problem(path, line,
                                        f"intent '{intent}' is not in domain.yml (add it there, or fix the name)"))
    for intent in sorted(domain_intents):
        counts = {lang: blocks[lang].get(intent, (None, 0))[1] for lang in LANGUAGES}
        best = max(counts.values())
        for language in LANGUAGES:
            path = str(Path(nlu_dir) / f"{language}.yml")
            line = blocks[language].get(intent, (None, 0))[0]
            count = counts[language]
            if count == 0:
                problems.append(Problem(path, None, f"intent '{intent}' has no examples in {language}: add a "
                                        f"'- intent: {intent}' block "
                                        f"(es {counts['es']}, pt {counts['pt']}, en {counts['en']})"))
            elif count < MIN_EXAMPLES:
                problems.append(Problem(path, line, f"intent '{intent}' has only {count} examples in {language} "
                                        f"(at least {MIN_EXAMPLES} are needed)"))
            elif count < IMBALANCE * best:
                problems.append(Problem(path, line, f"intent '{intent}' has {count} examples in {language} against "
                                        f"{best} in another language", "warning"))
    return problems
