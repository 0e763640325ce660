"""Thin singer-sdk streams built from the registry: each decides between listing and events and
owns its bookmarks."""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from singer_sdk import Stream
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.singerlib import RecordMessage

from tap_stripe.schemas import load_schema
from tap_stripe.spool import Checkpoint, Item
from tap_stripe.writer import BufferedWriter

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
        deletes_from: Deletes from this time on are taken from events too (a refill after a
            pause longer than Stripe's event retention: the list no longer shows objects
            deleted during the pause, the events of the last 29 days do).
    """

    list_from: int | None
    events_from: int | None = None
    backfill_started: int | None = None
    deletes_from: int | None = None


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
            return Plan(settings.start, events_from=now, backfill_started=now,
                        deletes_from=max(horizon, bookmark))
        started, cursor = state.get("backfill_started"), state.get("created_cursor")
        if isinstance(started, int) and started >= horizon and isinstance(cursor, int):
            return Plan(cursor, events_from=started, backfill_started=started)
        return Plan(settings.start, events_from=now, backfill_started=now)

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Listed records (a STATE after each window), then changes from events.

        The first stream to sync starts every pass of the run in the background. A failure
        stops them all, and the records written so far are flushed before it propagates.
        """
        try:
            self.run.prefetch()
            yield from self._records()
        except GeneratorExit:  # singer-sdk stopped reading (a record limit): others go on
            raise
        except BaseException:
            self.run.close()
            writer = self._tap.message_writer
            if isinstance(writer, BufferedWriter):
                writer.flush()
            raise

    def _records(self) -> Iterator[dict[str, Any]]:
        plan, run = self.plan, self.run
        if plan.deletes_from is not None:
            LOGGER.warning("Stream %s was last synced more than %d days ago, beyond Stripe's "
                           "30-day event retention: re-reading it from its list endpoint.",
                           self.name, EVENT_HORIZON // DAY)
        if plan.list_from is not None:
            bookmark = "replication_key_value"
            if plan.events_from is not None:  # filling an event-driven stream
                bookmark = "created_cursor"
                self._update_state(backfill_started=plan.backfill_started,
                                   created_cursor=plan.list_from, replication_key_value=None)
            yield from self._emit(run.shared(run.family_of(self.sdef)).items(self.name),
                                  bookmark)
            if plan.events_from is not None:
                self._update_state(replication_key_value=plan.events_from,
                                   backfill_started=None)
        if plan.events_from is not None:
            yield from self._emit(run.shared(run.hub).items(self.name), "replication_key_value")

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

    @cached_property
    def _passes_through(self) -> bool:
        """Whether records go out exactly as read: no property deselected, no type conformance,
        and one stream map that neither transforms nor flattens."""
        maps = self.stream_maps
        return (self.TYPE_CONFORMANCE_LEVEL == TypeConformanceLevel.NONE
                and all(self.mask.values()) and len(maps) == 1
                and type(maps[0]) is SameRecordTransform and not maps[0].flattening_enabled)

    def _generate_record_messages(
            self, record: dict[str, Any]) -> Generator[RecordMessage, None, None]:
        """The RECORD message of ``record``. When records pass through unchanged this skips
        singer-sdk's per-record selection walk (a copy of every nested object), conformance
        and mapping calls; otherwise singer-sdk does its usual work."""
        if not self._passes_through:
            yield from super()._generate_record_messages(record)
            return
        yield RecordMessage(stream=self.stream_maps[0].stream_alias, record=record,
                            version=self._stream_version, time_extracted=utc_now())

    def _process_record(self, record: dict[str, Any], child_context: Context | None = None,
                        partition_context: Context | None = None) -> None:
        """Nothing to do per record: these streams have no singer-sdk child streams and no
        partitions (singer-sdk would shallow-copy every record for its child streams)."""
        if self.child_streams or partition_context:
            super()._process_record(record, child_context, partition_context)

    def _increment_stream_state(self, latest_record: dict[str, Any], *,
                                context: Context | None = None) -> None:
        """Bookmarks move only at checkpoints, never per record (lists arrive newest first)."""
