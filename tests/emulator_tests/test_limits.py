"""Rate limits: 429 with Stripe's body and reason header when exceeded, none when off.

The limiter's clock is frozen in these tests, so no token comes back between requests however
slowly they go out (a loaded machine): the counts below are exact."""

from __future__ import annotations

from tests.emulator import Emulator
from tests.emulator_tests.conftest import CLOCK, Client


def _frozen(emulator: Emulator) -> Emulator:
    emulator.limiter.clock = lambda: 1000.0
    return emulator


def _statuses(client: Client, paths: list[str]) -> list[tuple[int, str | None]]:
    found = []
    for path in paths:
        response = client.get(path, {"limit": 1})
        found.append((response.status_code,
                      response.headers.get("Stripe-Rate-Limited-Reason")))
    return found


def test_test_mode_allows_25_requests_per_second_in_all() -> None:
    with Emulator(seed=1, scale=5, clock=CLOCK, rate_limit="test") as emulator:
        client = Client(_frozen(emulator))
        paths = ["/v1/customers", "/v1/charges", "/v1/invoices"] * 12
        statuses = _statuses(client, paths)
        assert statuses[:25] == [(200, None)] * 25
        assert statuses[25:] == [(429, "global-rate")] * 11
        refused = client.get("/v1/products")
        assert refused.status_code == 429
        assert refused.json()["error"] == {
            "code": "rate_limit", "doc_url": "https://stripe.com/docs/error-codes/rate-limit",
            "message": "Request rate limit exceeded. Learn more about rate limits here "
                       "https://stripe.com/docs/rate-limits.",
            "type": "invalid_request_error"}


def test_live_mode_limits_each_endpoint_to_25_per_second() -> None:
    with Emulator(seed=1, scale=5, clock=CLOCK, rate_limit="live") as emulator:
        client = Client(_frozen(emulator))
        statuses = _statuses(client, ["/v1/customers"] * 30)
        assert statuses == [(200, None)] * 25 + [(429, "endpoint-rate")] * 5
        assert client.get("/v1/charges", {"limit": 1}).status_code == 200


def test_an_endpoint_is_its_path_template_whatever_the_id() -> None:
    with Emulator(seed=1, scale=30, clock=CLOCK, rate_limit="live") as emulator:
        client = Client(_frozen(emulator))
        ids = [c["id"] for c in emulator.objects("customers")]
        statuses = _statuses(client, [f"/v1/customers/{i}" for i in ids])
        assert (429, "endpoint-rate") in statuses


def test_no_limits_when_off(fresh: Emulator) -> None:
    statuses = _statuses(Client(fresh), ["/v1/customers"] * 60)
    assert statuses == [(200, None)] * 60
    fresh.set_rate_limit("test")
    limited = _statuses(Client(_frozen(fresh)), ["/v1/customers"] * 40)
    assert limited == [(200, None)] * 25 + [(429, "global-rate")] * 15
