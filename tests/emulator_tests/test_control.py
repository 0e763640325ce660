"""The request log and the control API over HTTP (what benchmarks and the demo use)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.emulator import Emulator
from tests.emulator.errors import ControlError
from tests.emulator_tests.conftest import DAY, Client


def _control(emulator: Emulator, method: str, path: str, body: Any = None,
             params: Any = None) -> requests.Response:
    return requests.request(method, emulator.base_url + "/_emulator/" + path, json=body,
                            params=params, timeout=10)


def test_the_request_log_records_every_api_request(fresh: Emulator) -> None:
    client = Client(fresh, account=fresh.accounts()[0])
    client.get("/v1/customers", {"limit": 2})
    client.get("/v1/nothing")
    Client(fresh, "sk_test_wrong0000000000000").get("/v1/charges")
    entries = fresh.requests()
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/v1/customers", 200), ("GET", "/v1/nothing", 404), ("GET", "/v1/charges", 401)]
    first = entries[0]
    assert first["query"] == "limit=2"
    assert first["account"] == fresh.accounts()[0]
    assert first["fault"] is None
    assert first["request_id"].startswith("req_")
    assert first["duration_ms"] >= 0
    assert fresh.counters() == {"requests": 3, "statuses": {"200": 1, "401": 1, "404": 1},
                                "faults": {}}
    assert fresh.requests(since=first["serial"])[0]["path"] == "/v1/nothing"
    fresh.clear_log()
    assert fresh.counters()["requests"] == 0


def test_objects_are_created_changed_and_deleted_over_http(fresh: Emulator) -> None:
    created = _control(fresh, "POST", "objects", {"kind": "customer",
                                                   "fields": {"email": "z@example.com"}})
    assert created.status_code == 200
    customer = created.json()
    assert customer["email"] == "z@example.com"
    assert customer["created"] == fresh.now
    changed = _control(fresh, "POST", f"objects/{customer['id']}",
                       {"fields": {"email": "y@example.com"}}).json()
    assert changed["email"] == "y@example.com"
    assert Client(fresh).data(f"/v1/customers/{customer['id']}")["email"] == "y@example.com"
    truth = _control(fresh, "GET", "objects", params={"kind": "customers"}).json()
    assert truth["objects"][0]["id"] == customer["id"]
    stub = _control(fresh, "DELETE", f"objects/{customer['id']}").json()
    assert stub == {"id": customer["id"], "object": "customer", "deleted": True}
    after = _control(fresh, "GET", "objects", params={"kind": "customers"}).json()
    assert after["deleted"] == [customer["id"]]
    events = _control(fresh, "GET", "events").json()["events"]
    assert [e["type"] for e in events[:3]] == ["customer.deleted", "customer.updated",
                                               "customer.created"]


def test_objects_of_kind_events_are_the_visible_events(fresh: Emulator) -> None:
    customer = _control(fresh, "POST", "objects", {"kind": "customer"}).json()
    answer = _control(fresh, "GET", "objects", params={"kind": "events"})
    assert answer.status_code == 200, answer.text
    truth = answer.json()
    assert truth["objects"][0]["type"] == "customer.created"
    assert truth["objects"][0]["data"]["object"]["id"] == customer["id"]
    assert [e["id"] for e in truth["objects"]] == [e["id"] for e in fresh.events()]
    assert (truth["deleted"], truth["parents"]) == ([], {})


def test_children_are_created_under_their_parent(fresh: Emulator) -> None:
    invoice = fresh.objects("invoices")[0]
    line = _control(fresh, "POST", "objects", {"kind": "line_item", "parent": invoice["id"],
                                               "fields": {"amount": 4242}}).json()
    lines = Client(fresh).data(f"/v1/invoices/{invoice['id']}")["lines"]
    assert lines["data"][0]["id"] == line["id"]
    assert lines["total_count"] == invoice["lines"]["total_count"] + 1
    orphan = _control(fresh, "POST", "objects", {"kind": "line_item"})
    assert orphan.status_code == 400


def test_the_clock_moves_over_http(fresh: Emulator) -> None:
    start = fresh.now
    assert _control(fresh, "POST", "clock", {"advance": DAY}).json() == {"now": start + DAY}
    assert _control(fresh, "POST", "clock", {"set": start}).json() == {"now": start}
    assert _control(fresh, "GET", "clock").json() == {"now": start}


def test_settings_change_over_http(fresh: Emulator) -> None:
    config = _control(fresh, "POST", "config", {"rate_limit": "test", "latency_ms": 5,
                                                 "faults": {"503": 0.5}, "fault_seed": 3}).json()
    assert (config["rate_limit"], config["latency_ms"], config["faults"]) == (
        "test", 5, {"503": 0.5})
    assert _control(fresh, "POST", "config", {"rate_limit": "warp"}).status_code == 400
    assert _control(fresh, "GET", "config").json()["fault_seed"] == 3


def test_keys_and_accounts_over_http(fresh: Emulator) -> None:
    key = "rk_test_" + "K" * 24
    assert _control(fresh, "POST", "keys", {"key": key,
                                             "permissions": ["rak_charge_read"]}).status_code == 200
    assert Client(fresh, key).get("/v1/charges").status_code == 200
    account = _control(fresh, "POST", "accounts", {"scale": 2}).json()
    assert account["object"] == "account"
    assert account["id"] in _control(fresh, "GET", "accounts").json()["accounts"]
    assert _control(fresh, "DELETE", f"accounts/{account['id']}").json()["deleted"] is True
    stats = _control(fresh, "GET", "stats").json()
    assert stats["statuses"] == {"200": 1}


def test_unknown_control_paths_are_404(fresh: Emulator) -> None:
    assert _control(fresh, "GET", "nothing").status_code == 404
    assert _control(fresh, "POST", "objects", {"kind": "spaceship"}).status_code == 400


def test_changes_stripe_would_refuse_are_refused(fresh: Emulator) -> None:
    paid = next(i for i in fresh.objects("invoices") if i["status"] != "draft")
    with pytest.raises(ControlError, match="draft invoices only"):
        fresh.delete(paid["id"])
    with pytest.raises(ControlError, match="cannot delete charge"):
        fresh.delete(fresh.objects("charges")[0]["id"])
    with pytest.raises(ControlError, match="cannot be changed"):
        fresh.update(fresh.objects("customers")[0]["id"], {"created": 1})
    with pytest.raises(ControlError, match="no object"):
        fresh.update("cus_nothing0000000", {"name": "x"})


def test_a_balance_transaction_created_for_a_payout_is_in_both_lists(fresh: Emulator) -> None:
    payout = fresh.objects("payouts")[0]["id"]
    created = fresh.create("balance_transaction", parent=payout)
    client = Client(fresh)
    assert client.data("/v1/balance_transactions", {"limit": 1})["data"][0]["id"] == created["id"]
    in_payout = client.walk("/v1/balance_transactions", {"payout": payout})
    assert in_payout[0]["id"] == created["id"]
    assert fresh.parents("payout_balance_transactions")[created["id"]] == payout
    assert created["id"] in [o["id"] for o in fresh.objects("payout_balance_transactions")]
