"""Builders for the emulator's billing and customer objects (API version 2026-10-28.endive).

One row per Stripe object kind in ``TABLE`` (id prefix, the function of its own fields, head
fields); ``objects.py`` merges it with the payments table and builds every kind the same way.
Each kind has every top-level field Stripe sends for it, except fields Stripe includes only on
request (``expand``), such as ``customer.sources``.
"""

from __future__ import annotations

import random

from tests.emulator import generic
from tests.emulator.kinds_common import (
    DAY,
    Ctx,
    Kind,
    Obj,
    address,
    amount,
    billing_details,
    card,
    child_id,
    currency,
    email,
    full_name,
    list_stub,
    maybe,
    metadata,
    phone,
    pick,
    shipping,
    token,
)

INTERVAL_SECONDS: dict[str, int] = {"day": DAY, "week": 7 * DAY, "month": 30 * DAY,
                                    "year": 365 * DAY}
_INTERVALS = ("month", "month", "month", "year", "week")
_PRODUCTS: tuple[tuple[str, str, str | None], ...] = (
    # name, type, unit label
    ("Pro plan", "service", "seat"),
    ("Starter plan", "service", "seat"),
    ("Enterprise support", "service", None),
    ("API calls", "service", "1k calls"),
    ("Consulting hour", "service", "hour"),
    ("Organic cotton T-shirt", "good", None),
    ("Ceramic mug", "good", None),
)
_TAX_RATES: tuple[tuple[str, str, str | None, float, str, str], ...] = (
    # display name, country, state, percentage, tax type, jurisdiction level
    ("VAT", "DE", None, 19.0, "vat", "country"),
    ("VAT", "FR", None, 20.0, "vat", "country"),
    ("VAT", "GB", None, 20.0, "vat", "country"),
    ("Sales tax", "US", "CA", 7.25, "sales_tax", "state"),
    ("Sales tax", "US", "NY", 4.0, "sales_tax", "state"),
    ("GST", "CA", None, 5.0, "gst", "country"),
)
_SHIPPING: tuple[tuple[str, int, str, int, int], ...] = (
    # display name, amount, estimate unit, minimum, maximum
    ("Ground shipping", 500, "business_day", 5, 7),
    ("Express shipping", 1500, "business_day", 1, 2),
    ("Free shipping", 0, "business_day", 5, 10),
    ("Next day air", 2500, "day", 1, 1),
)
_COMPANIES = ("Acme Corp", "Globex GmbH", "Initech Ltd", "Umbrella SAS", "Hooli Inc")
_MEMOS = ("Refund for damaged item", "Service credit", "Billing correction", None)


# ---------------------------------------------------------------- shared nested objects


def _issuer(ctx: Ctx) -> Obj:
    account = ctx.link("account")
    return {"account": account, "type": "account" if account else "self"}


def _automatic_tax(ctx: Ctx, *extra: str) -> Obj:
    """``automatic_tax``: enabled + liability, plus ``extra`` nullable fields of the kind."""
    enabled = ctx.rng.random() < 0.3
    values = {"disabled_reason": None, "provider": "stripe" if enabled else None,
              "status": "complete" if enabled else None}
    return {"enabled": enabled, "liability": _issuer(ctx) if enabled else None,
            **{k: values[k] for k in extra}}


def _currency(ctx: Ctx) -> str:
    """``links["currency"]``, else the linked customer's currency, else a random one."""
    customer = ctx.link("customer")
    return ctx.link("currency") or currency(random.Random(customer) if customer else ctx.rng)


_EMBEDDED_AGE = 90 * DAY
"""Catalog objects embedded whole (prices, tax rates) are seeded from their bare id and were
created up to 90 days before the object that embeds them."""


def _embedded_price(ctx: Ctx, price_id: str, *, recurring: bool | None = None) -> Obj:
    """The price ``price_id`` embedded whole (of the linked product), the same in every copy."""
    sub = ctx.seeded(price_id, {"product": ctx.link("product")}, seed=price_id,
                     max_age=_EMBEDDED_AGE)
    return TABLE["price"].whole("price", sub, _price_obj(sub, recurring=recurring))


def _tax_rate_of(ctx: Ctx) -> Obj | None:
    """The linked tax rate as an embedded ``tax_rate`` object, or None."""
    rate = ctx.link("tax_rate")
    return ctx.embed("tax_rate", rate, {}, seed=rate, max_age=_EMBEDDED_AGE) if rate else None


def _embedded_tax_rates(ctx: Ctx) -> list[Obj]:
    """``tax_rates``-style lists of embedded ``tax_rate`` objects."""
    rate = _tax_rate_of(ctx)
    return [rate] if rate else []


def _tax_amounts(ctx: Ctx, totals: Obj) -> list[Obj]:
    """``total_taxes``/``taxes`` entries for the linked tax rate (empty without one)."""
    rate = _tax_rate_of(ctx)
    if not rate:
        return []
    return [{"amount": totals["tax"],
             "tax_behavior": "inclusive" if rate["inclusive"] else "exclusive",
             "tax_rate_details": {"tax_rate": rate["id"]},
             "taxability_reason": "standard_rated", "taxable_amount": totals["taxable"],
             "type": "tax_rate_details"}]


def _discount_ids(ctx: Ctx) -> list[str]:
    """Ids of the discounts applied; one coupon on one subscription/customer = one id."""
    found, coupon = ctx.link("discount"), ctx.link("coupon")
    if not found and coupon:
        owner = ctx.link("subscription") or ctx.link("customer") or ctx.id
        found = child_id(random.Random(f"{coupon}/{owner}"), "di")
    return [found] if found else []


def _discount(ctx: Ctx) -> Obj | None:
    """An embedded ``discount`` object for the linked coupon, or None."""
    coupon = ctx.link("coupon")
    if not coupon:
        return None
    return {
        "checkout_session": ctx.link("checkout_session"), "customer": ctx.link("customer"),
        "customer_account": None, "end": None, "id": _discount_ids(ctx)[0],
        "invoice": ctx.link("invoice"), "invoice_item": None, "object": "discount",
        "promotion_code": ctx.link("promotion_code"),
        "source": {"coupon": coupon, "type": "coupon"}, "start": ctx.created,
        "subscription": ctx.link("subscription"), "subscription_item": None,
    }


def _totals(ctx: Ctx, subtotal: int) -> Obj:
    """Consistent subtotal, discount, taxable, tax and total amounts given the links."""
    discount = subtotal // 10 if ctx.link("coupon") else 0
    taxable = subtotal - discount
    rate = _tax_rate_of(ctx)
    tax = 0
    if rate:
        share = rate["percentage"] / (100 + rate["percentage"] if rate["inclusive"] else 100)
        tax = round(taxable * share)
    exclusive_tax = 0 if rate and rate["inclusive"] else tax
    return {"subtotal": subtotal, "discount": discount, "taxable": taxable, "tax": tax,
            "total": taxable + exclusive_tax,
            "subtotal_excluding_tax": subtotal - (tax - exclusive_tax)}


