"""The run's plan as data: what each stream reads in each account, and the order the pairs are
synced in, from the settings, the state and Stripe's clock alone (no request)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tap_stripe.plan import Plan, StreamInput, plan_run
from tap_stripe.registry import BY_NAME
from tap_stripe.settings import Settings

DAY = 86400
NOW = 1_767_225_600  # 2026-01-01, Stripe's clock
START = 1_704_067_200  # start_date 2024-01-01


def settings(**config: Any) -> Settings:
    return Settings.from_config({"client_secret": "sk_test_123", "start_date": "2024-01-01",
                                 "lookback_window_days": 0, **config},
                                dt.datetime.fromtimestamp(NOW, dt.timezone.utc))


def test_each_stream_is_planned_from_its_own_bookmark() -> None:
    streams = [
        StreamInput(BY_NAME["customers"], False, {None: {}}),  # first sync: fill, then events
        StreamInput(BY_NAME["charges"], False,  # caught up 2 days ago: events only
                    {None: {"replication_key_value": NOW - 2 * DAY}}),
        StreamInput(BY_NAME["invoices"], False,  # paused 40 days: refill, deletes from events
                    {None: {"replication_key_value": NOW - 40 * DAY}}),
        # Stripe's balance transactions change for 7 days after they are created: re-read.
        StreamInput(BY_NAME["balance_transactions"], False,
                    {None: {"replication_key_value": NOW - DAY}}),
        StreamInput(BY_NAME["products"], True, {None: {"replication_key_value": NOW}}),
    ]
    plan = plan_run(streams, [None], settings(), NOW)
    assert plan.of("customers", None) == Plan(START, events_from=NOW, backfill_started=NOW)
    assert plan.of("charges", None) == Plan(None, events_from=NOW - 2 * DAY)
    assert plan.of("invoices", None) == Plan(START, events_from=NOW, backfill_started=NOW,
                                             deletes_from=NOW - 29 * DAY)
    assert plan.of("balance_transactions", None) == Plan(NOW - 8 * DAY)
    assert plan.of("products", None) == Plan(START)
    assert plan.order == (("customers", None), ("charges", None), ("invoices", None),
                          ("balance_transactions", None), ("products", None))


def test_connect_runs_continue_bookmarked_accounts_before_new_ones() -> None:
    old = {"replication_key_value": NOW - DAY}
    streams = [StreamInput(BY_NAME["customers"], False,
                           {"acct_platform": old, "acct_new": {}, "acct_old": old}),
               StreamInput(BY_NAME["charges"], False,
                           {"acct_platform": {}, "acct_new": {}, "acct_old": old})]
    plan = plan_run(streams, ["acct_platform", "acct_new", "acct_old"],
                    settings(connected_accounts=["acct_new", "acct_old"]), NOW)
    assert plan.order == (("customers", "acct_platform"), ("customers", "acct_old"),
                          ("charges", "acct_old"), ("charges", "acct_platform"),
                          ("customers", "acct_new"), ("charges", "acct_new"))
    assert list(plan.in_account("acct_old")) == ["customers", "charges"]
    less = plan.without({"customers"})
    assert less.order == (("charges", "acct_old"), ("charges", "acct_platform"),
                          ("charges", "acct_new"))
    assert [s.name for s in less.streams] == ["charges"]
