"""The knowledge as Python objects, indexed once at load time so look-ups do no per-request work."""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from knowledge.schema import LANGUAGES
from knowledge.text import fold


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    names: Mapping[str, Tuple[str, ...]]
    source: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def name(self, language: str) -> str:
        return self.names[language][0] if self.names else self.id

    def localized(self, field_name: str, language: str) -> str:
        return self.fields[field_name][language]

    def get(self, field_name: str, default: Any = None) -> Any:
        return self.fields.get(field_name, default)

    def aliases(self) -> List[str]:
        """Every name of the entry in every language, without repeats."""
        seen: Dict[str, str] = {}
        for language in LANGUAGES:
            for alias in self.names.get(language, ()):
                seen.setdefault(fold(alias), alias)
        return list(seen.values())


@dataclass(frozen=True)
class Messages:
    texts: Mapping[str, Mapping[str, str]]
    contact_fields: Mapping[str, Mapping[str, Tuple[str, ...]]]
    language_names: Mapping[str, Mapping[str, Tuple[str, ...]]]
    attributes: Mapping[str, Mapping[str, Tuple[str, ...]]] = field(default_factory=dict)  # knowledge/frame.py
    replies: Mapping[str, Mapping[str, Tuple[str, ...]]] = field(default_factory=dict)     # "yes", follow-up leads

    def text(self, key: str, language: str, **values: Any) -> str:
        return self.texts[key][language].format(**values)


class Knowledge:
    """Entries of the knowledge file plus the bot's phrases, with the indexes answers need."""

    def __init__(self, entries: List[Entry], defaults: Mapping[str, str], messages: Messages,
                 path: str = "") -> None:
        self.path = path
        self.defaults = defaults
        self.messages = messages
        self._by_id = {entry.id: entry for entry in entries}
        self._by_kind: Dict[str, List[Entry]] = {}
        for entry in entries:
            self._by_kind.setdefault(entry.kind, []).append(entry)
        self._fact_by_intent = {e.get("intent"): e for e in self._by_kind.get("fact", [])}

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, entry_id: Optional[str]) -> Optional[Entry]:
        return self._by_id.get(entry_id) if entry_id else None

    def of_kind(self, kind: str) -> List[Entry]:
        return list(self._by_kind.get(kind, []))

    def entries(self) -> List[Entry]:
        return list(self._by_id.values())

    def fact_for(self, intent: str) -> Optional[Entry]:
        return self._fact_by_intent.get(intent)

    def answered_intents(self) -> List[str]:
        return list(self._fact_by_intent)

    def office_for(self, country: Entry) -> Entry:
        return self._by_id[country.get("office")]

    def country_of(self, city: Entry) -> Entry:
        return self._by_id[city.get("country")]

    def countries_served_by(self, office: Entry) -> List[Entry]:
        return [c for c in self.of_kind("member_country") if c.get("office") == office.id]

    def observers(self, observer_type: str) -> List[Entry]:
        return [o for o in self.of_kind("observer") if o.get("observer_type") == observer_type]

    @property
    def headquarters(self) -> Entry:
        offices = self.of_kind("office")
        return self._by_id.get("headquarters") or offices[0]
