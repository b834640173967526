"""Turns an understood question into a reply in the citizen's language, from the knowledge only.

Every reply is built from entries of the knowledge file and phrases of the messages file; nothing
here states a fact of its own. Lists are in a stable order (the file's order or alphabetical), never
shuffled, so the same question always gets the same answer.
"""
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from knowledge.frame import (
    CONVERSATIONAL_INTENTS,
    INTENT,
    PLACES,
    SEGIB,
    SUBJECT_TYPES,
    Entity,
    Frame,
    FrameReader,
    Step,
)
from knowledge.model import Entry, Knowledge
from knowledge.privacy import fill_privacy_url
from knowledge.text import fold

# Which entity types each question intent's own answer is about (others get the entity's own answer).
_INTENT_TYPES = {
    "ask_is_member": ("member_country", "observer", "non_member"),
    "ask_is_observer": ("observer", "member_country", "non_member"),
    "ask_document": ("document",),
    "ask_contact": ("office", "member_country", "city"),
    "ask_office_for_country": ("member_country", "observer", "non_member", "office", "city"),
    "follow_up": SUBJECT_TYPES,
}


OBSERVER_TYPES = ("associate", "consultative")   # the observer_type values of the knowledge file


def _beyond_intent(subject: Optional[Entity], intent: str) -> bool:
    """Whether the one thing a message names is of a kind the classifier's intent cannot answer about
    ("does SEGIB have a doc on the environment?" heard as which office serves a country): then the
    thing's own answer, not the intent's."""
    return bool(subject) and subject[0] != "topic" and intent in _INTENT_TYPES and \
        subject[0] not in _INTENT_TYPES[intent]


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Context:
    """What the conversation is about, so that "and Luxembourg?" or "and its address?" make sense."""
    topic: Optional[str] = None     # the last question intent answered
    subject: Optional[str] = None   # the entry id last talked about, or the observer category (OBSERVER_TYPES)
    office: Optional[str] = None    # the office id last talked about
    previous: str = ""              # the citizen's previous message (not kept in a slot: read from the tracker)


@dataclass(frozen=True)
class Question:
    intent: str
    entities: Tuple[Tuple[str, str], ...] = ()   # (entity type, value) in text order
    text: str = ""
    spans: Tuple[Tuple[int, int], ...] = ()       # (start, end) of each entity in the text, when known

    def first(self, *types: str) -> Optional[Tuple[str, str]]:
        for entity in self.entities:
            if entity[0] in types:
                return entity
        return None

    def value(self, entity_type: str) -> Optional[str]:
        found = self.first(entity_type)
        return found[1] if found else None


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: Tuple[Button, ...] = ()
    context: Context = field(default_factory=Context)
    understood: bool = True          # False when the bot could not answer (counts toward hand-off)
    offers_human: bool = False
    outcome: Optional[str] = None    # contracts.OUTCOMES; None: answered, or dont_know when not understood


