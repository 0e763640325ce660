"""Values of the fields Stripe returns only when expanded ("includable"), made on request.

Stripe's reference marks each of them "This field is not included by default. To include it in
the response, expand the <field> field." and its example objects (``stripe-fixtures``) leave
them out. The emulator never stores them in an object: a list, a retrieve or an event payload
(events are never expanded, notes 2.3) is built without them, and ``expand.apply`` adds the
value made here from the object itself and a generator seeded with its id, so every request
sees the same value. Shapes follow stripe-python 16.1.0's annotations (``_price.py``
``Price.Tier``/``CurrencyOptions``, ``_tax_id.py``, ``_cash_balance.py``, ``_customer.py``
``Customer.Tax``, ``_coupon.py`` ``Coupon.AppliesTo``/``CurrencyOptions``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

Obj = dict[str, Any]
Maker = Callable[[Obj, random.Random], Any]

_TAX_ID_TYPES = (("DE", "eu_vat", "DE{n9}"), ("FR", "eu_vat", "FR{n11}"),
                 ("GB", "gb_vat", "GB{n9}"), ("US", "us_ein", "{n2}-{n7}"),
                 ("AU", "au_abn", "{n11}"))


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(count))


def _tiers(obj: Obj, rng: random.Random) -> list[Obj] | None:
    """``tiers``: "This parameter requires ``billing_scheme`` to be set to ``tiered``"
    (stripe-python ``Price.tiers`` docstring), so null for per-unit prices and plans; the last
    tier is open-ended (``up_to`` null)."""
    if obj.get("billing_scheme") != "tiered":
        return None
    tiers: list[Obj] = []
    bound = 0
    count = rng.randrange(2, 5)
    for index in range(count):
        unit = rng.choice((2000, 1500, 1000, 800, 500)) // (index + 1)
        flat = rng.choice((None, 0, 1000)) if index == 0 else None
        bound += rng.choice((5, 10, 50, 100))
        tiers.append({"flat_amount": flat, "flat_amount_decimal": None if flat is None
                      else str(flat), "unit_amount": unit, "unit_amount_decimal": str(unit),
                      "up_to": None if index == count - 1 else bound})
    return tiers


def _price_currency_options(obj: Obj, _rng: random.Random) -> Obj:
    """``currency_options``: the price in each currency it is offered in, its own included
    (the nested ``tiers`` of each option is itself includable and left out)."""
    return {obj["currency"]: {"custom_unit_amount": obj.get("custom_unit_amount"),
                              "tax_behavior": obj.get("tax_behavior"),
                              "unit_amount": obj.get("unit_amount"),
                              "unit_amount_decimal": obj.get("unit_amount_decimal")}}


def _tax_ids(obj: Obj, rng: random.Random) -> Obj:
    """``tax_ids``: a list object of the customer's ``tax_id`` objects (up to 3 here)."""
    data = []
    for index in range(rng.choice((0, 0, 0, 1, 1, 2, 3))):
        country, kind, pattern = rng.choice(_TAX_ID_TYPES)
        value = pattern.format(n2=_digits(rng, 2), n7=_digits(rng, 7), n9=_digits(rng, 9),
                               n11=_digits(rng, 11))
        data.append({
            "country": country, "created": obj["created"] + index, "customer": obj["id"],
            "customer_account": None, "id": f"txi_{obj['id'][4:]}{index}",
            "livemode": obj["livemode"], "object": "tax_id",
            "owner": {"account": None, "application": None, "customer": obj["id"],
                      "customer_account": None, "type": "customer"},
            "type": kind, "value": value,
            "verification": {"status": rng.choice(("verified", "pending", "unavailable")),
                             "verified_address": None, "verified_name": None},
        })
    data.reverse()  # newest first, as lists are
    return {"object": "list", "data": data, "has_more": False, "total_count": len(data),
            "url": f"/v1/customers/{obj['id']}/tax_ids"}


def _cash_balance(obj: Obj, rng: random.Random) -> Obj:
    """``cash_balance``: the funds Stripe holds for the customer."""
    held = rng.random() < 0.2
    return {"available": {obj.get("currency") or "usd": rng.randrange(100, 50_000)}
            if held else None,
            "customer": obj["id"], "customer_account": None, "livemode": obj["livemode"],
            "object": "cash_balance",
            "settings": {"reconciliation_mode": "automatic", "using_merchant_default": True}}


def _invoice_credit_balance(obj: Obj, rng: random.Random) -> Obj:
    """``invoice_credit_balance``: credit per currency (empty for most customers)."""
    return {obj.get("currency") or "usd": -rng.randrange(100, 10_000)} \
        if rng.random() < 0.1 else {}


def _customer_tax(obj: Obj, _rng: random.Random) -> Obj:
    """``tax``: the customer's tax location and automatic-tax status."""
    country = (obj.get("address") or {}).get("country")
    return {"automatic_tax": "supported" if country else "unrecognized_location",
            "ip_address": None,
            "location": {"country": country, "source": "billing_address", "state": None}
            if country else None,
            "provider": "stripe"}


def _applies_to(_obj: Obj, rng: random.Random) -> Obj:
    """``applies_to``: the products a coupon is limited to (none: every product)."""
    return {"products": [f"prod_{_digits(rng, 14)}"] if rng.random() < 0.2 else []}


def _coupon_currency_options(obj: Obj, _rng: random.Random) -> Obj | None:
    """``currency_options``: ``amount_off`` per currency; a percent-off coupon has none."""
    if obj.get("amount_off") is None:
        return None
    return {obj["currency"]: {"amount_off": obj["amount_off"]}}


MAKERS: dict[str, dict[str, Maker]] = {
    "price": {"tiers": _tiers, "currency_options": _price_currency_options},
    "plan": {"tiers": _tiers},
    "customer": {"tax_ids": _tax_ids, "cash_balance": _cash_balance,
                 "invoice_credit_balance": _invoice_credit_balance, "tax": _customer_tax},
    "coupon": {"applies_to": _applies_to, "currency_options": _coupon_currency_options},
}
"""Object kind -> includable field -> how its value is made."""


def value(obj: Obj, field: str) -> Any:
    """The value of includable ``field`` of ``obj`` (the same on every call)."""
    maker = MAKERS[str(obj["object"])][field]
    return maker(obj, random.Random(f"{obj['id']}/{field}"))
