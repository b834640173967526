"""What a message asks, made explicit between the NLU and the rendering of the reply.

A **question frame** holds the classifier's intent, every entity named (in text order), every
attribute asked for (phone, link, date, budget, opening hours...: words of the citizen's message,
listed per language in data/knowledge/messages.yml `vocabulary.attributes`), and the conversation's
context. A message with two questions ("what is SEGIB and where is it?") has one clause per question.

The **decision table** (DECISION_TABLE below) says, for a subject and an attribute, what answers it:
the subject's own answer, another intent's answer, one contact field, or nothing the knowledge file
holds (an honest "I don't have ..." with what *is* known nearby). A pair the table does not list is
answered as the classifier's intent says, as it was before the table existed.

Pure Python: no Rasa import, no I/O; a frame is read in a few tens of microseconds.
"""
import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Pattern, Sequence, Tuple

from knowledge.model import Knowledge
from knowledge.text import fold
from knowledge.words import common_among

Entity = Tuple[str, str]               # (entity type, value): ("observer", "belgium"), ("topic", "summits")

# Kinds of entity that can be what a question is about; "topic" is a fact of the knowledge file.
SUBJECT_TYPES = ("observer", "member_country", "non_member", "document", "office", "city", "topic")
CONTACT_FIELD = "contact_field"
# An e-mail address or a phone number written in the message: the writer's own.
_EMAIL = r"[\w.+-]+@[\w-]+\.[\w.-]+"
OWN_CONTACT_DETAILS = re.compile(_EMAIL + r"|\+?\d[\d ().-]{6,}\d")
ADDRESSES = re.compile(_EMAIL + r"|\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
CONTACT_DETAILS = ("address", "phone", "email")
STATES = ("member_country", "observer", "non_member")
PLACES = ("office", "city", "member_country")
SEGIB = "segib_mission"                # the fact that says what SEGIB is: the default subject
CONVERSATIONAL_INTENTS = ("greet", "goodbye", "thank", "affirm", "deny", "help", "opener", "bot_challenge")
CLOSED_LIST_TOPICS = ("ask_is_observer", "ask_is_member")


# ---- the decision table ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """What answers one (subject, attribute) pair."""
    kind: str            # own | link | intent | answer | general | field | unknown | not_listed
    value: str = ""      # answer: the intent; field: the contact field; unknown: the phrase key of what is missing
    nearby: str = "own"  # unknown: the known answer that follows ("own": the subject's own answer, or an intent)


OWN = Outcome("own")                    # the subject's own answer (a topic's fact, an entity's usual answer)
LINK = Outcome("link")                  # a document's link as the answer ("¿me pasas el pdf?")
INTENT = Outcome("intent")              # what the classifier's intent answers about the subject


def answer(intent: str) -> Outcome:
    return Outcome("answer", intent)


def general(intent: str) -> Outcome:
    """The intent's answer about everything it covers ("which ones?" -> all the observers)."""
    return Outcome("general", intent)


def contact(field_name: str) -> Outcome:
    return Outcome("field", field_name)


def unknown(missing: str, nearby: str = "own") -> Outcome:
    return Outcome("unknown", missing, nearby)


ANY = "*"
ROLE = "role"                 # a post ("the press officer", "la secretaria del Allamand"): no contact of it is held
DIRECT_LINE = "direct_line"   # a person's own line ("mobile", "correo directo"): SEGIB publishes none
# Subjects: an entity kind (office, member_country, observer, non_member, document, city) or a topic
# (the id of a fact entry: segib_mission, summits, secretary_general, programmes...). First match wins.
DECISION_TABLE: Tuple[Tuple[object, str, Outcome], ...] = (
    # subject                                 attribute       what answers it
    (SEGIB,                                   "definition",   OWN),
    (SEGIB,                                   "person",       answer("ask_secretary_general")),
    (SEGIB,                                   "address",      contact("address")),
    (SEGIB,                                   "phone",        contact("phone")),
    (SEGIB,                                   "email",        contact("email")),
    (SEGIB,                                   "place",        contact("address")),
    (SEGIB,                                   "founded",      unknown("missing_founding", nearby="ask_summits")),
    (SEGIB,                                   "hours",        unknown("missing_hours", nearby="ask_contact")),
    (SEGIB,                                   "visit",        unknown("missing_visits", nearby="ask_contact")),
    (SEGIB,                                   "list",         answer("ask_member_countries")),
    (("office", "city", "member_country"),    "address",      contact("address")),
    (("office", "city", "member_country"),    "phone",        contact("phone")),
    (("office", "city", "member_country"),    "email",        contact("email")),
    (("office", "city"),                      "place",        contact("address")),
    (("office", "city"),                      "definition",   OWN),
    (("office", "city"),                      "person",       unknown("missing_staff")),
    (("office", "city"),                      "list",         general("ask_office_for_country")),
    ("summits",                               "definition",   OWN),
    ("summits",                               "frequency",    OWN),
    ("summits",                               "participants", OWN),
    ("summits",                               "since",        OWN),
    ("summits",                               "founded",      OWN),
    ("summits",                               "next",         unknown("missing_next_summit")),
    ("summits",                               "date",         unknown("missing_next_summit")),
    ("summits",                               "place",        unknown("missing_next_summit")),
    ("summits",                               "address",      unknown("missing_next_summit")),
    ("summits",                               "past",         unknown("missing_past_summits")),
    ("summits",                               "list",         unknown("missing_past_summits")),
    ("summits",                               "year",         unknown("missing_past_summits")),
    ("summits",                               "person",       unknown("missing_summit_hosts")),
    ("summits",                               "preparation",  answer("ask_summit_preparation")),
    ("summit_preparation",                    "preparation",  OWN),
    ("summits",                               "signatories",  unknown("missing_summit_decisions",
                                                                      nearby="ask_mandates")),
    ("secretary_general",                     "past",         unknown("missing_past_secretaries")),
    ("secretary_general",                     "age",          unknown("missing_personal_details")),
    ("secretary_general",                     "salary",       unknown("missing_salaries")),
    ("secretary_general",                     "year",         unknown("missing_past_secretaries")),
    ("secretary_general",                     "next",         unknown("missing_sg_term")),
    ("secretary_general",                     "origin",       OWN),
    ("secretary_general",                     "election",     unknown("missing_sg_election")),
    ("secretary_general",                     "address",      contact("address")),
    ("secretary_general",                     "phone",        contact("phone")),
    ("secretary_general",                     "email",        contact("email")),
    ("secretary_general",                     "since",        OWN),
    ("secretary_general",                     "date",         OWN),
    ("programmes",                            "list",         unknown("missing_programme_list")),
    ("programmes",                            "link",         OWN),
    ("mandates",                              "signatories",  OWN),
    ("member_countries",                      "list",         OWN),
    # "how many members and how many observers?": each count is in its topic's own answer.
    (("member_countries", "observers", "programmes", "strategic_axes", "documents"), "number", OWN),
    ("observers",                             "list",         OWN),
    ("observer_difference",                   "list",         answer("ask_observers")),
    ("documents",                             "list",         OWN),
    ("documents",                             "link",         OWN),
    ("document",                              "link",         LINK),
    ("document",                              "definition",   OWN),
    ("document",                              "date",         unknown("missing_document_details")),
    ("document",                              "year",         unknown("missing_document_details")),
    ("document",                              "number",       unknown("missing_document_details")),
    ("document",                              "signatories",  unknown("missing_document_details")),
    ("document",                              "passage",      unknown("missing_passage")),
    # "does the Community have observer states, or only members?": the observers, not the members.
    (("member_countries", SEGIB),             "observer_status", answer("ask_observers")),
    (STATES,                                  "membership",   answer("ask_is_member")),
    (STATES,                                  "observer_status", answer("ask_is_observer")),
    (STATES + ("city",),                      "office_of",    answer("ask_office_for_country")),
    ("member_countries",                      "office_of",    general("ask_office_for_country")),
    (STATES,                                  "kind",         answer("ask_is_observer")),
    (STATES,                                  "relation",     answer("ask_is_observer")),
    (STATES,                                  "list",         general("ask_observers")),
    (STATES,                                  "since",        unknown("missing_membership_date")),
    (STATES,                                  "year",         unknown("missing_membership_date")),
    (STATES,                                  "date",         unknown("missing_membership_date")),
    (STATES,                                  "requirements", unknown("missing_requirements")),
    ("action_plan",                           "next",         unknown("missing_next_plan")),
    ("strategic_axes",                        "list",         OWN),
    ("action_plan",                           "list",         answer("ask_strategic_axes")),
    (("action_plan", "cooperation"),          "axes",         answer("ask_strategic_axes")),
    ("strategic_axes",                        "axes",         OWN),
    (ANY,                                     "link",         OWN),
    (ANY,                                     "more",         unknown("missing_more")),
    (ANY,                                     "definition",   OWN),
    (ANY,                                     "budget",       unknown("missing_budget", nearby="ask_segib")),
    (ANY,                                     "opinion",      unknown("missing_opinion", nearby="ask_segib")),
    (ANY,                                     "consular",     unknown("missing_consular", nearby="ask_segib")),
    (ANY,                                     "visit",        unknown("missing_visits")),
    (ANY,                                     "statistics",   unknown("missing_statistics",
                                                                      nearby="ask_member_countries")),
    (ANY,                                     "grants",       unknown("missing_grants", nearby="ask_programmes")),
    (("summits", "summit_preparation"),       "news",         OWN),
    (ANY,                                     "news",         unknown("missing_news", nearby="ask_website")),
    (ANY,                                     "social",       unknown("missing_social", nearby="ask_website")),
    (ANY,                                     "fax",          unknown("missing_fax")),
    (ANY,                                     "awards",       unknown("missing_awards", nearby="ask_programmes")),
    (ANY,                                     "proposals",    unknown("missing_proposals", nearby="ask_programmes")),
    (ANY,                                     "voting",       unknown("missing_voting", nearby="ask_summits")),
    (ANY,                                     "publications", unknown("missing_publications", nearby="ask_documents")),
    (ANY,                                     "languages",    unknown("missing_languages",
                                                                      nearby="ask_member_countries")),
    (ANY,                                     "courses",      unknown("missing_courses", nearby="ask_programmes")),
    (ANY,                                     "volunteering", unknown("missing_volunteering", nearby="ask_segib")),
    (ANY,                                     ROLE,           unknown("missing_role_contact", nearby="ask_contact")),
    (ANY,                                     DIRECT_LINE,    unknown("missing_role_contact", nearby="ask_contact")),
    (ANY,                                     "staff",        unknown("missing_staff")),
    (ANY,                                     "hours",        unknown("missing_hours")),
    (ANY,                                     "jobs",         unknown("missing_jobs")),
    (ANY,                                     "scholarships", unknown("missing_scholarships", nearby="ask_programmes")),
    (ANY,                                     "salary",       unknown("missing_salaries")),
    (ANY,                                     "age",          unknown("missing_personal_details")),
    (ANY,                                     "requirements", unknown("missing_requirements")),
    (ANY,                                     "erase",        answer("ask_privacy")),
    (ANY,                                     "founded",      unknown("missing_founding", nearby="ask_summits")),
)
# Attributes the table answers for any subject with an honest "I don't have": a greeting or a
# thank-you that also asks one of these ("Hi! Does SEGIB offer scholarships?") is a question.
UNKNOWN_EVERYWHERE = tuple(attr for subject, attr, outcome in DECISION_TABLE
                           if subject == ANY and outcome.kind == "unknown")


def subject_key(subject: Entity) -> str:
    """The table's name for a subject: a topic by its fact id, an entity by its kind."""
    entity_type, value = subject
    return value if entity_type == "topic" else entity_type


def decide(subject: Entity, attribute: Optional[str]) -> Outcome:
    """The table's answer for one subject and one attribute (INTENT when the table has no row)."""
    if attribute is None:
        return INTENT
    key = subject_key(subject)
    for row_subject, row_attribute, outcome in DECISION_TABLE:
        if row_attribute != attribute:
            continue
        if row_subject == ANY or key == row_subject or (isinstance(row_subject, tuple) and key in row_subject):
            return outcome
    return INTENT


# ---- reading a message into a frame -----------------------------------------------------------------
@dataclass(frozen=True)
class Clause:
    """One question of a message: what it is about and what it asks."""
    subjects: Tuple[Entity, ...]
    attributes: Tuple[str, ...]
    explicit: bool = True        # False: the subjects come from another clause or from the conversation


@dataclass(frozen=True)
class Step:
    subject: Optional[Entity]
    outcome: Outcome


@dataclass(frozen=True)
class Frame:
    intent: str
    clauses: Tuple[Clause, ...]
    text: str = ""
    unlisted_name: Optional[str] = None   # "and APEC?" after "is Japan an observer?": a name on no list
    bare_subject: bool = False            # the message is little more than one name: "medio ambiente", "CEPAL?"
    points_back: bool = False             # "y se rige por qué principios?": about the conversation's subject
    leading_attribute: bool = False       # starts with what it asks: "list all five please"
    aside: Tuple[Tuple[int, int], ...] = ()   # spans of names that are no subject: said in passing before the
    #                                           question, or an office word of a place ("sede en Bogotá")

    @property
    def attributes(self) -> Tuple[str, ...]:
        return tuple(a for clause in self.clauses for a in clause.attributes)

    @property
    def writer_place(self) -> Optional[Entity]:
        """Where the writer is ("escribo desde Tegucigalpa", "I work in San José"), when the message says it."""
        return next((c.subjects[0] for c in self.clauses
                     if ABOUT_ME in c.attributes and c.subjects and c.subjects[0][0] in PLACES), None)

    @property
    def named_subject(self) -> bool:
        return any(clause.explicit and clause.subjects for clause in self.clauses)

    def steps(self) -> List[Step]:
        """The decision table applied to every subject and attribute of every clause, in order."""
        if self.unlisted_name:
            return [Step(None, Outcome("not_listed", self.unlisted_name))]
        steps: List[Step] = []
        # "Soy de Perú, ¿qué oficina me corresponde?": the writer's context is no question of its own.
        asking = [c for c in self.clauses if c.attributes != (ABOUT_ME,)] or self.clauses
        for clause in asking:
            subjects: Sequence[Optional[Entity]] = clause.subjects or (None,)
            for subject in subjects:
                outcomes = [decide(subject, attribute) if subject else INTENT
                            for attribute in clause.attributes or (None,)]
                if any(outcome.kind in ("unknown", "general") for outcome in outcomes):
                    # "¿cuántos empleados tiene?": the count is of what the file does not hold, not of the
                    # subject; "in how many countries does SEGIB have offices?": of the offices listed.
                    outcomes = [o for a, o in zip(clause.attributes, outcomes) if a != COUNT] or outcomes
                for outcome in outcomes:
                    step = Step(subject, outcome)
                    if step not in steps:
                        steps.append(step)
        # ...unless what is shown nearby is another answer ("the cross-cutting approaches, and the money for
        # each?": the approaches, then the budget is not known).
        unknown_subjects = {s.subject for s in steps if s.outcome.kind == "answer"
                            or (s.outcome.kind == "unknown" and s.outcome.nearby == "own")}
        # The classifier's guess about a subject whose asked attribute the file does not hold is what
        # used to produce "a different fact presented as the answer": the honest reply replaces it.
        return [s for s in steps if not (s.outcome is INTENT and s.subject in unknown_subjects)] or steps

    def asks_something(self) -> bool:
        """Whether a greeting, thanks or "yes" also asks a question the table can answer."""
        if self.unlisted_name or self.bare_subject or self.points_back:
            return True
        asked = [a for a in self.attributes if a != "definition" or self.named_subject]
        if "?" in self.text:
            return bool(asked or self.named_subject)
        if self.intent in ("greet", "thank", "goodbye"):   # "thanks for the list", "hasta la próxima"
            unknown_asked = bool(set(self.attributes) & set(UNKNOWN_EVERYWHERE))
            return self.leading_attribute or (self.named_subject and unknown_asked)
        return any(a not in WEAK_ATTRIBUTES for a in asked)


ABOUT_ME = "about_me"       # "soy de Perú", "I live in Lisbon": context given by the writer
COUNT = "number"            # "how many": of the subject, or of the unknown thing asked beside it
MEMBERS = ("topic", "member_countries")     # what "how many countries" counts when it names nothing else
HOLDERS = (("topic", "secretary_general"),)   # a post one person holds: "before Allamand" asks who held it
BARE_SHARE = 0.6            # a name that makes up this share of the message's letters is the message
DEFINITION_GAP = 6          # characters between "what is" and the name: " the ", " la "
PRECISE_TIMES = ("since", "past", "founded", "year", "next")
# Words that ask something only in a question ("hasta la próxima", "cuando quieras").
WEAK_ATTRIBUTES = ("definition", "next", "date", ABOUT_ME)
# A sentence ends at . ! ? ; : or a line break; an emoji or a "jaja" (vocabulary.replies.sentence_break)
# ends one too.
_SENTENCE_END = re.compile(r"[.!?;:]+(?=\s|$)|\n")
_OPENING = " \t\n¿¡,-"
OFFICE_WORD_GAP = 20        # "sede de la segib en Lima": the words between an office word and a place, in one clause


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) in ("So", "Cs")


