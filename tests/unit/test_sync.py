"""Created-window sync over mocked HTTP: paging, windows, bookmarks, lookback, children."""

from __future__ import annotations

import itertools
import logging
import time
from typing import Any

import pytest

from tap_stripe.errors import StripeAccessError
from tests.singer import run_tap
from tests.unit.fake_stripe import BASE, FakeStripe

DAY = 86400


def config(start: int, **extra: Any) -> dict[str, Any]:
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start))
    return {"client_secret": "sk_test_unit", "api_base": BASE, "start_date": iso, **extra}


# A first sync of one list from the start date over fewer than four windows is asked in parts
# by its first round trip: test mode's 25 requests/s for the account, less /v1/events,
# /v1/account and the list's probe, leave 22 more, so 23 parts (at most the endpoint's 25;
# /v1/files: 20 requests/s, 20 parts).
PARTS = 23
FILES_PARTS = 20


def first_pages_of_parts(queries: list[dict[str, str]]) -> list[tuple[int, int | None]]:
    """The parts whose first page ``queries`` ask, oldest first, once they are checked to
    tile the range without a gap, the newest with no upper bound, each asked once."""
    firsts = [q for q in queries if "starting_after" not in q]
    parts = sorted((int(q["created[gte]"]), int(q["created[lt]"]) if "created[lt]" in q
                    else None) for q in firsts)
    assert len(set(parts)) == len(parts)
    assert parts[-1][1] is None
    assert all(older[1] == newer[0] for older, newer in itertools.pairwise(parts))
    return parts


def objs(prefix: str, n: int, created: int, **fields: Any) -> list[dict[str, Any]]:
    return [{"id": f"{prefix}_{i:04d}", "object": "x", "created": created + i, **fields}
            for i in range(n)]


def test_pages_of_100_follow_starting_after_and_emit_each_object_once(fake: FakeStripe) -> None:
    start = int(time.time()) - 10 * DAY
    fake.add("/v1/balance_transactions", objs("txn", 250, start + 60))
    out = run_tap(config(start), ["balance_transactions"])
    # a first sync's list asked in parts (see first_pages_of_parts), the objects all in the
    # oldest: its first page, then on after its last object
    queries = fake.queries("/v1/balance_transactions")
    assert len(first_pages_of_parts(queries)) == PARTS
    queries = [q for q in queries if q["created[gte]"] == str(start)]
    assert [q["limit"] for q in queries] == ["100", "100", "100"]
    assert "starting_after" not in queries[0]
    assert queries[1]["starting_after"] == "txn_0150"  # newest first: 249..150 on page one
    assert queries[2]["starting_after"] == "txn_0050"
    assert sorted(out.ids("balance_transactions")) == [f"txn_{i:04d}" for i in range(250)]
    assert out.records["balance_transactions"][0]["created"] == start + 60 + 249


def test_windows_cover_start_to_run_start_oldest_first(fake: FakeStripe) -> None:
    start = int(time.time()) - int(2.5 * DAY)
    fake.add("/v1/files", objs("file", 3, start + 10))
    out = run_tap(config(start, slice_range=1), ["files"])
    end = out.state["bookmarks"]["files"]["replication_key_value"]
    # the permission probe asked the first page of each part the listing cuts the range in,
    # no part across a window's end: they hold the three files, so nothing more is asked
    queries = fake.queries("/v1/files")
    parts = first_pages_of_parts(queries)
    assert len(queries) == len(parts) == FILES_PARTS
    assert {start + DAY, start + 2 * DAY} <= {gte for gte, _ in parts}
    assert abs(end - time.time()) < 60
    # a STATE after each window, each holding that window's end
    marks = [s["bookmarks"]["files"].get("replication_key_value") for s in out.states
             if "files" in s.get("bookmarks", {})]
    assert [start + DAY, start + 2 * DAY, end] == [m for m in dict.fromkeys(marks) if m]


def test_windows_are_logged_at_debug_and_each_listing_once_at_info(
        fake: FakeStripe, caplog: pytest.LogCaptureFixture) -> None:
    start = int(time.time()) - int(2.5 * DAY)
    fake.add("/v1/files", objs("file", 3, start + 10))
    with caplog.at_level(logging.DEBUG, logger="tap-stripe"):
        out = run_tap(config(start, slice_range=1), ["files"])
    end = out.state["bookmarks"]["files"]["replication_key_value"]
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO
            and r.name.startswith("tap-stripe.")]
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG
             and r.getMessage().startswith("Read files created in")]
    assert debug == [f"Read files created in [{start}, {start + DAY})",
                     f"Read files created in [{start + DAY}, {start + 2 * DAY})",
                     f"Read files created in [{start + 2 * DAY}, {end})"]
    assert [m for m in info if m.startswith(("Listed", "Read"))] == [
        f"Listed 3 files created in [{start}, {end}) in 3 window(s)."]


