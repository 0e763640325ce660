"""Streams read whole on every run (cursor ``full``), objects without a creation time, and child
lists whose query takes a field of the parent (``parent_params``), over mocked HTTP."""

from __future__ import annotations

import time
from typing import Any

from tap_stripe.registry import BY_NAME
from tests.singer import run_tap
from tests.unit.fake_stripe import BASE, FakeStripe

NOW = int(time.time())
DAY = 86_400


def config(**extra: Any) -> dict[str, Any]:
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - 100 * DAY))
    return {"client_secret": "sk_test_unit", "api_base": BASE, "start_date": start, **extra}


def test_a_full_read_stream_is_read_whole_again_and_keeps_no_bookmark(fake: FakeStripe) -> None:
    assert BY_NAME["webhook_endpoints"].cursor == "full"
    # Created before the runs start: a run reads what was created before its start by Stripe's
    # clock (windows half-open), and the start may fall in the second this module was imported
    # in, so an object created at NOW could be the next run's.
    hooks = [{"id": f"we_{i}", "object": "webhook_endpoint", "created": NOW - (i + 1) * DAY,
              "url": f"https://example.com/{i}"} for i in range(3)]
    fake.add("/v1/webhook_endpoints", hooks)
    first = run_tap(config(), ["webhook_endpoints"])
    assert first.ids("webhook_endpoints") == ["we_0", "we_1", "we_2"]
    assert "replication_key_value" not in str(first.state["bookmarks"].get(
        "webhook_endpoints", {}))
    # One endpoint deleted in Stripe, one added: the next run lists the list as it is now.
    fake.lists["/v1/webhook_endpoints"] = [
        {"id": "we_9", "object": "webhook_endpoint", "created": NOW - 60, "url": "https://x"},
        *hooks[:2]]
    second = run_tap(config(), ["webhook_endpoints"], first.state)
    assert second.ids("webhook_endpoints") == ["we_9", "we_0", "we_1"]
    assert all("updated" not in r and "is_deleted" not in r
               for r in second.records["webhook_endpoints"])
    assert not [q for p, q in fake.calls if p == "/v1/webhook_endpoints" and "created[gte]" in q]


def test_objects_without_a_creation_time_are_listed(fake: FakeStripe) -> None:
    # terminal.Location has no `created` (stripe-python annotations) and its list no filter.
    places = [{"id": f"tml_{i}", "object": "terminal.location", "display_name": f"Shop {i}"}
              for i in range(3)]
    fake.add("/v1/terminal/locations", places)
    out = run_tap(config(), ["terminal_locations"])
    assert sorted(out.ids("terminal_locations")) == ["tml_0", "tml_1", "tml_2"]


def test_a_child_list_takes_its_parameter_from_the_parent(fake: FakeStripe) -> None:
    # /v1/financial_connections/accounts/{id}/owners needs `ownership`: the account's own.
    accounts = [
        {"id": "fca_1", "object": "financial_connections.account", "created": NOW - DAY,
         "ownership": "fcaowns_1"},
        {"id": "fca_2", "object": "financial_connections.account", "created": NOW - 2 * DAY,
         "ownership": None},
    ]
    fake.add("/v1/financial_connections/accounts", accounts)
    owner = {"id": "fcaown_1", "object": "financial_connections.account_owner",
             "ownership": "fcaowns_1", "name": "Ann"}
    fake.add("/v1/financial_connections/accounts/fca_1/owners", [owner])
    out = run_tap(config(), ["financial_connections_account_owners"])
    records = out.records["financial_connections_account_owners"]
    assert [(r["id"], r["financial_connections_account_id"]) for r in records] == [
        ("fcaown_1", "fca_1")]
    asked = [q for p, q in fake.calls if p.endswith("/owners")]
    assert asked == [{"limit": "100", "ownership": "fcaowns_1"}]  # none for fca_2
