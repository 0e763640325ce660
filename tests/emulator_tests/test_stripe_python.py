"""The official client against the emulator: auto-paging, indexed expand, Stripe-Account."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator import Emulator

stripe = pytest.importorskip("stripe")
stripe.enable_telemetry = False


def _client(emulator: Emulator, **options: Any) -> Any:
    return stripe.StripeClient(emulator.secret_key,
                               base_addresses={"api": emulator.base_url}, **options)


def test_auto_paging_reads_every_object(shared: Emulator) -> None:
    client = _client(shared)
    listed = client.v1.invoices.list({"limit": 7})
    assert [i.id for i in listed.auto_paging_iter()] == [i["id"] for i in
                                                        shared.objects("invoices")]


def test_expand_and_stripe_account_carry_over_pages(shared: Emulator) -> None:
    account = shared.accounts()[0]
    client = _client(shared, stripe_account=account)
    customers = client.v1.customers.list({"limit": 3, "expand": ["data.sources"]})
    seen = list(customers.auto_paging_iter())
    # Customers on a test clock are left out of a plain list (CustomerListParams.test_clock).
    assert [c.id for c in seen] == [c["id"] for c in shared.objects("customers", account)
                                    if not c["test_clock"]]
    assert all(c.sources.object == "list" for c in seen)


def test_errors_map_to_stripe_exceptions(shared: Emulator) -> None:
    with pytest.raises(stripe.InvalidRequestError, match="No such customer"):
        _client(shared).v1.customers.retrieve("cus_missing0000000")
    with pytest.raises(stripe.AuthenticationError):
        stripe.StripeClient("sk_test_nope0000000000000000",
                            base_addresses={"api": shared.base_url}).v1.charges.list()