def test_a_small_account_is_read_in_one_request_over_all_its_windows(fake: FakeStripe) -> None:
    start = int(time.time()) - 10 * 365 * DAY
    fake.add("/v1/files", objs("file", 40, start + 9 * 365 * DAY))
    out = run_tap(config(start), ["files"])
    # not one request per year: the permission probe asked the first page from the start on
    # (no upper bound: the run's start is not known yet), which holds them all
    assert fake.queries("/v1/files") == [{"limit": "100", "created[gte]": str(start)}]
    assert sorted(out.ids("files")) == [f"file_{i:04d}" for i in range(40)]


def test_a_large_account_asks_the_whole_range_once_then_the_unknown_windows_together(
        fake: FakeStripe) -> None:
    start = int(time.time()) - 4 * DAY - 3600
    fake.add("/v1/files", objs("file", 150, start + 2 * DAY))
    out = run_tap(config(start, slice_range=1), ["files"])
    sent = sorted((int(q["created[gte]"]), int(q.get("created[lt]", 0)),
                   q.get("starting_after", "")) for q in fake.queries("/v1/files"))
    # The whole range (no upper bound): more than a page, all of it in the third window, which
    # goes on after its last file; the window after it, newer than its first file, holds
    # nothing; the two windows before it are asked in one request.
    assert sent == [(start, 0, ""), (start, start + 2 * DAY, ""),
                    (start + 2 * DAY, start + 3 * DAY, "file_0050")]
    assert sorted(out.ids("files")) == [f"file_{i:04d}" for i in range(150)]


def test_incremental_run_starts_at_bookmark_minus_lookback(fake: FakeStripe) -> None:
    start = int(time.time()) - 30 * DAY
    bookmark = int(time.time()) - 5 * DAY
    fake.add("/v1/shipping_rates", objs("shr", 4, bookmark - 3 * DAY) + objs("shn", 2, bookmark))
    state = {"bookmarks": {"shipping_rates": {"replication_key": "created",
                                              "replication_key_value": bookmark}}}
    out = run_tap(config(start), ["shipping_rates"], state)
    assert fake.queries("/v1/shipping_rates")[0]["created[gte]"] == str(bookmark)
    assert sorted(out.ids("shipping_rates")) == ["shn_0000", "shn_0001"]
    out = run_tap(config(start, lookback_window_days=4), ["shipping_rates"], state)
    assert fake.queries("/v1/shipping_rates")[-1]["created[gte]"] == str(bookmark - 4 * DAY)
    assert len(out.ids("shipping_rates")) == 6


def test_interrupted_run_resumes_at_the_window_it_was_in(fake: FakeStripe) -> None:
    # three windows, the last with more than a page: the first page, asked ahead, holds
    # nothing of the first two, each asked on its own
    start = int(time.time()) - 3 * DAY + 3600
    fake.add("/v1/file_links", objs("link", 3, start) + objs("late", 150, start + 2 * DAY))
    fake.fail("/v1/file_links", start + DAY, 400,
              {"error": {"type": "invalid_request_error", "message": "boom"}})
    failed = run_tap(config(start, slice_range=1), ["file_links"], allow_error=True)
    assert isinstance(failed.error, StripeAccessError)
    assert "boom" in str(failed.error)
    assert sorted(failed.ids("file_links")) == ["link_0000", "link_0001", "link_0002"]
    # the last STATE before the failure marks the first window as done
    assert failed.state["bookmarks"]["file_links"]["replication_key_value"] == start + DAY
    fake.failures.clear()
    before = len(fake.calls)
    out = run_tap(config(start, slice_range=1), ["file_links"], failed.state)
    assert min(int(q["created[gte]"]) for _, q in fake.calls[before:]) == start + DAY
    assert sorted(out.ids("file_links")) == [f"late_{i:04d}" for i in range(150)]


def test_exhausted_retries_fail_with_the_reason(fake: FakeStripe) -> None:
    # three windows, the last with more than a page: the first page, asked ahead, holds
    # nothing of the first two, and the last goes on with a request
    start = int(time.time()) - 3 * DAY + 3600
    fake.add("/v1/file_links", objs("link", 2, start) + objs("late", 150, start + 2 * DAY))
    fake.fail("/v1/file_links", start + 2 * DAY, 500, {"error": {"type": "api_error"}})
    out = run_tap(config(start, slice_range=1, max_retries=0), ["file_links"], allow_error=True)
    assert str(out.error) == (
        "Stripe request GET /v1/file_links still failed after 0 retries: HTTP 500.")
    assert out.state["bookmarks"]["file_links"]["replication_key_value"] == start + 2 * DAY


def test_subscriptions_are_listed_with_status_all(fake: FakeStripe) -> None:
    start = int(time.time()) - DAY
    fake.add("/v1/subscriptions", objs("sub", 2, start + 5, items={"object": "list", "data": [],
                                                                  "has_more": False}))
    out = run_tap(config(start), ["subscriptions"])
    assert fake.queries("/v1/subscriptions")[0]["status"] == "all"
    assert out.ids("subscriptions") == ["sub_0001", "sub_0000"]
    assert out.records["subscriptions"][0]["is_deleted"] is False
    assert isinstance(out.records["subscriptions"][0]["updated"], int)


def lines(invoice: str, n: int) -> list[dict[str, Any]]:
    return [{"id": f"il_{invoice}_{i:02d}", "object": "line_item", "created": 0}
            for i in range(n)]


