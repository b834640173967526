"""reports/insights-unanswered.yml: the unanswered questions as Rasa training data (format 3.1), one
`nlu:` block per group, the intent left for staff to choose.

Staff replace CHOOSE_INTENT with one of the domain's intents (the model's guess is suggested in a
comment where it had one), delete the blocks that are not questions to teach, and move the file
under data/nlu/; `make validate` (quality/validate.py) names every block still unchosen.
"""
from pathlib import Path
from typing import Dict, List, Set

from quality import yamlfile
from quality.common import LANGUAGES
from quality.problems import Problem

UNCHOSEN_INTENT = "CHOOSE_INTENT"


def _one_line(text: str) -> str:
    """One line for a YAML comment or an `examples` item, whatever the citizen typed; "][" apart,
    which Rasa would read as an entity annotation ("[name][phone]")."""
    return " ".join(text.split()).replace("][", "] [")


def render(groups: List[Dict], period: Dict) -> str:
    lines = [
        f"# Preguntas sin respuesta del {period['since'][:10]} al {period['until'][:10]} (make insights).",
        f"# Unanswered questions from {period['since'][:10]} to {period['until'][:10]} (make insights).",
        f"# En cada bloque, cambie {UNCHOSEN_INTENT} por una intención de domain.yml (o borre el bloque),",
        "# revise los ejemplos y mueva el archivo a data/nlu/; `make validate` lo comprueba.",
        f"# In each block, replace {UNCHOSEN_INTENT} with an intent of domain.yml (or delete the block),",
        "# check the examples and move the file under data/nlu/; `make validate` checks it.",
        "# Datos personales ya sustituidos · Personal data already replaced: [email] [phone] [number] [name]",
        'version: "3.1"',
        "nlu:",
    ]
    blocks = [(group, [_one_line(t) for t in group["variants"] if t.strip()]) for group in groups]
    for number, (group, examples) in enumerate(((g, e) for g, e in blocks if e), 1):
        languages = ", ".join(group["languages"])
        lines.append(f"# {number}. {group['count']} x, {languages}; "
                     f"el bot respondió · the bot replied: {_one_line(group['bot_reply'])[:200]}")
        if group["suggested_intent"]:
            lines.append(f"# sugerida · suggested: {group['suggested_intent']} "
                         f"({group['suggested_confidence']:.2f})")
        lines.append(f"- intent: {UNCHOSEN_INTENT}")
        lines.append("  examples: |")
        lines += [f"    - {text}" for text in examples]
    if lines[-1] == "nlu:":
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"


def check(nlu_dir: Path, domain_intents: Set[str]) -> List[Problem]:
    """`make validate`: in every NLU file under `nlu_dir`, a block whose intent is still unchosen (a
    reports/insights-unanswered.yml moved in) is an error naming its line; so is, outside the three
    language files (checked by quality.parity), an intent the domain does not have."""
    problems: List[Problem] = []
    for path in sorted(Path(nlu_dir).rglob("*.yml")):
        try:
            document = yamlfile.load(path)
        except yamlfile.YamlError as error:
            problems.append(Problem(str(path), error.line, error.message))
            continue
        blocks = document.get("nlu") if isinstance(document, dict) else None
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, dict) or "intent" not in block:
                continue
            line, intent = block.line_of("intent"), block["intent"]
            if intent == UNCHOSEN_INTENT:
                problems.append(Problem(str(path), line,
                                        f"choose the intent of these examples: replace {UNCHOSEN_INTENT} "
                                        f"with an intent of domain.yml (the comment above may suggest "
                                        f"one), or delete the block"))
            elif path.stem not in LANGUAGES and intent not in domain_intents:
                problems.append(Problem(str(path), line, f"intent '{intent}' is not in domain.yml "
                                                         f"(choose one of its intents, or fix the name)"))
    return problems
