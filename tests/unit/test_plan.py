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


def first_sync(*names: str) -> list[StreamInput]:
    """The selected streams ``names`` (in singer-sdk's order), none synced before."""
    return [StreamInput(BY_NAME[name], False, {None: {}}) for name in names]


def test_the_longest_listings_are_synced_last_and_started_first() -> None:
    # in singer-sdk's (the registry's) order; invoice lines are read by the invoices' scan
    plan = plan_run(first_sync("balance_transactions", "charges", "customers",
                               "invoice_line_items", "invoices", "payment_intents"),
                    [None], settings(), NOW)
    # whole seconds each family's listing is expected to take (see lengths): balance
    # transactions 13 s, the invoices' family 5 s, charges and payment intents 1 s each,
    # customers none (a page without more: 1 request, 0 s at 25/s)
    seconds = {"balance_transactions": 13, "charges": 1, "customers": 0,
               "invoice_line_items": 5, "invoices": 5, "payment_intents": 1}
    ordered = plan.longest_last(seconds)
    assert [name for name, _ in ordered.order] == [
        "customers", "charges", "payment_intents", "invoice_line_items", "invoices",
        "balance_transactions"]
    assert [name for name, _ in ordered.fetch_order] == [
        "balance_transactions", "invoice_line_items", "invoices", "charges",
        "payment_intents", "customers"]
    assert ordered.plans == plan.plans and ordered.streams == plan.streams
    # a skipped stream leaves both orders
    less = ordered.without({"invoices"})
    assert [name for name, _ in less.order] == [
        "customers", "charges", "payment_intents", "invoice_line_items", "balance_transactions"]
    assert [name for name, _ in less.fetch_order] == [
        "balance_transactions", "invoice_line_items", "charges", "payment_intents", "customers"]


def test_small_lists_keep_singer_sdks_order() -> None:
    names = ("balance_transactions", "bank_accounts", "charges", "customers", "events")
    plan = plan_run(first_sync(*names), [None], settings(), NOW)
    assert plan.fetch_order == plan.order
    # every estimate rounds to 0 s; events is read by no listing here (no estimate)
    ordered = plan.longest_last(dict.fromkeys(names[:4], 0))
    assert [name for name, _ in ordered.order] == list(names)
    assert [name for name, _ in ordered.fetch_order] == list(names)


def test_a_family_that_takes_time_stays_together() -> None:
    # the customers' family (bank accounts, customer balance transactions, customers) around
    # charges in singer-sdk's order; both take 3 s, invoices 0 s
    plan = plan_run(first_sync("bank_accounts", "charges", "customer_balance_transactions",
                               "customers", "invoices"), [None], settings(), NOW)
    ordered = plan.longest_last({"bank_accounts": 3, "charges": 3,
                                 "customer_balance_transactions": 3, "customers": 3,
                                 "invoices": 0})
    assert [name for name, _ in ordered.order] == [
        "invoices", "bank_accounts", "customer_balance_transactions", "customers", "charges"]
    assert [name for name, _ in ordered.fetch_order] == [
        "bank_accounts", "customer_balance_transactions", "customers", "charges", "invoices"]


def test_a_stream_found_in_others_records_stays_after_them() -> None:
    # closed reviews are read by id when the charges and payment intents written before name
    # them (registry found_in): the reviews' own list is short, the charges' 4 s
    plan = plan_run(first_sync("charges", "customers", "payment_intents", "reviews"), [None],
                    settings(), NOW)
    ordered = plan.longest_last({"charges": 4, "customers": 1, "payment_intents": 2,
                                 "reviews": 0})
    assert [name for name, _ in ordered.order] == [
        "customers", "payment_intents", "charges", "reviews"]
    assert [name for name, _ in ordered.fetch_order] == [
        "charges", "reviews", "payment_intents", "customers"]
    # without the charges, after the payment intents
    alone = plan_run(first_sync("customers", "payment_intents", "reviews"), [None],
                     settings(), NOW).longest_last({"customers": 3, "payment_intents": 2})
    assert [name for name, _ in alone.order] == ["payment_intents", "reviews", "customers"]