def _discount_amounts(ctx: Ctx, totals: Obj) -> list[Obj]:
    """``discount_amounts`` entries: the discount of ``totals`` per applied discount."""
    return [{"amount": totals["discount"], "discount": d} for d in _discount_ids(ctx)]


def _total_details(totals: Obj, shipping_amount: int | None = 0) -> Obj:
    """``total_details`` (its ``breakdown`` is returned only when expanded)."""
    return {"amount_discount": totals["discount"], "amount_shipping": shipping_amount,
            "amount_tax": totals["tax"]}


def _shipping_cost(ctx: Ctx) -> Obj | None:
    rate = ctx.link("shipping_rate")
    if not rate:
        return None
    cost = pick(ctx.rng, _SHIPPING)[1]
    return {"amount_subtotal": cost, "amount_tax": 0, "amount_total": cost,
            "shipping_rate": rate, "taxes": []}


def _custom_fields(rng: random.Random) -> list[Obj] | None:
    return maybe(rng, [{"name": "PO number", "value": f"PO-{rng.randrange(10_000, 99_999)}"}],
                 0.2)


def _invoice_settings(ctx: Ctx, *extra: str) -> Obj:
    """Subscription/quote/schedule ``invoice_settings``, with the kind's ``extra`` fields."""
    values: Obj = {"account_tax_ids": None, "days_until_due": None}
    return {"custom_fields": _custom_fields(ctx.rng), "description": None, "footer": None,
            "issuer": _issuer(ctx), **{k: values[k] for k in extra}}


def _billing_mode(ctx: Ctx, *, updated: bool = True) -> Obj:
    flexible = ctx.rng.random() < 0.3
    mode: Obj = {"flexible": {"proration_discounts": "included"} if flexible else None,
                 "type": "flexible" if flexible else "classic"}
    if updated:
        mode["updated_at"] = ctx.created if flexible else None
    return mode


def _payment_method_options(kind: str) -> Obj:
    """Invoice/subscription ``payment_settings.payment_method_options`` for cards."""
    card_options: Obj = {"request_three_d_secure": "automatic"}
    card_options.update({"installments": None} if kind == "invoice" else
                        {"mandate_options": None, "network": None})
    names = ("acss_debit", "bancontact", "billie", "blik", "customer_balance", "konbini",
             "payto", "pix", "sepa_debit", "upi", "us_bank_account")
    return {"card": card_options, **dict.fromkeys(names)}


def _period(ctx: Ctx, interval: str) -> tuple[int, int]:
    """The current billing period (start, end) of something started at ``created``."""
    length = INTERVAL_SECONDS[interval]
    start = ctx.created + length * ctx.rng.randrange(3)
    return start, start + length


def _company(rng: random.Random) -> str:
    return pick(rng, _COMPANIES)


# ---------------------------------------------------------------- catalog


def _recurring(rng: random.Random) -> Obj:
    return {"interval": pick(rng, _INTERVALS), "interval_count": 1, "meter": None,
            "trial_period_days": pick(rng, (None, None, 7, 14)), "usage_type": "licensed"}


def _price_obj(ctx: Ctx, *, recurring: bool | None = None) -> Obj:
    rng = ctx.rng
    is_recurring = rng.random() < 0.7 if recurring is None else recurring
    tiered = is_recurring and rng.random() < 0.1
    unit = None if tiered else amount(rng, 100, 20_000)
    return {
        "active": rng.random() < 0.85, "billing_scheme": "tiered" if tiered else "per_unit",
        "currency": _currency(ctx), "custom_unit_amount": None,
        "lookup_key": maybe(rng, f"{pick(rng, ('pro', 'starter', 'team'))}_{token(rng, 4)}", 0.3),
        "metadata": metadata(rng), "nickname": maybe(rng, pick(rng, ("Monthly", "Annual")), 0.4),
        "product": ctx.need("prod", "product"),
        "recurring": _recurring(rng) if is_recurring else None,
        "tax_behavior": pick(rng, ("unspecified", "exclusive", "inclusive")),
        "tiers_mode": pick(rng, ("graduated", "volume")) if tiered else None,
        "transform_quantity": None, "type": "recurring" if is_recurring else "one_time",
        "unit_amount": unit, "unit_amount_decimal": None if unit is None else str(unit),
    }


def _price(ctx: Ctx) -> Obj:
    """A price, one-time or recurring."""
    return _price_obj(ctx)


def _plan_from_price(price: Obj, plan_id: str) -> Obj:
    """The legacy ``plan`` view of a recurring ``price``."""
    recurring = price["recurring"]
    return {
        "active": price["active"], "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"], "billing_scheme": price["billing_scheme"],
        "created": price["created"], "currency": price["currency"], "id": plan_id,
        "interval": recurring["interval"], "interval_count": recurring["interval_count"],
        "livemode": price["livemode"], "metadata": price["metadata"],
        "meter": recurring["meter"], "nickname": price["nickname"], "object": "plan",
        "product": price["product"], "tiers_mode": price["tiers_mode"], "transform_usage": None,
        "trial_period_days": recurring["trial_period_days"],
        "usage_type": recurring["usage_type"],
    }


def _plan(ctx: Ctx) -> Obj:
    """A (legacy) plan."""
    return _plan_from_price(TABLE["price"].whole("price", ctx, _price_obj(ctx, recurring=True)),
                            ctx.id)


def _product(ctx: Ctx) -> Obj:
    """A product of the catalog."""
    rng = ctx.rng
    name, kind, unit_label = pick(rng, _PRODUCTS)
    good = kind == "good"
    tax_code = pick(rng, ("txcd_99999999", "txcd_10000000", None))
    return {
        "active": rng.random() < 0.9,
        "default_price": ctx.link("price"),
        "description": maybe(rng, f"{name} for growing teams", 0.6),
        "images": [f"https://files.stripe.com/links/{token(rng, 24)}"] if good else [],
        "marketing_features": [{"name": f} for f in rng.sample(
            ("Unlimited projects", "Priority support", "SSO", "Audit log"), rng.randrange(3))],
        "metadata": metadata(rng), "name": name,
        "package_dimensions": {"height": 4.0, "length": 12.5, "weight": 10.2,
                               "width": 8.0} if good else None,
        "shippable": True if good else None,
        "statement_descriptor": maybe(rng, name.upper()[:22], 0.2),
        "tax_code": tax_code,
        "tax_details": {"performance_location": None, "tax_code": tax_code} if tax_code else None,
        "type": kind, "unit_label": unit_label, "updated": ctx.later(0, 30 * DAY),
        "url": maybe(rng, f"https://example.com/products/{token(rng, 6).lower()}", 0.3),
    }


