"""Thin singer-sdk streams built from the registry: each decides between listing and events and
owns its bookmarks."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_stripe.schemas import load_schema
from tap_stripe.spool import Checkpoint, Item

if TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_stripe.registry import StreamDef
    from tap_stripe.run import Run

LOGGER = logging.getLogger("tap-stripe")
DAY = 86400
# Stripe keeps events 30 days; a bookmark older than this cannot be caught up through events.
EVENT_HORIZON = 29 * DAY


@dataclass(frozen=True)
class Plan:
    """What a stream reads this run.

    Attributes:
        list_from: Start of the `created` listing (None: no listing this run).
        events_from: Start of the events this stream takes (None: not event-driven this run).
        backfill_started: When the listing that fills an event-driven stream began.
    """

    list_from: int | None
    events_from: int | None = None
    backfill_started: int | None = None


class StripeStream(Stream):
    """One Stripe stream. Bookmarks are unix seconds, written at checkpoints only.

    Created-based streams bookmark the end of the last completed `created` window in
    ``replication_key_value``. Event-driven streams are first filled by listing (progress in
    ``created_cursor``, begun at ``backfill_started``) and then follow events:
    ``replication_key_value`` is the time up to which every change has been emitted.
    """

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    is_sorted = True

    def __init__(self, tap: Tap, sdef: StreamDef, run: Run) -> None:
        self.sdef = sdef
        self.run = run
        super().__init__(tap, schema=load_schema(sdef.name), name=sdef.name)
        self.primary_keys = ["id"]
        self.replication_key = sdef.key
        self.selected_by_default = sdef.selected_by_default

    @cached_property
    def plan(self) -> Plan:
        """This run's plan, from the state the run started with."""
        settings, now = self.run.settings, self.run.started
        state = self.stream_state
        if self.replication_method == "FULL_TABLE":
            return Plan(list_from=settings.start)
        if self.sdef.cursor == "created":
            lookback = max(settings.lookback_seconds, self.sdef.lookback_floor_days * DAY)
            bookmark = state.get("replication_key_value")
            start = bookmark - lookback if isinstance(bookmark, int) else settings.start
            return Plan(list_from=max(settings.start, start))
        horizon = now - EVENT_HORIZON
        bookmark = state.get("replication_key_value")
        if isinstance(bookmark, int) and bookmark >= horizon:
            return Plan(None, events_from=max(horizon, bookmark - settings.lookback_seconds))
        if isinstance(bookmark, int):
            LOGGER.warning("Stream %s was last synced more than %d days ago, beyond Stripe's "
                           "30-day event retention: re-reading it from its list endpoint.",
                           self.name, EVENT_HORIZON // DAY)
            return Plan(settings.start, events_from=now, backfill_started=now)
        started, cursor = state.get("backfill_started"), state.get("created_cursor")
        if isinstance(started, int) and started >= horizon and isinstance(cursor, int):
            LOGGER.info("Stream %s: resuming its first fill at created=%d", self.name, cursor)
            return Plan(cursor, events_from=started, backfill_started=started)
        return Plan(settings.start, events_from=now, backfill_started=now)

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Listed records (a STATE after each window), then changes from events."""
        plan = self.plan
        if plan.list_from is not None:
            bookmark = "replication_key_value"
            if plan.events_from is not None:  # filling an event-driven stream
                bookmark = "created_cursor"
                self._update_state(backfill_started=plan.backfill_started,
                                   created_cursor=plan.list_from, replication_key_value=None)
            yield from self._emit(self.run.family_of(self.sdef).items(self.name), bookmark)
            if plan.events_from is not None:
                self._update_state(replication_key_value=plan.events_from,
                                   backfill_started=None)
        if plan.events_from is not None:
            yield from self._emit(self.run.hub.items(self.name), "replication_key_value")

    def _emit(self, items: Iterator[Item], bookmark: str) -> Iterator[dict[str, Any]]:
        for item in items:
            if isinstance(item, Checkpoint):
                self._update_state(**{bookmark: item.value})
            else:
                yield item

    def _update_state(self, **values: int | None) -> None:
        """Set bookmark fields (None removes one) and write a STATE message."""
        state = self.stream_state
        state["replication_key"] = self.replication_key
        for key, value in values.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
        self.state_manager.is_flushed = False
        self._write_state_message()

    def _increment_stream_state(self, latest_record: dict[str, Any], *,
                                context: Context | None = None) -> None:
        """Bookmarks move only at checkpoints, never per record (lists arrive newest first)."""
