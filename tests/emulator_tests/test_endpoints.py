"""The endpoints served by the generic builder: each catalog row agrees with stripe-python
(object name, path, list params, required params, event names), and lists, filters, retrieval,
events and Connect work for them as for the hand-written kinds."""

from __future__ import annotations

import functools
import re
import typing
from typing import Any

import pytest
import stripe
import stripe.params

from tests.emulator import Emulator, catalog, generic
from tests.emulator_tests.conftest import CLOCK, DAY, Client

GENERIC = [c for c in catalog.COLLECTIONS if c.stripe_class]
# Stripe's Stripe Apps permissions reference (Product | Resource | Permission): names that do
# not follow the rak_<object>_read pattern.
STRIPE_PERMISSIONS = {"billing_portal_configurations": "rak_customer_portal_read",
                      "payment_links": "rak_payment_links_read",
                      "reporting_report_runs": "rak_report_runs_and_report_types_read",
                      "webhook_endpoints": "rak_webhook_read"}
_PAGING = {"limit", "starting_after", "ending_before", "expand"}


# The stripe-python classes of the parents of lists served under their parent's path.
PARENT_CLASSES = {"customers": "Customer", "products": "Product",
                  "payment_intents": "PaymentIntent",
                  "financial_connections_accounts": "financial_connections.Account",
                  "accounts": "Account"}


def list_params(coll: catalog.Collection) -> Any:
    """The stripe-python TypedDict of a row's list parameters: ``<Resource>ListParams``, or
    ``<Parent>List<Path>Params`` for a list under its parent (``CustomerListCashBalance...``)."""
    if coll.parent and not coll.parent_param:
        camel = "".join(part.title() for part in coll.path.split("_"))
        *package, name = PARENT_CLASSES[coll.parent].split(".")
        return functools.reduce(getattr, [*package, f"{name}List{camel}Params"], stripe.params)
    *package, name = coll.stripe_class.split(".")
    return functools.reduce(getattr, [*package, f"{name}ListParams"], stripe.params)


def event_names() -> set[str]:
    """Every event type Stripe lists (WebhookEndpointCreateParams.enabled_events)."""
    hint = stripe.params.WebhookEndpointCreateParams.__annotations__["enabled_events"]
    return set(re.findall(r"'([a-z_.]+)'", str(hint)))


def test_there_is_a_row_for_most_list_endpoints() -> None:
    assert len(GENERIC) >= 44
    assert len(catalog.COLLECTIONS) >= 90


@pytest.mark.parametrize("coll", GENERIC, ids=lambda c: c.name)
def test_row_agrees_with_stripe_python(coll: catalog.Collection) -> None:
    cls = generic.stripe_class(coll.stripe_class)
    assert coll.kinds == (cls.OBJECT_NAME,)
    if coll.parent and not coll.parent_param:  # the parent's list_<path>, retrieve_<one>
        parent = generic.stripe_class(PARENT_CLASSES[coll.parent])
        assert callable(getattr(parent, f"list_{coll.path}"))
        one = coll.path[:-3] + "y" if coll.path.endswith("ies") else coll.path.rstrip("s")
        assert coll.retrieve == hasattr(parent, f"retrieve_{one}")
    else:
        assert coll.path == cls.class_url()
        assert coll.retrieve == hasattr(cls, "retrieve")
    params = list_params(coll)
    options = set(stripe.RequestOptions.__annotations__)
    accepted = set(params.__annotations__) - options - _PAGING
    served = set(coll.filters) | ({"created"} if coll.created_filter else set())
    assert served == accepted
    # a parent filter with alternatives (choices) is required where Stripe's answers say so
    required = {name for name, spec in coll.filters.items()
                if spec.kind == "required" or (spec.kind == "parent" and not spec.choices)}
    assert required == set(params.__required_keys__) - options
    assert coll.parent_param in ("", *(n for n, f in coll.filters.items() if f.kind == "parent"))
    assert coll.events.names() <= event_names()
    pattern = f"rak_{cls.OBJECT_NAME.replace('.', '_')}_read"
    assert coll.permission in (pattern, STRIPE_PERMISSIONS.get(coll.name),
                               catalog.BY_NAME[coll.parent].permission if coll.parent else "")


@pytest.fixture(scope="module")
def emu() -> typing.Iterator[Emulator]:
    with Emulator(seed=3, scale=300, clock=CLOCK, connected_accounts=1) as emulator:
        yield emulator