def _coupon(ctx: Ctx) -> Obj:
    """A coupon: percent or amount off, once/repeating/forever."""
    rng = ctx.rng
    percent = rng.random() < 0.6
    duration = pick(rng, ("once", "repeating", "forever"))
    max_redemptions = maybe(rng, rng.randrange(10, 500), 0.4)
    redeemed = rng.randrange(max_redemptions or 200)
    redeem_by = maybe(rng, ctx.later(30 * DAY, 365 * DAY), 0.3)
    off = rng.choice((10, 15, 20, 25, 50)) if percent else None
    return {
        "amount_off": None if percent else amount(rng, 500, 5_000) // 100 * 100,
        "currency": None if percent else _currency(ctx),
        "duration": duration, "duration_in_months": rng.randrange(2, 13)
        if duration == "repeating" else None,
        "max_redemptions": max_redemptions, "metadata": metadata(rng),
        "name": f"{off}% off" if percent else maybe(rng, "Welcome credit"),
        "percent_off": float(off) if off else None, "redeem_by": redeem_by,
        "times_redeemed": redeemed,
        "valid": max_redemptions is None or redeemed < max_redemptions,
    }


def _promotion_code(ctx: Ctx) -> Obj:
    """A customer-facing code for a coupon."""
    rng = ctx.rng
    minimum = maybe(rng, amount(rng, 1_000, 10_000) // 100 * 100, 0.3)
    return {
        "active": rng.random() < 0.8,
        "code": f"{pick(rng, ('SPRING', 'WELCOME', 'VIP', 'FRIENDS'))}{rng.randrange(10, 99)}",
        "customer": ctx.link("customer"), "customer_account": None,
        "expires_at": maybe(rng, ctx.later(7 * DAY, 180 * DAY), 0.4),
        "max_redemptions": maybe(rng, rng.randrange(1, 100), 0.3),
        "metadata": metadata(rng),
        "promotion": {"coupon": ctx.link("coupon"), "type": "coupon"},
        "restrictions": {"currency_options": {}, "first_time_transaction": rng.random() < 0.3,
                         "minimum_amount": minimum,
                         "minimum_amount_currency": _currency(ctx) if minimum else None},
        "times_redeemed": rng.randrange(20),
    }


def _tax_rate(ctx: Ctx) -> Obj:
    """A tax rate from a small table of real-world rates."""
    rng = ctx.rng
    name, country_code, state, percentage, tax_type, level = pick(rng, _TAX_RATES)
    inclusive = tax_type == "vat" and rng.random() < 0.5
    where = f"{country_code} - {state}" if state else country_code
    return {
        "active": rng.random() < 0.9, "country": country_code,
        "description": f"{name} {where}", "display_name": name,
        "effective_percentage": percentage, "flat_amount": None,
        "inclusive": inclusive, "jurisdiction": where, "jurisdiction_level": level,
        "metadata": metadata(rng),
        "percentage": percentage, "rate_type": "percentage", "state": state,
        "tax_type": tax_type,
    }


def _shipping_rate(ctx: Ctx) -> Obj:
    """A fixed-amount shipping rate."""
    rng = ctx.rng
    name, cost, unit, low, high = pick(rng, _SHIPPING)
    return {
        "active": rng.random() < 0.9,
        "delivery_estimate": {"maximum": {"unit": unit, "value": high},
                              "minimum": {"unit": unit, "value": low}},
        "display_name": name,
        # fixed_amount.currency_options: "not included by default" (Stripe API reference, The
        # Shipping Rate object); left out of Stripe's example shipping_rate
        "fixed_amount": {"amount": cost, "currency": _currency(ctx)},
        "metadata": metadata(rng),
        "tax_behavior": pick(rng, ("exclusive", "unspecified")),
        "tax_code": pick(rng, ("txcd_92010001", None)), "type": "fixed_amount",
    }


# ---------------------------------------------------------------- customers


def _customer(ctx: Ctx) -> Obj:
    """A customer (the expand-only fields sources, subscriptions, tax_ids... are left out)."""
    rng = ctx.rng
    name = full_name(rng)
    business = maybe(rng, _company(rng), 0.3)
    return {
        "address": address(rng), "balance": pick(rng, (0, 0, 0, -amount(rng), amount(rng))),
        "business_name": business,
        "currency": ctx.link("currency") or maybe(rng, currency(random.Random(ctx.id)), 0.7),
        "customer_account": None,
        "default_source": ctx.link("source"), "delinquent": rng.random() < 0.1,
        "description": maybe(rng, f"Customer since {2015 + rng.randrange(10)}", 0.3),
        "discount": _discount(ctx), "email": email(rng, name),
        "individual_name": None if business else maybe(rng, name, 0.2),
        "invoice_prefix": token(rng, 8).upper(),
        "invoice_settings": {"custom_fields": _custom_fields(rng),
                             "default_payment_method": ctx.link("payment_method"),
                             "footer": None, "rendering_options": None},
        "metadata": metadata(rng), "name": business or name,
        "next_invoice_sequence": rng.randrange(1, 40),
        "phone": maybe(rng, phone(rng)),
        "preferred_locales": pick(rng, ([], [], ["en"], ["de", "en"], ["fr"])),
        "shipping": maybe(rng, shipping(rng, name), 0.4),
        "tax_exempt": pick(rng, ("none", "none", "none", "exempt", "reverse")),
        "test_clock": ctx.link("test_clock"),
    }


def _test_clock(ctx: Ctx) -> Obj:
    """A test clock (test mode only; fixture ``test_helpers.test_clock``)."""
    rng = ctx.rng
    return {
        "deletes_after": ctx.created + 30 * DAY,
        "frozen_time": ctx.created + rng.randrange(0, 90) * DAY,
        "name": maybe(rng, f"Renewal test {rng.randrange(1, 99)}"),
        "status": "ready", "status_details": {},
    }


def _customer_balance_transaction(ctx: Ctx) -> Obj:
    """A change to a customer's credit balance."""
    rng = ctx.rng
    kind = ("credit_note" if ctx.link("credit_note") else
            "applied_to_invoice" if ctx.link("invoice") else
            "checkout_session_subscription_payment" if ctx.link("checkout_session") else
            pick(rng, ("adjustment", "adjustment", "initial")))
    value = amount(rng, 100, 10_000)
    delta = value if kind == "applied_to_invoice" else -value
    return {
        "amount": delta, "checkout_session": ctx.link("checkout_session"),
        "credit_note": ctx.link("credit_note"),
        "currency": _currency(ctx), "customer": ctx.need("cus", "customer"),
        "customer_account": None,
        "description": maybe(rng, pick(rng, ("Goodwill credit", "Prepayment")), 0.4),
        "ending_balance": delta - rng.randrange(0, 5_000),
        "invoice": ctx.link("invoice"),
        "metadata": metadata(rng), "type": kind,
    }


def _card_details(rng: random.Random) -> Obj:
    core = card(rng)
    return {
        **core, "checks": {"address_line1_check": pick(rng, ("pass", None)),
                           "address_postal_code_check": pick(rng, ("pass", None)),
                           "cvc_check": "pass"},
        "description": None, "display_brand": core["brand"], "generated_from": None,
        "iin": None, "issuer": None, "networks": {"available": [core["brand"]], "preferred": None},
        "regulated_status": pick(rng, ("unregulated", "regulated")),
        "three_d_secure_usage": {"supported": True},
        "wallet": maybe(rng, {"dynamic_last4": None, "google_pay": {}, "type": "google_pay"},
                        0.2),
    }


def _us_bank_account_details(rng: random.Random) -> Obj:
    return {
        "account_holder_type": pick(rng, ("individual", "company")),
        "account_type": pick(rng, ("checking", "savings")), "bank_name": "STRIPE TEST BANK",
        "financial_connections_account": None, "fingerprint": token(rng, 16),
        "last4": f"{rng.randrange(10_000):04d}",
        "networks": {"preferred": "ach", "supported": ["ach", "us_domestic_wire"]},
        "routing_number": "110000000", "status_details": None,
    }


def _sepa_debit_details(rng: random.Random) -> Obj:
    return {"bank_code": "37040044", "branch_code": "", "country": "DE",
            "fingerprint": token(rng, 16), "generated_from": None,
            "last4": f"{rng.randrange(10_000):04d}"}


def _link_details(rng: random.Random) -> Obj:
    return {"email": email(rng), "persistent_token": None}


_PAYMENT_METHOD_TYPES = {
    # type -> builder of its sub-object; Stripe sends only the sub-object of the method's type
    "card": _card_details, "us_bank_account": _us_bank_account_details,
    "sepa_debit": _sepa_debit_details, "link": _link_details,
}


def _payment_method(ctx: Ctx) -> Obj:
    """A payment method (card mostly; also us_bank_account, sepa_debit, link). One of no
    customer (``/v1/payment_methods``, "for Treasury flows") is a bank account or, one time in
    four, ``custom`` (the list leaves those out: PaymentMethodListParams.type), whose details
    come from the generic builder."""
    rng = ctx.rng
    customer = ctx.link("customer")
    if customer is None:
        kind = pick(rng, ("us_bank_account", "us_bank_account", "us_bank_account", "custom"))
    else:
        kind = pick(rng, ("card", "card", "card", "card", "us_bank_account", "sepa_debit",
                          "link"))
    details = generic.field("PaymentMethod", "custom")(ctx) if kind == "custom" else \
        _PAYMENT_METHOD_TYPES[kind](rng)
    return {
        "allow_redisplay": pick(rng, ("unspecified", "always", "limited")),
        "billing_details": billing_details(rng),
        "customer": customer, "customer_account": None,
        kind: details,
        "metadata": metadata(rng), "radar_options": None,
        "type": kind,
    }


def _bank_account(ctx: Ctx) -> Obj:
    """A bank account: a customer source, or a Connect external account when ``account``."""
    rng = ctx.rng
    account = ctx.link("account")
    country_code, cur = pick(rng, (("US", "usd"), ("US", "usd"), ("GB", "gbp"), ("DE", "eur")))
    return {
        "account": account, "account_holder_name": full_name(rng),
        "account_holder_type": pick(rng, ("individual", "company")), "account_type": None,
        "available_payout_methods": ["standard", "instant"] if account else None,
        "bank_name": "STRIPE TEST BANK", "country": country_code, "currency": cur,
        "customer": None if account else ctx.need("cus", "customer"),
        "default_for_currency": rng.random() < 0.5 if account else None,
        "fingerprint": token(rng, 16), "future_requirements": None,
        "last4": f"{rng.randrange(10_000):04d}", "metadata": metadata(rng),
        "requirements": None,
        "routing_number": {"US": "110000000", "GB": "108800"}.get(country_code),
        "status": pick(rng, ("new", "verified", "verified", "validated", "errored")),
    }


# ---------------------------------------------------------------- invoices


_INVOICE_STATUSES = ("paid", "paid", "paid", "open", "draft", "void", "uncollectible")


def _invoice(ctx: Ctx) -> Obj:
    """An invoice; ``lines`` is an empty list object the store fills."""
    rng = ctx.rng
    status = pick(rng, _INVOICE_STATUSES)
    draft = status == "draft"
    subscription, quote = ctx.link("subscription"), ctx.link("quote")
    collection = "send_invoice" if rng.random() < 0.2 else "charge_automatically"
    totals = _totals(ctx, amount(rng, 1_000, 100_000))
    shipping_cost = _shipping_cost(ctx)
    total = totals["total"] + (shipping_cost["amount_total"] if shipping_cost else 0)
    finalized = None if draft else ctx.later(60, 3_600)
    closed = None if status in {"draft", "open"} else ctx.later(3_600, 20 * DAY)
    paid = status == "paid"
    period_start = ctx.created - 30 * DAY if subscription else ctx.created
    name = full_name(rng)
    number = None if draft else f"{token(rng, 8).upper()}-{rng.randrange(1, 9999):04d}"
    secret = token(rng, 48)
    return {
        "account_country": "US", "account_name": "Emulated Stripe Account",
        "account_tax_ids": None, "amount_due": total, "amount_overpaid": 0,
        "amount_paid": total if paid else 0, "amount_paid_off_stripe": 0,
        "amount_remaining": 0 if paid or status == "void" else total,
        "amount_shipping": shipping_cost["amount_total"] if shipping_cost else 0,
        "application": None, "attempt_count": 0 if draft else rng.randrange(1, 4),
        "attempted": not draft, "auto_advance": status in {"draft", "open"},
        "automatic_tax": _automatic_tax(ctx, "disabled_reason", "provider", "status"),
        "automatically_finalizes_at": ctx.later(3_600, 3_600) if draft else None,
        "billing_reason": ("subscription_cycle" if subscription else
                           "quote_accept" if quote else "manual"),
        "collection_method": collection, "currency": _currency(ctx),
        "custom_fields": _custom_fields(rng), "customer": ctx.link("customer"),
        "customer_account": None, "customer_address": address(rng),
        "customer_email": email(rng, name), "customer_name": name,
        "customer_phone": maybe(rng, phone(rng)), "customer_shipping": None,
        "customer_tax_exempt": "none", "customer_tax_ids": [],
        "default_payment_method": ctx.link("payment_method"),
        "default_source": ctx.link("source"),
        "default_tax_rates": _embedded_tax_rates(ctx), "description": None,
        "discounts": _discount_ids(ctx),
        "due_date": ctx.created + 30 * DAY if collection == "send_invoice" else None,
        "effective_at": finalized, "ending_balance": None if draft else 0,
        "footer": None,
        "from_invoice": {"action": "revision", "invoice": ctx.link("invoice")}
        if ctx.link("invoice") else None,
        "hosted_invoice_url": None if draft else
        f"https://invoice.stripe.com/i/acct_emulator/test_{secret}",
        "invoice_pdf": None if draft else
        f"https://pay.stripe.com/invoice/acct_emulator/test_{secret}/pdf",
        "issuer": _issuer(ctx), "last_finalization_error": None, "latest_revision": None,
        "lines": list_stub(f"/v1/invoices/{ctx.id}/lines"),
        "metadata": metadata(rng),
        "next_payment_attempt": ctx.later(DAY, 3 * DAY)
        if status == "open" and collection == "charge_automatically" else None,
        "number": number, "on_behalf_of": ctx.link("account"),
        "parent": _invoice_parent(ctx, subscription, quote),
        "payment_settings": {"default_mandate": None,
                             "payment_method_options": _payment_method_options("invoice"),
                             "payment_method_types": None},
        "period_end": ctx.created if not subscription else period_start + 30 * DAY,
        "period_start": period_start,
        "post_payment_credit_notes_amount": 0, "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "rendering": {"amount_tax_display": None, "pdf": {"page_size": "auto"},
                      "template": None, "template_version": None},
        "shipping_cost": shipping_cost, "shipping_details": None, "starting_balance": 0,
        "statement_descriptor": None, "status": status,
        "status_details": {"uncollectible": {"reason": "max_payment_attempts"}}
        if status == "uncollectible" else None,
        "status_transitions": {
            "finalized_at": finalized,
            "marked_uncollectible_at": closed if status == "uncollectible" else None,
            "paid_at": closed if paid else None,
            "voided_at": closed if status == "void" else None},
        "subtotal": totals["subtotal"],
        "subtotal_excluding_tax": totals["subtotal_excluding_tax"],
        "test_clock": ctx.link("test_clock"),
        "threshold_reason": None, "total": total,
        "total_discount_amounts": _discount_amounts(ctx, totals),
        "total_excluding_tax": total - totals["tax"],
        "total_pretax_credit_amounts": [],
        "total_taxes": _tax_amounts(ctx, totals),
        "webhooks_delivered_at": finalized,
    }


