"""Thin singer-sdk streams built from the registry: they pick where to start and own bookmarks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_stripe.fetch import Checkpoint
from tap_stripe.schemas import load_schema

if TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_stripe.registry import StreamDef
    from tap_stripe.run import Run


class StripeStream(Stream):
    """One Stripe stream; records come from its family scan, bookmarks from checkpoints.

    Bookmarks are unix seconds. ``replication_key_value`` is the end of the last completed
    ``created`` window for created-based streams; for event-driven streams ``created_cursor``
    holds that window end and ``replication_key_value`` the ``updated`` time reached.
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

    def start(self) -> int:
        """Unix time of the oldest `created` this run reads for this stream."""
        settings = self.run.settings
        if self.replication_method == "FULL_TABLE":
            return settings.start
        state = self.stream_state
        field = "replication_key_value" if self.sdef.cursor == "created" else "created_cursor"
        bookmark = state.get(field)
        if not isinstance(bookmark, int):
            return settings.start
        return max(settings.start, bookmark - settings.lookback_seconds)

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Records of this stream, with a STATE message after each completed window."""
        for item in self.run.family_of(self.sdef).items(self.name):
            if isinstance(item, Checkpoint):
                self._checkpoint(item.value)
            else:
                yield item

    def _checkpoint(self, window_end: int) -> None:
        state = self.stream_state
        state["replication_key"] = self.replication_key
        if self.sdef.cursor == "created":
            state["replication_key_value"] = window_end
        else:
            state["created_cursor"] = window_end
            state["replication_key_value"] = self.run.started
        self.state_manager.is_flushed = False
        self._write_state_message()

    def _increment_stream_state(self, latest_record: dict[str, Any], *,
                                context: Context | None = None) -> None:
        """Bookmarks move only at checkpoints, never per record (records arrive newest first)."""
