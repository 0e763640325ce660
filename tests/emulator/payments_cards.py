"""Card data of payments: charge and setup-attempt card details, declines, saved cards."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tests.emulator.kinds_common import (
    DAY,
    address,
    card,
    full_name,
    later,
    maybe,
    metadata,
    pick,
    weighted,
)

if TYPE_CHECKING:
    import random
    from collections.abc import Mapping

    from tests.emulator.kinds_common import Ctx, Obj


_BRAND_NAMES = {"visa": "Visa", "mastercard": "MasterCard", "amex": "American Express"}
_IIN = {"visa": "424242", "mastercard": "555555", "amex": "378282"}
_ISSUERS = ("Chase", "Bank of America", "Barclays", "Deutsche Bank", "Stripe Test Bank")
_CHECKS = {"pass": 8, "unavailable": 1, "unchecked": 1}
# Wallet type -> fields of its own sub-object (None: Stripe has no sub-object for it there).
_CHARGE_WALLETS: dict[str, Obj | None] = {"apple_pay": {}, "google_pay": {},
                                          "link": {"funding_source_group": None}}
_SETUP_WALLETS: dict[str, Obj | None] = {"apple_pay": {}, "google_pay": {}, "link": None}


def _three_d_secure(rng: random.Random) -> Obj | None:
    """The 3-D Secure result of a card payment, or None when none was run."""
    if rng.random() < 0.7:
        return None
    return {
        "authentication_flow": pick(rng, ("challenge", "frictionless")),
        "electronic_commerce_indicator": "05",
        "result": "authenticated",
        "result_reason": None,
        "transaction_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "version": "2.2.0",
    }


def _card_checks(rng: random.Random) -> Obj:
    """AVS and CVC checks of a card."""
    return {
        "address_line1_check": weighted(rng, _CHECKS),
        "address_postal_code_check": weighted(rng, _CHECKS),
        "cvc_check": weighted(rng, _CHECKS),
    }


def _card_method(rng: random.Random, wallets: Mapping[str, Obj | None]) -> Obj:
    """Card fields shared by charge and setup-attempt ``payment_method_details.card``."""
    core = card(rng)
    wallet = maybe(rng, pick(rng, tuple(wallets)), 0.2)
    return {
        **core,
        "checks": _card_checks(rng),
        "description": None,
        "iin": _IIN[core["brand"]],
        "issuer": pick(rng, _ISSUERS),
        "moto": None,
        "network": core["brand"],
        "three_d_secure": _three_d_secure(rng),
        "wallet": {"type": wallet, **_wallet_detail(wallet, wallets)} if wallet else None,
    }


def _wallet_detail(wallet: str, wallets: Mapping[str, Obj | None]) -> Obj:
    """The wallet's own sub-object keyed by its type, when Stripe has one."""
    detail = wallets[wallet]
    return {} if detail is None else {wallet: dict(detail)}


def setup_card(rng: random.Random) -> Obj:
    """``payment_method_details.card`` of a setup attempt."""
    return _card_method(rng, _SETUP_WALLETS)


def charge_card(rng: random.Random, paid: int, captured: bool, created: int,
                 code: str | None) -> Obj:
    """``payment_method_details.card`` of a charge of ``paid`` minor units."""
    details = _card_method(rng, _CHARGE_WALLETS)
    secure = details["three_d_secure"]
    if secure:
        secure.update(exemption_indicator=None, exemption_indicator_applied=None)
    wallet = details["wallet"]
    if wallet:
        wallet["dynamic_last4"] = f"{rng.randrange(10_000):04d}"
    return {
        **details,
        "amount_authorized": paid,
        "authorization_code": code,
        "capture_before": later(rng, created, 6 * DAY, 7 * DAY) if paid and not captured
        else None,
        "electronic_commerce_indicator": None,
        "extended_authorization": {"status": "disabled"},
        "incremental_authorization": {"status": "unavailable"},
        "installments": None,
        "mandate": None,
        "multicapture": {"status": "unavailable"},
        "network_token": {"used": False},
        "network_transaction_id": str(rng.randrange(10**14, 10**15)),
        "overcapture": {"maximum_amount_capturable": paid, "status": "unavailable"},
        "regulated_status": pick(rng, ("regulated", "unregulated")),
        "setup_credential_usage": None,
        "stored_credential_usage": None,
        "transaction_link_id": None,
    }


def payment_error(rng: random.Random) -> Obj:
    """A card decline as Stripe reports it in ``last_payment_error``/``setup_error``."""
    code = weighted(rng, {"card_declined": 6, "expired_card": 1, "incorrect_cvc": 1,
                           "processing_error": 1})
    decline = "insufficient_funds" if code == "card_declined" else None
    return {
        "advice_code": "try_again_later" if decline else None,
        "charge": None,
        "code": code,
        "decline_code": decline,
        "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
        "message": "Your card was declined." if decline else "Your card could not be charged.",
        "network_advice_code": None,
        "network_decline_code": "51" if decline else None,
        "param": None,
        "payment_intent": None,
        "payment_method": None,
        "payment_method_type": "card",
        "request_log_url": None,
        "setup_intent": None,
        "source": None,
        "type": "card_error",
    }


def card_source(ctx: Ctx) -> Obj:
    """A card saved on a customer or a connected account (object ``card``)."""
    rng = ctx.rng
    core = card(rng)
    account = ctx.link("account")
    holder = full_name(rng)
    where = address(rng, core["country"])
    return {
        "account": account,
        "address_city": where["city"],
        "address_country": where["country"],
        "address_line1": where["line1"],
        "address_line1_check": weighted(rng, _CHECKS),
        "address_line2": where["line2"],
        "address_state": where["state"],
        "address_zip": where["postal_code"],
        "address_zip_check": weighted(rng, _CHECKS),
        "allow_redisplay": None if account else "unspecified",
        "available_payout_methods": ["standard", "instant"] if account else None,
        "brand": _BRAND_NAMES[core["brand"]],
        "country": core["country"],
        "currency": "usd" if account else None,
        "customer": ctx.link("customer"),
        "cvc_check": weighted(rng, _CHECKS),
        "default_for_currency": rng.random() < 0.5 if account else None,
        "description": None,
        "dynamic_last4": None,
        "exp_month": core["exp_month"],
        "exp_year": core["exp_year"],
        "fingerprint": core["fingerprint"],
        "funding": "debit" if account else core["funding"],
        "iin": _IIN[core["brand"]],
        "issuer": pick(rng, _ISSUERS),
        "last4": core["last4"],
        "metadata": metadata(rng),
        "name": holder,
        "networks": {"preferred": None},
        "regulated_status": pick(rng, ("regulated", "unregulated")),
        "status": None,
        "tokenization_method": None,
    }
