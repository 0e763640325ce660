"""The Events hub over mocked HTTP: fan-out, newest wins, deletes, children, retention, refetch."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
import stripe

from tap_stripe.errors import StripeAccessError
from tests.singer import run_tap
from tests.unit.fake_stripe import BASE, FakeStripe

DAY = 86400
NOW = int(time.time())
PINNED = stripe.api_version


def config(**extra: Any) -> dict[str, Any]:
    return {"client_secret": "sk_test_unit", "api_base": BASE,
            "start_date": "2024-01-01T00:00:00Z", **extra}


def state_at(bookmark: int, *streams: str) -> dict[str, Any]:
    return {"bookmarks": {s: {"replication_key": "updated", "replication_key_value": bookmark}
                          for s in streams}}


def event(eid: str, etype: str, created: int, obj: dict[str, Any],
          previous: dict[str, Any] | None = None, version: str = PINNED) -> dict[str, Any]:
    data: dict[str, Any] = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    return {"id": eid, "object": "event", "type": etype, "created": created,
            "api_version": version, "data": data}


def test_events_only_run_emits_newest_version_per_object_oldest_first(fake: FakeStripe) -> None:
    bookmark = NOW - 2 * 3600
    # products: their records are the events' copies (no includable field to re-read)
    fake.add("/v1/events", [
        event("evt_1", "product.created", bookmark + 10, {"id": "prod_a", "name": "v1"}),
        event("evt_2", "product.updated", bookmark + 20, {"id": "prod_a", "name": "v2"},
              {"name": "v1"}),
        event("evt_3", "product.updated", bookmark + 15, {"id": "prod_b", "name": "b"}),
        event("evt_4", "product.deleted", bookmark + 30, {"id": "prod_c", "name": "c"}),
        event("evt_5", "charge.succeeded", bookmark + 12, {"id": "ch_1", "amount": 5}),
        event("evt_6", "balance.available", bookmark + 12, {"object": "balance"}),
    ])
    out = run_tap(config(), ["products"], state_at(bookmark, "products"))
    assert "/v1/products" not in fake.paths()  # no listing: the bookmark is recent
    # the permission probe asks the hub's first page, from the bookmark on with no upper bound
    # (the run's start is not known before the first answers), and the hub takes it: the
    # events the lag holds back are counted from it
    assert fake.queries("/v1/events") == [{"limit": "100", "created[gte]": str(bookmark)}]
    end = out.state["bookmarks"]["products"]["replication_key_value"]
    assert NOW - 120 <= end <= int(time.time()) - 60  # 60 s lag
    got = [(r["id"], r["name"], r["updated"], r["is_deleted"]) for r in out.records["products"]]
    assert got == [("prod_b", "b", bookmark + 15, False), ("prod_a", "v2", bookmark + 20, False),
                   ("prod_c", "c", bookmark + 30, True)]


def test_events_younger_than_the_lag_are_held_back_with_one_line(
        fake: FakeStripe, caplog: pytest.LogCaptureFixture) -> None:
    now = int(time.time())  # not NOW: this module may be imported minutes before this runs
    bookmark = now - 3600
    fake.add("/v1/events", [
        event("evt_old", "product.updated", bookmark + 10, {"id": "prod_a", "name": "old"}),
        event("evt_new", "product.updated", now - 5, {"id": "prod_a", "name": "new"}),
        event("evt_b", "product.created", now - 20, {"id": "prod_b", "name": "b"}),
    ])
    with caplog.at_level(logging.INFO, logger="tap-stripe"):
        out = run_tap(config(), ["products"], state_at(bookmark, "products"))
    end = out.state["bookmarks"]["products"]["replication_key_value"]
    assert now - 120 <= end <= now - 20  # before both young events: they wait
    assert [(r["id"], r["name"]) for r in out.records["products"]] == [("prod_a", "old")]
    assert len(fake.queries("/v1/events")) == 1  # counted from the page read anyway

    def iso(t: int) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

    held = [m for m in caplog.messages if m.startswith("Held back")]
    assert held == [f"Held back 2 event(s) created {iso(end)} to {iso(now - 5)}, younger than "
                    f"event_lag_seconds (60): their changes are read by a run from "
                    f"{iso(now - 5 + 61)} on."]
    # the next run, past the lag, reads them
    out = run_tap(config(event_lag_seconds=0), ["products"], out.state)
    assert sorted((r["id"], r["name"]) for r in out.records["products"]) == [
        ("prod_a", "new"), ("prod_b", "b")]


def test_no_held_back_line_when_nothing_is_younger_than_the_lag(
        fake: FakeStripe, caplog: pytest.LogCaptureFixture) -> None:
    bookmark = NOW - 3600
    fake.add("/v1/events", [
        event("evt_old", "product.updated", bookmark + 10, {"id": "prod_a", "name": "old"})])
    with caplog.at_level(logging.INFO, logger="tap-stripe"):
        out = run_tap(config(), ["products"], state_at(bookmark, "products"))
    assert [r["id"] for r in out.records["products"]] == ["prod_a"]
    assert not [m for m in caplog.messages if "Held back" in m]
    assert [m for m in caplog.messages if m.startswith("Read events created in")] == [
        f"Read events created in [{bookmark}, "
        f"{out.state['bookmarks']['products']['replication_key_value']}): 1 changed object(s)."]


def test_events_of_objects_with_includable_fields_are_re_read_with_them(
        fake: FakeStripe) -> None:
    bookmark = NOW - 3600
    fake.add("/v1/events", [
        event("evt_1", "customer.updated", bookmark + 1, {"id": "cus_1", "name": "payload"}),
        event("evt_2", "price.updated", bookmark + 2, {"id": "price_1", "nickname": "p"}),
        event("evt_3", "customer.deleted", bookmark + 3, {"id": "cus_2", "object": "customer"}),
    ])
    fake.put("/v1/customers/cus_1", {"id": "cus_1", "object": "customer", "name": "read",
                                     "tax_ids": {"object": "list", "data": [{"id": "txi_1"}],
                                                 "has_more": False}})
    fake.put("/v1/prices/price_1", {"id": "price_1", "object": "price", "nickname": "p",
                                    "tiers": [{"up_to": None, "unit_amount": 5}]})
    out = run_tap(config(), ["customers", "prices"], state_at(bookmark, "customers", "prices"))
    customers = {r["id"]: r for r in out.records["customers"]}
    assert customers["cus_1"]["tax_ids"]["data"] == [{"id": "txi_1"}]
    assert customers["cus_2"]["is_deleted"] is True  # a delete is not re-read
    assert out.records["prices"][0]["tiers"] == [{"up_to": None, "unit_amount": 5}]
    expand = sorted(v for k, v in fake.queries("/v1/customers/cus_1")[0].items()
                    if k.startswith("expand["))
    assert expand == ["cash_balance", "invoice_credit_balance", "tax", "tax_ids"]
    assert sorted(v for k, v in fake.queries("/v1/prices/price_1")[0].items()
                  if k.startswith("expand[")) == ["currency_options", "tiers"]
    assert "/v1/customers/cus_2" not in fake.paths()
    fake.calls.clear()
    payload = run_tap(config(event_payload="payload"), ["customers"],
                      state_at(bookmark, "customers"))
    assert "/v1/customers/cus_1" not in fake.paths()  # payload mode: the event's copy
    assert "tax_ids" not in {r["id"]: r for r in payload.records["customers"]}["cus_1"]


def test_invoice_events_fan_out_to_line_items_paging_when_has_more(fake: FakeStripe) -> None:
    bookmark = NOW - 3600
    lines = [{"id": f"il_{i:02d}", "object": "line_item", "created": 0} for i in range(13)]
    inv = {"id": "in_1", "object": "invoice",
           "lines": {"object": "list", "data": lines[:10], "has_more": True}}
    fake.add("/v1/events", [event("evt_1", "invoice.paid", bookmark + 5, inv)])
    fake.add("/v1/invoices/in_1/lines", [{**o, "created": 99 - i} for i, o in enumerate(lines)])
    out = run_tap(config(), ["invoices", "invoice_line_items"],
                  state_at(bookmark, "invoices", "invoice_line_items"))
    assert fake.queries("/v1/invoices/in_1/lines")[0]["starting_after"] == "il_09"
    assert sorted(out.ids("invoice_line_items")) == [o["id"] for o in lines]
    assert {r["invoice_id"] for r in out.records["invoice_line_items"]} == {"in_1"}
    assert {r["updated"] for r in out.records["invoice_line_items"]} == {bookmark + 5}
    assert out.ids("invoices") == ["in_1"]
    assert fake.paths().count("/v1/events") == 1  # one pass feeds both streams


def test_children_of_a_deleted_parent_are_flagged_deleted(fake: FakeStripe) -> None:
    bookmark = NOW - 3600
    sub = {"id": "sub_1", "object": "subscription", "items": {
        "object": "list", "has_more": False,
        "data": [{"id": "si_1", "object": "subscription_item", "created": 1}]}}
    fake.add("/v1/events", [event("evt_9", "customer.subscription.deleted", bookmark + 1, sub)])
    out = run_tap(config(), ["subscriptions", "subscription_items"],
                  state_at(bookmark, "subscriptions", "subscription_items"))
    assert out.records["subscriptions"][0]["is_deleted"] is True
    item = out.records["subscription_items"][0]
    assert (item["id"], item["subscription_id"], item["is_deleted"]) == ("si_1", "sub_1", True)


def canceled_subscription_of_13_items(fake: FakeStripe, bookmark: int) -> list[dict[str, Any]]:
    """A ``customer.subscription.deleted`` event after ``bookmark`` whose subscription embeds
    10 of its 13 items; the 13 items."""
    items = [{"id": f"si_{i:02d}", "object": "subscription_item", "created": 99 - i,
              "subscription": "sub_1"} for i in range(13)]
    sub = {"id": "sub_1", "object": "subscription", "status": "canceled", "items": {
        "object": "list", "has_more": True, "data": items[:10]}}
    fake.add("/v1/events", [event("evt_9", "customer.subscription.deleted", bookmark + 1, sub)])
    return items


def test_a_canceled_subscription_flags_its_items_past_the_10_its_payload_embeds(
        fake: FakeStripe) -> None:
    bookmark = NOW - 3600
    items = canceled_subscription_of_13_items(fake, bookmark)
    fake.add("/v1/subscription_items", items)  # Stripe still lists a canceled one's items
    out = run_tap(config(), ["subscriptions", "subscription_items"],
                  state_at(bookmark, "subscriptions", "subscription_items"))
    query = fake.queries("/v1/subscription_items")[0]
    assert (query["subscription"], query["starting_after"]) == ("sub_1", "si_09")
    flagged = [(r["id"], r["subscription_id"], r["is_deleted"])
               for r in out.records["subscription_items"]]
    assert flagged == [(o["id"], "sub_1", True) for o in items]


def test_a_removed_parent_whose_filter_answers_no_such_object_ends_its_children(
        fake: FakeStripe) -> None:
    bookmark = NOW - 3600
    items = canceled_subscription_of_13_items(fake, bookmark)
    error = {"error": {"type": "invalid_request_error", "code": "resource_missing",
                       "param": "subscription", "message": "No such subscription: 'sub_1'"}}
    fake.fail("/v1/subscription_items", "", 400, error)  # type: ignore[arg-type]
    out = run_tap(config(), ["subscriptions", "subscription_items"],
                  state_at(bookmark, "subscriptions", "subscription_items"))
    assert out.error is None
    assert [(r["id"], r["is_deleted"]) for r in out.records["subscription_items"]] == [
        (o["id"], True) for o in items[:10]]


def test_a_deleted_invoice_flags_the_lines_its_payload_embeds_and_stops_at_404(
        fake: FakeStripe) -> None:
    bookmark = NOW - 3600
    lines = [{"id": f"il_{i:02d}", "object": "line_item", "created": 0} for i in range(13)]
    inv = {"id": "in_1", "object": "invoice",
           "lines": {"object": "list", "data": lines[:10], "has_more": True}}
    fake.add("/v1/events", [event("evt_1", "invoice.deleted", bookmark + 5, inv)])
    fake.put("/v1/invoices/in_1/lines", None)  # a deleted draft's lines are gone with it
    out = run_tap(config(), ["invoices", "invoice_line_items"],
                  state_at(bookmark, "invoices", "invoice_line_items"))
    assert out.error is None
    assert fake.queries("/v1/invoices/in_1/lines")[0]["starting_after"] == "il_09"
    assert [(r["id"], r["invoice_id"], r["is_deleted"])
            for r in out.records["invoice_line_items"]] == [
        (o["id"], "in_1", True) for o in lines[:10]]
    assert out.records["invoices"][0]["is_deleted"] is True


def test_checkout_session_events_read_line_items_from_child_endpoint(fake: FakeStripe) -> None:
    bookmark = NOW - 3600
    fake.add("/v1/events", [event("evt_1", "checkout.session.completed", bookmark + 7,
                                  {"id": "cs_1", "object": "checkout.session"})])
    fake.add("/v1/checkout/sessions/cs_1/line_items",
             [{"id": "li_1", "object": "item", "created": 1}])
    out = run_tap(config(), ["checkout_sessions_line_items"],
                  state_at(bookmark, "checkout_sessions_line_items"))
    rec = out.records["checkout_sessions_line_items"][0]
    assert (rec["id"], rec["checkout_session_id"], rec["checkout_session_updated"]) == (
        "li_1", "cs_1", bookmark + 7)
    assert "checkout_sessions" not in out.records


def test_a_refused_child_list_is_left_out_with_one_warning_under_skip(
        fake: FakeStripe, caplog: pytest.LogCaptureFixture) -> None:
    bookmark = NOW - 3600
    fake.add("/v1/events", [event(f"evt_{n}", "checkout.session.completed", bookmark + n,
                                  {"id": f"cs_{n}", "object": "checkout.session"})
                            for n in (1, 2)])
    for n in (1, 2):
        fake.refuse(f"/v1/checkout/sessions/cs_{n}/line_items", "rak_checkout_session_read")
    streams = ["checkout_sessions", "checkout_sessions_line_items"]
    with caplog.at_level(logging.WARNING, logger="tap-stripe"):
        out = run_tap(config(on_permission_error="skip", event_payload="payload"), streams,
                      state_at(bookmark, *streams))
    assert out.ids("checkout_sessions") == ["cs_1", "cs_2"]
    assert "checkout_sessions_line_items" not in out.records
    warnings = [m for m in caplog.messages if "on_permission_error=skip" in m]
    assert warnings == ["Stream checkout_sessions_line_items: the API key may not read the "
                        "checkout_sessions_line_items of a changed checkout_sessions object; "
                        "they are left out this run (on_permission_error=skip): "
                        "rak_checkout_session_read"]
    failed = run_tap(config(event_payload="payload"), streams, state_at(bookmark, *streams),
                     allow_error=True)
    assert isinstance(failed.error, StripeAccessError)
    assert failed.error.permission == "rak_checkout_session_read"


def test_external_account_events_route_by_object_type(fake: FakeStripe) -> None:
    bookmark = NOW - 3600
    fake.add("/v1/events", [
        event("evt_1", "account.external_account.updated", bookmark + 1,
              {"id": "card_1", "object": "card", "account": "acct_1"}),
        event("evt_2", "account.external_account.deleted", bookmark + 2,
              {"id": "ba_1", "object": "bank_account", "account": "acct_1"}),
    ])
    streams = ["external_account_cards", "external_account_bank_accounts"]
    out = run_tap(config(), streams, state_at(bookmark, *streams))
    assert [(r["id"], r["account_id"], r["is_deleted"])
            for r in out.records["external_account_cards"]] == [("card_1", "acct_1", False)]
    assert [(r["id"], r["is_deleted"]) for r in out.records["external_account_bank_accounts"]] == [
        ("ba_1", True)]


def test_detached_payment_method_keeps_its_customer_from_previous_attributes(
        fake: FakeStripe) -> None:
    bookmark = NOW - 3600
    fake.add("/v1/events", [event("evt_1", "payment_method.detached", bookmark + 1,
                                  {"id": "pm_1", "object": "payment_method", "customer": None},
                                  {"customer": "cus_9"})])
    out = run_tap(config(), ["payment_methods"], state_at(bookmark, "payment_methods"))
    assert out.records["payment_methods"][0]["customer_id"] == "cus_9"


def test_other_api_version_is_refetched_and_404_falls_back_to_payload(fake: FakeStripe) -> None:
    bookmark = NOW - 3600
    # products: no includable field, so only the API version decides
    fake.add("/v1/events", [
        event("evt_1", "product.updated", bookmark + 1, {"id": "prod_1", "name": "old shape"},
              version="2020-08-27"),
        event("evt_2", "product.updated", bookmark + 2, {"id": "prod_2", "name": "gone"},
              version="2020-08-27"),
        event("evt_3", "product.updated", bookmark + 3, {"id": "prod_3", "name": "same"}),
    ])
    fake.put("/v1/products/prod_1", {"id": "prod_1", "object": "product", "name": "new shape"})
    fake.put("/v1/products/prod_2", None)
    out = run_tap(config(), ["products"], state_at(bookmark, "products"))
    names = {r["id"]: r["name"] for r in out.records["products"]}
    assert names == {"prod_1": "new shape", "prod_2": "gone", "prod_3": "same"}
    assert "/v1/products/prod_3" not in fake.paths()
    fake.calls.clear()
    run_tap(config(event_payload="payload"), ["products"], state_at(bookmark, "products"))
    assert "/v1/products/prod_1" not in fake.paths()
    run_tap(config(event_payload="refetch"), ["products"], state_at(bookmark, "products"))
    assert "/v1/products/prod_3" in fake.paths()


def test_bookmark_beyond_retention_refills_from_list_and_warns(
        fake: FakeStripe, caplog: pytest.LogCaptureFixture) -> None:
    fake.add("/v1/coupons", [{"id": "co_1", "object": "coupon", "created": NOW - 100 * DAY}])
    with caplog.at_level(logging.WARNING):
        out = run_tap(config(), ["coupons"], state_at(NOW - 40 * DAY, "coupons"))
    warnings = [r.getMessage() for r in caplog.records if "retention" in r.getMessage()]
    assert len(warnings) == 1
    assert "coupons" in warnings[0]
    assert fake.earliest("/v1/coupons") == 1704067200  # start_date
    assert out.ids("coupons") == ["co_1"]
    final = out.state["bookmarks"]["coupons"]
    assert NOW <= final["replication_key_value"] <= int(time.time())  # events resume from the fill
    assert "backfill_started" not in final


def test_no_bookmark_fills_then_follows_events_from_fill_start(fake: FakeStripe) -> None:
    fake.add("/v1/plans", [{"id": "plan_1", "object": "plan", "created": NOW - 5 * DAY}])
    out = run_tap(config(), ["plans"])
    assert out.ids("plans") == ["plan_1"]
    rec = out.records["plans"][0]
    assert rec["is_deleted"] is False
    assert NOW <= rec["updated"] <= int(time.time())
    first = out.state["bookmarks"]["plans"]
    # next run: no listing, events from where the fill began
    fake.calls.clear()
    time.sleep(1.1)
    run_tap(config(event_lag_seconds=0), ["plans"], out.state)
    assert "/v1/plans" not in fake.paths()
    assert fake.earliest("/v1/events") == first["replication_key_value"]


def test_interrupted_fill_resumes_listing_and_takes_events_from_its_start(
        fake: FakeStripe) -> None:
    began = NOW - 2 * DAY
    cursor = NOW - 10 * DAY
    fake.add("/v1/prices", [{"id": "price_old", "object": "price", "created": cursor - 5},
                            {"id": "price_new", "object": "price", "created": cursor + 5}])
    fake.add("/v1/events", [event("evt_1", "price.updated", began + 60,
                                  {"id": "price_old", "object": "price", "nickname": "x"})])
    # the event's price is re-read by id for its includable fields
    fake.put("/v1/prices/price_old", {"id": "price_old", "object": "price", "nickname": "x",
                                      "created": cursor - 5, "tiers": None})
    state = {"bookmarks": {"prices": {"replication_key": "updated", "created_cursor": cursor,
                                      "backfill_started": began}}}
    out = run_tap(config(), ["prices"], state)
    assert fake.earliest("/v1/prices") == cursor
    assert fake.earliest("/v1/events") == began
    assert out.ids("prices") == ["price_new", "price_old"]
    assert out.records["prices"][1]["updated"] == began + 60


def test_same_second_as_bookmark_is_neither_dropped_nor_repeated(fake: FakeStripe) -> None:
    bookmark = NOW - 3600
    fake.add("/v1/events", [
        event("evt_1", "product.updated", bookmark - 1, {"id": "prod_0"}),
        event("evt_2", "product.updated", bookmark, {"id": "prod_1"}),
    ])
    out = run_tap(config(), ["products"], state_at(bookmark, "products"))
    assert out.ids("products") == ["prod_1"]
    end = out.state["bookmarks"]["products"]["replication_key_value"]
    fake.add("/v1/events", [
        event("evt_1", "product.updated", bookmark - 1, {"id": "prod_0"}),
        event("evt_2", "product.updated", bookmark, {"id": "prod_1"}),
        event("evt_3", "product.updated", end, {"id": "prod_2"}),
    ])
    out = run_tap(config(event_lag_seconds=0), ["products"], out.state)
    assert out.ids("products") == ["prod_2"]


def test_refill_after_a_long_pause_still_flags_deletes_of_the_last_29_days(
        fake: FakeStripe) -> None:
    fake.add("/v1/coupons", [{"id": "co_kept", "object": "coupon", "created": NOW - 90 * DAY,
                              "name": "now"}])
    fake.add("/v1/events", [
        event("evt_1", "coupon.deleted", NOW - 10 * DAY, {"id": "co_gone", "object": "coupon"}),
        event("evt_2", "coupon.updated", NOW - 9 * DAY,
              {"id": "co_kept", "object": "coupon", "name": "older"}),
    ])
    out = run_tap(config(), ["coupons"], state_at(NOW - 40 * DAY, "coupons"))
    got = [(r["id"], r.get("name"), r["is_deleted"]) for r in out.records["coupons"]]
    # the list gives the current coupon; of the older events only the delete is passed on
    assert got == [("co_kept", "now", False), ("co_gone", None, True)]


def test_child_records_leave_the_parents_embedded_list_untouched(fake: FakeStripe) -> None:
    start = NOW - DAY
    line = {"id": "il_1", "object": "line_item", "created": 1}
    fake.add("/v1/invoices", [{"id": "in_1", "object": "invoice", "created": start,
                               "lines": {"object": "list", "data": [line], "has_more": False}}])
    out = run_tap(config(), ["invoices", "invoice_line_items"])
    assert out.records["invoices"][0]["lines"]["data"] == [line]
    assert out.records["invoice_line_items"][0]["invoice_id"] == "in_1"


def test_children_of_a_parent_deleted_since_its_event_are_skipped_not_fatal(
        fake: FakeStripe) -> None:
    bookmark = NOW - 3600
    fake.add("/v1/events", [event("evt_1", "customer.updated", bookmark + 1,
                                  {"id": "cus_gone", "object": "customer"})])
    fake.put("/v1/customers/cus_gone", None)  # 404: deleted since (the re-read falls back)
    fake.put("/v1/customers/cus_gone/balance_transactions", None)
    out = run_tap(config(), ["customers", "customer_balance_transactions"],
                  state_at(bookmark, "customers", "customer_balance_transactions"))
    assert out.error is None
    assert out.ids("customers") == ["cus_gone"]
    assert out.records["customer_balance_transactions"] == []


def test_a_listed_canceled_subscription_is_flagged_deleted_with_its_items(
        fake: FakeStripe) -> None:
    items = {"object": "list", "has_more": False,
             "data": [{"id": "si_1", "object": "subscription_item", "created": 1}]}
    fake.add("/v1/subscriptions", [
        {"id": "sub_c", "object": "subscription", "created": NOW - DAY, "status": "canceled",
         "items": items},
        {"id": "sub_a", "object": "subscription", "created": NOW - DAY, "status": "active",
         "items": {"object": "list", "has_more": False, "data": []}}])
    out = run_tap(config(), ["subscriptions", "subscription_items"])
    flags = {r["id"]: r["is_deleted"] for r in out.records["subscriptions"]}
    assert flags == {"sub_c": True, "sub_a": False}
    assert [(r["id"], r["is_deleted"]) for r in out.records["subscription_items"]] == [
        ("si_1", True)]


def test_a_change_to_an_embedded_child_re_reads_the_parent_record(fake: FakeStripe) -> None:
    bookmark = NOW - 3600
    refund = {"id": "fr_1", "object": "fee_refund", "fee": "fee_1", "amount": 7}
    fake.add("/v1/events", [event("evt_1", "application_fee.refund.updated", bookmark + 5,
                                  refund)])
    fee = {"id": "fee_1", "object": "application_fee", "amount": 100,
           "refunds": {"object": "list", "data": [refund], "has_more": False}}
    fake.put("/v1/application_fees/fee_1", fee)
    out = run_tap(config(), ["application_fees", "application_fees_refunds"],
                  state_at(bookmark, "application_fees", "application_fees_refunds"))
    assert [(r["id"], r["refunds"]["data"][0]["amount"], r["updated"])
            for r in out.records["application_fees"]] == [("fee_1", 7, bookmark + 5)]
    assert {r["id"] for r in out.records["application_fees_refunds"]} == {"fr_1"}
    assert all(r["application_fee_id"] == "fee_1" for r in out.records["application_fees_refunds"])


def test_a_change_to_a_child_embedded_only_on_request_does_not_re_read_the_parent(
        fake: FakeStripe) -> None:
    bookmark = NOW - 3600
    source = {"id": "ba_1", "object": "bank_account", "customer": "cus_1", "last4": "6789"}
    fake.add("/v1/events", [event("evt_1", "customer.source.updated", bookmark + 5, source)])
    out = run_tap(config(), ["customers", "bank_accounts"],
                  state_at(bookmark, "customers", "bank_accounts"))
    assert out.ids("bank_accounts") == ["ba_1"]
    assert out.records["customers"] == []
    assert "/v1/customers/cus_1" not in fake.paths()
