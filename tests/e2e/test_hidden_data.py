"""Issue 11 part A: what Stripe's plain lists hide reaches the streams.

Each test syncs streams from the emulator and compares the records with the emulator's own
objects (``Emulator.objects``), which hold everything, hidden or not: inactive prices (``GET
/v1/prices`` lists active ones only), closed reviews (``GET /v1/reviews`` lists open ones only),
customers, subscriptions, quotes and subscription schedules on test clocks (left out of their
lists unless ``test_clock``/``customer`` is given), and the balance transactions of payouts,
where a manual payout's ``payout=`` filter answers 400.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.e2e.truth import tap_config
from tests.emulator import Emulator
from tests.singer import Output, run_tap

CLOCK = 1_790_000_000
LAG = 60


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """A test-mode emulator whose data holds some of every hidden kind."""
    with Emulator(seed=3, scale=300, clock=CLOCK) as emulator:
        yield emulator


def ids(emulator: Emulator, stream: str) -> set[str]:
    """The ids of the emulator's live objects of ``stream``."""
    return {o["id"] for o in emulator.objects(stream)}


def queries(emulator: Emulator, path: str, since: int) -> list[dict[str, list[str]]]:
    """The query parameters of the requests to ``path`` logged after serial ``since``."""
    return [parse_qs(r["query"]) for r in emulator.requests(since) if r["path"] == path]


def serial(emulator: Emulator) -> int:
    """The serial of the last logged request."""
    entries = emulator.requests()
    return entries[-1]["serial"] if entries else 0


def sync(emulator: Emulator, streams: list[str], state: dict[str, Any] | None = None) -> Output:
    """One run of ``streams`` over the emulator's whole history."""
    return run_tap({**tap_config(emulator), "event_lag_seconds": LAG}, streams, state)


def test_inactive_prices_are_read_with_the_active_ones(emu: Emulator) -> None:
    inactive = {p["id"] for p in emu.objects("prices") if p["active"] is False}
    assert inactive  # the emulator's prices are about 15% inactive
    out = sync(emu, ["prices"])
    assert set(out.ids("prices")) == ids(emu, "prices")
    assert len(out.ids("prices")) == len(ids(emu, "prices"))
    assert {r["id"] for r in out.records["prices"] if r["active"] is False} == inactive


def test_closed_reviews_are_read_by_id_and_from_review_closed_events(emu: Emulator) -> None:
    reviews = emu.objects("reviews")
    closed = {r["id"] for r in reviews if r["open"] is False}
    assert closed and len(closed) < len(reviews)
    out = sync(emu, ["charges", "payment_intents", "reviews"])
    assert set(out.ids("reviews")) == ids(emu, "reviews")
    assert {r["id"] for r in out.records["reviews"] if r["open"] is False} == closed
    # a review closed after the first sync arrives through its review.closed event
    still_open = next(r["id"] for r in reviews if r["open"])
    emu.update(still_open, {"open": False, "closed_reason": "approved"},
               event_type="review.closed")
    emu.advance(LAG + 1)
    later = sync(emu, ["charges", "payment_intents", "reviews"], out.state)
    assert [(r["id"], r["open"], r["closed_reason"]) for r in later.records["reviews"]] == [
        (still_open, False, "approved")]


def test_manual_payouts_never_end_the_run_and_automatic_ones_give_their_transactions(
        emu: Emulator) -> None:
    manual = {p["id"] for p in emu.objects("payouts") if p["automatic"] is False}
    assert manual
    since = serial(emu)
    out = sync(emu, ["payouts", "payout_balance_transactions"])
    assert set(out.ids("payouts")) == ids(emu, "payouts")
    truth = emu.parents("payout_balance_transactions")
    assert truth and not set(truth.values()) & manual
    got = {r["id"]: r["payout_id"] for r in out.records["payout_balance_transactions"]}
    assert got == truth
    asked = {q["payout"][0] for q in queries(emu, "/v1/balance_transactions", since)
             if "payout" in q}
    assert not asked & manual
    assert not [r for r in emu.requests(since) if r["status"] == 400]


@pytest.mark.parametrize("streams", [["customers"], ["subscriptions", "subscription_items"],
                                     ["quotes"], ["subscription_schedule"]])
def test_objects_on_test_clocks_reach_their_streams(emu: Emulator, streams: list[str]) -> None:
    parent = streams[0]
    on_clocks = {o["id"] for o in emu.objects(parent) if o["test_clock"]}
    assert on_clocks
    out = sync(emu, streams)
    for stream in streams:
        assert set(out.ids(stream)) == ids(emu, stream), stream
        assert len(out.ids(stream)) == len(ids(emu, stream)), stream
    assert on_clocks <= set(out.ids(parent))


def test_live_mode_asks_for_no_test_clock() -> None:
    with Emulator(seed=3, scale=50, clock=CLOCK, key="sk_live_" + "x" * 24) as live:
        out = sync(live, ["customers", "quotes"])
        assert set(out.ids("customers")) == ids(live, "customers")
        assert not [r for r in live.requests() if "test_clock" in r["path"] + r["query"]]


def test_a_key_that_may_not_list_test_clocks_warns_once_and_reads_the_rest(
        emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    key = "rk_test_" + "c" * 24
    emu.add_key(key, ["rak_customer_read", "rak_event_read", "rak_accounts_kyc_basic_read"])
    config = {**tap_config(emu), "client_secret": key, "event_lag_seconds": LAG}
    with caplog.at_level("WARNING"):
        out = run_tap(config, ["customers"])
    unclocked = {o["id"] for o in emu.objects("customers") if not o["test_clock"]}
    assert set(out.ids("customers")) == unclocked
    warnings = [r.getMessage() for r in caplog.records if "test clocks" in r.getMessage()]
    assert len(warnings) == 1
    assert "rak_test_clock_read" in warnings[0] and key not in warnings[0]
