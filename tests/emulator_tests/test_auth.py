"""Keys: missing, wrong, publishable and restricted keys get Stripe's 401/403 answers."""

from __future__ import annotations

import requests

from tests.emulator import Emulator
from tests.emulator_tests.conftest import CLOCK, Client


def test_a_request_without_a_key_is_refused_with_401(shared: Emulator) -> None:
    response = requests.get(shared.base_url + "/v1/customers", timeout=10)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("You did not provide an API key.")


def test_a_wrong_key_is_refused_with_the_key_masked(shared: Emulator) -> None:
    key = "sk_test_" + "Z" * 20 + "abcd"
    response = Client(shared, key).get("/v1/customers")
    assert response.status_code == 401
    assert response.json() == {"error": {
        "message": "Invalid API Key provided: sk_test_" + "*" * 20 + "abcd",
        "type": "invalid_request_error"}}


def test_a_publishable_key_is_refused_with_401(shared: Emulator) -> None:
    response = Client(shared, "pk_test_123456789012345678").get("/v1/charges")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "secret_key_required"
    assert "publishable API key" in error["message"]


def test_http_basic_auth_with_the_key_as_user_is_accepted(shared: Emulator) -> None:
    response = requests.get(shared.base_url + "/v1/customers", auth=(shared.secret_key, ""),
                            timeout=10)
    assert response.status_code == 200
    assert response.json()["object"] == "list"


def test_a_restricted_key_reads_what_its_permissions_allow() -> None:
    key = "rk_test_" + "R" * 24
    with Emulator(seed=3, scale=5, clock=CLOCK,
                  api_keys={key: ["rak_customer_read"]}) as emulator:
        client = Client(emulator, key)
        assert client.get("/v1/customers").status_code == 200
        refused = client.get("/v1/charges")
        assert refused.status_code == 403
        assert refused.json() == {"error": {
            "message": f"The provided key 'rk_test_{'*' * 18}RRRRRR' does not have the "
                       "required permissions for this endpoint on account "
                       f"'{emulator.platform_account}'. Having the 'rak_charge_read' "
                       "permission would allow this request to continue.",
            "type": "invalid_request_error"}}
        prices = client.get("/v1/prices")
        assert "'rak_plan_read' permission" in prices.json()["error"]["message"]


def test_restricted_keys_can_be_added_and_removed_at_run_time(fresh: Emulator) -> None:
    key = "rk_test_" + "Q" * 24
    fresh.add_key(key, ["rak_event_read"])
    client = Client(fresh, key)
    assert client.get("/v1/events").status_code == 200
    assert client.get("/v1/customers").status_code == 403
    fresh.remove_key(key)
    assert client.get("/v1/events").status_code == 401


def test_a_live_key_serves_live_mode_objects() -> None:
    key = "sk_live_" + "L" * 24
    with Emulator(seed=3, scale=5, clock=CLOCK, key=key) as emulator:
        customer = Client(emulator).data("/v1/customers", {"limit": 1})["data"][0]
        assert customer["livemode"] is True
        assert Client(emulator, "sk_test_" + "L" * 24).get("/v1/customers").status_code == 401