def test_pages_walk_every_object_newest_first(emu: Emulator) -> None:
    client = Client(emu)
    truth = emu.objects("payment_links")
    assert len(truth) == 6
    pages = [client.data("/v1/payment_links", {"limit": 4})]
    pages.append(client.data("/v1/payment_links",
                             {"limit": 4, "starting_after": pages[0]["data"][-1]["id"]}))
    assert [p["has_more"] for p in pages] == [True, False]
    walked = [o for p in pages for o in p["data"]]
    assert walked == truth
    assert [o["object"] for o in walked] == ["payment_link"] * 6
    assert all(o["id"].startswith("plink_") for o in walked)
    assert client.data(f"/v1/payment_links/{walked[2]['id']}") == walked[2]


def test_created_filter(emu: Emulator) -> None:
    client = Client(emu)
    truth = emu.objects("issuing_disputes")
    middle = sorted(o["created"] for o in truth)[len(truth) // 2]
    found = client.walk("/v1/issuing/disputes", {"created[gte]": middle})
    assert [o["id"] for o in found] == [o["id"] for o in truth if o["created"] >= middle]
    assert 0 < len(found) < len(truth)
    # no `created` on ListParams: refused like any unknown parameter
    answer = client.get("/v1/billing/meters", {"created[gte]": middle})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "parameter_unknown"


def test_required_params_are_required(emu: Emulator) -> None:
    client = Client(emu)
    answer = client.get("/v1/treasury/transactions")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "Missing required param: financial_account."
    assert client.get("/v1/radar/value_list_items").json()["error"]["param"] == "value_list"
    unscoped = client.get("/v1/billing/credit_balance_transactions")
    assert unscoped.status_code == 400
    assert unscoped.json()["error"]["message"] == "Must provide customer or customer_account."
    customer = emu.objects("customers")[0]["id"]
    scoped = client.walk("/v1/billing/credit_balance_transactions", {"customer": customer})
    assert scoped == [t for t in emu.objects("billing_credit_balance_transactions")
                      if emu.parents("billing_credit_balance_transactions")[t["id"]] == customer]
    account = emu.objects("treasury_financial_accounts")[0]
    found = client.walk("/v1/treasury/transactions", {"financial_account": account["id"]})
    truth = [t for t in emu.objects("treasury_transactions")
             if t["financial_account"] == account["id"]]
    assert found == truth
    assert found
    missing = client.get("/v1/treasury/transactions", {"financial_account": "fa_nope"})
    assert missing.status_code == 404 or missing.json()["error"]["code"] == "resource_missing"


def test_objects_link_to_objects_of_the_account(emu: Emulator) -> None:
    meters = {m["id"] for m in emu.objects("billing_meters")}
    assert {a["usage_threshold"]["meter"] for a in emu.objects("billing_alerts")
            if a["usage_threshold"]} <= meters
    grants = {g["id"]: g for g in emu.objects("billing_credit_grants")}
    customers = {c["id"] for c in emu.objects("customers")}
    assert {g["customer"] for g in grants.values()} <= customers
    entries = emu.objects("treasury_transaction_entries")
    transactions = {t["id"]: t for t in emu.objects("treasury_transactions")}
    for entry in entries:
        assert transactions[entry["transaction"]]["financial_account"] == \
            entry["financial_account"]


def test_events_on_create_update_delete(emu: Emulator) -> None:
    client = Client(emu)
    meter = emu.create("billing.meter", {"display_name": "API calls", "status": "active"})
    emu.update(meter["id"], {"status": "inactive"})
    endpoint = emu.create("webhook_endpoints", {"url": "https://example.com/hook"})
    emu.delete(endpoint["id"])
    mine = [e for e in client.walk("/v1/events", {"type": "billing.meter.*"})
            if e["data"]["object"]["id"] == meter["id"]]
    assert sorted(e["type"] for e in mine) == ["billing.meter.created", "billing.meter.updated"]
    updated = client.data("/v1/events", {"type": "billing.meter.updated"})["data"][0]
    assert updated["data"]["object"]["id"] == meter["id"]
    assert updated["data"]["object"]["status"] == "inactive"
    assert "status" in updated["data"]["previous_attributes"]
    assert client.data(f"/v1/billing/meters/{meter['id']}")["status"] == "inactive"
    gone = client.data(f"/v1/webhook_endpoints/{endpoint['id']}")
    assert gone == {"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True}
    assert endpoint["id"] not in {o["id"] for o in client.walk("/v1/webhook_endpoints")}


def test_3ds_authentications_announce_status_changes_only(emu: Emulator) -> None:
    # Stripe's events for them are three_d_secure.authentication.<status> (enabled_events)
    client = Client(emu)
    auth = emu.objects("three_d_secure_authentications")[0]
    status = "error" if auth["status"] != "error" else "failed"
    emu.update(auth["id"], {"metadata": {"order": "15"}})  # no event
    emu.update(auth["id"], {"status": status})
    mine = [e for e in client.walk("/v1/events", {"type": "three_d_secure.authentication.*"})
            if e["data"]["object"]["id"] == auth["id"]]
    expected = "three_d_secure.authentication.errored" if status == "error" else \
        "three_d_secure.authentication.failed"
    assert [e["type"] for e in mine] == [expected]
    assert mine[0]["data"]["object"]["status"] == status
    assert mine[0]["data"]["object"]["metadata"] == {**(auth["metadata"] or {}), "order": "15"}
    assert mine[0]["data"]["previous_attributes"] == {"status": auth["status"]}


def test_generated_objects_of_the_last_30_days_have_their_creation_event(emu: Emulator) -> None:
    client = Client(emu)
    recent = [f for f in emu.objects("treasury_financial_accounts")
              if f["created"] > CLOCK - 30 * DAY + 1]
    found = client.walk("/v1/events", {"type": "treasury.financial_account.created"})
    assert {e["data"]["object"]["id"] for e in found} >= {f["id"] for f in recent}


def test_connected_accounts_have_their_own(emu: Emulator) -> None:
    account = emu.accounts()[0]
    client = Client(emu, account=account)
    found = client.walk("/v1/terminal/locations")
    assert found == emu.objects("terminal_locations", account)
    assert found
    assert not {o["id"] for o in found} & {o["id"] for o in emu.objects("terminal_locations")}


def test_restricted_keys_need_the_rows_permission(emu: Emulator) -> None:
    emu.add_key("rk_test_meters", ["rak_billing_meter_read"])
    client = Client(emu, key="rk_test_meters")
    assert client.get("/v1/billing/meters").status_code == 200
    refused = client.get("/v1/payment_links")
    assert refused.status_code == 403
    assert "rak_payment_links_read" in refused.json()["error"]["message"]


def test_tax_ids_list_the_accounts_own_by_default(emu: Emulator) -> None:
    client = Client(emu)
    customer = emu.objects("customers")[0]["id"]
    mine = emu.create("tax_ids", {"owner": {"type": "self", "account": None, "application": None,
                                           "customer": None}})
    theirs = emu.create("tax_ids", {"owner": {"type": "customer", "account": None,
                                             "application": None, "customer": customer}})
    plain = {t["id"] for t in client.walk("/v1/tax_ids")}
    assert mine["id"] in plain
    assert theirs["id"] not in plain
    found = client.walk("/v1/tax_ids", {"owner[type]": "customer", "owner[customer]": customer})
    assert theirs["id"] in {t["id"] for t in found}
    assert {t["owner"]["customer"] for t in found} == {customer}


def test_lists_under_a_parent(emu: Emulator) -> None:
    client = Client(emu)
    truth = emu.objects("product_features")
    product = emu.parents("product_features")[truth[0]["id"]]
    found = client.walk(f"/v1/products/{product}/features")
    assert truth[0] in found
    assert {o["object"] for o in found} == {"product_feature"}
    link = emu.objects("payment_link_line_items")[0]
    owner = emu.parents("payment_link_line_items")[link["id"]]
    items = client.walk(f"/v1/payment_links/{owner}/line_items")
    assert link in items
    expanded = client.data(f"/v1/payment_links/{owner}", {"expand[]": "line_items"})
    assert expanded["line_items"]["data"] == items[:10]
    assert "line_items" not in client.data(f"/v1/payment_links/{owner}")
    missing = client.get("/v1/customers/cus_missing/cash_balance_transactions")
    assert missing.status_code == 404


def test_financial_connections_owners_are_listed_by_the_accounts_ownership(
        emu: Emulator) -> None:
    client = Client(emu)
    owners = emu.objects("financial_connections_account_owners")
    account = emu.parents("financial_connections_account_owners")[owners[0]["id"]]
    ownership = client.data(f"/v1/financial_connections/accounts/{account}")["ownership"]
    assert ownership == owners[0]["ownership"]
    assert ownership.startswith("fcaowns_")
    path = f"/v1/financial_connections/accounts/{account}/owners"
    missing = client.get(path)  # AccountListOwnersParams.ownership is required
    assert missing.status_code == 400
    assert missing.json()["error"]["message"] == "Missing required param: ownership."
    found = client.walk(path, {"ownership": ownership})
    mine = [o for o in owners if emu.parents("financial_connections_account_owners")[o["id"]]
            == account]
    assert found == mine
    assert {o["ownership"] for o in found} == {ownership}
    assert client.walk(path, {"ownership": "fcaowns_other"}) == []
    # an account without owners has no ownership
    bare = [a for a in emu.objects("financial_connections_accounts")
            if a["id"] not in emu.parents("financial_connections_account_owners").values()]
    assert bare
    assert {a["ownership"] for a in bare} == {None}


def test_capabilities_are_named_and_each_connected_accounts_own() -> None:
    with Emulator(seed=4, scale=3, clock=CLOCK, connected_accounts=2) as emu:
        client = Client(emu)
        first, second = emu.accounts()
        for account in (first, second):  # the same names on every account, Stripe's ids
            found = client.walk(f"/v1/accounts/{account}/capabilities")
            assert [c["id"] for c in found] == ["transfers", "card_payments"]
            assert {c["account"] for c in found} == {account}
            assert all(c["requested"] and c["requested_at"] for c in found)
            assert "unrequested" not in {c["status"] for c in found}
            assert found == emu.objects("capabilities", account)
            assert client.data(f"/v1/accounts/{account}/capabilities/card_payments") == \
                found[1]
        assert emu.objects("capabilities") == [*emu.objects("capabilities", first),
                                               *emu.objects("capabilities", second)]
        assert emu.parents("capabilities", first) == {"transfers": first,
                                                      "card_payments": first}
        page = client.data(f"/v1/accounts/{first}/capabilities",
                           {"limit": 1, "starting_after": "transfers"})
        assert [c["id"] for c in page["data"]] == ["card_payments"]
        assert page["url"] == f"/v1/accounts/{first}/capabilities"
        assert client.get(f"/v1/accounts/{first}/capabilities/crypto").status_code == 404
        assert client.get("/v1/accounts/acct_none/capabilities").status_code == 404
        # only the platform reads them
        assert Client(emu, account=first).get(
            f"/v1/accounts/{first}/capabilities").status_code == 403
        # capability.updated is the connected account's event
        status = "active" if found[1]["status"] != "active" else "inactive"
        other = client.data(f"/v1/accounts/{first}/capabilities/card_payments")
        emu.update("card_payments", {"status": status}, account=second)
        event = Client(emu, account=second).data(
            "/v1/events", {"type": "capability.updated"})["data"][0]
        assert event["account"] == second
        assert event["data"]["object"]["id"] == "card_payments"
        assert event["data"]["object"]["status"] == status
        assert client.data(f"/v1/accounts/{second}/capabilities/card_payments")[
            "status"] == status
        assert client.data(f"/v1/accounts/{first}/capabilities/card_payments") == other
        assert not client.walk("/v1/events", {"type": "capability.updated"})


def test_treasury_payment_methods_hide_custom_ones_unless_asked(emu: Emulator) -> None:
    client = Client(emu)
    custom = emu.create("treasury_payment_methods", {"type": "custom"})
    plain = client.walk("/v1/payment_methods")
    assert custom["id"] not in {p["id"] for p in plain}
    assert plain == [p for p in emu.objects("treasury_payment_methods") if p["type"] != "custom"]
    assert all(p["customer"] is None for p in plain)
    asked = client.walk("/v1/payment_methods", {"type": "custom"})
    generated = [p for p in emu.objects("treasury_payment_methods") if p["type"] == "custom"]
    assert [p["id"] for p in asked] == [p["id"] for p in generated]
    assert custom["id"] in {p["id"] for p in asked}
    assert len(generated) > 1
    assert client.data(f"/v1/payment_methods/{custom['id']}")["type"] == "custom"
    attached = emu.objects("payment_methods")[0]
    assert client.data(f"/v1/payment_methods/{attached['id']}") == attached
    refused = client.get("/v1/payment_methods", {"customer": attached["customer"]})
    assert refused.status_code == 400


def test_more_required_params_and_bounds(emu: Emulator) -> None:
    client = Client(emu)
    missing = client.get("/v1/tax/locations")
    assert missing.status_code == 400
    assert missing.json()["error"]["message"] == "Missing required param: type."
    assert client.get("/v1/tax/locations", {"type": "venue"}).status_code == 400
    assert client.walk("/v1/tax/locations", {"type": "performance"}) == \
        emu.objects("tax_locations")
    assert client.get("/v1/payment_attempt_records").json()["error"]["param"] == \
        "payment_record"
    records = emu.objects("payment_records")
    after = records[-1]["created"]
    found = client.walk("/v1/payment_records", {"created_after": after})
    assert [r["id"] for r in found] == [r["id"] for r in records if r["created"] > after]
    assert len(found) == len(records) - 1
    before = client.walk("/v1/payment_records", {"created_before": records[0]["created"]})
    assert [r["id"] for r in before] == [r["id"] for r in records[1:]]
    quote = emu.parents("quote_computed_upfront_line_items")
    first = emu.objects("quote_computed_upfront_line_items")[0]
    items = client.walk(f"/v1/quotes/{quote[first['id']]}/computed_upfront_line_items")
    assert first in items
    intent_of = emu.parents("payment_intent_amount_details_line_items")
    line = emu.objects("payment_intent_amount_details_line_items")[0]
    lines = client.walk(f"/v1/payment_intents/{intent_of[line['id']]}/amount_details_line_items")
    assert line in lines
