"""Connect: Stripe-Account selects a connected account's own data; platform-only resources."""

from __future__ import annotations

from tests.emulator import Emulator
from tests.emulator_tests.conftest import Client


def test_each_connected_account_has_its_own_objects(shared: Emulator) -> None:
    first, second = shared.accounts()
    platform = {c["id"] for c in Client(shared).walk("/v1/customers")}
    mine = {c["id"] for c in Client(shared, account=first).walk("/v1/customers")}
    theirs = {c["id"] for c in Client(shared, account=second).walk("/v1/customers")}
    # Customers on a test clock are left out of a plain list (CustomerListParams.test_clock).
    assert mine == {c["id"] for c in shared.objects("customers", first) if not c["test_clock"]}
    assert mine and theirs and platform
    assert not (mine & theirs) and not (mine & platform)
    other = next(iter(theirs))
    assert Client(shared, account=first).get(f"/v1/customers/{other}").status_code == 404


def test_an_unknown_account_is_refused(shared: Emulator) -> None:
    response = Client(shared, account="acct_unknown000000").get("/v1/customers")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "account_invalid"
    assert "does not have access to account 'acct_unknown000000'" in error["message"]


def test_the_platform_lists_its_connected_accounts(api: Client, shared: Emulator) -> None:
    listed = api.walk("/v1/accounts")
    assert [a["id"] for a in listed] == [a["id"] for a in shared.objects("accounts")]
    assert sorted(a["id"] for a in listed) == sorted(shared.accounts())
    account = listed[0]["id"]
    persons = api.walk(f"/v1/accounts/{account}/persons")
    assert {p["account"] for p in persons} <= {account}


def test_connected_accounts_cannot_list_accounts(shared: Emulator) -> None:
    client = Client(shared, account=shared.accounts()[0])
    response = client.get("/v1/accounts")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == (
        "You cannot access the connected accounts of your platform's connected accounts.")


def test_v1_account_is_the_current_account(api: Client, shared: Emulator) -> None:
    assert api.data("/v1/account")["id"] == shared.platform_account
    connected = shared.accounts()[0]
    own = Client(shared, account=connected).data("/v1/account")
    assert own == api.data(f"/v1/accounts/{connected}")


def test_accounts_can_be_added_and_revoked(fresh: Emulator) -> None:
    account = fresh.add_account(scale=3)["id"]
    client = Client(fresh, account=account)
    assert len(client.walk("/v1/customers")) == 3
    assert account in [a["id"] for a in Client(fresh).walk("/v1/accounts")]
    fresh.revoke_account(account)
    assert client.get("/v1/customers").json()["error"]["code"] == "account_invalid"
    assert account not in [a["id"] for a in Client(fresh).walk("/v1/accounts")]


def test_connected_account_events_carry_the_account(shared: Emulator) -> None:
    account = shared.accounts()[0]
    events = Client(shared, account=account).walk("/v1/events")
    assert events and {e["account"] for e in events} == {account}
    assert all("account" not in e for e in Client(shared).walk("/v1/events"))
