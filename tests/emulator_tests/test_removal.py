"""What Stripe still serves once a parent is removed, as the emulator models it (sources named
in ``Emulator.shown_after_removal`` and ``AccountStore.delete``)."""

from __future__ import annotations

from tests.emulator import Emulator
from tests.emulator_tests.conftest import Client


def _big_parent(emulator: Emulator, kind: str, child: str, count: int) -> tuple[str, list[str]]:
    customer = emulator.objects("customers")[0]["id"]
    price = emulator.objects("prices")[0]["id"]
    parent = emulator.create(kind, {"status": "active" if kind == "subscription" else "draft"},
                             links={"customer": customer, "price": price})["id"]
    kids = [emulator.create(child, parent=parent, links={"price": price})["id"]
            for _ in range(count)]
    return parent, kids


def test_a_canceled_subscription_keeps_its_items_listed(fresh: Emulator) -> None:
    sub, items = _big_parent(fresh, "subscription", "subscription_item", 12)
    fresh.delete(sub)
    client = Client(fresh)
    assert client.data(f"/v1/subscriptions/{sub}")["status"] == "canceled"
    listed = client.walk("/v1/subscription_items", {"subscription": sub})
    assert sorted(i["id"] for i in listed) == sorted(items)
    assert sub in fresh.removed("subscriptions")
    shown = fresh.shown_after_removal("subscription_items")
    assert {i: shown[i] for i in items} == dict.fromkeys(items, True)


def test_a_deleted_invoice_shows_only_the_lines_its_payload_embeds(fresh: Emulator) -> None:
    invoice, lines = _big_parent(fresh, "invoice", "line_item", 12)
    fresh.delete(invoice)
    response = Client(fresh).get(f"/v1/invoices/{invoice}/lines")
    assert response.status_code == 404
    payload = next(e["data"]["object"] for e in fresh.events()
                   if e["type"] == "invoice.deleted" and e["data"]["object"]["id"] == invoice)
    embedded = [line["id"] for line in payload["lines"]["data"]]
    assert len(embedded) == 10 and payload["lines"]["has_more"] is True
    shown = fresh.shown_after_removal("invoice_line_items")
    assert {i for i in lines if shown[i]} == set(embedded)
    assert all(i in shown for i in lines)


def test_deleting_a_customer_cancels_its_subscriptions(fresh: Emulator) -> None:
    customer = fresh.create("customer")["id"]
    price = fresh.objects("prices")[0]["id"]
    subs = [fresh.create("subscription", {"status": "active"},
                         links={"customer": customer, "price": price})["id"] for _ in range(2)]
    fresh.delete(customer)
    by_id = {s["id"]: s for s in fresh.objects("subscriptions")}
    assert [by_id[s]["status"] for s in subs] == ["canceled", "canceled"]
    canceled = [e["data"]["object"]["id"] for e in fresh.events()
                if e["type"] == "customer.subscription.deleted"]
    assert set(subs) <= set(canceled)
    assert Client(fresh).get(f"/v1/customers/{customer}/sources").status_code == 404
