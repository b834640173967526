"""`python -m knowledge.validate [FILE]`: checks the knowledge and messages files, prints a summary."""
import argparse
import sys
from collections import Counter

from knowledge.errors import KnowledgeError
from knowledge.loader import load_knowledge


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("knowledge_file", nargs="?", help="default: data/knowledge/segib.yml")
    parser.add_argument("--messages", help="default: data/knowledge/messages.yml")
    args = parser.parse_args(argv)
    try:
        knowledge = load_knowledge(args.knowledge_file, args.messages)
    except KnowledgeError as error:
        print(f"ERROR {error}", file=sys.stderr)
        return 1
    kinds = Counter(entry.kind for entry in knowledge.entries())
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    print(f"OK {knowledge.path}: {len(knowledge)} entries ({summary}); "
          f"{len(knowledge.messages.texts)} phrases in es/pt/en")
    return 0


if __name__ == "__main__":
    sys.exit(main())