def _invoice_parent(ctx: Ctx, subscription: str | None, quote: str | None) -> Obj | None:
    if subscription:
        return {"quote_details": None, "subscription_details": {
            "metadata": {}, "subscription": subscription, "subscription_proration_date": None},
            "type": "subscription_details"}
    if quote:
        return {"quote_details": {"quote": quote}, "subscription_details": None,
                "type": "quote_details"}
    return None


def _pricing(ctx: Ctx, unit: int) -> Obj | None:
    """Line/item ``pricing`` for the linked price (null without one)."""
    price = ctx.link("price")
    if not price:
        return None
    return {"price_details": {"price": price, "product": ctx.need("prod", "product")},
            "type": "price_details", "unit_amount_decimal": str(unit)}


def _line_item(ctx: Ctx) -> Obj:
    """An invoice line item, for a subscription item or an invoice item."""
    rng = ctx.rng
    subscription = ctx.link("subscription")
    quantity = rng.randrange(1, 6)
    unit = amount(rng, 100, 20_000)
    totals = _totals(ctx, unit * quantity)
    start = ctx.created - (30 * DAY if subscription else 0)
    end = ctx.created if not subscription else start + 30 * DAY
    proration = rng.random() < 0.1
    if subscription:
        parent = {"invoice_item_details": None, "subscription_item_details": {
            "invoice_item": None, "proration": proration, "proration_details":
            {"credited_items": None}, "subscription": subscription,
            "subscription_item": ctx.need("si", "subscription_item")},
            "type": "subscription_item_details"}
    else:
        parent = {"invoice_item_details": {
            "invoice_item": ctx.need("ii", "invoiceitem"), "proration": proration,
            "proration_details": {"credited_items": None}, "subscription": None},
            "subscription_item_details": None, "type": "invoice_item_details"}
    return {
        "amount": totals["subtotal"], "currency": _currency(ctx),
        "description": f"{quantity} x {pick(rng, _PRODUCTS)[0]}",
        "discount_amounts": _discount_amounts(ctx, totals),
        "discountable": True, "discounts": _discount_ids(ctx),
        "invoice": ctx.link("invoice"), "metadata": metadata(rng),
        "parent": parent, "period": {"end": end, "start": start},
        "pretax_credit_amounts": [], "pricing": _pricing(ctx, unit), "quantity": quantity,
        "quantity_decimal": str(quantity), "subscription": subscription,
        "subtotal": totals["subtotal"],
        "taxes": _tax_amounts(ctx, totals),
    }


