"""Events: recorded for every change, Stripe's type names, filters and 30-day retention."""

from __future__ import annotations

from tests.emulator import Emulator
from tests.emulator_tests.conftest import CLOCK, DAY, Client


def test_creating_updating_and_deleting_append_events(fresh: Emulator) -> None:
    client = Client(fresh)
    customer = fresh.create("customer", {"email": "ann@example.com", "name": "Ann"})
    fresh.advance(60)
    fresh.update(customer["id"], {"name": "Ann Lee", "metadata": {"tier": "gold"}})
    fresh.advance(60)
    fresh.delete(customer["id"])
    events = client.data("/v1/events", {"limit": 3})["data"]
    assert [e["type"] for e in events] == ["customer.deleted", "customer.updated",
                                           "customer.created"]
    deleted, updated, created = events
    assert created["data"]["object"]["email"] == "ann@example.com"
    assert created["data"]["object"]["name"] == "Ann"
    assert updated["data"]["object"]["name"] == "Ann Lee"
    assert updated["data"]["previous_attributes"]["name"] == "Ann"
    assert "tier" in updated["data"]["previous_attributes"]["metadata"]
    assert "previous_attributes" not in created["data"]
    assert deleted["created"] == created["created"] + 120
    for event in events:
        assert event["id"].startswith("evt_")
        assert event["object"] == "event"
        assert event["api_version"] == "2026-10-28.endive"
        assert event["livemode"] is False
        assert event["pending_webhooks"] == 0
        assert event["request"]["id"].startswith("req_")
        assert client.data(f"/v1/events/{event['id']}") == event


def test_event_names_follow_stripe(fresh: Emulator) -> None:
    subscription = fresh.objects("subscriptions")[0]
    fresh.update(subscription["id"], {"metadata": {"a": "b"}})
    fresh.delete(subscription["id"])
    account = fresh.accounts()[0]
    person = fresh.create("person", {"first_name": "Ida"}, parent=account)
    types = [e["type"] for e in fresh.events()[:2]]
    assert types == ["customer.subscription.deleted", "customer.subscription.updated"]
    canceled = Client(fresh).data(f"/v1/subscriptions/{subscription['id']}")
    assert canceled["status"] == "canceled"
    in_connected = fresh.events(account)[0]
    assert (in_connected["type"], in_connected["account"]) == ("person.created", account)
    assert in_connected["data"]["object"]["id"] == person["id"]


def test_no_event_where_stripe_sends_none(fresh: Emulator) -> None:
    intent = fresh.objects("payment_intents")[0]
    before = len(fresh.events())
    fresh.update(intent["id"], {"description": "changed"})
    assert len(fresh.events()) == before
    fresh.update(intent["id"], {"status": "succeeded", "description": "paid"},
                 event_type="payment_intent.succeeded")
    latest = fresh.events()[0]
    assert latest["type"] == "payment_intent.succeeded"
    assert latest["data"]["previous_attributes"]["description"] == "changed"


def test_type_filters_take_wildcards_and_lists(api: Client, shared: Emulator) -> None:
    every = shared.events()
    assert {e["type"] for e in api.walk("/v1/events", {"type": "customer.*"})} == {
        t for t in (e["type"] for e in every) if t.startswith("customer.")}
    wanted = ["charge.succeeded", "invoice.created"]
    found = api.walk("/v1/events", [("types[]", t) for t in wanted] + [("limit", "100")])
    assert [e["id"] for e in found] == [e["id"] for e in every if e["type"] in wanted]


def test_type_and_types_together_or_too_many_types_are_400(api: Client) -> None:
    both = api.get("/v1/events", {"type": "a.b", "types[]": "c.d"})
    assert both.status_code == 400
    assert both.json()["error"]["message"] == (
        "You may only specify one of these parameters: type, types.")
    many = api.get("/v1/events", [("types[]", f"x.{i}") for i in range(21)])
    assert many.status_code == 400
    assert many.json()["error"]["param"] == "types"


def test_generated_objects_have_creation_events_of_the_last_30_days(
        api: Client, shared: Emulator) -> None:
    now = shared.now
    events = api.walk("/v1/events")
    assert events and all(now - 30 * DAY < e["created"] <= now for e in events)
    recent = [c for c in shared.objects("customers") if c["created"] > now - 30 * DAY]
    created = {e["data"]["object"]["id"] for e in events if e["type"] == "customer.created"}
    assert recent and created == {c["id"] for c in recent}


def test_events_older_than_30_days_vanish(fresh: Emulator) -> None:
    client = Client(fresh)
    event = client.data("/v1/events", {"limit": 1})["data"][0]
    fresh.advance(event["created"] + 30 * DAY - fresh.now - 1)
    assert client.get(f"/v1/events/{event['id']}").status_code == 200
    fresh.advance(1)
    gone = client.get(f"/v1/events/{event['id']}")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "resource_missing"
    assert event["id"] not in [e["id"] for e in client.walk("/v1/events")]


def test_deleted_objects_leave_lists_and_retrieve_as_stubs(fresh: Emulator) -> None:
    client = Client(fresh)
    product = fresh.objects("products")[1]
    fresh.delete(product["id"])
    assert product["id"] not in [p["id"] for p in client.walk("/v1/products")]
    assert client.data(f"/v1/products/{product['id']}") == {
        "id": product["id"], "object": "product", "deleted": True}
    assert fresh.deleted("products") == [product["id"]]
    source_id, customer = next(iter(fresh.parents("bank_accounts").items()))
    fresh.delete(source_id)
    assert client.data(f"/v1/customers/{customer}/sources/{source_id}")["deleted"] is True


def test_events_keep_the_api_version_of_their_time(fresh: Emulator) -> None:
    before = fresh.events()
    fresh.set_api_version("2027-01-01.future")
    fresh.create("coupon")
    after = fresh.events()
    assert after[0]["api_version"] == "2027-01-01.future"
    assert after[1:] == before
    assert Client(fresh).get("/v1/coupons").headers["Stripe-Version"] == "2027-01-01.future"


def test_stripes_updated_field_is_the_time_of_the_last_change(fresh: Emulator) -> None:
    product = fresh.create("product", {"name": "Desk"})
    assert product["updated"] == product["created"] == CLOCK
    fresh.advance(90)
    changed = fresh.update(product["id"], {"name": "Standing desk"})
    assert changed["updated"] == CLOCK + 90
    event = fresh.events()[0]
    assert event["type"] == "product.updated"
    assert event["data"]["object"]["updated"] == CLOCK + 90
    assert event["data"]["previous_attributes"] == {"name": "Desk", "updated": CLOCK}


def test_generated_objects_were_last_updated_before_the_start_clock() -> None:
    with Emulator(seed=5, scale=1000, clock=CLOCK) as emulator:
        products = emulator.objects("products")
    assert any(p["created"] > CLOCK - 30 * DAY for p in products)
    assert all(p["created"] <= p["updated"] <= CLOCK for p in products)
