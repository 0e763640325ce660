"""Thin singer-sdk streams built from the registry: a stream is its row, and turns its plan
and channels (a ``Source``) into records and bookmark moves. The sync loop (``sync``) writes
them; nothing here calls the run."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform

from tap_stripe.channels import Checkpoint, Item, Source
from tap_stripe.pages import Obj
from tap_stripe.plan import DAY, EVENT_HORIZON
from tap_stripe.schemas import load_schema

if TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_stripe.registry import StreamDef

LOGGER = logging.getLogger("tap-stripe")


@dataclass(frozen=True)
class Bookmark:
    """Bookmark fields of the context being read to set, in this order (None removes one);
    ``checkpoint``: the time up to which the stream is now complete, when a window ended."""

    fields: dict[str, int | None]
    checkpoint: int | None = None


Feed = Callable[["StripeStream", "Context | None"], Iterable[dict[str, Any]]]


class StripeStream(Stream):
    """One Stripe stream. Bookmarks are unix seconds, moved at checkpoints only.

    Created-based streams bookmark the end of the last completed `created` window in
    ``replication_key_value``. Event-driven streams are first filled by listing (progress in
    ``created_cursor``, begun at ``backfill_started``) and then follow events:
    ``replication_key_value`` is the time up to which every change has been emitted.

    The tap's sync loop reads ``items``. ``get_records`` serves singer-sdk's own
    ``Stream.sync`` (its dry run and standard tests) from ``feed``, the loop's records.
    """

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    is_sorted = True

    def __init__(self, tap: Tap, sdef: StreamDef, feed: Feed) -> None:
        self.sdef = sdef
        self._feed = feed
        super().__init__(tap, name=sdef.name)  # its schema is read when asked for (``schema``)
        self.primary_keys = list(sdef.primary_key)
        self.replication_key = sdef.key or None  # none: read whole on every run (FULL_TABLE)
        self.selected_by_default = sdef.selected_by_default

    @property
    def schema(self) -> dict[str, Any]:
        """The stream's packaged JSON Schema, read the first time it is asked for: a sync
        reads those of the selected streams only (reading all 110 took 20-35 ms of every
        run's start-up)."""
        return load_schema(self.sdef.name)

    def items(self, source: Source) -> Iterator[list[Obj] | Bookmark]:
        """Listed records (a bookmark move after each window), then changes from events; the
        records a list at a time, as their channels carry them."""
        plan = source.plan
        if plan.deletes_from is not None:
            LOGGER.warning("Stream %s was last synced more than %d days ago, beyond Stripe's "
                           "30-day event retention: re-reading it from its list endpoint.",
                           self.name, EVENT_HORIZON // DAY)
        if plan.list_from is not None:
            # A stream read whole keeps no bookmark: its next run reads it whole again.
            field: str | None = "replication_key_value" if self.replication_key else None
            if plan.events_from is not None:  # filling an event-driven stream
                field = "created_cursor"
                yield Bookmark({"backfill_started": plan.backfill_started,
                                "created_cursor": plan.list_from,
                                "replication_key_value": None})
            yield from _bookmarked(source.listed(), field)
            if self.sdef.found_in:
                yield from _bookmarked(source.found(plan.list_from), field)
            if plan.events_from is not None:
                yield Bookmark({"replication_key_value": plan.events_from,
                                "backfill_started": None})
        if plan.events_from is not None:
            yield from _bookmarked(source.changes(), "replication_key_value")

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """The records of ``context`` when singer-sdk syncs this stream itself (its dry run
        and standard tests): the sync loop's, bookmarks kept in the state."""
        return self._feed(self, context)

    @cached_property
    def passes_through(self) -> bool:
        """Whether records go out exactly as read: no property deselected, no type conformance,
        and one stream map that neither transforms nor flattens."""
        maps = self.stream_maps
        return (self.TYPE_CONFORMANCE_LEVEL == TypeConformanceLevel.NONE
                and all(self.mask.values()) and len(maps) == 1
                and type(maps[0]) is SameRecordTransform and not maps[0].flattening_enabled)

    def _increment_stream_state(self, latest_record: dict[str, Any], *,
                                context: Context | None = None) -> None:
        """Bookmarks move only at checkpoints, never per record (lists arrive newest first).

        Private, and one of the tap's two uses of singer-sdk's private parts: only
        singer-sdk's own ``Stream.sync`` calls it (its ``run_sync_dry_run``, final, which its
        standard tests use); it has no public switch to keep bookmarks where the stream puts
        them. ``tests/unit/test_library_hooks.py`` fails by name if it changes."""


def _bookmarked(pages: Iterator[list[Item]], field: str | None,
                ) -> Iterator[list[Obj] | Bookmark]:
    """``pages`` as lists of records, each checkpoint as a move of ``field`` (none: a
    checkpoint only) between them."""
    for page in pages:
        marks = [at for at, item in enumerate(page) if type(item) is Checkpoint]
        if not marks:
            yield cast("list[Obj]", page)
            continue
        begin = 0
        for at in marks:
            if at > begin:
                yield cast("list[Obj]", page[begin:at])
            value = cast("Checkpoint", page[at]).value
            yield Bookmark({field: value} if field else {}, checkpoint=value)
            begin = at + 1
        if begin < len(page):
            yield cast("list[Obj]", page[begin:])
