"""Generated data: deterministic, linked, spread over two years, with varied children."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.emulator import Emulator, catalog
from tests.emulator.objects import ID_PREFIX
from tests.emulator_tests.conftest import CLOCK, DAY

_PREFIXES = "|".join(sorted(map(re.escape, set(ID_PREFIX.values())), key=len, reverse=True))
_REFERENCE = re.compile(rf"^({_PREFIXES})_[A-Za-z0-9]{{14,}}$")


def _everything(emulator: Emulator) -> dict[str | None, list[dict[str, Any]]]:
    return {account: [o for c in catalog.COLLECTIONS for o in emulator.objects(c.name, account)]
            for account in [None, *emulator.accounts()]}


def test_the_same_seed_gives_the_same_objects() -> None:
    first = _everything(Emulator(seed=5, scale=8, clock=CLOCK))
    again = _everything(Emulator(seed=5, scale=8, clock=CLOCK))
    other = _everything(Emulator(seed=6, scale=8, clock=CLOCK))
    assert first == again
    assert [o["id"] for o in first[None]] != [o["id"] for o in other[None]]


def _references(value: Any, found: list[str]) -> list[str]:
    """Ids an object refers to (its own ``id`` and those of embedded objects excluded)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "id":
                _references(item, found)
    elif isinstance(value, list):
        for item in value:
            _references(item, found)
    elif isinstance(value, str) and _REFERENCE.match(value):
        found.append(value)
    return found


def test_every_referenced_id_exists(shared: Emulator) -> None:
    everything = _everything(shared)
    known = {o["id"] for objects in everything.values() for o in objects}
    known.add(shared.platform_account)
    dangling = {(o["object"], ref) for objects in everything.values() for o in objects
                for ref in _references(o, []) if ref not in known}
    assert dangling == set()


def test_objects_link_to_each_other(shared: Emulator) -> None:
    customers = {c["id"] for c in shared.objects("customers")}
    charges = {c["id"]: c for c in shared.objects("charges")}
    intents = {p["id"]: p for p in shared.objects("payment_intents")}
    for refund in shared.objects("refunds"):
        charge = charges[refund["charge"]]
        assert refund["payment_intent"] == charge["payment_intent"]
    for charge in charges.values():
        assert charge["customer"] == intents[charge["payment_intent"]]["customer"]
    subscriptions = {s["id"]: s for s in shared.objects("subscriptions")}
    for invoice in shared.objects("invoices"):
        assert invoice["customer"] in customers
        details = (invoice.get("parent") or {}).get("subscription_details") or {}
        if details.get("subscription"):
            assert invoice["customer"] == subscriptions[details["subscription"]]["customer"]


def test_created_spans_two_years_with_recent_objects(shared: Emulator) -> None:
    for name in ("customers", "charges", "invoices", "balance_transactions"):
        created = [o["created"] for o in shared.objects(name)]
        assert min(created) >= CLOCK - 730 * DAY
        assert max(created) <= CLOCK
        assert min(created) < CLOCK - 365 * DAY
        assert any(t > CLOCK - 30 * DAY for t in created)


def test_ids_look_like_stripe_ids(shared: Emulator) -> None:
    for name, prefix in (("customers", "cus_"), ("charges", "ch_"), ("invoices", "in_"),
                         ("payment_intents", "pi_"), ("events", "evt_")):
        ids = [o["id"] for o in shared.objects(name)]
        assert all(re.fullmatch(prefix + r"[A-Za-z0-9]{14,24}", i) for i in ids), name
        assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("scale", [1, 10, 100])
def test_the_scale_sets_the_size(scale: int) -> None:
    emulator = Emulator(seed=1, scale=scale, clock=CLOCK, connected_accounts=0)
    assert len(emulator.objects("customers")) == max(3, scale)
    assert emulator.objects("accounts") == []
    assert emulator.count() >= 20 * scale


def test_a_million_objects_start_quickly() -> None:
    emulator = Emulator(seed=1, scale=36_000, clock=CLOCK)
    assert emulator.count() > 1_000_000
    assert emulator.world.platform.dataset.id("charges", 0).startswith("ch_")