_BOUNDARY = re.compile(r"[?!.;:]+(?=\s|$)|,|\s(?:y|e|and|n|&|\+|o|or|ou|also|tambien|además|ademas|plus)\s",
                       re.IGNORECASE)


def _phrase_pattern(words: Iterable[str]) -> str:
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        stem = word.endswith("*")
        body = r"\s+".join(re.escape(piece) for piece in fold(word.rstrip("*")).split())
        parts.append(body + (r"\w*" if stem else ""))
    return r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)"


class FrameReader:
    """Reads frames; built once from the messages file's vocabulary (attributes, replies)."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        vocabulary = knowledge.messages
        alternatives: List[str] = []
        self._attribute_of: Dict[str, str] = {}
        # Contact-field words are read here too (the NLU also marks them as contact_field entities).
        words: List[Tuple[str, str]] = [(fold(w), name) for asked in (vocabulary.contact_fields, vocabulary.attributes)
                                        for name, by_language in asked.items()
                                        for ws in by_language.values() for w in ws]
        for word, name in sorted(words, key=lambda pair: len(pair[0]), reverse=True):
            self._attribute_of.setdefault(word.rstrip("*"), name)
            alternatives.append(word)
        self._attributes: Pattern = re.compile(_phrase_pattern(alternatives))
        self._stems = sorted(((w.rstrip("*"), n) for w, n in words if w.endswith("*")), key=lambda p: -len(p[0]))
        replies = vocabulary.replies
        self._yes: Pattern = re.compile(r"^(?:" + _phrase_pattern(_all(replies.get("clear_yes", {})))
                                        + r"|\s|[!.,])+$")
        self._lead: Pattern = re.compile(r"^\s*(?:" + _phrase_pattern(_all(replies.get("follow_up_lead", {})))
                                         + r"\s*)+")
        self._not_a_name = {fold(w) for w in _all(replies.get("not_a_name", {}))}
        self._points_back: Pattern = re.compile(r"^[¿¡\s]*" + _phrase_pattern(_all(replies.get("points_back", {}))))
        self._own: Pattern = re.compile(_phrase_pattern(_all(replies.get("own", {}))) + r"\s+$")
        self._asks: Pattern = re.compile(_phrase_pattern(_all(replies.get("asks", {}))))
        self._asks_first: Pattern = re.compile(r"^(?:" + _phrase_pattern(_all(replies.get("asks_first", {}))) + r")")
        self._sentence_break: Pattern = re.compile(_phrase_pattern(_all(replies.get("sentence_break", {}))))
        # Names of the knowledge file that are also common words: "chile", "china", "cuba", "turkey".
        self._common_names = common_among(name for entry in knowledge.entries()
                                          for names in (entry.names or {}).values() for name in names)
        self._before: Pattern = re.compile(_phrase_pattern(_all(replies.get("before", {}))))
        self._predecessor: Pattern = re.compile(_phrase_pattern(_all(replies.get("predecessor", {}))))
        self._titles: Pattern = re.compile(r"(?:[\s.]|" + _phrase_pattern(_all(replies.get("titles", {}))) + r")*")
        self._here: Pattern = re.compile(_phrase_pattern(_all(replies.get("here", {}))))
        self._countries: Pattern = re.compile(_phrase_pattern(_all(replies.get("countries", {}))))
        self._correction: Pattern = re.compile(_phrase_pattern(_all(replies.get("correction", {}))))
        self._post_held: Pattern = re.compile(_phrase_pattern(_all(replies.get("post_held", {}))))
        self._announcing: Pattern = re.compile(_phrase_pattern(_all(replies.get("announcing", {}))))
        self._in_place: Pattern = re.compile(_phrase_pattern(_all(replies.get("in_place", {}))) + r"\s+$")

    # -- public ------------------------------------------------------------------------------------
    def is_clear_yes(self, text: str) -> bool:
        """Only a clear yes ("sí", "yes please", "claro que sim") accepts an offer."""
        return bool(text.strip()) and bool(self._yes.match(fold(text).strip(" ¡!¿?.")))

    def attributes_in(self, text: str) -> List[Tuple[int, int, str]]:
        """(start, end, attribute) of every attribute word, in text order, longest words first."""
        found = []
        # An address or link is no question word ("ana@example.org" asks for no example): blanked,
        # keeping the offsets.
        text = ADDRESSES.sub(lambda match: " " * len(match.group(0)), text)
        for match in self._attributes.finditer(fold(text)):
            found.append((match.start(), match.end(), self._attribute_name(match.group(0))))
        return found

    def read(self, intent: str, entities: Sequence[Entity], spans: Sequence[Tuple[int, int]], text: str,
             fallback: Optional[Entity] = None, preferred_topic: Optional[str] = None,
             closed_list_topic: bool = False, remembered: Optional[Entity] = None,
             previous: str = "") -> Frame:
        """The frame of one message. `spans` are the entities' (start, end) offsets (when known);
        `fallback` is what a clause naming nothing is about (the conversation's subject, or what the
        intent implies); `preferred_topic` the topic the intent is about; `previous` the citizen's
        previous message (what a correction such as "no, I meant Lima" asks again)."""
        if len(spans) != len(entities):
            spans = [(0, 0)] * len(entities)
        mentions = [(start, end, entity) for (start, end), entity in zip(spans, entities)
                    if entity[0] in SUBJECT_TYPES]
        attributes = [(start, end, value) for (start, end), (kind, value) in zip(spans, entities)
                      if kind == CONTACT_FIELD]
        attributes += [a for a in self.attributes_in(text)
                       if not any(s <= a[0] < e for s, e, _ in mentions + attributes)]
        attributes.sort()
        if OWN_CONTACT_DETAILS.search(text):
            # "write to me at ana@example.org or call me on 612...": the writer's own contact details,
            # not a question about SEGIB's.
            attributes = [a for a in attributes if a[2] not in ("phone", "email")]
        # "¿qué hacéis con mi número?": the writer's own detail, not SEGIB's.
        folded = fold(text)
        attributes = [a for a in attributes if a[2] not in CONTACT_DETAILS or not self._own.search(folded[:a[0]])]
        # "what is" asks for a definition only right before a name ("what is SEGIB", "¿qué es la CEPAL?"),
        # not in "what's the population of the member states?".
        attributes = [a for a in attributes if a[2] != "definition"
                      or any(0 <= start - a[1] <= DEFINITION_GAP for start, _, _ in mentions)]
        # "one last question: who is the SG?": the words announcing a question ask nothing ("last" is no `past`).
        announcing = [(m.start(), m.end()) for m in self._announcing.finditer(folded)]
        attributes = [a for a in attributes if not any(start <= a[0] < end for start, end in announcing)]
        attributes = sorted(attributes + self._before_holder(folded, mentions))
        mentions += self._holder_unnamed(folded, mentions, self._predecessor)
        office_words = self._office_words_of_a_place(folded, mentions)
        mentions = [m for m in mentions if (m[0], m[1]) not in office_words]
        post = self._holder_unnamed(folded, mentions, self._post_held)
        if post:   # "since when has he been in that job?": the post, not a vacancy
            mentions += post
            attributes = [a for a in attributes if not post[0][0] <= a[0] < post[0][1]]
        attributes = sorted(attributes + self._corrected(folded, mentions, attributes, previous))
        context, aside, dropped = self._context(text, mentions, attributes)
        mentions = [m for m in mentions if (m[0], m[1]) not in dropped]
        if remembered and any(name == "link" for _, _, name in attributes):
            fallback = remembered   # "the link", "the PDF": of what the conversation is about
        elif remembered and fallback and any(_holds(remembered, name) and not _holds(fallback, name)
                                             for _, _, name in attributes if name in CONTACT_DETAILS):
            # "me das el número?" after "which office serves Nicaragua?": the office's phone, whatever
            # topic the classifier heard (it reads "me das" as giving personal data).
            fallback = remembered
        # "is there an office here?" after "escribo desde Tegucigalpa": the place the conversation is about.
        home = remembered if remembered and remembered[0] in PLACES else None
        clauses = self._clauses(text, mentions, attributes, preferred_topic, context, home)
        if len(clauses) == 1 and clauses[0].attributes == ("definition",) and \
                (intent.startswith("ask_") or intent == "follow_up" or not clauses[0].subjects):
            clauses = [Clause(clauses[0].subjects, ())]   # "what is X?" alone: the intent says it
        points_back = not clauses and "?" in text and bool(self._points_back.match(fold(text)))
        if points_back and fallback:
            clauses = [Clause((fallback,), (), explicit=False)]
        clauses = _inherit(clauses, fallback, ("topic", preferred_topic) if preferred_topic else None, intent)
        unlisted = None
        if closed_list_topic and not mentions and not attributes:
            unlisted = self._unlisted_name(text)
        leading = bool(attributes) and not text[:attributes[0][0]].strip(" ¿¡") and \
            attributes[0][2] not in WEAK_ATTRIBUTES
        return Frame(intent, tuple(clauses), text, unlisted, _is_bare(text, mentions, attributes),
                     points_back and not unlisted, leading, tuple(sorted(aside | office_words)))

    # -- helpers -----------------------------------------------------------------------------------
    def _attribute_name(self, matched: str) -> str:
        words = " ".join(matched.split())
        if words in self._attribute_of:
            return self._attribute_of[words]
        return next((name for stem, name in self._stems if words.startswith(stem)), "")

    def _sentences(self, text: str) -> List[Tuple[int, int]]:
        """(start, end) of each sentence, its final punctuation included: sentences end at . ! ? ; : or
        a line break, and at an emoji or a "jaja" / "lol" / "anyway" (left out of both sentences)."""
        folded = fold(text)
        ends = [(m.end(), m.end()) for m in _SENTENCE_END.finditer(text)]
        ends += [(m.start(), m.end()) for m in self._sentence_break.finditer(folded)]
        ends += [(index, index + 1) for index, char in enumerate(text) if _is_emoji(char)]
        sentences, start = [], 0
        for end, next_start in sorted(ends) + [(len(text), len(text))]:
            if end > start and any(char.isalnum() for char in text[start:end]):
                sentences.append((start, end))
            start = max(start, next_start)
        return sentences

    def _sentence_asks(self, text: str, start: int, end: int, attributes: list) -> bool:
        """A question mark, a question word, a request ("tell me", "me diz") or an attribute word."""
        part = text[start:end]
        if "?" in part or "¿" in part or any(start <= s < end and name != ABOUT_ME for s, _, name in attributes):
            return True
        folded = fold(part)
        return bool(self._asks.search(folded) or self._asks_first.match(folded.lstrip(_OPENING)))

    def _context(self, text: str, mentions: list, attributes: list) -> Tuple[list, set, set]:
        """Sentences that ask nothing before one that asks ("no manches el chile de este taco jaja, cuál
        es el tel de la oficina en México?") are context, like "soy de Perú": their names give no answer
        of their own, and none at all when the question names its own subject (SEGIB aside). A name that is also a
        common word written in lower case ("el chile", "porcelana china", "a turkey sandwich") is that
        word, not the writer's country, unless it follows "de", "en", "from"... ("mi familia es de chile")
        or is a place that opens its sentence ("argentina es hermosa jaja").
        Returns the context sentences, the spans of the names set aside and those of the names dropped."""
        sentences = self._sentences(text)
        asking = [self._sentence_asks(text, start, end, attributes) for start, end in sentences]
        last = max((index for index, asks in enumerate(asking) if asks), default=-1)
        context = [sentence for index, sentence in enumerate(sentences[:last]) if not asking[index]]
        in_context = [(s, e) for s, e, _ in mentions if any(cs <= s < ce for cs, ce in context)]
        if not in_context:
            return context, set(), set()
        folded = fold(text)
        dropped = set()
        kinds = {(s, e): entity[0] for s, e, entity in mentions}
        for start, end in in_context:
            sentence = next((cs, ce) for cs, ce in context if cs <= start < ce)
            about_me = any(sentence[0] <= s < sentence[1] and name == ABOUT_ME for s, _, name in attributes)
            written, before = text[start:end], folded[sentence[0]:start]
            # "argentina es hermosa": a place that opens its sentence is what the sentence is about (the
            # writer's place); "china porcelain is pretty" is still porcelain.
            opens = not before.strip(_OPENING) and kinds[(start, end)] in PLACES
            if not about_me and not opens and written == written.lower() and \
                    folded[start:end] in self._common_names and not self._in_place.search(before):
                dropped.add((start, end))
        # SEGIB itself is named in passing in most questions ("which SEGIB office covers me?").
        asked_names = [(s, e) for s, e, entity in mentions if (s, e) not in in_context and entity != ("topic", SEGIB)]
        return context, (set(in_context) if asked_names else dropped), dropped

    def _office_words_of_a_place(self, folded: str, mentions: list) -> set:
        """"¿tiene sede en Bogotá?", "an HQ in Lima": an office word ("sede", "headquarters") followed by "en /
        in / em" and a place asks about that place, not about the office the word also names (Madrid's).
        Returns the spans of those office words."""
        named = [m for m in mentions if m[2] != ("topic", SEGIB)]   # "una sede de la segib en Lima"
        found = set()
        for (start, end, entity), (next_start, _, place) in zip(named, named[1:]):
            gap = folded[end:next_start]
            if entity[0] == "office" and place[0] in PLACES and entity != place and len(gap) <= OFFICE_WORD_GAP \
                    and not _BOUNDARY.search(gap) and self._in_place.search(gap):
                found.add((start, end))
        return found

    @staticmethod
    def _holder_unnamed(folded: str, mentions: list, words: Pattern) -> List[Tuple[int, int, Entity]]:
        """The post's holder (the Secretary General) when `words` name the post and nothing else is named,
        whatever the classifier made of the message: "quem foi o antecessor?" (vocabulary.replies.predecessor),
        "since when has he been in that job?" (post_held)."""
        match = words.search(folded)
        if match is None or any(entity != ("topic", SEGIB) for _, _, entity in mentions):
            return []
        return [(match.start(), match.end(), HOLDERS[0])]

    def _corrected(self, folded: str, mentions: list, attributes: list,
                   previous: str) -> List[Tuple[int, int, str]]:
        """"no perdón, me refería a la de Lima" after "la dirección de la oficina de Montevideo": the
        previous message's question about the newly named thing (placed at its name)."""
        if not previous or not mentions or self._correction.search(folded) is None or \
                any(name not in WEAK_ATTRIBUTES for _, _, name in attributes):
            return []
        start = mentions[0][0]
        return [(start, start, name) for _, _, name in self.attributes_in(previous)
                if name not in WEAK_ATTRIBUTES]

    def _before_holder(self, folded: str, mentions: list) -> List[Tuple[int, int, str]]:
        """"antes del señor Allamand", "before Allamand": who held the post before (PAST)."""
        found = []
        for match in self._before.finditer(folded):
            if any(entity in HOLDERS and self._titles.fullmatch(folded[match.end():start])
                   for start, _, entity in mentions):
                found.append((match.start(), match.end(), "past"))
        return found

    def _clauses(self, text: str, mentions: list, attributes: list,
                 preferred_topic: Optional[str], context: Sequence[Tuple[int, int]] = (),
                 home: Optional[Entity] = None) -> List[Clause]:
        """Splits at "?", ",", " y ", " and "... where each part names or asks something; a part of a
        context sentence only tells the writer's context (ABOUT_ME). `home`: the writer's place as the
        conversation knows it, until the message says another."""
        taken = [(s, e) for s, e, _ in mentions + attributes]
        cuts = [m.start() for m in _BOUNDARY.finditer(text) if not any(s <= m.start() < e for s, e in taken)]
        bounds = sorted({0, *cuts, *(bound for sentence in context for bound in sentence), len(text) + 1})
        clauses: List[Clause] = []
        folded = fold(text)
        for start, end in zip(bounds, bounds[1:]):
            subjects = _choose_subjects([m for s, _, m in mentions if start <= s < end], preferred_topic)
            asked = [a for s, _, a in attributes if start <= s < end]
            if set(subjects) <= {("topic", SEGIB)} and "number" in asked and self._countries.search(folded[start:end]):
                subjects = [MEMBERS]   # "how many countries and how many observers?"
            if subjects and any(cs <= start < ce for cs, ce in context):
                asked = [ABOUT_ME]
            if ABOUT_ME in asked and subjects and subjects[0][0] in PLACES:
                home = subjects[0]
            elif home and set(subjects) <= {("topic", SEGIB)} and self._here.search(folded[start:end]):
                # "is there a segib office here?", "the email of the office closest to us": the writer's
                # place is what the question is about, and which office serves it.
                subjects = [home]
                asked = [a for a in asked if a not in (ABOUT_ME, "office_of", "place")] + ["office_of"]
            if len(asked) > 1 and "definition" in asked:
                asked.remove("definition")   # "what is the phone of..." asks for the phone
            if "link" in asked and "place" in asked:
                asked.remove("place")        # "¿dónde lo descargo?" asks for the link
            asked = _of_a_post(asked)
            if "date" in asked and set(asked) & set(PRECISE_TIMES):
                asked.remove("date")         # "when was the first summit?" asks since when
            if subjects or asked:
                clauses.append(Clause(tuple(subjects), tuple(dict.fromkeys(asked))))
        return _without_segib_in_passing(clauses)

    def _unlisted_name(self, text: str) -> Optional[str]:
        """The name in "and APEC?" / "e a ALBA?" (a follow-up naming something on no list), if any."""
        text = text.strip().lstrip("¿¡")
        rest = self._lead.sub("", fold(text))
        original = text[len(text) - len(rest):].strip(" ¿?¡!.,")
        words = original.split()
        if not 1 <= len(words) <= 4 or not all(any(c.isalpha() for c in w) for w in words):
            return None
        if any(fold(w).strip("?¿!.,") in self._not_a_name for w in words) or self.is_clear_yes(original):
            return None
        if original[0].isupper() or (len(words) == 1 and text.rstrip().endswith("?") and len(original) >= 3):
            return original
        return None


def _of_a_post(asked: List[str]) -> List[str]:
    """A post's or a person's contact ("the direct email of the head of communications", "el correo
    del director") is no question about SEGIB's contact details: the clause asks the post's (ROLE). A
    post with no contact detail asked ("la sala de prensa", "soy asistente") asks nothing."""
    of_the_post = CONTACT_DETAILS + ("person",)
    contact_asked = bool(set(asked) & set(CONTACT_DETAILS))
    if DIRECT_LINE in asked or (contact_asked and (ROLE in asked or "person" in asked)):
        return [ROLE] + [a for a in asked if a not in of_the_post + (ROLE, DIRECT_LINE)]
    return [a for a in asked if a != ROLE]


def _without_segib_in_passing(clauses: List[Clause]) -> List[Clause]:
    """"sobre brecha digital, la segib tiene algún documento?": SEGIB named in a part that asks nothing,
    after a part naming something else, is named in passing."""
    kept: List[Clause] = []
    for clause in clauses:
        in_passing = clause.subjects == (("topic", SEGIB),) and not clause.attributes
        if not (in_passing and any(s[0] != "topic" for c in kept if c.attributes != (ABOUT_ME,) for s in c.subjects)):
            kept.append(clause)
    return kept


def _holds(subject: Entity, attribute: str) -> bool:
    """Whether the decision table answers this attribute of this subject with one of its contact fields."""
    return decide(subject, attribute).kind == "field"


def _is_bare(text: str, mentions: list, attributes: list) -> bool:
    """One name (not SEGIB itself) and little else: a topic or a name given on its own."""
    if len(mentions) != 1 or attributes or mentions[0][2] == ("topic", SEGIB):
        return False
    start, end, _ = mentions[0]
    named = sum(c.isalnum() for c in text[start:end])
    return named >= BARE_SHARE * sum(c.isalnum() for c in text)


def _all(by_language: Mapping[str, Sequence[str]]) -> List[str]:
    return [w for words in by_language.values() for w in words]


def _choose_subjects(mentions: List[Entity], preferred_topic: Optional[str] = None) -> List[Entity]:
    """Named entities of one kind of thing (states, places or documents) win over topic words; among
    topics, one: SEGIB itself is named in passing in most questions ("la SEGIB tiene becas?")."""
    entities = [m for m in mentions if m[0] != "topic"]
    if entities:
        first = entities[0][0]
        group = STATES if first in STATES else PLACES if first in PLACES else (first,)
        if first == "member_country":
            group = STATES + PLACES
        return list(dict.fromkeys(m for m in entities if m[0] in group))
    topics = list(dict.fromkeys(mentions))
    if ("topic", preferred_topic) in topics:
        return [("topic", preferred_topic)]
    others = [t for t in topics if t[1] != SEGIB]
    return others[:1] or topics[:1]


def _inherit(clauses: List[Clause], fallback: Optional[Entity], intent_topic: Optional[Entity],
             intent: str = "") -> List[Clause]:
    """A clause that names nothing is about the topic the classifier heard when no clause names it or
    answers with it ("what is cooperation and how many programmes?"; not "how are the Summits
    prepared, and how often are they held?", whose first clause answers the preparation), else (and
    always for a contact detail) about
    the clause before it ("and its phone?") or after it ("the email and the phone of the Lima
    office"), else about `fallback`.
    "The link / the PDF" points back at the conversation's document when no clause names one."""
    named = [subject for clause in clauses for subject in clause.subjects]
    answered = any(decide(subject, attribute) == answer(intent) for clause in clauses
                   for subject in clause.subjects for attribute in clause.attributes)
    result = []
    for index, clause in enumerate(clauses):
        if clause.subjects:
            result.append(clause)
            continue
        before = [c.subjects for c in clauses[:index] if c.subjects]
        after = [c.subjects for c in clauses[index + 1:] if c.subjects]
        contact_only = bool(clause.attributes) and set(clause.attributes) <= set(CONTACT_DETAILS)
        if intent_topic and intent_topic not in named and named and not contact_only and not answered:
            subjects: Tuple[Entity, ...] = (intent_topic,)
        else:
            subjects = before[-1] if before else after[0] if after else ((fallback,) if fallback else ())
        result.append(Clause(subjects, clause.attributes, explicit=False))
    # "the phone of Madrid and Lima": a clause that only names a thing of the same kind asks the same.
    for index in range(1, len(result)):
        clause, previous = result[index], result[index - 1]
        asks_the_same = previous.attributes not in ((), (ABOUT_ME,))   # the writer's context asks nothing
        if not clause.attributes and asks_the_same and clause.subjects and previous.subjects and \
                clause.subjects[0][0] == previous.subjects[0][0] != "topic":
            result[index] = Clause(clause.subjects, previous.attributes, clause.explicit)
    return result
