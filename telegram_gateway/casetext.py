"""The texts of hand-off cases: what staff read in their group and what the citizen reads.

Staff texts are in HANDOFF_STAFF_LANGUAGE; a citizen's in the case's language. All of them are sent
as plain text (no parse mode), so whatever a citizen typed is shown literally.
"""
import time
from typing import List, Optional

from handoff.store import EMAIL, FALLBACK, LIVE, WEB, Case
from telegram_gateway.phrases import Phrases
from telegram_gateway.render import MAX_MESSAGE, utf16_len

NONE = "—"
CHANNEL_NAMES = {WEB: "web"}   # as staff know them (Rasa's "socketio" is the website's widget)


def age(seconds: float) -> str:
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} d"


def fit(lines: List[str], keep: int, limit: int = MAX_MESSAGE) -> str:
    """Joins lines under Telegram's limit: the oldest after the first `keep` go first, then the end."""
    lines = list(lines)
    while utf16_len("\n".join(lines)) > limit and len(lines) > keep + 1:
        del lines[keep]
    text = "\n".join(lines)
    return text if utf16_len(text) <= limit else text[: limit - 1] + "…"


class CaseTexts:
    def __init__(self, phrases: Phrases, staff_language: str = "es") -> None:
        self.phrases = phrases
        self.language = staff_language

    def staff(self, key: str, **values: str) -> str:
        return self.phrases.text(key, self.language, **values)

    def citizen(self, case: Case, key: str, **values: str) -> str:
        return self.phrases.text(key, case.language, **values)

    def office_name(self, office: Optional[str]) -> str:
        knowledge = self.phrases.knowledge
        entry = knowledge.get(office) if office else None
        return (entry or knowledge.headquarters).name(self.language)

    def announcement(self, case: Case) -> str:
        """The case message: reference and what to do, the fields, the question, the last turns."""
        if case.mode == EMAIL:
            header = self.staff("handoff_staff_email", reference=case.reference, email=case.email or NONE)
        else:
            key = "handoff_staff_offline" if case.mode != LIVE else \
                "handoff_staff_live_web" if case.channel == WEB else "handoff_staff_live"
            header = self.staff(key, reference=case.reference)
        reason = self.staff("handoff_reason_fallback" if case.reason == FALLBACK else "handoff_reason_asked")
        lines = [header, self.staff("handoff_staff_fields", channel=CHANNEL_NAMES.get(case.channel, case.channel),
                                    lang=case.language,
                                    office=self.office_name(case.office), country=case.country or NONE,
                                    reason=reason)]
        if case.question:
            lines.append(self.staff("handoff_staff_question", question=case.question))
        lines.append(self.staff("handoff_staff_transcript"))
        keep = len(lines)
        who = {"citizen": self.staff("handoff_staff_who_citizen"), "bot": self.staff("handoff_staff_who_bot")}
        lines += [f"{who.get(speaker, speaker)}: {text}" for speaker, text in case.transcript]
        return fit(lines, keep)

    def case_line(self, case: Case, now: Optional[float] = None) -> str:
        """A line of /cases: reference, mode, age, channel, language, then its wait or first answer."""
        now = now or time.time()
        line = self.staff("handoff_staff_case_line", reference=case.reference, mode=case.mode,
                          age=age(now - case.created_at), channel=CHANNEL_NAMES.get(case.channel, case.channel),
                          lang=case.language)
        if case.mode == EMAIL:
            return line
        if case.answered_at is None:
            return f"{line} · {self.staff('handoff_staff_waiting', age=age(now - case.created_at))}"
        return f"{line} · {self.staff('handoff_staff_answered_after', age=age(case.answered_at - case.created_at))}"