def test_child_lines_read_embedded_first_and_page_only_when_has_more(fake: FakeStripe) -> None:
    start = int(time.time()) - DAY
    big, small = lines("big", 25), lines("small", 3)
    fake.add("/v1/invoices", [
        {"id": "in_big", "object": "invoice", "created": start + 1,
         "lines": {"object": "list", "data": big[:10], "has_more": True}},
        {"id": "in_small", "object": "invoice", "created": start + 2,
         "lines": {"object": "list", "data": small, "has_more": False}},
    ])
    fake.add("/v1/invoices/in_big/lines", [{**o, "created": 100 - i} for i, o in enumerate(big)])
    out = run_tap(config(start), ["invoices", "invoice_line_items"])
    assert fake.queries("/v1/invoices/in_big/lines")[0]["starting_after"] == "il_big_09"
    assert "/v1/invoices/in_small/lines" not in fake.paths()
    got = {(r["id"], r["invoice_id"]) for r in out.records["invoice_line_items"]}
    assert got == {(o["id"], "in_big") for o in big} | {(o["id"], "in_small") for o in small}
    assert len(out.records["invoice_line_items"]) == 28
    assert out.ids("invoices") == ["in_small", "in_big"]
    # the parent list is read once for both streams (each of its parts' first page once, and
    # nothing more), and each SCHEMA is written once
    assert fake.paths().count("/v1/invoices") == len(
        first_pages_of_parts(fake.queries("/v1/invoices"))) == PARTS
    assert out.schemas["invoices"] == 1
    assert out.schemas["invoice_line_items"] == 1


def test_child_only_selection_reads_parent_without_emitting_it(fake: FakeStripe) -> None:
    start = int(time.time()) - DAY
    fake.add("/v1/transfers", [{"id": "tr_1", "object": "transfer", "created": start + 1,
                                "reversals": {"object": "list", "has_more": False,
                                              "data": [{"id": "trr_1", "created": 1}]}}])
    out = run_tap(config(start), ["transfer_reversals"])
    assert out.records["transfer_reversals"][0]["transfer_id"] == "tr_1"
    assert "transfers" not in out.records


def test_customer_sources_are_expanded_for_bank_accounts_and_stripped(fake: FakeStripe) -> None:
    start = int(time.time()) - DAY
    sources = [{"id": "ba_1", "object": "bank_account", "created": 1},
               {"id": "card_1", "object": "card", "created": 1}]
    fake.add("/v1/customers", [{"id": "cus_1", "object": "customer", "created": start + 1,
                                "sources": {"object": "list", "data": sources,
                                            "has_more": False}}])
    out = run_tap(config(start), ["customers", "bank_accounts"])
    expand = [v for k, v in fake.queries("/v1/customers")[0].items() if k.startswith("expand[")]
    assert expand == ["data.tax_ids", "data.cash_balance", "data.invoice_credit_balance",
                      "data.tax", "data.sources"]
    assert out.ids("bank_accounts") == ["ba_1"]
    assert out.records["bank_accounts"][0]["customer_id"] == "cus_1"
    assert "sources" not in out.records["customers"][0]


def test_filtered_child_with_more_rereads_child_endpoint_with_filter(fake: FakeStripe) -> None:
    start = int(time.time()) - DAY
    fake.add("/v1/customers", [{"id": "cus_1", "object": "customer", "created": start + 1,
                                "sources": {"object": "list", "has_more": True, "data": [
                                    {"id": "card_9", "object": "card", "created": 1}]}}])
    fake.add("/v1/customers/cus_1/sources",
             [{"id": f"ba_{i}", "object": "bank_account", "created": i} for i in range(3)])
    out = run_tap(config(start), ["bank_accounts"])
    query = fake.queries("/v1/customers/cus_1/sources")[0]
    assert query["object"] == "bank_account"
    assert "starting_after" not in query
    assert sorted(out.ids("bank_accounts")) == ["ba_0", "ba_1", "ba_2"]


def test_endpoint_without_created_filter_stops_at_window_start(fake: FakeStripe) -> None:
    start = int(time.time()) - 2 * DAY
    old = objs("qt_old", 150, start - 1000)
    new = objs("qt_new", 120, start + 10)
    fake.add("/v1/quotes", old + new)
    out = run_tap(config(start), ["quotes"])
    queries = fake.queries("/v1/quotes")
    assert all("created[gte]" not in q for q in queries)
    assert len(queries) == 2  # the second page reaches objects older than the start
    assert sorted(out.ids("quotes")) == sorted(o["id"] for o in new)


def test_full_table_ignores_the_bookmark(fake: FakeStripe) -> None:
    start = int(time.time()) - 3 * DAY
    fake.add("/v1/files", objs("file", 2, start + 5))
    state = {"bookmarks": {"files": {"replication_key": "created",
                                     "replication_key_value": int(time.time()) - 60}}}
    out = run_tap(config(start), ["files"], state, full_table=True)
    assert first_pages_of_parts(fake.queries("/v1/files"))[0][0] == start
    assert sorted(out.ids("files")) == ["file_0000", "file_0001"]