def _invoiceitem(ctx: Ctx) -> Obj:
    """A pending or invoiced invoice item."""
    rng = ctx.rng
    subscription = ctx.link("subscription")
    quantity = rng.randrange(1, 4)
    unit = amount(rng, 100, 20_000)
    return {
        "amount": unit * quantity, "currency": _currency(ctx),
        "customer": ctx.need("cus", "customer"), "customer_account": None,
        "date": ctx.created, "description": pick(rng, ("Setup fee", "Extra seats",
                                                        "Overage", "Onboarding session")),
        "discountable": True, "discounts": _discount_ids(ctx), "frozen_fields": None,
        "invoice": ctx.link("invoice"), "invoicing_rules": None,
        "metadata": metadata(rng), "net_amount": unit * quantity,
        "parent": {"subscription_details": {"subscription": subscription,
                                            "subscription_item": ctx.link("subscription_item")},
                   "type": "subscription_details"} if subscription else None,
        "period": {"end": ctx.created, "start": ctx.created}, "pricing": _pricing(ctx, unit),
        "proration": False, "proration_details": {"credited_items": None, "discount_amounts": []},
        "quantity": quantity, "quantity_decimal": str(quantity),
        "tax_rates": _embedded_tax_rates(ctx), "test_clock": ctx.link("test_clock"),
    }


