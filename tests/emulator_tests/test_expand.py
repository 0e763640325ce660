"""``expand[]``: includable child lists, expanded ids, and Stripe's refusals."""

from __future__ import annotations

from tests.emulator import Emulator
from tests.emulator_tests.conftest import Client


def test_data_sources_adds_the_customer_sources(api: Client, shared: Emulator) -> None:
    plain = api.data("/v1/customers", {"limit": 100})["data"]
    assert all("sources" not in c for c in plain)
    expanded = api.data("/v1/customers", {"limit": 100, "expand[]": "data.sources"})["data"]
    parents = shared.parents("customer_sources")
    for customer in expanded:
        sources = customer["sources"]
        assert sources["object"] == "list"
        assert sources["url"] == f"/v1/customers/{customer['id']}/sources"
        owned = [k for k, v in parents.items() if v == customer["id"]]
        assert sources["total_count"] == len(owned)
        assert sources["has_more"] == (len(owned) > 10)
        assert {s["id"] for s in sources["data"]} <= set(owned)


def test_indexed_expand_form_of_stripe_python_is_accepted(api: Client) -> None:
    page = api.data("/v1/checkout/sessions", {"limit": 5, "expand[0]": "data.line_items"})
    assert all(s["line_items"]["object"] == "list" for s in page["data"])


def test_data_line_items_adds_checkout_line_items(api: Client, shared: Emulator) -> None:
    parents = shared.parents("checkout_sessions_line_items")
    for session in api.walk("/v1/checkout/sessions", {"expand[]": "data.line_items"}):
        items = session["line_items"]
        owned = sorted(k for k, v in parents.items() if v == session["id"])
        assert items["total_count"] == len(owned)
        assert items["url"] == f"/v1/checkout/sessions/{session['id']}/line_items"


def test_ids_expand_to_objects_at_several_levels(api: Client, shared: Emulator) -> None:
    page = api.data("/v1/charges", {"limit": 20,
                                    "expand[]": ["data.customer", "data.payment_intent.customer"]})
    customers = {c["id"]: c for c in shared.objects("customers")}
    for charge in page["data"]:
        if charge["customer"] is not None:
            assert charge["customer"] == customers[charge["customer"]["id"]]
        intent = charge["payment_intent"]
        assert intent["object"] == "payment_intent"
        assert intent["customer"] is None or intent["customer"]["object"] == "customer"


def test_retrieve_expands_without_the_data_prefix(api: Client, shared: Emulator) -> None:
    customer = shared.objects("customers")[0]
    found = api.data(f"/v1/customers/{customer['id']}", {"expand[]": "sources"})
    assert found["sources"]["url"] == f"/v1/customers/{customer['id']}/sources"


def test_expanding_something_not_expandable_is_a_400(api: Client) -> None:
    response = api.get("/v1/charges", {"expand[]": "data.amount"})
    assert response.status_code == 400
    assert response.json() == {"error": {"message": "This property cannot be expanded "
                                                    "(data.amount).",
                                         "type": "invalid_request_error"}}


def test_list_expansions_need_the_data_prefix(api: Client) -> None:
    response = api.get("/v1/customers", {"expand[]": "sources"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "This property cannot be expanded (sources). "
        "You may want to try expanding 'data.sources' instead.")


def test_expansions_deeper_than_4_levels_are_refused(api: Client) -> None:
    response = api.get("/v1/refunds", {"expand[]": "data.charge.customer.default_source.x"})
    assert response.status_code == 400
    assert "more than 4 levels" in response.json()["error"]["message"]


def test_a_deleted_object_expands_to_its_stub(fresh: Emulator) -> None:
    charge = next(c for c in fresh.objects("charges") if c["customer"])
    fresh.delete(charge["customer"])
    found = Client(fresh).data(f"/v1/charges/{charge['id']}", {"expand[]": "customer"})
    assert found["customer"] == {"id": charge["customer"], "object": "customer", "deleted": True}
