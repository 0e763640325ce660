"""Issue 7: Stripe Connect. The platform and its connected accounts in one run, each account with
its own ``Stripe-Account`` header, records tagged ``stripe_account`` and bookmarks kept per
account; an account connected later is backfilled on its own, a revoked one follows
``on_permission_error``, and ``account_shard`` splits the accounts between processes."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import pytest

from tap_stripe.errors import StripeAccessError
from tap_stripe.run import in_shard
from tests.e2e.mirror import Rows, Store, check
from tests.e2e.truth import tap_config
from tests.emulator import Emulator
from tests.singer import Output, run_tap

CLOCK = 1_790_000_000
DAY = 86_400
STREAMS = ["balance_transactions", "charges", "customers", "invoices", "invoice_line_items",
           "products", "subscriptions", "subscription_items"]
EVENT_DRIVEN = ["customers", "invoices", "invoice_line_items", "products", "subscriptions",
                "subscription_items"]


def config(emulator: Emulator, **extra: Any) -> dict[str, Any]:
    """Settings reading the emulator's whole history, the event lag kept short."""
    return {**tap_config(emulator, live_rate=True), "event_lag_seconds": 60, **extra}


def sync(emulator: Emulator, store: Store, state: dict[str, Any] | None,
         **extra: Any) -> Output:
    """One run once the changes so far are older than the lag; loads ``store``."""
    emulator.advance(61)
    out = run_tap(config(emulator, **extra), STREAMS, state)
    store.load(out)
    return out


def of_account(rows: Rows, account: str) -> Rows:
    """The rows of one account."""
    return {stream: {i: r for i, r in table.items() if r.get("stripe_account") == account}
            for stream, table in rows.items()}


def assert_accounts_mirrored(store: Store, emulator: Emulator, accounts: list[str],
                             when: str) -> None:
    """Each account's rows equal that account's objects in the emulator."""
    platform = emulator.platform_account
    for account in accounts:
        problems = check(of_account(store.rows, account), emulator, STREAMS,
                         account=None if account == platform else account)
        assert not problems, f"{when}, account {account}:\n" + "\n".join(problems[:20])


def partitions(state: dict[str, Any], stream: str) -> dict[str, dict[str, Any]]:
    """A stream's bookmarks by account."""
    return {p["context"]["stripe_account"]: p
            for p in state["bookmarks"][stream].get("partitions", [])}


def record_positions(out: Output) -> dict[str, list[int]]:
    """Where in the output each account's RECORD messages are (message indexes)."""
    positions: dict[str, list[int]] = defaultdict(list)
    for n, message in enumerate(out.messages):
        if message["type"] == "RECORD":
            positions[message["record"]["stripe_account"]].append(n)
    return positions


def records_by_account(out: Output) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for records in out.records.values():
        for record in records:
            counts[record["stripe_account"]] += 1
    return dict(counts)


def test_platform_and_connected_accounts_with_one_added_and_one_revoked(
        caplog: pytest.LogCaptureFixture) -> None:
    with Emulator(seed=60, scale=3, clock=CLOCK, connected_accounts=3,
                  connected_scale=2) as emulator:
        platform = emulator.platform_account
        first = emulator.accounts()
        assert len(first) == 3
        store = Store()

        out = sync(emulator, store, None, connected_accounts="all")
        assert set(records_by_account(out)) == {platform, *first}
        assert_accounts_mirrored(store, emulator, [platform, *first], "after run 1")
        for stream in STREAMS:
            assert set(partitions(out.state, stream)) == {platform, *first}
            assert all(isinstance(p.get("replication_key_value"), int)
                       for p in partitions(out.state, stream).values())

        # Between runs: a change in one account, a new account, another one disconnected.
        changed, kept, revoked = first
        customer = emulator.create("customer", {"email": "new@example.com"}, account=changed)
        added = emulator.add_account(scale=2)["id"]
        emulator.revoke_account(revoked)
        emulator.advance(DAY)
        before = out.state

        out = sync(emulator, store, before, connected_accounts="all")
        # fair order: the accounts that continue from a bookmark are synced (their records
        # written) before the new one. Their requests run concurrently, in no fixed order;
        # the order the tap writes in is the one Run.reading_order fixes.
        written = record_positions(out)
        assert written[changed] and written[added]
        assert max(written[changed] + written[kept]) < min(written[added])
        by_account = records_by_account(out)
        assert revoked not in by_account  # no longer listed by /v1/accounts
        assert {r["id"] for r in out.records["customers"]
                if r["stripe_account"] == changed} == {customer["id"]}
        for stream in EVENT_DRIVEN:  # the others continue incrementally: nothing changed
            assert not [r for r in out.records[stream] if r["stripe_account"] in
                        (platform, kept)], stream
        assert_accounts_mirrored(store, emulator, [platform, changed, kept, added],
                                 "after run 2")
        for stream in STREAMS:
            now = partitions(out.state, stream)
            assert set(now) == {platform, *first, added}
            assert now[revoked] == partitions(before, stream)[revoked]  # left intact

        # An explicit list naming the revoked account: reported, then skip or fail.
        chosen = [changed, revoked]
        caplog.set_level(logging.WARNING, logger="tap-stripe")
        out = sync(emulator, store, out.state, connected_accounts=chosen,
                   on_permission_error="skip")
        assert out.error is None
        assert set(records_by_account(out)) <= {platform, changed}
        assert any(revoked in m and "refused access" in m for m in caplog.messages)
        failed = run_tap(config(emulator, connected_accounts=chosen), STREAMS, out.state,
                         allow_error=True)
        assert isinstance(failed.error, StripeAccessError)
        assert f"Connected account {revoked} refused access" in str(failed.error)
        assert "on_permission_error=skip" in str(failed.error)


def test_account_shards_split_the_accounts_without_overlap() -> None:
    with Emulator(seed=61, scale=1, clock=CLOCK, connected_accounts=6,
                  connected_scale=1) as emulator:
        every = {emulator.platform_account, *emulator.accounts()}
        seen: list[set[str]] = []
        for index in range(3):
            out = run_tap(config(emulator, connected_accounts="all",
                                 account_shard=f"{index}/3"), ["customers"])
            accounts = set(partitions(out.state, "customers"))
            assert accounts == {a for a in every if in_shard(a, (index, 3))}
            assert {r["stripe_account"] for r in out.records["customers"]} <= accounts
            seen.append(accounts)
        assert set().union(*seen) == every
        assert sum(len(s) for s in seen) == len(every)


def test_records_of_one_account_carry_its_id_without_connect() -> None:
    with Emulator(seed=62, scale=1, clock=CLOCK, connected_accounts=1) as emulator:
        out = run_tap(config(emulator), ["customers", "charges"])
        assert out.records["customers"] and out.records["charges"]
        assert {r["stripe_account"] for rs in out.records.values() for r in rs} == {
            emulator.platform_account}
        assert "partitions" not in out.state["bookmarks"]["customers"]