def _invoice_payment(ctx: Ctx) -> Obj:
    """A payment (payment intent or charge) applied to an invoice."""
    rng = ctx.rng
    status = pick(rng, ("paid", "paid", "paid", "open", "canceled"))
    requested = amount(rng, 1_000, 100_000)
    payment_intent, charge = ctx.link("payment_intent"), ctx.link("charge")
    return {
        "amount_paid": requested if status == "paid" else None, "amount_requested": requested,
        "currency": _currency(ctx),
        "invoice": ctx.need("in", "invoice"), "is_default": rng.random() < 0.9,
        "payment": {"charge": None if payment_intent else charge,
                    "payment_intent": payment_intent, "payment_record": None,
                    "type": "payment_intent" if payment_intent or not charge else "charge"},
        "status": status,
        "status_transitions": {
            "canceled_at": ctx.later(60, DAY) if status == "canceled" else None,
            "paid_at": ctx.later(1, 600) if status == "paid" else None},
    }


def _credit_note(ctx: Ctx) -> Obj:
    """A credit note on an invoice; ``lines`` is an empty list object the store fills."""
    rng = ctx.rng
    totals = _totals(ctx, amount(rng, 500, 20_000))
    post_payment = rng.random() < 0.6
    refund = ctx.link("refund")
    void = rng.random() < 0.1
    return {
        "amount": totals["total"], "amount_shipping": 0,
        "currency": _currency(ctx), "customer": ctx.need("cus", "customer"),
        "customer_account": None,
        "customer_balance_transaction": ctx.link("customer_balance_transaction"),
        "discount_amount": totals["discount"],
        "discount_amounts": _discount_amounts(ctx, totals),
        "effective_at": ctx.created, "invoice": ctx.need("in", "invoice"),
        "lines": list_stub(f"/v1/credit_notes/{ctx.id}/lines"),
        "memo": pick(rng, _MEMOS), "metadata": metadata(rng),
        "number": f"{token(rng, 8).upper()}-{rng.randrange(1, 999):04d}-CN-01",
        "out_of_band_amount": None,
        "pdf": f"https://pay.stripe.com/credit_notes/acct_emulator/test_{token(rng, 32)}/pdf",
        "post_payment_amount": totals["total"] if post_payment else 0,
        "pre_payment_amount": 0 if post_payment else totals["total"],
        "pretax_credit_amounts": [],
        "reason": pick(rng, ("duplicate", "fraudulent", "order_change",
                             "product_unsatisfactory", None)),
        "refunds": [{"amount_refunded": totals["total"], "payment_record_refund": None,
                     "refund": refund, "type": "refund"}] if refund else [],
        "shipping_cost": None, "status": "void" if void else "issued",
        "subtotal": totals["subtotal"],
        "subtotal_excluding_tax": totals["subtotal_excluding_tax"],
        "total": totals["total"], "total_excluding_tax": totals["total"] - totals["tax"],
        "total_taxes": _tax_amounts(ctx, totals),
        "type": "post_payment" if post_payment else "pre_payment",
        "voided_at": ctx.later(60, DAY) if void else None,
    }


def _credit_note_line_item(ctx: Ctx) -> Obj:
    """A credit note line: crediting an invoice line, or a custom amount."""
    rng = ctx.rng
    invoice_line = ctx.link("line_item")
    quantity = rng.randrange(1, 4)
    unit = amount(rng, 100, 10_000)
    totals = _totals(ctx, unit * quantity)
    return {
        "amount": totals["subtotal"] - totals["discount"],
        "description": pick(rng, ("Service credit", "Returned item", "Pro plan")),
        "discount_amount": totals["discount"],
        "discount_amounts": _discount_amounts(ctx, totals),
        "invoice_line_item": invoice_line,
        "metadata": metadata(rng),
        "pretax_credit_amounts": [], "quantity": quantity,
        "tax_rates": _embedded_tax_rates(ctx),
        "taxes": _tax_amounts(ctx, totals),
        "type": "invoice_line_item" if invoice_line else "custom_line_item",
        "unit_amount": None if invoice_line else unit,
        "unit_amount_decimal": None if invoice_line else str(unit),
    }


# ---------------------------------------------------------------- subscriptions


_SUBSCRIPTION_STATUSES = ("active", "active", "active", "active", "trialing", "past_due",
                          "canceled", "incomplete", "unpaid", "paused")


def _subscription(ctx: Ctx) -> Obj:
    """A subscription; ``items`` is an empty list object the store fills."""
    rng = ctx.rng
    status = pick(rng, _SUBSCRIPTION_STATUSES)
    canceled = status == "canceled"
    trial = status == "trialing" or rng.random() < 0.2
    ended = ctx.later(30 * DAY, 200 * DAY) if canceled else None
    collection = "send_invoice" if rng.random() < 0.15 else "charge_automatically"
    return {
        "application": None, "application_fee_percent": None,
        "automatic_tax": _automatic_tax(ctx, "disabled_reason"),
        "billing_cycle_anchor": ctx.created + (14 * DAY if trial else 0),
        "billing_cycle_anchor_config": None, "billing_mode": _billing_mode(ctx),
        "billing_schedules": [], "billing_thresholds": None,
        "cancel_at": ended, "cancel_at_period_end": False,
        "canceled_at": ended,
        "cancellation_details": {
            "comment": None, "feedback": pick(rng, ("too_expensive", "unused", None))
            if canceled else None, "feedback_option": None,
            "reason": "cancellation_requested" if canceled else None},
        "collection_method": collection, "currency": _currency(ctx),
        "customer": ctx.need("cus", "customer"), "customer_account": None,
        "days_until_due": 30 if collection == "send_invoice" else None,
        "default_payment_method": ctx.link("payment_method"),
        "default_source": ctx.link("source"), "default_tax_rates": _embedded_tax_rates(ctx),
        "description": maybe(rng, "Team workspace", 0.2), "discounts": _discount_ids(ctx),
        "ended_at": ended,
        "invoice_settings": _invoice_settings(ctx, "account_tax_ids"),
        "items": list_stub(f"/v1/subscription_items?subscription={ctx.id}"),
        "latest_invoice": ctx.link("invoice"),
        "managed_payments": None, "metadata": metadata(rng),
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": ctx.link("account"),
        "pause_collection": {"behavior": "void", "resumes_at": None}
        if status == "paused" else None,
        "payment_settings": {"payment_method_options": _payment_method_options("subscription"),
                             "payment_method_types": None,
                             "save_default_payment_method": "off"},
        "pending_invoice_item_interval": None,
        "pending_setup_intent": ctx.link("setup_intent"), "pending_update": None,
        "presentment_details": None, "schedule": ctx.link("subscription_schedule"),
        "start_date": ctx.created, "status": status,
        "status_details": {"paused": {"subscription": {"type": "pause_requested"},
                                      "transitioned_at": ctx.later(DAY, 60 * DAY),
                                      "type": "subscription"}}
        if status == "paused" else None,
        "test_clock": ctx.link("test_clock"), "transfer_data": None,
        "trial_end": ctx.created + 14 * DAY if trial else None,
        "trial_settings": {"end_behavior": {"billing_cycle_anchor": None,
                                            "missing_payment_method": "create_invoice"}},
        "trial_start": ctx.created if trial else None,
    }


