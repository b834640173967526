"""Intent accuracy of a model on held-out examples, in its own process (the model is loaded there).

    python -m bench.accuracy MODEL EXAMPLES.json  -> prints {"accuracy": ..., "n": ..., "per_language": ...}

EXAMPLES.json is a list of [language, intent, text]. Every example is parsed by the model's NLU
(with the FallbackClassifier, so a confident-enough prediction is needed, as in production).
"""
import asyncio
import json
import logging
import sys
from collections import defaultdict


async def _evaluate(model: str, examples: list) -> dict:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    right, total = defaultdict(int), defaultdict(int)
    errors = []
    for language, intent, text in examples:
        parsed = await agent.parse_message(text)
        predicted = (parsed.get("intent") or {}).get("name")
        total[language] += 1
        if predicted == intent:
            right[language] += 1
        else:
            errors.append([language, intent, predicted, text])
    n = sum(total.values())
    return {"accuracy": round(sum(right.values()) / n, 4) if n else None, "n": n,
            "per_language": {lang: round(right[lang] / total[lang], 4) for lang in sorted(total)},
            "errors": errors}


def main() -> None:
    logging.disable(logging.WARNING)
    model, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as handle:
        examples = json.load(handle)
    print(json.dumps(asyncio.run(_evaluate(model, examples)), ensure_ascii=False))


if __name__ == "__main__":
    main()
