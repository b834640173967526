"""JSON schemas of the knowledge file and the messages file, and their checks beyond the schema."""
from typing import Any, Dict, Iterable, List

import jsonschema

from knowledge.errors import KnowledgeError

LANGUAGES = ("es", "pt", "en")

_LOCALIZED_TEXT = {
    "type": "object",
    "properties": {lang: {"type": "string", "minLength": 1} for lang in LANGUAGES},
    "required": list(LANGUAGES),
    "additionalProperties": False,
}
_NAMES = {
    "type": "object",
    "properties": {
        lang: {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}
        for lang in LANGUAGES
    },
    "required": list(LANGUAGES),
    "additionalProperties": False,
}
_URL = {"type": "string", "pattern": r"^https://[^\s]+$"}

_COMMON = {
    "id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"},
    "kind": {"type": "string"},
    "names": _NAMES,
    "source": _URL,
    "source_note": {"type": "string", "minLength": 1},
}


def _entry_schema(required: List[str], **fields: Any) -> Dict[str, Any]:
    return {
        "type": "object",
        "properties": {**_COMMON, **fields},
        "required": ["id", "kind", "source", *required],
        "additionalProperties": False,
    }


ENTRY_SCHEMAS = {
    "fact": _entry_schema(["intent", "text"], intent={"type": "string", "pattern": r"^[a-z_0-9]+$"},
                          text=_LOCALIZED_TEXT),
    "member_country": _entry_schema(["names", "office"], office={"type": "string"}),
    "observer": _entry_schema(
        ["names", "observer_type"],
        observer_type={"enum": ["associate", "consultative"]},
        full_name=_LOCALIZED_TEXT,
        text=_LOCALIZED_TEXT,
    ),
    "document": _entry_schema(["names", "text"], text=_LOCALIZED_TEXT),
    "office": _entry_schema(
        ["names", "address", "phone", "email", "region"],
        address=_LOCALIZED_TEXT,
        phone={"type": "string", "minLength": 5},
        email={"type": "string", "pattern": r"^[^@\s]+@[^@\s]+\.[a-z]+$"},
        region=_LOCALIZED_TEXT,
    ),
    "non_member": _entry_schema(["names"]),
    # A city without a SEGIB office: questions about an office there get its country's office.
    "city": _entry_schema(["names", "country"], country={"type": "string"}),
}

KNOWLEDGE_FILE_SCHEMA = {
    "type": "object",
    "properties": {
        "schema_version": {"const": 1},
        "defaults": {
            "type": "object",
            "properties": {
                "contact_email": {"type": "string", "pattern": r"^[^@\s]+@[^@\s]+$"},
                "website": _URL,
            },
            "required": ["contact_email", "website"],
            "additionalProperties": False,
        },
        "entries": {"type": "array", "minItems": 1, "items": {"type": "object"}},
    },
    "required": ["schema_version", "defaults", "entries"],
    "additionalProperties": False,
}

_ALIASES = {
    "type": "object",
    "additionalProperties": _NAMES,
}
MESSAGES_FILE_SCHEMA = {
    "type": "object",
    "properties": {
        "schema_version": {"const": 1},
        "messages": {"type": "object", "additionalProperties": _LOCALIZED_TEXT, "minProperties": 1},
        "vocabulary": {
            "type": "object",
            "properties": {"contact_fields": _ALIASES, "languages": _ALIASES, "attributes": _ALIASES,
                           "replies": _ALIASES},
            "required": ["contact_fields", "languages", "attributes", "replies"],
            "additionalProperties": False,
        },
    },
    "required": ["schema_version", "messages", "vocabulary"],
    "additionalProperties": False,
}


def _describe(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(part) for part in error.absolute_path)
    if error.validator == "additionalProperties":
        return f"unknown field: {error.message.split('(')[-1].rstrip(')')}" + (f" at {where}" if where else "")
    if error.validator == "required":
        return f"missing {error.message.split(' is a required')[0]}" + (f" at {where}" if where else "")
    return f"{error.message}" + (f" (at {where})" if where else "")


def validate_document(document: Any, schema: Dict[str, Any], path: str) -> None:
    """Validates the top level of a file against its schema."""
    if not isinstance(document, dict):
        raise KnowledgeError(f"{path}: the file must be a YAML mapping, found {type(document).__name__}")
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        raise KnowledgeError(f"{path}: {_describe(errors[0])}")


def validate_entries(entries: Iterable[Dict[str, Any]], path: str) -> None:
    """Validates each entry against the schema of its kind and the references between entries."""
    seen: Dict[str, int] = {}
    offices, countries = set(), set()
    for position, entry in enumerate(entries, start=1):
        label = f"entry #{position}" + (f" '{entry.get('id')}'" if entry.get("id") else "")
        kind = entry.get("kind")
        if kind not in ENTRY_SCHEMAS:
            raise KnowledgeError(
                f"{path}: {label}: unknown kind {kind!r} (expected one of {', '.join(ENTRY_SCHEMAS)})"
            )
        errors = list(jsonschema.Draft7Validator(ENTRY_SCHEMAS[kind]).iter_errors(entry))
        if errors:
            raise KnowledgeError(f"{path}: {label}: {_describe(errors[0])}")
        if entry["id"] in seen:
            raise KnowledgeError(f"{path}: {label}: duplicate id (already used by entry #{seen[entry['id']]})")
        seen[entry["id"]] = position
        if kind == "office":
            offices.add(entry["id"])
        if kind == "member_country":
            countries.add(entry["id"])
    # kind -> (field naming another entry, ids it may name, how to say what they are)
    references = {"member_country": ("office", offices, ("an office", "offices")),
                  "city": ("country", countries, ("a member country", "member countries"))}
    for position, entry in enumerate(entries, start=1):
        if entry["kind"] not in references:
            continue
        field_name, targets, (one, many) = references[entry["kind"]]
        if entry[field_name] not in targets:
            raise KnowledgeError(
                f"{path}: entry #{position} '{entry['id']}': {field_name} {entry[field_name]!r} is not "
                f"{one} entry (known {many}: {', '.join(sorted(targets)) or 'none'})"
            )
    intents: Dict[str, str] = {}
    for entry in entries:
        if entry["kind"] == "fact":
            if entry["intent"] in intents:
                raise KnowledgeError(
                    f"{path}: entry '{entry['id']}': intent {entry['intent']!r} is already answered by "
                    f"entry '{intents[entry['intent']]}'"
                )
            intents[entry["intent"]] = entry["id"]
