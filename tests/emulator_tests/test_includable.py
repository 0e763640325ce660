"""Includable fields: the emulator leaves each one out unless it is expanded, driven by the
tap's table of them (``tap_stripe.includable.INCLUDABLE``: adding a row there adds its checks
here). What is expected is Stripe's rule ("not included by default"), not the tap's code."""

from __future__ import annotations

from typing import Any

import pytest

from tap_stripe.includable import INCLUDABLE, Includable
from tap_stripe.registry import BY_NAME, STREAMS
from tests.emulator_tests.conftest import Client

ROWS = [(path, item) for path, items in INCLUDABLE.items() for item in items]


def _list_path(api: Client, path: str) -> str:
    """``path`` with ``{parent_id}`` filled by the newest parent that has children."""
    if "{parent_id}" not in path:
        return path
    parent_list = path.split("/{parent_id}")[0]
    for parent in api.data(parent_list, {"limit": 100})["data"]:
        concrete = path.format(parent_id=parent["id"])
        if api.data(concrete, {"limit": 1})["data"]:
            return concrete
    raise AssertionError(f"no parent of {path} has children")


def _required(api: Client, path: str) -> dict[str, str]:
    """The parent a list cannot do without (``/v1/treasury/transactions`` needs
    ``financial_account``), as the registry's streams of ``path`` send it: the newest parent
    that has children."""
    for sdef in (s for s in STREAMS if s.path == path and s.parent_filter):
        for parent in api.data(BY_NAME[str(sdef.parent)].path, {"limit": 100})["data"]:
            params = {str(sdef.parent_filter): parent["id"]}
            if api.data(path, {"limit": 1, **params})["data"]:
                return params
        raise AssertionError(f"no parent of {path} has children")
    return {}


def _has(obj: dict[str, Any], dotted: str) -> bool:
    """Whether ``obj`` holds the (dotted) field; a null object on the way holds nothing."""
    *outer, name = dotted.split(".")
    for step in outer:
        obj = obj.get(step) or {}
    return name in obj


def _objects(api: Client, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    found = api.data(path, {"limit": 100, **(params or {})})["data"]
    assert found, path
    return found


@pytest.mark.parametrize(("path", "item"), ROWS, ids=[f"{p}:{i.field}" for p, i in ROWS])
def test_includable_field_is_absent_unless_expanded(api: Client, path: str,
                                                    item: Includable) -> None:
    concrete = _list_path(api, path)
    required = _required(api, path)
    top_level = concrete == path
    plain = _objects(api, concrete, required)
    assert not any(_has(obj, item.field) for obj in plain)
    if top_level:
        assert not _has(api.data(f"{concrete}/{plain[0]['id']}"), item.field)
    assert item.source
    if item.how != "expand":
        return
    listed = _objects(api, concrete, {"expand[]": f"data.{item.field}", **required})
    assert all(_has(obj, item.field) for obj in listed)
    if top_level:
        again = api.data(f"{concrete}/{listed[0]['id']}", {"expand[]": item.field})
        assert again[item.field] == listed[0][item.field]


def test_expanded_tiers_follow_the_billing_scheme(api: Client) -> None:
    prices = api.walk("/v1/prices", {"expand[]": "data.tiers"})
    tiered = [p for p in prices if p["billing_scheme"] == "tiered"]
    assert tiered
    for price in prices:
        if price["billing_scheme"] != "tiered":
            assert price["tiers"] is None
            continue
        tiers = price["tiers"]
        assert len(tiers) >= 2 and tiers[-1]["up_to"] is None
        bounds = [t["up_to"] for t in tiers[:-1]]
        assert bounds == sorted(bounds) and all(isinstance(b, int) for b in bounds)


def test_expanded_tax_ids_are_the_customers_own(api: Client) -> None:
    customers = api.walk("/v1/customers", {"expand[]": "data.tax_ids"})
    with_ids = [c for c in customers if c["tax_ids"]["data"]]
    assert with_ids
    for customer in customers:
        tax_ids = customer["tax_ids"]
        assert tax_ids["url"] == f"/v1/customers/{customer['id']}/tax_ids"
        assert tax_ids["total_count"] == len(tax_ids["data"])
        for tax_id in tax_ids["data"]:
            assert tax_id["object"] == "tax_id" and tax_id["customer"] == customer["id"]
            assert tax_id["owner"] == {"account": None, "application": None,
                                       "customer": customer["id"], "customer_account": None,
                                       "type": "customer"}


def test_event_payloads_carry_no_includable_field(api: Client) -> None:
    events = api.walk("/v1/events")
    kinds = {"price": "tiers", "plan": "tiers", "customer": "tax_ids", "coupon": "applies_to"}
    seen = set()
    for event in events:
        obj = event["data"]["object"]
        field = kinds.get(obj.get("object"))
        if field:
            seen.add(obj["object"])
            assert field not in obj
    assert seen == set(kinds)
