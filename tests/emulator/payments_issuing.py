"""Builders for Issuing: cardholders, cards, authorizations and transactions."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from tests.emulator.kinds_common import (
    DAY,
    address,
    amount,
    dob,
    email,
    full_name,
    later,
    maybe,
    metadata,
    phone,
    pick,
    tos_acceptance,
    weighted,
)
from tests.emulator.payments_money import settlement

if TYPE_CHECKING:
    import random

    from tests.emulator.kinds_common import Ctx, Obj


_MERCHANTS = (
    # name, category, category code, city, state, postal code
    ("Rocket Rides", "taxicabs_limousines", "4121", "San Francisco", "CA", "94107"),
    ("Bean There Cafe", "eating_places_restaurants", "5812", "Austin", "TX", "73301"),
    ("Cloud Hosting Co", "computer_network_services", "4816", "Seattle", "WA", "98101"),
    ("SkyHigh Airlines", "airlines_air_carriers", "4511", "Chicago", "IL", "60601"),
    ("Office Supply Hub", "stationery_stores_office_and_school_supply_stores", "5943",
     "New York", "NY", "10001"),
)


def _merchant(rng: random.Random) -> Obj:
    """The ``merchant_data`` of an Issuing authorization or transaction."""
    name, category, code, city, state, postal = pick(rng, _MERCHANTS)
    return {"category": category, "category_code": code, "city": city, "country": "US",
            "name": name, "network_id": str(rng.randrange(10**9, 10**10)),
            "postal_code": postal, "state": state, "tax_id": None,
            "terminal_id": maybe(rng, f"T{rng.randrange(10**6):06d}"), "url": None}


def _spending_controls(rng: random.Random) -> Obj:
    """Issuing spending controls: no category rules, sometimes one spending limit."""
    limits = [{"amount": 50_000 * rng.randrange(1, 5), "categories": [],
               "interval": pick(rng, ("per_authorization", "daily", "monthly"))}]
    return {"allowed_card_presences": None, "allowed_categories": None,
            "allowed_merchant_countries": None, "blocked_card_presences": None,
            "blocked_categories": None, "blocked_merchant_countries": None,
            "spending_limits": limits if rng.random() < 0.5 else [],
            "spending_limits_currency": "usd" if rng.random() < 0.5 else None}


def cardholder(ctx: Ctx) -> Obj:
    """An ``issuing.cardholder``: a person or a company."""
    rng = ctx.rng
    business = rng.random() < 0.3
    name = f"{full_name(rng).split(' ')[1]} Holdings" if business else full_name(rng)
    first, _, last = name.partition(" ")
    return {
        "billing": {"address": address(rng, "US")},
        "company": {"tax_id_provided": True} if business else None,
        "email": email(rng, name),
        "individual": None if business else {
            "card_issuing": {"user_terms_acceptance": tos_acceptance(rng, ctx.created)},
            "dob": dob(rng),
            "first_name": first,
            "last_name": last,
            "verification": {"document": {"back": None, "front": ctx.link("file")}},
        },
        "metadata": metadata(rng),
        "name": name,
        "phone_number": phone(rng),
        "preferred_locales": ["en"],
        "requirements": {"disabled_reason": None, "past_due": []},
        "spending_controls": _spending_controls(rng),
        "status": weighted(rng, {"active": 8, "inactive": 1, "blocked": 1}),
        "type": "company" if business else "individual",
    }


def issuing_card(ctx: Ctx) -> Obj:
    """An ``issuing.card`` with its cardholder embedded whole."""
    rng = ctx.rng
    physical = rng.random() < 0.4
    status = weighted(rng, {"active": 8, "inactive": 1, "canceled": 1})
    owner = ctx.embed("issuing.cardholder", ctx.need("ich", "cardholder"), {})
    ship = {
        "address": dict(owner["billing"]["address"]),
        "address_validation": {"mode": "normalization_only", "normalized_address": None,
                               "result": None},
        "business_name": None,
        "carrier": "usps",
        "customs": None,
        "delivered_at": later(rng, ctx.created, 3 * DAY, 6 * DAY),
        "eta": later(rng, ctx.created, 3 * DAY, 6 * DAY),
        "name": owner["name"],
        "phone_number": None,
        "require_signature": None,
        "service": "standard",
        "shipped_at": later(rng, ctx.created, DAY, 2 * DAY),
        "status": "delivered",
        "tracking_number": f"9400{rng.randrange(10**17):017d}",
        "tracking_url": "https://tools.usps.com/go/TrackConfirmAction",
        "type": "individual",
    }
    return {
        "brand": "Visa",
        "cancellation_reason": pick(rng, ("lost", "stolen")) if status == "canceled" else None,
        "cardholder": owner,
        "currency": "usd",
        "exp_month": rng.randrange(1, 13),
        "exp_year": 2028 + rng.randrange(4),
        "financial_account": None,
        "last4": f"{rng.randrange(10_000):04d}",
        "latest_fraud_warning": None,
        "lifecycle_controls": None,
        "metadata": metadata(rng),
        "personalization_design": None,
        "replaced_by": None,
        "replacement_for": None,
        "replacement_reason": None,
        "second_line": None,
        "shipping": ship if physical else None,
        "spending_controls": _spending_controls(rng),
        "status": status,
        "type": "physical" if physical else "virtual",
        "wallets": {
            "apple_pay": {"eligible": True, "ineligible_reason": None},
            "google_pay": {"eligible": True, "ineligible_reason": None},
            "primary_account_identifier": None,
        },
    }


_AUTH_STATUS = {"closed": 12, "pending": 2, "reversed": 1, "expired": 1}


def authorization(ctx: Ctx) -> Obj:
    """An ``issuing.authorization`` with its card embedded whole."""
    rng = ctx.rng
    settled = ctx.link("balance_transaction")
    status = "closed" if settled else weighted(rng, _AUTH_STATUS)
    approved = bool(settled) or status != "closed" or rng.random() < 0.9
    total = amount(rng, 100, 50_000)
    holder = ctx.link("cardholder")
    card_id = ctx.need("ic", "card")
    merchant = _merchant(rng)
    held = total if approved and status in ("closed", "pending") else 0
    return {
        "amount": held,
        "amount_details": {"atm_fee": None, "cashback_amount": None},
        "approved": approved,
        "authorization_method": pick(rng, ("online", "online", "contactless", "chip")),
        "balance_transactions": settlement(ctx, -held, "usd"),
        "card": ctx.embed("issuing.card", card_id, {"cardholder": holder} if holder else {}),
        "card_presence": None,
        "cardholder": holder,
        "currency": "usd",
        "fleet": None,
        "fraud_challenges": None,
        "fuel": None,
        "merchant_amount": held,
        "merchant_currency": "usd",
        "merchant_data": merchant,
        "metadata": metadata(rng),
        "network_data": {"acquiring_institution_id": str(rng.randrange(10**5, 10**6)),
                         "system_trace_audit_number": f"{rng.randrange(10**6):06d}",
                         "transaction_id": str(rng.randrange(10**14, 10**15))},
        "pending_request": None,
        "request_history": [{
            "amount": total, "amount_details": {"atm_fee": None, "cashback_amount": None},
            "approved": approved,
            "authorization_code": f"{rng.randrange(10**6):06d}" if approved else None,
            "created": ctx.created, "currency": "usd", "merchant_amount": total,
            "merchant_currency": "usd", "network_risk_score": rng.randrange(0, 40),
            "reason": "webhook_approved" if approved else "spending_controls",
            "reason_message": None, "requested_at": ctx.created,
        }],
        "status": status,
        "token": None,
        "transactions": [],
        "treasury": None,
        "verification_data": {
            "address_line1_check": "not_provided",
            "address_postal_code_check": pick(rng, ("match", "not_provided")),
            "authentication_exemption": None,
            "cvc_check": "match",
            "expiry_check": "match",
            "postal_code": None,
            "three_d_secure": None,
        },
        "verified_by_fraud_challenge": None,
        "wallet": maybe(rng, pick(rng, ("apple_pay", "google_pay")), 0.3),
    }


def issuing_transaction(ctx: Ctx) -> Obj:
    """An ``issuing.transaction``: a capture or a refund on an Issuing card."""
    rng = ctx.rng
    refund = rng.random() < 0.1
    total = (1 if refund else -1) * amount(rng, 100, 50_000)
    processed = later(rng, ctx.created, 0, DAY)
    return {
        "amount": total,
        "amount_details": {"atm_fee": None, "cashback_amount": None},
        "authorization": ctx.link("authorization"),
        "balance_transaction": ctx.link("balance_transaction"),
        "card": ctx.need("ic", "card"),
        "cardholder": ctx.link("cardholder"),
        "currency": "usd",
        "dispute": ctx.link("dispute"),
        "merchant_amount": total,
        "merchant_currency": "usd",
        "merchant_data": _merchant(rng),
        "metadata": metadata(rng),
        "network_data": {
            "authorization_code": f"{rng.randrange(10**6):06d}",
            "processing_date": _iso_date(processed),
            "transaction_id": str(rng.randrange(10**14, 10**15)),
        },
        "purchase_details": None,
        "token": None,
        "treasury": None,
        "type": "refund" if refund else "capture",
        "wallet": maybe(rng, pick(rng, ("apple_pay", "google_pay")), 0.3),
    }


def _iso_date(timestamp: int) -> str:
    """``YYYY-MM-DD`` (UTC) of a Unix timestamp."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).date().isoformat()