def _subscription_item(ctx: Ctx) -> Obj:
    """A subscription item with its embedded ``price`` and ``plan`` (same id when unlinked)."""
    rng = ctx.rng
    price_id = ctx.need("price", "price")
    price = _embedded_price(ctx, price_id, recurring=True)
    start, end = _period(ctx, price["recurring"]["interval"])
    return {
        "billed_until": None, "billing_thresholds": None,
        "current_period_end": end, "current_period_start": start, "current_trial": None,
        "discounts": _discount_ids(ctx), "metadata": metadata(rng),
        "plan": _plan_from_price(price, ctx.link("plan") or price_id), "price": price,
        "quantity": rng.randrange(1, 10), "subscription": ctx.need("sub", "subscription"),
        "tax_rates": _embedded_tax_rates(ctx),
    }


def _subscription_schedule(ctx: Ctx) -> Obj:
    """A subscription schedule with one or two phases."""
    rng = ctx.rng
    status = pick(rng, ("active", "active", "not_started", "completed", "released",
                        "canceled"))
    start = ctx.created + (30 * DAY if status == "not_started" else 0)
    price, cur = ctx.need("price", "price"), _currency(ctx)
    phases: list[Obj] = []
    for index in range(rng.randrange(1, 3)):
        phase_start = start + index * 90 * DAY
        phases.append({
            "add_invoice_items": [], "application_fee_percent": None, "automatic_tax": None,
            "billing_cycle_anchor": None, "billing_thresholds": None, "collection_method": None,
            "currency": cur, "default_payment_method": None, "default_tax_rates": [],
            "description": None, "discounts": [], "end_date": phase_start + 90 * DAY,
            "invoice_settings": None,
            "items": [{"billing_thresholds": None, "discounts": [], "metadata": {},
                       "plan": ctx.link("plan") or price, "price": price,
                       "quantity": rng.randrange(1, 5) + index, "tax_rates": []}],
            "metadata": {}, "on_behalf_of": None, "proration_behavior": "create_prorations",
            "start_date": phase_start, "transfer_data": None, "trial": None, "trial_end": None,
        })
    end_date = phases[-1]["end_date"]
    running = status == "active"
    finished = None if running or status == "not_started" else end_date
    return {
        "application": None, "billing_mode": _billing_mode(ctx),
        "canceled_at": finished if status == "canceled" else None,
        "completed_at": finished if status == "completed" else None,
        "current_phase": {"end_date": phases[0]["end_date"], "start_date": start}
        if running else None,
        "customer": ctx.need("cus", "customer"), "customer_account": None,
        "default_settings": {
            "application_fee_percent": None,
            "automatic_tax": _automatic_tax(ctx, "disabled_reason"),
            "billing_cycle_anchor": "automatic", "billing_thresholds": None,
            "collection_method": "charge_automatically",
            "default_payment_method": ctx.link("payment_method"), "description": None,
            "invoice_settings": _invoice_settings(ctx, "account_tax_ids", "days_until_due"),
            "on_behalf_of": None, "transfer_data": None},
        "end_behavior": pick(rng, ("release", "cancel")),
        "metadata": metadata(rng),
        "pause_schedules": [], "phases": phases,
        "released_at": finished if status == "released" else None,
        "released_subscription": ctx.link("subscription") if status == "released" else None,
        "status": status,
        "subscription": ctx.link("subscription") if status in {"active", "completed",
                                                               "canceled"} else None,
        "test_clock": ctx.link("test_clock"),
    }


def _quote(ctx: Ctx) -> Obj:
    """A quote (``line_items`` are returned only when expanded)."""
    rng = ctx.rng
    status = pick(rng, ("draft", "open", "open", "accepted", "canceled"))
    totals = _totals(ctx, amount(rng, 5_000, 500_000))
    recurring = rng.random() < 0.6
    finalized = None if status == "draft" else ctx.later(60, DAY)
    upfront = {"amount_subtotal": totals["subtotal"], "amount_total": totals["total"],
               "total_details": _total_details(totals)}
    return {
        "amount_subtotal": totals["subtotal"], "amount_total": totals["total"],
        "application": None, "application_fee_amount": None, "application_fee_percent": None,
        "automatic_tax": _automatic_tax(ctx, "provider", "status"),
        "collection_method": "charge_automatically",
        "computed": {"recurring": {**upfront, "interval": "month", "interval_count": 1}
                     if recurring else None, "upfront": upfront},
        "currency": _currency(ctx), "customer": ctx.link("customer"),
        "customer_account": None, "default_tax_rates": [ctx.link("tax_rate")]
        if ctx.link("tax_rate") else [],
        "description": maybe(rng, "Annual contract", 0.5), "discounts": _discount_ids(ctx),
        "expires_at": ctx.created + 30 * DAY, "footer": None, "from_quote": None,
        "header": maybe(rng, f"Quote for {_company(rng)}", 0.5),
        "invoice": ctx.link("invoice") if status == "accepted" else None,
        "invoice_settings": _invoice_settings(ctx, "days_until_due"),
        "metadata": metadata(rng),
        "number": None if status == "draft" else f"QT-{token(rng, 8).upper()}-0001",
        "on_behalf_of": ctx.link("account"), "status": status,
        "status_transitions": {
            "accepted_at": ctx.later(DAY, 10 * DAY) if status == "accepted" else None,
            "canceled_at": ctx.later(DAY, 10 * DAY) if status == "canceled" else None,
            "finalized_at": finalized},
        "subscription": ctx.link("subscription") if status == "accepted" else None,
        "subscription_data": {"billing_mode": _billing_mode(ctx, updated=False),
                              "description": None, "effective_date": None, "metadata": {},
                              "trial_period_days": None},
        "subscription_schedule": ctx.link("subscription_schedule")
        if status == "accepted" else None,
        "test_clock": ctx.link("test_clock"), "total_details": _total_details(totals),
        "transfer_data": None,
    }


