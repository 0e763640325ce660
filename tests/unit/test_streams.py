"""A stream is a thin view: its row, and the plan and channels it is handed (a ``Source``),
turned into records and bookmark moves. It imports nothing of the run or the sync loop."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tap_stripe.channels import Checkpoint, Item, Source
from tap_stripe.plan import Plan
from tap_stripe.streams import Bookmark
from tap_stripe.tap import TapStripe


def source(plan: Plan, listed: list[Item], changes: list[Item],
           found: list[Item] | None = None) -> tuple[Source, list[str]]:
    """A source over fixed items; the list of channels read, in order."""
    read: list[str] = []

    def channel(name: str, items: list[Item]) -> Iterator[list[Item]]:
        read.append(name)
        yield from ([item] for item in items)

    def found_from(start: int) -> Iterator[list[Item]]:
        return channel(f"found from {start}", found or [])

    return Source(plan, lambda: channel("listed", listed), found_from,
                  lambda: channel("changes", changes)), read


def items_of(stream: str, src: Source) -> list[Any]:
    tap = TapStripe(config={"client_secret": "sk_test_123"}, validate_config=False)
    entries = tap.streams[stream].items(src)  # type: ignore[attr-defined]
    return [got for entry in entries for got in (entry if isinstance(entry, list) else [entry])]


def test_an_event_driven_stream_is_filled_then_follows_its_events() -> None:
    src, read = source(Plan(list_from=100, events_from=200, backfill_started=200),
                       [{"id": "cus_2"}, Checkpoint(150), {"id": "cus_1"}, Checkpoint(200)],
                       [{"id": "cus_1"}, Checkpoint(210)])
    assert items_of("customers", src) == [
        Bookmark({"backfill_started": 200, "created_cursor": 100,
                  "replication_key_value": None}),
        {"id": "cus_2"}, Bookmark({"created_cursor": 150}, checkpoint=150),
        {"id": "cus_1"}, Bookmark({"created_cursor": 200}, checkpoint=200),
        Bookmark({"replication_key_value": 200, "backfill_started": None}),
        {"id": "cus_1"}, Bookmark({"replication_key_value": 210}, checkpoint=210)]
    assert read == ["listed", "changes"]


def test_a_created_stream_moves_its_bookmark_at_each_window_and_reads_no_events() -> None:
    src, read = source(Plan(list_from=100), [{"id": "txn_1"}, Checkpoint(300)],
                       [{"id": "never"}])
    assert items_of("balance_transactions", src) == [
        {"id": "txn_1"}, Bookmark({"replication_key_value": 300}, checkpoint=300)]
    assert read == ["listed"]


def test_objects_no_list_shows_are_read_after_the_list_from_the_plans_start() -> None:
    src, read = source(Plan(list_from=100, events_from=200, backfill_started=200),
                       [Checkpoint(200)], [], found=[{"id": "prv_closed"}])
    got = items_of("reviews", src)
    assert read == ["listed", "found from 100", "changes"]
    assert got[2] == {"id": "prv_closed"}


def test_a_stream_continuing_from_its_bookmark_reads_events_only() -> None:
    src, read = source(Plan(None, events_from=500), [{"id": "never"}],
                       [{"id": "in_1"}, Checkpoint(600)])
    assert items_of("invoices", src) == [
        {"id": "in_1"}, Bookmark({"replication_key_value": 600}, checkpoint=600)]
    assert read == ["changes"]


def test_streams_import_nothing_of_the_run_or_the_loop() -> None:
    tree = ast.parse((Path(__file__).parents[2] / "tap_stripe" / "streams.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"tap_stripe.run", "tap_stripe.sync", "tap_stripe.tap"}
    assert "tap_stripe.channels" in imported
