"""Issue 12: the state a run starts from is never ignored without a word. A bookmark ahead of
Stripe's clock is refused, bookmarks that are not unix seconds are converted when unambiguous and
refused otherwise, a whole STATE message is unwrapped, and switching Connect on or off says what
happens to the bookmarks. Stripe's clock is the emulator's (frozen in the past, so "the future"
here is still the past by this machine's clock)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tap_stripe.errors import SettingsError
from tests.e2e.truth import tap_config
from tests.emulator import Emulator
from tests.singer import Output, run_tap

CLOCK = 1_790_000_000
DAY = 86_400
HOUR = 3600


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(seed=64, scale=2, clock=CLOCK, connected_accounts=1,
                  connected_scale=1) as emu:
        # a customer created every hour for 12 hours: a bookmark N hours ago takes N of them
        for n in range(12):
            emu.advance(HOUR)
            emu.create("customer", {"email": f"hour{n}@example.com"})
        emu.advance(60)
        yield emu


def config(emulator: Emulator, **extra: Any) -> dict[str, Any]:
    return {**tap_config(emulator), "event_lag_seconds": 0, **extra}


def customers_since(emulator: Emulator, when: int) -> set[str]:
    """Customers (of the platform) changed at or after ``when``, by the emulator's events."""
    return {e["data"]["object"]["id"] for e in emulator.events()
            if e["type"].startswith("customer.") and e["created"] >= when
            and e["data"]["object"].get("object") == "customer"}


def state_of(value: Any, field: str = "replication_key_value",
             stream: str = "customers") -> dict[str, Any]:
    return {"bookmarks": {stream: {"replication_key": "updated", field: value}}}


def events_from(emulator: Emulator, since: int) -> list[int]:
    """created[gte] of the /v1/events requests after request serial ``since``."""
    queries = [dict(parse_qsl(r["query"])) for r in emulator.requests(since)
               if r["path"] == "/v1/events"]
    return [int(q["created[gte]"]) for q in queries if "created[gte]" in q]


def last_serial(emulator: Emulator) -> int:
    log = emulator.requests()
    return int(log[-1]["serial"]) if log else 0


