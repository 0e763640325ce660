"""Builders for charges, payment and setup intents, setup attempts and refunds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.emulator.kinds_common import (
    DAY,
    amount,
    billing_details,
    child_id,
    currency,
    email,
    later,
    maybe,
    metadata,
    pick,
    shipping,
    token,
    weighted,
)
from tests.emulator.payments_cards import charge_card, payment_error, setup_card

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tests.emulator.kinds_common import Ctx, Obj


_CHARGE_STATUS = {"succeeded": 17, "pending": 1, "failed": 2}
_OUTCOMES: dict[str, Obj] = {
    "succeeded": {"network_status": "approved_by_network", "reason": None, "type": "authorized",
                  "seller_message": "Payment complete."},
    "pending": {"network_status": "approved_by_network", "reason": None, "type": "authorized",
                "seller_message": "Payment complete."},
    "failed": {"network_status": "declined_by_network", "reason": "generic_decline",
               "type": "issuer_declined",
               "seller_message": "The bank did not return any further details with this decline."},
}
_DESCRIPTORS = ("ROCKET RIDES", "ACME STORE", "PIXEL PRINTS", "NORDIC GOODS")


def charge(ctx: Ctx) -> Obj:
    """A card ``charge``; settled (succeeded) when money already moved for it."""
    rng = ctx.rng
    settled = ctx.link("balance_transaction", "refund", "dispute", "application_fee")
    status = "succeeded" if settled else weighted(rng, _CHARGE_STATUS)
    total = amount(rng)
    captured = status == "succeeded" and rng.random() < 0.95
    fee_id = ctx.link("application_fee")
    account = ctx.link("account")
    review = ctx.link("review")
    source = ctx.link("source")
    outcome = {
        **_OUTCOMES[status],
        "advice_code": "do_not_try_again" if status == "failed" else None,
        "network_advice_code": None,
        "network_decline_code": "05" if status == "failed" else None,
        "risk_level": "elevated" if review else "normal",
        "risk_score": rng.randrange(60, 80) if review else rng.randrange(0, 50),
        "rule": None,
    }
    if review:
        outcome.update(type="manual_review", seller_message="Stripe flagged this payment.")
    descriptor = pick(rng, _DESCRIPTORS)
    code = f"{rng.randrange(10**6):06d}" if status != "failed" else None
    paid = total if status != "failed" else 0
    return {
        "amount": total,
        "amount_captured": total if captured else 0,
        "amount_refunded": 0,
        "application": "ca_" + token(rng, 32) if fee_id else None,
        "application_fee": fee_id,
        "application_fee_amount": round(total * 0.1) if fee_id else None,
        "authorization_code": code,
        "balance_transaction": ctx.link("balance_transaction"),
        "billing_details": billing_details(rng),
        "calculated_statement_descriptor": descriptor,
        "captured": captured,
        "currency": currency(rng),
        "customer": ctx.link("customer"),
        "description": maybe(rng, f"Order #{rng.randrange(1000, 99999)}", 0.6),
        "disputed": bool(ctx.link("dispute")),
        "failure_balance_transaction": None,
        "failure_code": "card_declined" if status == "failed" else None,
        "failure_message": "Your card was declined." if status == "failed" else None,
        "fraud_details": {},
        "level3": None,
        "metadata": metadata(rng),
        "on_behalf_of": None,
        "outcome": outcome,
        "paid": status == "succeeded",
        "payment_intent": ctx.link("payment_intent"),
        "payment_method": ctx.link("payment_method", "source"),
        "payment_method_details": {
            "card": charge_card(rng, paid, captured, ctx.created, code),
            "type": "card",
        },
        "presentment_details": None,
        "radar_options": None,
        "receipt_email": maybe(rng, email(rng), 0.4),
        "receipt_number": f"{rng.randrange(1000, 9999)}-{rng.randrange(1000, 9999)}"
        if status == "succeeded" and rng.random() < 0.3 else None,
        "receipt_url": f"https://pay.stripe.com/receipts/payment/{token(rng, 64)}",
        "refunded": False,
        "review": review,
        "shipping": maybe(rng, shipping(rng), 0.3),
        "source": ctx.embed("card", source, {"customer": ctx.link("customer")})
        if source and source.startswith("card_")
        else None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": maybe(rng, f"#{rng.randrange(1000, 9999)}", 0.3),
        "status": status,
        "transfer": ctx.link("transfer"),
        "transfer_data": {"amount": None, "destination": account} if account else None,
        "transfer_group": f"group_{ctx.link('payment_intent')}" if account else None,
    }


_PI_STATUS = {"succeeded": 12, "requires_payment_method": 2, "requires_confirmation": 1,
              "requires_action": 1, "processing": 1, "requires_capture": 1, "canceled": 2}


def _intent_status(ctx: Ctx, table: Mapping[str, int]) -> str:
    """An intent status; with a linked payment method, one that keeps it."""
    if ctx.link("payment_method"):
        table = {s: w for s, w in table.items() if s != "requires_payment_method"}
    return weighted(ctx.rng, table)


def _intent_common(ctx: Ctx, status: str) -> Obj:
    """Fields shared by payment and setup intents."""
    rng = ctx.rng
    action = {
        "redirect_to_url": {
            "return_url": f"https://shop.example.com/checkout/return?intent={ctx.id}",
            "url": f"https://hooks.stripe.com/3d_secure_2/hosted?intent={ctx.id}"
                   f"&source=src_{token(rng, 24)}",
        },
        "type": "redirect_to_url",
    }
    automatic = rng.random() < 0.5
    return {
        "allowed_payment_method_types": None,
        "application": None,
        "automatic_payment_methods": {"allow_redirects": "always", "enabled": True}
        if automatic else None,
        "client_secret": f"{ctx.id}_secret_{token(rng, 25)}",
        "customer": ctx.link("customer"),
        "customer_account": None,
        "description": maybe(rng, f"Order #{rng.randrange(1000, 99999)}", 0.5),
        "excluded_payment_method_types": None,
        "managed_payments": None,
        "metadata": metadata(rng),
        "next_action": action if status == "requires_action" else None,
        "on_behalf_of": None,
        "payment_method": ctx.link("payment_method"),
        "payment_method_configuration_details": {"id": child_id(rng, "pmc"), "parent": None}
        if automatic else None,
        "payment_method_types": ["card", "link"] if automatic else ["card"],
        "status": status,
    }


def payment_intent(ctx: Ctx) -> Obj:
    """A card ``payment_intent``; succeeded when it has a charge."""
    rng = ctx.rng
    latest = ctx.link("charge", "latest_charge")
    status = "succeeded" if latest else _intent_status(ctx, _PI_STATUS)
    total = amount(rng)
    account = ctx.link("account")
    canceled = status == "canceled"
    failed = status == "requires_payment_method" and rng.random() < 0.6
    return {
        **_intent_common(ctx, status),
        "amount": total,
        "amount_capturable": total if status == "requires_capture" else 0,
        "amount_details": {"discount_amount": None, "error": None, "shipping": None,
                           "tax": None, "tip": {"amount": None}},
        "amount_received": total if status == "succeeded" else 0,
        "application_fee_amount": round(total * 0.1) if account else None,
        "canceled_at": later(rng, ctx.created, 60, DAY) if canceled else None,
        "cancellation_reason": pick(rng, ("abandoned", "requested_by_customer", "duplicate"))
        if canceled else None,
        "capture_method": "manual" if status == "requires_capture" else "automatic_async",
        "confirmation_method": "automatic",
        "currency": currency(rng),
        "hooks": None,
        "last_payment_error": payment_error(rng) if failed else None,
        "latest_charge": latest,
        "payment_details": None,
        "payment_method_options": {"card": {
            "capture_method": "manual" if status == "requires_capture" else None,
            "installments": None,
            "mandate_options": None,
            "network": None,
            "request_extended_authorization": None,
            "request_incremental_authorization": None,
            "request_multicapture": None,
            "request_overcapture": None,
            "request_three_d_secure": "automatic",
            "require_cvc_recollection": None,
            "setup_credential_usage": None,
            "setup_future_usage": None,
            "statement_descriptor_suffix_kana": None,
            "statement_descriptor_suffix_kanji": None,
            "stored_credential_usage": None,
        }},
        "payment_record": None,
        "presentment_details": None,
        "processing": {"card": {"customer_notification": None}, "type": "card"}
        if status == "processing" else None,
        "receipt_email": maybe(rng, email(rng), 0.4),
        "review": ctx.link("review"),
        "setup_future_usage": maybe(rng, "off_session", 0.3),
        "shipping": maybe(rng, shipping(rng), 0.3),
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "transfer_data": {"amount": None, "description": None, "destination": account,
                          "metadata": None, "payment_data": None} if account else None,
        "transfer_group": f"group_{ctx.id}" if account else None,
    }


_SI_STATUS = {"succeeded": 12, "requires_payment_method": 2, "requires_confirmation": 1,
              "requires_action": 1, "processing": 1, "canceled": 2}


def setup_intent(ctx: Ctx) -> Obj:
    """A card ``setup_intent``."""
    rng = ctx.rng
    attempt = ctx.link("setup_attempt", "latest_attempt")
    status = _intent_status(ctx, _SI_STATUS)
    failed = status == "requires_payment_method" and attempt is not None
    return {
        **_intent_common(ctx, status),
        "attach_to_self": None,
        "cancellation_reason": pick(rng, ("abandoned", "requested_by_customer", "duplicate"))
        if status == "canceled" else None,
        "flow_directions": None,
        "last_setup_error": payment_error(rng) if failed else None,
        "latest_attempt": attempt,
        "mandate": None,
        "payment_method_options": {"card": {
            "mandate_options": None,
            "network": None,
            "request_three_d_secure": "automatic",
            "setup_credential_usage": None,
        }},
        "single_use_mandate": None,
        "usage": pick(rng, ("off_session", "off_session", "on_session")),
    }


_ATTEMPT_STATUS = {"succeeded": 12, "failed": 2, "requires_action": 1, "processing": 1,
                   "abandoned": 1}


def setup_attempt(ctx: Ctx) -> Obj:
    """A ``setup_attempt`` of a setup intent."""
    rng = ctx.rng
    status = weighted(rng, _ATTEMPT_STATUS)
    return {
        "application": None,
        "attach_to_self": None,
        "customer": ctx.link("customer"),
        "customer_account": None,
        "flow_directions": None,
        "on_behalf_of": None,
        "payment_method": ctx.need("pm", "payment_method"),
        "payment_method_details": {"card": setup_card(rng), "type": "card"},
        "setup_error": payment_error(rng) if status == "failed" else None,
        "setup_intent": ctx.need("seti", "setup_intent"),
        "status": status,
        "usage": pick(rng, ("off_session", "off_session", "on_session")),
    }


_REFUND_STATUS = {"succeeded": 14, "pending": 2, "failed": 1, "canceled": 1}


def refund(ctx: Ctx) -> Obj:
    """A card ``refund``."""
    rng = ctx.rng
    status = weighted(rng, _REFUND_STATUS)
    return {
        "amount": amount(rng, 100, 20_000),
        "balance_transaction": ctx.link("balance_transaction"),
        "charge": ctx.link("charge"),
        "currency": currency(rng),
        "customer": ctx.link("customer"),
        "customer_account": None,
        "description": None,
        "destination_details": {
            "card": {
                "reference": str(rng.randrange(10**22, 10**23)) if status == "succeeded"
                else None,
                "reference_status": "available" if status == "succeeded" else "pending",
                "reference_type": "acquirer_reference_number",
                "type": "refund",
            },
            "type": "card",
        },
        "failure_balance_transaction": None,
        "failure_reason": "expired_or_canceled_card" if status == "failed" else None,
        "instructions_email": None,
        "metadata": metadata(rng),
        "next_action": None,
        "payment_intent": ctx.link("payment_intent"),
        "payment_method": ctx.link("payment_method"),
        "pending_reason": "processing" if status == "pending" else None,
        "presentment_details": None,
        "reason": pick(rng, (None, "requested_by_customer", "duplicate", "fraudulent")),
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": status,
        "transfer_reversal": ctx.link("transfer_reversal"),
    }
