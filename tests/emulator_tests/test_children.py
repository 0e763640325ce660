"""Child lists: embedded first pages capped at 10, child endpoints, parent filters."""

from __future__ import annotations

import pytest

from tests.emulator import Emulator
from tests.emulator_tests.conftest import Client

EMBEDDED = [
    ("invoices", "lines", "/v1/invoices/{}/lines", 0),
    ("subscriptions", "items", "/v1/subscription_items?subscription={}", 1),
    ("credit_notes", "lines", "/v1/credit_notes/{}/lines", 0),
    ("application_fees", "refunds", "/v1/application_fees/{}/refunds", 0),
    ("transfers", "reversals", "/v1/transfers/{}/reversals", 0),
    ("accounts", "external_accounts", "/v1/accounts/{}/external_accounts", 0),
]


@pytest.mark.parametrize(("parents", "field", "url", "fewest"), EMBEDDED)
def test_embedded_lists_hold_10_and_the_child_endpoint_all(
        api: Client, shared: Emulator, parents: str, field: str, url: str,
        fewest: int) -> None:
    everything = shared.objects(parents)
    big = max(everything, key=lambda p: p[field]["total_count"])
    embedded = big[field]
    assert embedded["total_count"] > 10
    assert embedded["has_more"] is True
    assert len(embedded["data"]) == 10
    assert embedded["url"] == url.format(big["id"])
    path, _, query = embedded["url"].partition("?")
    params = dict(p.split("=") for p in query.split("&")) if query else {}
    children = api.walk(path, params)
    assert len(children) == embedded["total_count"]
    assert [c["id"] for c in children[:10]] == [c["id"] for c in embedded["data"]]
    assert min(p[field]["total_count"] for p in everything) == fewest


def test_setup_attempts_need_their_setup_intent(api: Client, shared: Emulator) -> None:
    missing = api.get("/v1/setup_attempts")
    assert missing.status_code == 400
    assert missing.json()["error"]["message"] == "Missing required param: setup_intent."
    unknown = api.get("/v1/setup_attempts", {"setup_intent": "seti_unknown0000000"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["param"] == "setup_intent"
    parents = shared.parents("setup_attempts")
    intent = max(set(parents.values()), key=list(parents.values()).count)
    listed = api.walk("/v1/setup_attempts", {"setup_intent": intent})
    assert sorted(a["id"] for a in listed) == sorted(k for k, v in parents.items() if v == intent)
    assert {a["setup_intent"] for a in listed} == {intent}


def test_subscription_items_need_their_subscription(api: Client) -> None:
    response = api.get("/v1/subscription_items")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "subscription"


def test_payout_balance_transactions_are_the_payouts_own(api: Client, shared: Emulator) -> None:
    parents = shared.parents("payout_balance_transactions")
    per_payout: dict[str, set[str]] = {}
    for transaction, payout in parents.items():
        per_payout.setdefault(payout, set()).add(transaction)
    assert max(len(v) for v in per_payout.values()) > 10
    for payout in [p["id"] for p in shared.objects("payouts") if p["automatic"]]:
        listed = api.walk("/v1/balance_transactions", {"payout": payout})
        assert {t["id"] for t in listed} == per_payout.get(payout, set())
    assert any(p["id"] not in per_payout for p in shared.objects("payouts") if p["automatic"])


def test_manual_payouts_cannot_filter_balance_transactions(api: Client, shared: Emulator) -> None:
    """``BalanceTransactionListParams.payout``: "For automatic Stripe payouts only"; a manual
    payout answers 400 with Stripe's code and message (the project's Stripe notes, 2.3.1)."""
    manual = [p["id"] for p in shared.objects("payouts") if p["automatic"] is False]
    assert manual
    owners = set(shared.parents("payout_balance_transactions").values())
    assert not owners & set(manual)
    for payout in manual:
        response = api.get("/v1/balance_transactions", {"payout": payout})
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "balance_transactions_manual_filtering_not_allowed"
        assert error["message"] == ("Balance transaction history can only be filtered on "
                                    "automatic transfers, not manual.")


@pytest.mark.parametrize("kind", ["bank_account", "card"])
def test_external_accounts_filter_by_object(api: Client, shared: Emulator, kind: str) -> None:
    account = shared.accounts()[0]
    listed = api.walk(f"/v1/accounts/{account}/external_accounts", {"object": kind})
    truth = [o["id"] for o in shared.objects("external_accounts")
             if o["object"] == kind and o["account"] == account]
    assert [o["id"] for o in listed] == truth
    assert {o["object"] for o in listed} <= {kind}


def test_customer_sources_filter_by_object(api: Client, shared: Emulator) -> None:
    parents = shared.parents("bank_accounts")
    customer = max(set(parents.values()), key=list(parents.values()).count)
    listed = api.walk(f"/v1/customers/{customer}/sources", {"object": "bank_account"})
    assert sorted(o["id"] for o in listed) == sorted(
        k for k, v in parents.items() if v == customer)
    assert {o["object"] for o in listed} == {"bank_account"}


def test_a_child_list_of_a_missing_parent_is_a_404(api: Client) -> None:
    response = api.get("/v1/invoices/in_nothing00000000/lines")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No such invoice: 'in_nothing00000000'"


def test_child_lists_take_no_created_filter(api: Client, shared: Emulator) -> None:
    invoice = shared.objects("invoices")[0]["id"]
    response = api.get(f"/v1/invoices/{invoice}/lines", {"created[gte]": 1})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_unknown"


def test_a_cursor_from_another_parent_is_refused(api: Client, shared: Emulator) -> None:
    parents = shared.parents("invoice_line_items")
    line, invoice = next(iter(parents.items()))
    other = next(v for v in parents.values() if v != invoice)
    response = api.get(f"/v1/invoices/{other}/lines", {"starting_after": line})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == f"No such line_item: '{line}'"


@pytest.mark.parametrize(("parents", "field", "url", "fewest"), EMBEDDED)
def test_every_parents_child_list_pages_to_its_total(
        api: Client, shared: Emulator, parents: str, field: str, url: str,
        fewest: int) -> None:
    """Paging with starting_after works for every parent, not only the first one generated."""
    checked = 0
    for parent in shared.objects(parents):
        embedded = parent[field]
        if embedded["total_count"] <= 5:
            continue
        path, _, query = embedded["url"].partition("?")
        params = dict(p.split("=") for p in query.split("&")) if query else {}
        ids: list[str] = []
        page = api.data(path, {**params, "limit": 5})
        ids += [c["id"] for c in page["data"]]
        while page["has_more"]:
            page = api.data(path, {**params, "limit": 5, "starting_after": ids[-1]})
            ids += [c["id"] for c in page["data"]]
        assert len(ids) == len(set(ids)) == embedded["total_count"], parent["id"]
        checked += 1
    assert checked >= 1
