"""List endpoints: order, limit, cursors, created filters, unknown parameters, status."""

from __future__ import annotations

import pytest

from tests.emulator import Emulator
from tests.emulator_tests.conftest import Client


def test_lists_are_newest_first_with_stripe_envelope(api: Client, shared: Emulator) -> None:
    page = api.data("/v1/charges", {"limit": 100})
    assert list(page) == ["object", "data", "has_more", "url"]
    assert page["object"] == "list"
    assert page["url"] == "/v1/charges"
    created = [c["created"] for c in page["data"]]
    assert created == sorted(created, reverse=True)
    assert [c["id"] for c in page["data"]] == [c["id"] for c in shared.objects("charges")][:100]


def test_limit_defaults_to_10_and_allows_100(api: Client) -> None:
    assert len(api.data("/v1/charges")["data"]) == 10
    page = api.data("/v1/charges", {"limit": 100})
    assert len(page["data"]) == 100
    assert page["has_more"] is True


@pytest.mark.parametrize(("value", "message"), [
    ("101", "This value must be less than or equal to 100."),
    ("0", "This value must be greater than or equal to 1."),
    ("ten", "Invalid integer: ten"),
])
def test_a_limit_out_of_range_is_a_400(api: Client, value: str, message: str) -> None:
    response = api.get("/v1/customers", {"limit": value})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"], error["message"]) == (
        "parameter_invalid_integer", "limit", message)


def test_starting_after_walks_every_object_exactly_once(api: Client, shared: Emulator) -> None:
    seen: list[str] = []
    params: dict[str, object] = {"limit": 7}
    while True:
        page = api.data("/v1/payment_intents", params)
        seen += [p["id"] for p in page["data"]]
        if not page["has_more"]:
            break
        params["starting_after"] = page["data"][-1]["id"]
    truth = [p["id"] for p in shared.objects("payment_intents")]
    assert seen == truth
    assert len(set(seen)) == len(truth) > 100


def test_ending_before_walks_back_to_the_newest(api: Client, shared: Emulator) -> None:
    # Customers on a test clock are left out of a plain list (CustomerListParams.test_clock).
    truth = [c["id"] for c in shared.objects("customers") if not c["test_clock"]]
    cursor = truth[-1]
    seen: list[str] = []
    while True:
        page = api.data("/v1/customers", {"limit": 6, "ending_before": cursor})
        ids = [c["id"] for c in page["data"]]
        seen = ids + seen
        if not page["has_more"]:
            break
        cursor = ids[0]
    assert seen == truth[:-1]


def test_both_cursors_are_a_400(api: Client, shared: Emulator) -> None:
    first, second = (c["id"] for c in shared.objects("customers")[:2])
    response = api.get("/v1/customers", {"starting_after": first, "ending_before": second})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Received both starting_after and ending_before parameters. Please pass in only one.")


def test_an_unknown_cursor_is_a_400_resource_missing(api: Client) -> None:
    response = api.get("/v1/customers", {"starting_after": "cus_doesnotexist00"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "resource_missing", "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
        "message": "No such customer: 'cus_doesnotexist00'", "param": "starting_after",
        "type": "invalid_request_error"}


def test_created_filters_select_by_timestamp(api: Client, shared: Emulator) -> None:
    charges = shared.objects("charges")
    middle = charges[len(charges) // 2]["created"]
    every = [(c["id"], c["created"]) for c in charges]

    def ids(params: dict[str, object]) -> list[str]:
        return [c["id"] for c in api.walk("/v1/charges", params)]

    assert ids({"created[gte]": middle}) == [i for i, t in every if t >= middle]
    assert ids({"created[gt]": middle}) == [i for i, t in every if t > middle]
    assert ids({"created[lte]": middle}) == [i for i, t in every if t <= middle]
    assert ids({"created[lt]": middle}) == [i for i, t in every if t < middle]
    assert ids({"created": middle}) == [i for i, t in every if t == middle]
    window = ids({"created[gte]": middle - 86_400 * 30, "created[lt]": middle})
    assert window == [i for i, t in every if middle - 86_400 * 30 <= t < middle]


def test_created_is_unknown_where_stripe_does_not_take_it(api: Client) -> None:
    response = api.get("/v1/quotes", {"created[gte]": 1})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Received unknown parameter: created"
    bad = api.get("/v1/charges", {"created[after]": 1})
    assert bad.json()["error"]["message"] == "Received unknown parameter: created[after]"


def test_an_unknown_parameter_is_a_400(api: Client) -> None:
    response = api.get("/v1/customers", {"foo": "bar"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"], error["message"]) == (
        "parameter_unknown", "foo", "Received unknown parameter: foo")


def test_subscriptions_hide_canceled_unless_status_all(api: Client, shared: Emulator) -> None:
    every = shared.objects("subscriptions")
    hidden = {s["id"] for s in every if s["status"] in ("canceled", "incomplete_expired")}
    assert hidden
    default = {s["id"] for s in api.walk("/v1/subscriptions")}
    assert default == {s["id"] for s in every} - hidden
    assert {s["id"] for s in api.walk("/v1/subscriptions", {"status": "all"})} == {
        s["id"] for s in every}
    canceled = api.walk("/v1/subscriptions", {"status": "canceled"})
    assert canceled and {s["status"] for s in canceled} == {"canceled"}


def test_an_invalid_status_is_a_400(api: Client) -> None:
    response = api.get("/v1/subscriptions", {"status": "gone"})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Invalid status: must be one of active")


def test_equality_filters_select_matching_objects(api: Client, shared: Emulator) -> None:
    charge = next(c for c in shared.objects("charges") if c["customer"])
    found = api.walk("/v1/charges", {"customer": charge["customer"]})
    assert charge["id"] in [c["id"] for c in found]
    assert {c["customer"] for c in found} == {charge["customer"]}


def test_a_missing_object_is_a_404(api: Client) -> None:
    response = api.get("/v1/invoices/in_missing0000000")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No such invoice: 'in_missing0000000'"


def test_an_unknown_url_is_a_404(api: Client) -> None:
    response = api.get("/v1/nothing_here")
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith(
        "Unrecognized request URL (GET: /v1/nothing_here).")


def test_retrieve_returns_the_listed_object(api: Client, shared: Emulator) -> None:
    invoice = shared.objects("invoices")[3]
    assert api.data(f"/v1/invoices/{invoice['id']}") == invoice


def test_responses_carry_stripe_headers(api: Client) -> None:
    response = api.get("/v1/customers", headers={"Stripe-Version": "2025-03-31.basil"})
    assert response.headers["Request-Id"].startswith("req_")
    assert response.headers["Stripe-Version"] == "2025-03-31.basil"
    assert response.headers["Content-Type"] == "application/json"
    assert api.get("/v1/customers").headers["Stripe-Version"] == "2026-10-28.endive"