class Answerer:
    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.reader = FrameReader(knowledge)
        self._handlers: Dict[str, Callable[[Question, Context, str], Reply]] = {
            "ask_member_countries": self._member_countries,
            "ask_is_member": self._is_member,
            "ask_observers": self._observers,
            "ask_is_observer": self._is_observer,
            "ask_observer_difference": self._observer_difference,
            "ask_documents": self._documents,
            "ask_document": self._document,
            "ask_contact": self._contact,
            "ask_office_for_country": self._office_for_country,
            "follow_up": self._follow_up,
        }

    # ---- public -----------------------------------------------------------------------------
    def answer(self, question: Question, context: Context, language: str) -> Reply:
        """Reads the question frame, applies the decision table (knowledge/frame.py), renders."""
        frame = self.frame(question, context)
        question = self._without_aside(question, frame)
        steps = frame.steps()
        if not steps or (len(steps) == 1 and steps[0].outcome is INTENT and
                         (question.intent != "follow_up" or steps[0].subject in question.entities) and
                         not _beyond_intent(steps[0].subject, question.intent)):
            return self._answer_intent(question, context, language)
        unknown = [step for step in steps if step.outcome.kind == "unknown"]
        replies: List[Reply] = []
        for step in steps:
            if self._said_before(step, context, replies, language):
                continue   # "the Lima office and its email": the card already gives it
            if step.outcome.kind != "unknown":
                replies.append(self._render(step, question, context, language))
            elif step is unknown[0]:   # everything not known, said once
                replies.append(self._unknown(unknown, question, context, language))
        return self._combine(replies, context)

    def frame(self, question: Question, context: Context) -> Frame:
        fact = self.knowledge.fact_for(question.intent)
        intent_subject: Optional[Entity] = ("topic", fact.id) if fact else None
        if question.intent == "ask_contact":
            intent_subject = ("office", context.office or self.knowledge.headquarters.id)
        remembered = self._context_subject(context)
        if question.intent == "follow_up" or intent_subject is None:
            fallback = remembered or intent_subject
        else:
            fallback = intent_subject
        return self.reader.read(question.intent, question.entities, question.spans, question.text,
                                fallback=fallback or ("topic", SEGIB), preferred_topic=fact.id if fact else None,
                                closed_list_topic=context.topic in ("ask_is_observer", "ask_is_member")
                                and question.intent not in ("ask_is_observer", "ask_is_member"),
                                remembered=remembered, previous=context.previous)

    def with_writer_place(self, question: Question, context: Context, reply: Reply) -> Reply:
        """"buenas, escribo desde Tegucigalpa, Honduras": the conversation is now about the writer's place and
        the office serving it ("¿tienen oficina aquí?", "el teléfono de la que nos atiende"), unless the
        reply itself moved to another subject or office."""
        moved = (reply.context.office, reply.context.subject) != (context.office, context.subject)
        # The frame is read again only for a message that names a place (most name none).
        if moved or not any(entity[0] in PLACES for entity in question.entities):
            return reply
        written = self.frame(question, context).writer_place
        place = self.knowledge.get(written[1]) if written else None
        office = self._office_of(place, context) if place is not None else None
        if office is None:
            return reply
        return replace(reply, context=replace(reply.context, subject=place.id, office=office.id))

    @staticmethod
    def _without_aside(question: Question, frame: Frame) -> Question:
        """The question without the names said in passing before it ("el chile de este taco pica jaja")."""
        if not frame.aside or len(question.spans) != len(question.entities):
            return question
        kept = [index for index, span in enumerate(question.spans) if span not in frame.aside]
        return replace(question, entities=tuple(question.entities[i] for i in kept),
                       spans=tuple(question.spans[i] for i in kept))

    def answer_asked(self, question: Question, context: Context, language: str) -> Optional[Reply]:
        """For a message classified as no question (a greeting, thanks, "yes", out of scope): the
        answer to what it also asks ("Hi! Does SEGIB offer scholarships?"), or None."""
        frame = self.frame(question, context)
        if frame.bare_subject or (question.intent in CONVERSATIONAL_INTENTS and frame.asks_something()):
            return self.answer(replace(question, intent="follow_up"), context, language)
        if question.intent in CONVERSATIONAL_INTENTS:
            return None
        # Out of scope: only what the decision table decides (an entity named in passing is no question).
        if any(step.outcome is not INTENT for step in frame.steps()):
            return self.answer(question, context, language)
        return None

    def is_a_question(self, question: Question, context: Context) -> bool:
        """A question mark or a name: not an email address mistyped in a form ("ana arroba exemplo"),
        whatever the classifier made of it."""
        return "?" in question.text or self.frame(question, context).named_subject

    def is_clear_yes(self, text: str) -> bool:
        return self.reader.is_clear_yes(text)

    def phrase(self, key: str, language: str, **values) -> str:
        return self.knowledge.messages.text(key, language, **values)

    def dont_know(self, context: Context, language: str) -> Reply:
        text = self.phrase("dont_know", language, email=self.knowledge.defaults["contact_email"])
        return Reply(text, self.yes_no_buttons(language), context, understood=False, offers_human=True)

    def yes_no_buttons(self, language: str) -> Tuple[Button, ...]:
        return (Button(self.phrase("button_yes", language), "/affirm"),
                Button(self.phrase("button_no", language), "/deny"))

    def help_buttons(self, language: str) -> Tuple[Button, ...]:
        topics = [("topic_organisation", "ask_segib"), ("topic_members", "ask_member_countries"),
                  ("topic_summits", "ask_summits"), ("topic_observers", "ask_observers"),
                  ("topic_documents", "ask_documents"), ("topic_cooperation", "ask_cooperation"),
                  ("topic_contacts", "ask_contact"), ("topic_human", "request_human")]
        return tuple(Button(self.phrase(key, language), f"/{intent}") for key, intent in topics)

    def human_contacts(self, context: Context, language: str) -> str:
        office = self.knowledge.get(context.office) or self.knowledge.headquarters
        return self.phrase("human_contacts", language, office=office.name(language),
                           phone=office.get("phone"), email=office.get("email"))

    # ---- rendering what the decision table decided ---------------------------------------------
    def _answer_intent(self, question: Question, context: Context, language: str) -> Reply:
        """What the classifier's intent answers (with the entities of the question)."""
        question = self._refine(question)
        handler = self._handlers.get(question.intent)
        if handler:
            return handler(question, context, language)
        if self.knowledge.fact_for(question.intent):
            return self._fact(question.intent, context, language)
        return self.dont_know(context, language)

    def _render(self, step: Step, question: Question, context: Context, language: str) -> Reply:
        outcome, subject = step.outcome, step.subject
        if outcome.kind == "not_listed":
            return self._not_listed(outcome.value, context, language)
        if outcome.kind == "field":
            place = subject if subject and subject[0] in ("office", "city", "member_country") else \
                ("office", self.knowledge.headquarters.id)
            return self._contact(Question("ask_contact", (place, ("contact_field", outcome.value)), question.text),
                                 context, language)
        if outcome.kind == "own":
            return self._own(subject, question, context, language)
        if outcome.kind == "link":
            return self._document_link(subject, context, language)
        if outcome.kind == "general":   # about all of them, not the one the conversation was about
            return self._answer_intent(Question(outcome.value, (), question.text), replace(context, subject=None),
                                       language)
        intent = outcome.value if outcome.kind == "answer" else question.intent
        if subject is None or (subject[0] == "topic" and outcome.kind == "answer"):
            return self._answer_intent(replace(question, intent=intent), context, language)
        if subject[0] != "topic" and subject[0] in _INTENT_TYPES.get(intent, ()):
            return self._answer_intent(Question(intent, (subject,), question.text), context, language)
        if outcome.kind == "answer":   # an intent about no entity of that kind: its answer, without it
            return self._answer_intent(Question(intent, (), question.text), context, language)
        return self._own(subject, question, context, language)

    def _said_before(self, step: Step, context: Context, replies: List[Reply], language: str) -> bool:
        """Whether an earlier answer of the same message already gives this contact detail (the office's
        card) or this document's link (its source): "what is the charter and where can I read it?"."""
        if step.outcome.kind == "link":
            value = self.knowledge.get(step.subject[1]).source
        elif step.outcome.kind == "field":
            place = self.knowledge.get(step.subject[1]) if step.subject and step.subject[0] != "topic" else None
            office = (self._office_of(place, context) if place is not None else None) or self.knowledge.headquarters
            field_name = step.outcome.value
            value = office.localized("address", language) if field_name == "address" else office.get(field_name)
        else:
            return False
        return bool(value) and any(value in reply.text for reply in replies)

    def _document_link(self, subject: Entity, context: Context, language: str) -> Reply:
        """"¿me pasas el pdf?": the document's link is the answer, without its description again."""
        entry = self.knowledge.get(subject[1])
        text = self.phrase("document_link", language, name=entry.name(language), url=entry.source)
        return Reply(text, context=replace(context, topic="ask_document", subject=entry.id))

    def _own(self, subject: Entity, question: Question, context: Context, language: str) -> Reply:
        entity_type, value = subject
        if entity_type == "topic":
            intent = self.knowledge.get(value).get("intent")
            return self._answer_intent(Question(intent, (), question.text), context, language)
        intent = "ask_contact" if entity_type == "city" else self._TOPIC_FOR_ENTITY[entity_type]
        return self._answer_intent(Question(intent, (subject,), question.text), context, language)

    def _unknown(self, steps: List[Step], question: Question, context: Context, language: str) -> Reply:
        """Known subject, unknown attribute: what is not known, what is, the contact, a person."""
        step = steps[0]
        subject = step.subject or ("topic", SEGIB)
        if step.outcome.nearby == "own":
            nearby = self._own(subject, question, context, language)
        else:
            nearby = self._answer_intent(Question(step.outcome.nearby, (), question.text), context, language)
        email = self.knowledge.defaults["contact_email"]
        entry = self.knowledge.get(subject[1])
        if entry is not None and entry.kind in ("office", "city", "member_country") and subject[0] != "topic":
            email = self._office_of(entry, context).get("email")
        missing = ""
        for key in dict.fromkeys(s.outcome.value for s in steps):
            said = self.phrase(key, language)
            missing = self.phrase("missing_both", language, first=missing, second=said) if missing else said
        text = "\n".join([self.phrase("dont_know_precise", language, missing=missing),
                          self.phrase("dont_know_nearby", language), nearby.text,
                          self.phrase("dont_know_contact", language, email=email)])
        return Reply(text, self.yes_no_buttons(language), nearby.context, understood=False, offers_human=True)

    def _not_listed(self, name: str, context: Context, language: str) -> Reply:
        """A name on none of the closed lists (members, observers), asked in a follow-up: not on them."""
        if context.topic == "ask_is_member":
            text = self.phrase("member_no", language, name=name, count=len(self.knowledge.of_kind("member_country")))
            source = self.knowledge.fact_for("ask_member_countries")
        else:
            text = self.phrase("observer_no", language, name=name)
            source = self.knowledge.fact_for("ask_observers")
        return Reply(self._with_source(text, source, language), context=context)

    def _combine(self, replies: List[Reply], context: Context) -> Reply:
        """One reply for every question of the message, each said once."""
        texts: List[str] = []
        for reply in replies:
            if not any(reply.text in shown for shown in texts):
                texts.append(reply.text)
        # Answers from the same source cite it once, after the last of them.
        for index in range(len(texts) - 1):
            *body, source = texts[index].split("\n")
            if body and texts[index + 1].split("\n")[-1] == source:
                texts[index] = "\n".join(body)
        buttons = next((r.buttons for r in replies if r.buttons), ())
        return Reply("\n\n".join(texts), buttons, replies[-1].context if replies else context,
                     understood=all(r.understood for r in replies),
                     offers_human=any(r.offers_human for r in replies))

    def _context_subject(self, context: Context) -> Optional[Entity]:
        """What the conversation is about, for a question that names nothing ("who runs it?")."""
        entry = self.knowledge.get(context.subject)
        if context.topic in ("ask_contact", "ask_office_for_country") and context.office:
            return "office", context.office
        if context.topic in ("ask_is_observer", "ask_is_member", "ask_document") and entry is not None:
            return self._entity_type(entry), entry.id
        fact = self.knowledge.fact_for(context.topic) if context.topic else None
        if fact is not None:
            return "topic", fact.id
        return (self._entity_type(entry), entry.id) if entry is not None else None

    # ---- helpers ----------------------------------------------------------------------------
    def _with_source(self, text: str, entry: Entry, language: str) -> str:
        lines = [text, self.phrase("source", language, url=entry.source)]
        return "\n".join(lines)

    def _names(self, entries: Iterable[Entry], language: str, sort: bool = True) -> str:
        names = [e.name(language) for e in entries]
        return ", ".join(sorted(names, key=fold) if sort else names)

    def _fact(self, intent: str, context: Context, language: str, extra: str = "") -> Reply:
        fact = self.knowledge.fact_for(intent)
        text = fill_privacy_url(fact.localized("text", language)) + (f"\n{extra}" if extra else "")
        return Reply(self._with_source(text, fact, language), context=replace(context, topic=intent))

    def _entry(self, question: Question, context: Context, types: Tuple[str, ...]) -> Optional[Entry]:
        """The entry the question is about: named in it, or else the one the conversation is about."""
        found = question.first(*types)
        if found:
            return self.knowledge.get(found[1])
        remembered = self.knowledge.get(context.subject)
        if remembered and self._entity_type(remembered) in types:
            return remembered
        return None

    @staticmethod
    def _entity_type(entry: Entry) -> str:
        return "topic" if entry.kind == "fact" else entry.kind

    def _refine(self, question: Question) -> Question:
        """Lets a named entry settle a near-miss of the classifier ("What is CEPAL?" -> observer)."""
        refinements = {
            ("ask_observers", "observer"): "ask_is_observer",
            ("ask_documents", "document"): "ask_document",
            ("ask_member_countries", "member_country"): "ask_is_member",
            ("ask_segib", "observer"): "ask_is_observer",
            ("ask_segib", "document"): "ask_document",
        }
        for entity_type, _ in question.entities:
            target = refinements.get((question.intent, entity_type))
            if target:
                return replace(question, intent=target)
        return question

    # ---- organisation -----------------------------------------------------------------------
    def _members_sentence(self, language: str, key: str = "members_list") -> str:
        members = self.knowledge.of_kind("member_country")
        return self.phrase(key, language, count=len(members), names=self._names(members, language))

    def _member_countries(self, question: Question, context: Context, language: str) -> Reply:
        return self._fact("ask_member_countries", context, language, extra=self._members_sentence(language))

    def _is_member(self, question: Question, context: Context, language: str) -> Reply:
        entry = self._entry(question, context, ("member_country", "observer", "non_member"))
        count = len(self.knowledge.of_kind("member_country"))
        new_context = replace(context, topic="ask_is_member", subject=entry.id if entry else context.subject)
        if entry is None:
            text = self._members_sentence(language, "member_unknown")
            source = self.knowledge.fact_for("ask_member_countries")
            return Reply(self._with_source(text, source, language), context=new_context)
        if entry.kind == "member_country":
            office = self.knowledge.office_for(entry)
            text = self.phrase("member_yes", language, name=entry.name(language), count=count,
                               office=office.name(language))
            new_context = replace(new_context, office=office.id)
        elif entry.kind == "observer":
            text = self.phrase("member_no_observer", language, name=entry.name(language),
                               observer_role=self._observer_role(entry, language))
        else:
            text = self.phrase("member_no", language, name=entry.name(language), count=count)
        return Reply(self._with_source(text, entry, language), context=new_context)

    # ---- observers --------------------------------------------------------------------------
    def _observer_role(self, entry: Entry, language: str) -> str:
        return self.phrase(f"observer_role_{entry.get('observer_type')}", language)

    def _observer_label(self, entry: Entry, language: str) -> str:
        full_name = entry.get("full_name")
        if full_name and fold(full_name[language]) != fold(entry.name(language)):
            return f"{entry.name(language)} ({full_name[language]})"
        return entry.name(language)

    def _observer_lists(self, language: str, which: Iterable[str] = OBSERVER_TYPES) -> str:
        lines = []
        for observer_type in which:
            observers = self.knowledge.observers(observer_type)
            lines.append(self.phrase(f"observers_{observer_type}_list", language, count=len(observers),
                                     names=self._names(observers, language)))
        return "\n".join(lines)

    @staticmethod
    def _requested_observer_types(question: Question, context: Context) -> Tuple[str, ...]:
        """The observer categories asked: named ("consultative observers"), else the one the conversation
        is about when the question names no observers ("cuáles son?" after "¿qué son los observadores
        consultivos?"), else both."""
        folded = fold(question.text)
        asked = tuple(t for t, stem in (("associate", "asocia"), ("associate", "associa"),
                                        ("consultative", "consult")) if stem in folded)
        if asked:
            return tuple(dict.fromkeys(asked))
        if "observ" not in folded and context.subject in OBSERVER_TYPES:
            return (context.subject,)
        return OBSERVER_TYPES

    @staticmethod
    def _about_observer_types(context: Context, types: Tuple[str, ...]) -> Context:
        """The conversation is now about one observer category, or about none."""
        if len(types) == 1:
            return replace(context, subject=types[0])
        return replace(context, subject=None) if context.subject in OBSERVER_TYPES else context

    def _observers(self, question: Question, context: Context, language: str) -> Reply:
        types = self._requested_observer_types(question, context)
        return self._fact("ask_observers", self._about_observer_types(context, types), language,
                          extra=self._observer_lists(language, types))

    def _observer_difference(self, question: Question, context: Context, language: str) -> Reply:
        types = self._requested_observer_types(question, context)
        return self._fact("ask_observer_difference", self._about_observer_types(context, types), language)

    def _is_observer(self, question: Question, context: Context, language: str) -> Reply:
        entry = self._entry(question, context, ("observer", "member_country", "non_member"))
        new_context = replace(context, topic="ask_is_observer", subject=entry.id if entry else context.subject)
        if entry is None:
            text = self.phrase("observer_unknown", language) + "\n" + self._observer_lists(language)
            source = self.knowledge.fact_for("ask_observers")
            return Reply(self._with_source(text, source, language), context=new_context)
        if entry.kind == "observer":
            observer_type = entry.get("observer_type")
            text = self.phrase(f"observer_yes_{observer_type}", language,
                               name=self._observer_label(entry, language),
                               count=len(self.knowledge.observers(observer_type)))
            if entry.get("text"):
                text += " " + entry.localized("text", language)
        elif entry.kind == "member_country":
            text = self.phrase("observer_no_member", language, name=entry.name(language),
                               count=len(self.knowledge.of_kind("member_country")))
        else:
            text = self.phrase("observer_no", language, name=entry.name(language))
        return Reply(self._with_source(text, entry, language), context=new_context)

    # ---- documents --------------------------------------------------------------------------
    def _document_list(self, language: str) -> str:
        return "\n".join(self.phrase("document_item", language, name=d.name(language), url=d.source)
                         for d in self.knowledge.of_kind("document"))

    def _documents(self, question: Question, context: Context, language: str) -> Reply:
        return self._fact("ask_documents", context, language, extra=self._document_list(language))

    def _document(self, question: Question, context: Context, language: str) -> Reply:
        entry = self._entry(question, context, ("document",))
        if entry is None:
            text = self.phrase("document_unknown", language) + "\n" + self._document_list(language)
            return Reply(text, context=replace(context, topic="ask_documents"))
        text = f"{entry.name(language)}: {entry.localized('text', language)}"
        return Reply(self._with_source(text, entry, language),
                     context=replace(context, topic="ask_document", subject=entry.id))

    # ---- contacts ---------------------------------------------------------------------------
    def _place(self, question: Question) -> Optional[Entry]:
        """The office, member country or city the question names first."""
        named = question.first("office", "member_country", "city")
        return self.knowledge.get(named[1]) if named else None

    def _office_of(self, place: Optional[Entry], context: Context) -> Optional[Entry]:
        if place is None:
            return self.knowledge.get(context.office)
        if place.kind == "office":
            return place
        country = self.knowledge.country_of(place) if place.kind == "city" else place
        return self.knowledge.office_for(country)

    def _no_office_in(self, city: Entry, office: Entry, language: str) -> str:
        """Says there is no office in the city and which office serves its country (then come its details)."""
        country = self.knowledge.country_of(city)
        return (self.phrase("no_office_in_city", language, city=city.name(language)) + " " +
                self.phrase("office_for_country", language, country=country.name(language),
                            office=office.name(language)) + "\n")

    def _office_card(self, office: Entry, language: str) -> str:
        return self.phrase("office_card", language, name=office.name(language),
                           address=office.localized("address", language), phone=office.get("phone"),
                           email=office.get("email"), region=office.localized("region", language))

    def _contact(self, question: Question, context: Context, language: str) -> Reply:
        field_name = question.value("contact_field")
        if field_name == "website":
            return self._fact("ask_website", context, language)
        place = self._place(question)
        office = self._office_of(place, context)
        named_office = office is not None
        office = office or self.knowledge.headquarters
        new_context = replace(context, topic="ask_contact", office=office.id, subject=office.id)
        if field_name in ("address", "phone", "email"):
            value = office.localized("address", language) if field_name == "address" else office.get(field_name)
            text = self.phrase(f"office_{field_name}", language, name=office.name(language), **{field_name: value})
        else:
            text = self._office_card(office, language)
            if not named_office:
                others = [o.name(language) for o in self.knowledge.of_kind("office") if o.id != office.id]
                text += "\n" + self.phrase("other_offices", language, offices="; ".join(others))
        if place is not None and place.kind == "city":
            text = self._no_office_in(place, office, language) + text
        return Reply(self._with_source(text, office, language), context=new_context)

    def _office_for_country(self, question: Question, context: Context, language: str) -> Reply:
        entry = self._entry(question, context, ("member_country", "observer", "non_member", "office", "city"))
        if entry is not None and entry.kind in ("office", "city"):
            return self._contact(question, context, language)
        if entry is None:
            cards = "\n\n".join(self._office_card(o, language) for o in self.knowledge.of_kind("office"))
            text = self.phrase("offices_intro", language) + "\n\n" + cards
            return Reply(self._with_source(text, self.knowledge.headquarters, language),
                         context=replace(context, topic="ask_office_for_country"))
        if entry.kind != "member_country":
            office = self.knowledge.headquarters
            text = self.phrase("office_not_member", language, name=entry.name(language)) + "\n" + \
                self._office_card(office, language)
        else:
            office = self.knowledge.office_for(entry)
            text = self.phrase("office_for_country", language, country=entry.name(language),
                               office=office.name(language)) + "\n" + self._office_card(office, language)
        return Reply(self._with_source(text, office, language),
                     context=Context(topic="ask_office_for_country", subject=entry.id, office=office.id))

    # ---- follow-ups -------------------------------------------------------------------------
    _TOPIC_FOR_ENTITY = {"observer": "ask_is_observer", "member_country": "ask_is_member",
                         "non_member": "ask_is_observer", "document": "ask_document", "office": "ask_contact"}
    _TOPICS_ABOUT_STATES = ("ask_is_observer", "ask_is_member", "ask_office_for_country", "ask_contact")

    def _follow_up(self, question: Question, context: Context, language: str) -> Reply:
        subject = question.first(*SUBJECT_TYPES)
        if subject is None:
            if question.value("contact_field"):
                return self._contact(question, context, language)
            return Reply(self.phrase("follow_up_unclear", language), context=context, understood=False)
        entity_type, value = subject
        if entity_type == "topic":
            return self._fact(self.knowledge.get(value).get("intent"), context, language)
        # All the bot knows of a city is which office serves it, whatever the conversation was about.
        if question.value("contact_field") or entity_type == "city" or (
                entity_type == "office" and context.topic == "ask_contact"):
            return self._contact(question, context, language)
        topic = context.topic if context.topic in self._TOPICS_ABOUT_STATES else None
        if topic == "ask_contact" and entity_type not in ("office", "member_country"):
            topic = None
        if topic is None or entity_type == "document":
            topic = self._TOPIC_FOR_ENTITY[entity_type]
        return self.answer(replace(question, intent=topic), context, language)
