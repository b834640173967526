"""The citizen's side of a live case, the same for every channel (docs/handoff.md).

A channel is one adapter: it finds the citizen's live case (`live_case` with its sender id), passes
their messages on (`from_citizen`) and their "/bot" (`citizen_leaves`); staff's answers and notices
come back as outbox rows for the citizen. Who delivers those rows depends on the channel: the
Telegram gateway for Telegram chats (telegram_gateway/outbox.py), the Rasa server's socket.io channel
for the web widget (rasa_server/channels/livecase.py). `resume` rows (hand the conversation back to the
assistant in Rasa) are the gateway's for every channel.

`texts` is a handoff.texts.CaseTexts: `staff(key, **values)` in the staff's language and
`citizen(case, key, **values)` in the case's. No Telegram or Rasa import here.
"""
from typing import Callable, Optional

from contracts import telegram_chat_of
from handoff.store import CITIZEN, EMAIL, LIVE, RESUME, STAFF, WEB, Case, CaseStore


def telegram_chat(case: Case) -> Optional[int]:
    """The Telegram chat of a case's citizen; None for other channels."""
    return telegram_chat_of(case.sender)


def answerable(case: Case) -> bool:
    """Can a staff reply reach the citizen where they wrote from (else: an email case)?"""
    return case.mode != EMAIL and (telegram_chat(case) is not None or (case.channel == WEB and case.mode == LIVE))


class CaseRelay:
    def __init__(self, store: CaseStore, texts, wake: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.texts = texts
        self.wake = wake   # a row was queued: deliver now rather than at the next round

    def queue(self, case: Case, target: str, kind: str, text: str, source: Optional[str] = None) -> bool:
        """Queues a row for delivery; False if one from the same `source` message was queued already."""
        queued = self.store.enqueue(case.id, target, kind, text, source)
        self.wake()
        return queued

    def live_case(self, sender: str) -> Optional[Case]:
        return self.store.live_case(sender)

    def from_citizen(self, case: Case, text: str, source: Optional[str] = None) -> bool:
        """A citizen's message in a live case, for staff (the outbox adds the case's reference)."""
        return self.queue(case, STAFF, "citizen", text, source)

    def citizen_leaves(self, case: Case) -> bool:
        """The citizen typed /bot: close the case, tell staff, hand the conversation back."""
        if not self.store.close(case.id):
            return False
        self.hand_back(case, "handoff_staff_citizen_left")
        return True

    def notify_staff(self, case: Case, key: str, source: Optional[str] = None, **values: str) -> bool:
        """A notice about the case for staff, as a reply to its case message (once per `source`)."""
        return self.queue(case, STAFF, "notice", self.texts.staff(key, reference=case.reference, **values), source)

    def hand_back(self, case: Case, staff_notice: str, citizen_notice: str = "handoff_back", **values: str) -> None:
        """A closed case: staff are told; a live citizen goes back to the assistant and is told so."""
        self.notify_staff(case, staff_notice, **values)
        if case.mode == LIVE and answerable(case):
            self.queue(case, CITIZEN, RESUME, "")
            self.queue(case, CITIZEN, "notice",
                       self.texts.citizen(case, citizen_notice, reference=case.reference, **values))