def iso(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_bookmark_ahead_of_stripes_clock_is_refused(emulator: Emulator) -> None:
    now = emulator.now
    for field in ("replication_key_value", "created_cursor", "backfill_started"):
        future = now + DAY  # still in the past by this machine's clock
        out = run_tap(config(emulator), ["customers"], state_of(future, field),
                      allow_error=True)
        assert isinstance(out.error, SettingsError)
        assert str(out.error).startswith(
            f"The state's bookmark customers.{field} is {iso(future)}, in the future by "
            f"Stripe's clock (now {iso(now)}")
        assert "remove that stream's bookmark" in str(out.error)
        assert not out.records and not out.states  # nothing written, the state not kept
    # a stream this run does not read keeps its bookmark, whatever it holds
    out = run_tap(config(emulator), ["customers"],
                  {"bookmarks": {**state_of(now - HOUR)["bookmarks"],
                                 **state_of(now + DAY, stream="products")["bookmarks"]}})
    assert out.error is None
    assert out.state["bookmarks"]["products"]["replication_key_value"] == now + DAY
    # milliseconds instead of seconds, in one account's bookmarks
    state = {"bookmarks": {"customers": {"partitions": [
        {"context": {"stripe_account": emulator.platform_account},
         "replication_key_value": (now - HOUR) * 1000}]}}}
    out = run_tap(config(emulator, connected_accounts="all"), ["customers"], state,
                  allow_error=True)
    assert isinstance(out.error, SettingsError)
    assert f"customers (account {emulator.platform_account}).replication_key_value" in str(
        out.error)
    assert "not milliseconds" in str(out.error)


def test_a_bookmark_at_stripes_clock_is_used(emulator: Emulator) -> None:
    now = emulator.now
    since = last_serial(emulator)
    out = run_tap(config(emulator), ["customers"], state_of(now - HOUR))
    assert out.error is None
    assert min(events_from(emulator, since)) == now - HOUR
    assert out.state["bookmarks"]["customers"]["replication_key_value"] >= now


@pytest.mark.parametrize(("given", "hours_ago"), [
    ("iso", 5), ("iso offset", 6), ("digits", 7), ("float", 8)])
def test_an_unambiguous_bookmark_in_another_form_is_converted_with_a_warning(
        emulator: Emulator, caplog: pytest.LogCaptureFixture, given: str,
        hours_ago: int) -> None:
    mark = emulator.now - hours_ago * HOUR
    value: Any = {"iso": iso(mark),
                  "iso offset": dt.datetime.fromtimestamp(
                      mark, dt.timezone(dt.timedelta(hours=2))).isoformat(),
                  "digits": str(mark), "float": mark + 0.75}[given]
    since = last_serial(emulator)
    with caplog.at_level(logging.WARNING, logger="tap-stripe"):
        out = run_tap(config(emulator), ["customers"], state_of(value))
    warnings = [m for m in caplog.messages if "not unix seconds" in m]
    assert warnings == [f"Converted 1 state bookmark(s) that were not unix seconds: "
                        f"customers.replication_key_value {value!r} -> {mark}."]
    assert min(events_from(emulator, since)) == mark  # not a re-sync from start_date
    assert {r["id"] for r in out.records["customers"]} == customers_since(emulator, mark)
    assert len(customers_since(emulator, mark)) == hours_ago


@pytest.mark.parametrize(("value", "shown"), [
    ("yesterday", "'yesterday', not a time in unix seconds;"),
    (iso(CLOCK - DAY).rstrip("Z"), "not a time in unix seconds (an ISO time needs a time zone"),
    (True, "True, not a time in unix seconds;"),
    ({"at": CLOCK}, "{'at': 1790000000}, not a time in unix seconds;"),
    (float("nan"), "nan, not a time in unix seconds;"),
])
def test_a_bookmark_that_is_not_a_time_is_refused_with_one_line(
        emulator: Emulator, value: Any, shown: str) -> None:
    with pytest.raises(SettingsError) as raised:
        run_tap(config(emulator), ["customers"], state_of(value, "created_cursor"))
    assert str(raised.value).startswith("The state's bookmark customers.created_cursor is ")
    assert shown in str(raised.value)


def test_a_whole_state_message_is_unwrapped(emulator: Emulator,
                                            caplog: pytest.LogCaptureFixture) -> None:
    mark = emulator.now - 2 * HOUR
    since = last_serial(emulator)
    with caplog.at_level(logging.INFO, logger="tap-stripe"):
        out = run_tap(config(emulator), ["customers"],
                      {"type": "STATE", "value": state_of(mark)})
    assert "The state given is a whole STATE message: its value is used." in caplog.messages
    assert min(events_from(emulator, since)) == mark
    assert {r["id"] for r in out.records["customers"]} == customers_since(emulator, mark)


def switch_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [m for m in caplog.messages if m.startswith("The state holds")]


def test_switching_connect_on_or_off_says_what_happens_to_the_bookmarks(
        emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    platform = emulator.platform_account
    everyone = {o["id"] for o in emulator.objects("customers")}
    caplog.set_level(logging.WARNING, logger="tap-stripe")
    plain = run_tap(config(emulator), ["customers"])
    assert switch_warnings(caplog) == []

    caplog.clear()
    connected = run_tap(config(emulator, connected_accounts="all"), ["customers"], plain.state)
    assert switch_warnings(caplog) == [
        "The state holds bookmarks of a run without connected accounts (1 stream(s), e.g. "
        "customers): with connected_accounts/account_shard set, each account has its own "
        "bookmarks, so every account, the platform included, is read from start_date this "
        "run; the old bookmarks stay in the state unused."]
    # as said: the platform read again from start_date
    assert {r["id"] for r in connected.records["customers"]
            if r["stripe_account"] == platform} == everyone

    caplog.clear()
    run_tap(config(emulator, connected_accounts="all"), ["customers"], connected.state)
    assert switch_warnings(caplog) == []  # the same setting as last time: nothing to say

    caplog.clear()
    only_connect = {"bookmarks": {"customers": {
        "partitions": connected.state["bookmarks"]["customers"]["partitions"]}}}
    off = run_tap(config(emulator), ["customers"], only_connect)
    assert switch_warnings(caplog) == [
        "The state holds per-account bookmarks of a run with connected accounts (1 stream(s), "
        "e.g. customers): without connected_accounts/account_shard they are not used, and the "
        "key's own account is read from start_date this run; set connected_accounts again to "
        "continue from them."]
    assert {r["id"] for r in off.records["customers"]} == everyone


def test_state_output_is_plain_unix_seconds(emulator: Emulator) -> None:
    out: Output = run_tap(config(emulator), ["customers"], state_of(iso(emulator.now - HOUR)))
    assert isinstance(out.state["bookmarks"]["customers"]["replication_key_value"], int)