# ---------------------------------------------------------------- checkout


def _checkout_session(ctx: Ctx) -> Obj:
    """A Checkout Session (``line_items`` are returned only when expanded)."""
    rng = ctx.rng
    mode = ("subscription" if ctx.link("subscription") else
            "setup" if ctx.link("setup_intent") else "payment")
    status = pick(rng, ("complete", "complete", "complete", "open", "expired"))
    complete = status == "complete"
    payment = mode != "setup"
    totals = _totals(ctx, amount(rng, 1_000, 50_000))
    shipping_cost = _shipping_cost(ctx)
    cur = _currency(ctx)
    name = full_name(rng)
    secret = token(rng, 58)
    return {
        "adaptive_pricing": {"enabled": rng.random() < 0.5}, "after_expiration": None,
        "allow_promotion_codes": maybe(rng, True, 0.3), "allowed_payment_method_types": None,
        "amount_subtotal": totals["subtotal"] if payment else None,
        "amount_total": totals["total"] + (shipping_cost["amount_total"] if shipping_cost
                                           else 0) if payment else None,
        "automatic_tax": _automatic_tax(ctx, "provider", "status"),
        "billing_address_collection": pick(rng, ("auto", "required", None)),
        "branding_settings": None, "cancel_url": "https://example.com/cart",
        "client_reference_id": maybe(rng, f"order_{rng.randrange(10_000, 99_999)}", 0.3),
        "client_secret": None,
        "collected_information": {"business_name": None, "individual_name": None,
                                  "shipping_details": None} if complete else None,
        "consent": None, "consent_collection": None,
        "currency": cur if payment else None, "currency_conversion": None,
        "custom_fields": [], "custom_text": {"after_submit": None, "shipping_address": None,
                                             "submit": None,
                                             "terms_of_service_acceptance": None},
        "customer": ctx.link("customer"), "customer_account": None,
        "customer_creation": None if ctx.link("customer") else "if_required",
        "customer_details": {"address": address(rng), "business_name": None,
                             "email": email(rng, name), "individual_name": None, "name": name,
                             "phone": None, "tax_exempt": "none", "tax_ids": []}
        if complete else None,
        "customer_email": None, "discounts": [{"coupon": ctx.link("coupon"),
                                               "promotion_code": ctx.link("promotion_code")}]
        if ctx.link("coupon") else [],
        "excluded_payment_method_types": None, "expires_at": ctx.created + DAY,
        "integration_identifier": None, "invoice": ctx.link("invoice"),
        "invoice_creation": {"enabled": False, "invoice_data": {
            "account_tax_ids": None, "custom_fields": None, "description": None,
            "footer": None, "issuer": None, "metadata": {}, "rendering_options": None}}
        if mode == "payment" else None,
        "locale": pick(rng, (None, "auto", "en", "de")),
        "managed_payments": None, "metadata": metadata(rng), "mode": mode,
        "name_collection": None, "optional_items": None,
        "origin_context": None, "payment_intent": ctx.link("payment_intent"),
        "payment_link": ctx.link("payment_link"),
        "payment_method_collection": "always" if mode == "subscription" else None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"] if rng.random() < 0.7 else ["card", "link"],
        "payment_status": ("no_payment_required" if not payment else
                           "paid" if complete else "unpaid"),
        "permissions": None, "phone_number_collection": {"enabled": False},
        "presentment_details": None, "recovered_from": None, "redirect_on_completion": None,
        "return_url": None, "saved_payment_method_options": None,
        "setup_intent": ctx.link("setup_intent"),
        "shipping_address_collection": {"allowed_countries": ["US", "CA", "GB", "DE"]}
        if shipping_cost else None,
        "shipping_cost": shipping_cost,
        "shipping_options": [{"shipping_amount": shipping_cost["amount_total"],
                              "shipping_rate": shipping_cost["shipping_rate"]}]
        if shipping_cost else [],
        "status": status, "submit_type": "pay" if mode == "payment" else None,
        "subscription": ctx.link("subscription"),
        "success_url": "https://example.com/success?session_id={CHECKOUT_SESSION_ID}",
        "tax_id_collection": {"enabled": False, "required": "never"},
        "total_details": _total_details(totals, shipping_cost["amount_total"]
                                        if shipping_cost else 0) if payment else None,
        "ui_mode": "hosted_page",
        "url": f"https://checkout.stripe.com/c/pay/{ctx.id}#{secret}"
        if status == "open" else None,
        "wallet_options": None,
    }


def _item(ctx: Ctx) -> Obj:
    """A Checkout Session line item with its embedded ``price``."""
    rng = ctx.rng
    price = _embedded_price(ctx, ctx.need("price", "price"))
    quantity = rng.randrange(1, 4)
    totals = _totals(ctx, (price["unit_amount"] or amount(rng)) * quantity)
    return {
        "adjustable_quantity": None, "amount_discount": totals["discount"],
        "amount_subtotal": totals["subtotal"], "amount_tax": totals["tax"],
        "amount_total": totals["total"], "currency": price["currency"],
        "description": pick(rng, _PRODUCTS)[0], "metadata": metadata(rng),
        "price": price, "quantity": quantity,
    }


TABLE: dict[str, Kind] = {
    "price": Kind("price", _price),
    "plan": Kind("plan", _plan),
    "product": Kind("prod", _product),
    "coupon": Kind("co", _coupon),
    "promotion_code": Kind("promo", _promotion_code),
    "tax_rate": Kind("txr", _tax_rate),
    "shipping_rate": Kind("shr", _shipping_rate),
    "customer": Kind("cus", _customer),
    "test_helpers.test_clock": Kind("clock", _test_clock),
    "customer_balance_transaction": Kind("cbtxn", _customer_balance_transaction),
    "payment_method": Kind("pm", _payment_method),
    "bank_account": Kind("ba", _bank_account, created=False, livemode=False),
    "invoice": Kind("in", _invoice),
    "line_item": Kind("il", _line_item, created=False),
    "invoiceitem": Kind("ii", _invoiceitem, created=False),
    "invoice_payment": Kind("inpay", _invoice_payment),
    "credit_note": Kind("cn", _credit_note),
    "credit_note_line_item": Kind("cnli", _credit_note_line_item, created=False),
    "subscription": Kind("sub", _subscription),
    "subscription_item": Kind("si", _subscription_item, livemode=False),
    "subscription_schedule": Kind("sub_sched", _subscription_schedule),
    "quote": Kind("qt", _quote),
    "checkout.session": Kind("cs", _checkout_session),
    "item": Kind("li", _item, created=False, livemode=False),
}
"""Stripe object name -> its id prefix, its own fields and head fields."""
