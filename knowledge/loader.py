"""Loads and validates the knowledge file and the messages file.

Any problem raises KnowledgeError with one message naming the file, the entry and the problem, so
that a broken edit stops the action server at start-up instead of producing wrong answers later.
"""
import os
import re
import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional

import yaml

from knowledge.errors import KnowledgeError
from knowledge.model import Entry, Knowledge, Messages
from knowledge.schema import KNOWLEDGE_FILE_SCHEMA, LANGUAGES, MESSAGES_FILE_SCHEMA, validate_document, validate_entries
from knowledge.text import fold

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KNOWLEDGE_FILE = PROJECT_ROOT / "data" / "knowledge" / "segib.yml"
DEFAULT_MESSAGES_FILE = PROJECT_ROOT / "data" / "knowledge" / "messages.yml"
KNOWLEDGE_FILE_ENV = "SEGIB_KNOWLEDGE_FILE"
MESSAGES_FILE_ENV = "SEGIB_MESSAGES_FILE"


# libyaml's parser when PyYAML has it (several times faster: start-up reads the files); a file it
# rejects is parsed again by the pure-Python one, whose error messages we report.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_text(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(text)


def _read_yaml(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return load_yaml_text(handle.read())
    except FileNotFoundError:
        raise KnowledgeError(f"{path}: file not found") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise KnowledgeError(f"{path}: invalid YAML{where}: {problem}") from None
    except UnicodeDecodeError as error:
        raise KnowledgeError(f"{path}: not UTF-8 text ({error.reason})") from None


def _placeholders(template: str) -> set:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def load_messages(path: Path) -> Messages:
    document = _read_yaml(path)
    validate_document(document, MESSAGES_FILE_SCHEMA, str(path))
    for key, texts in document["messages"].items():
        try:
            expected = _placeholders(texts["es"])
            for language in LANGUAGES:
                if _placeholders(texts[language]) != expected:
                    raise KnowledgeError(
                        f"{path}: message '{key}': the {language} text uses placeholders "
                        f"{sorted(_placeholders(texts[language]))}, the es text {sorted(expected)}"
                    )
        except ValueError as error:
            if isinstance(error, KnowledgeError):
                raise
            raise KnowledgeError(f"{path}: message '{key}': malformed placeholder ({error})") from None
    vocabulary = document["vocabulary"]

    def as_tuples(aliases: Dict[str, Dict[str, list]]) -> Dict[str, Dict[str, tuple]]:
        return {key: {lang: tuple(names) for lang, names in by_lang.items()} for key, by_lang in aliases.items()}

    return Messages(
        texts=document["messages"],
        contact_fields=as_tuples(vocabulary["contact_fields"]),
        language_names=as_tuples(vocabulary["languages"]),
        attributes=as_tuples(vocabulary["attributes"]),
        replies=as_tuples(vocabulary["replies"]),
    )


def _check_aliases_unique(entries: list, path: Path) -> None:
    owner: Dict[str, str] = {}
    for entry in entries:
        for alias in entry.aliases():
            key = " ".join(re.findall(r"\w+", fold(alias)))
            if key in owner and owner[key] != entry.id:
                raise KnowledgeError(
                    f"{path}: entry '{entry.id}': the name {alias!r} is also a name of entry "
                    f"'{owner[key]}' (names must identify one entry)"
                )
            owner[key] = entry.id


def load_knowledge(knowledge_path: Optional[Path] = None, messages_path: Optional[Path] = None) -> Knowledge:
    knowledge_path = Path(knowledge_path or os.environ.get(KNOWLEDGE_FILE_ENV) or DEFAULT_KNOWLEDGE_FILE)
    messages_path = Path(messages_path or os.environ.get(MESSAGES_FILE_ENV) or DEFAULT_MESSAGES_FILE)
    document = _read_yaml(knowledge_path)
    validate_document(document, KNOWLEDGE_FILE_SCHEMA, str(knowledge_path))
    validate_entries(document["entries"], str(knowledge_path))
    entries = [
        Entry(
            id=raw["id"],
            kind=raw["kind"],
            names={lang: tuple(names) for lang, names in raw.get("names", {}).items()},
            source=raw["source"],
            fields={k: v for k, v in raw.items() if k not in ("id", "kind", "names", "source")},
        )
        for raw in document["entries"]
    ]
    _check_aliases_unique(entries, knowledge_path)
    return Knowledge(entries, document["defaults"], load_messages(messages_path), str(knowledge_path))


@lru_cache(maxsize=1)
def default_knowledge() -> Knowledge:
    """The knowledge of this process, loaded once (files from the environment or the defaults)."""
    return load_knowledge()
