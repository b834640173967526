"""Hand-off figures read from the case store (handoff/store.py) when they are asked for.

Read at scrape time instead of counted where cases and outbox rows change: the store is shared by
the action server (which opens cases) and the Telegram gateway (which delivers the outbox and closes
cases), and survives restarts, so the database is the one place where these numbers are right.
Read-only SELECTs on the store's tables; nothing in the outbox or the relay is instrumented.
"""
import logging
import time
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from handoff.store import CLOSED, CaseStore, cases, outbox

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreFigures:
    waiting: int                          # cases not closed yet (live with staff, or filed)
    oldest_waiting_seconds: Optional[float]
    pending: int                          # outbox rows not delivered yet
    oldest_pending_seconds: Optional[float]


def read_figures(store: CaseStore, now: Optional[float] = None) -> StoreFigures:
    now = time.time() if now is None else now
    with store.engine.connect() as connection:
        waiting, oldest_case = connection.execute(
            sa.select(sa.func.count(), sa.func.min(cases.c.created_at)).where(cases.c.status != CLOSED)).one()
        pending, oldest_row = connection.execute(
            sa.select(sa.func.count(), sa.func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))).one()
    return StoreFigures(int(waiting), None if oldest_case is None else max(0.0, now - oldest_case),
                        int(pending), None if oldest_row is None else max(0.0, now - oldest_row))


class CaseStoreCollector(Collector):
    """segib_handoff_waiting, segib_handoff_oldest_waiting_seconds, segib_outbox_pending and
    segib_case_store_up (0 when the store cannot be read; the other three are then absent)."""

    def __init__(self, open_store: Callable[[], CaseStore] = CaseStore) -> None:
        self._open_store = open_store
        self._store: Optional[CaseStore] = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            self._store = self._store or self._open_store()
            figures = read_figures(self._store)
        except Exception as error:
            logger.warning("The hand-off case store cannot be read for metrics: %s", type(error).__name__)
            yield GaugeMetricFamily("segib_case_store_up", "1 when the hand-off case store answered", value=0)
            return
        yield GaugeMetricFamily("segib_case_store_up", "1 when the hand-off case store answered", value=1)
        yield GaugeMetricFamily("segib_handoff_waiting", "Hand-off cases not closed yet (live or filed)",
                                value=figures.waiting)
        yield GaugeMetricFamily("segib_handoff_oldest_waiting_seconds",
                                "Age of the oldest hand-off case not closed yet (0 when none)",
                                value=figures.oldest_waiting_seconds or 0.0)
        yield GaugeMetricFamily("segib_outbox_pending", "Hand-off messages waiting for delivery to Telegram",
                                value=figures.pending)
