"""Builders for disputes, Radar reviews and early fraud warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.emulator.kinds_common import (
    DAY,
    address,
    amount,
    currency,
    email,
    full_name,
    later,
    metadata,
    nulls,
    pick,
    weighted,
)
from tests.emulator.payments_money import settlement

if TYPE_CHECKING:
    from tests.emulator.kinds_common import Ctx, Obj


_DISPUTE_STATUS = {"needs_response": 3, "under_review": 2, "won": 3, "lost": 2,
                   "warning_needs_response": 1, "warning_closed": 1}
# reason -> network reason code on (Visa, Mastercard)
_DISPUTE_REASONS = {"fraudulent": ("10.4", "4837"), "product_not_received": ("13.1", "4855"),
                    "duplicate": ("12.6.1", "4834"), "subscription_canceled": ("13.2", "4841"),
                    "credit_not_processed": ("13.6", "4860"), "general": ("13.3", "4853")}
_EVIDENCE_FIELDS = (
    "access_activity_log", "billing_address", "cancellation_policy",
    "cancellation_policy_disclosure", "cancellation_rebuttal", "customer_communication",
    "customer_signature", "duplicate_charge_documentation", "duplicate_charge_explanation",
    "duplicate_charge_id", "receipt", "refund_policy", "refund_policy_disclosure",
    "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address",
    "shipping_carrier", "shipping_date", "shipping_documentation", "shipping_tracking_number",
    "uncategorized_file", "uncategorized_text",
)


def dispute(ctx: Ctx) -> Obj:
    """A card ``dispute``, with its balance transaction embedded when linked."""
    rng = ctx.rng
    withdrawn = ctx.link("balance_transaction")  # inquiries ("warning_*") move no money
    status = weighted(rng, {s: w for s, w in _DISPUTE_STATUS.items()
                            if not (withdrawn and s.startswith("warning"))})
    reason = pick(rng, tuple(_DISPUTE_REASONS))
    brand = pick(rng, ("visa", "mastercard"))
    code = _DISPUTE_REASONS[reason][brand == "mastercard"]
    submitted = status not in ("needs_response", "warning_needs_response")
    ce3 = brand == "visa" and reason == "fraudulent"
    name = full_name(rng)
    total = amount(rng, 1000, 30_000)
    money = currency(rng)
    evidence = {
        **nulls(*_EVIDENCE_FIELDS),
        "appeal": None,
        "customer_email_address": email(rng, name),
        "customer_name": name,
        "customer_purchase_ip": f"198.51.100.{rng.randrange(1, 255)}",
        "enhanced_evidence": {"visa_compelling_evidence_3": {
            "disputed_transaction": None, "prior_undisputed_transactions": []}} if ce3 else {},
        "product_description": "Annual subscription" if submitted else None,
        "receipt": ctx.link("file") if submitted else None,
    }
    return {
        "amount": total,
        "balance_transactions": settlement(ctx, -total, money),
        "charge": ctx.need("ch", "charge"),
        "currency": money,
        "enhanced_eligibility_types": ["visa_compelling_evidence_3"] if ce3 else [],
        "evidence": evidence,
        "evidence_details": {
            "due_by": later(rng, ctx.created, 7 * DAY, 21 * DAY),
            "enhanced_eligibility": {"visa_compelling_evidence_3": {
                "required_actions": ["missing_prior_undisputed_transactions"],
                "status": "requires_action"}} if ce3 else {},
            "has_evidence": submitted,
            "past_due": False,
            "submission_count": int(submitted),
            "submission_method": "manual" if submitted else "not_submitted",
        },
        "intended_submission_method": None,
        "is_charge_refundable": status.startswith("warning"),
        "metadata": metadata(rng),
        "network_reason_code": code,
        "payment_intent": ctx.link("payment_intent"),
        "payment_method_details": {
            "card": {"brand": brand, "case_type": "inquiry" if status.startswith("warning")
                     else "chargeback", "network": brand, "network_reason_code": code},
            "type": "card",
        },
        "reason": reason,
        "status": status,
    }


_REVIEW_REASONS = {"rule": 3, "manual": 1, "approved": 3, "refunded": 1, "refunded_as_fraud": 1,
                   "disputed": 1}


def review(ctx: Ctx) -> Obj:
    """A Radar ``review`` of a charge, open or closed."""
    rng = ctx.rng
    reason = weighted(rng, _REVIEW_REASONS)
    is_open = reason in ("rule", "manual")
    where = address(rng)
    return {
        "billing_zip": where["postal_code"],
        "charge": ctx.link("charge"),
        "closed_reason": None if is_open else reason,
        "ip_address": f"198.51.100.{rng.randrange(1, 255)}",
        "ip_address_location": {
            "city": where["city"], "country": where["country"],
            "latitude": round(rng.uniform(-60, 60), 4),
            "longitude": round(rng.uniform(-120, 120), 4), "region": where["state"],
        },
        "open": is_open,
        "opened_reason": "manual" if reason == "manual" else "rule",
        "payment_intent": ctx.link("payment_intent"),
        "reason": reason,
        "session": {"browser": pick(rng, ("Chrome", "Safari", "Firefox")),
                    "device": pick(rng, ("Macintosh", "iPhone", "Other")),
                    "platform": pick(rng, ("macOS", "iOS", "Windows")),
                    "version": f"{rng.randrange(90, 130)}.0"},
    }


_FRAUD_TYPES = ("card_never_received", "fraudulent_card_application", "made_with_counterfeit_card",
                "made_with_lost_card", "made_with_stolen_card", "misc", "unauthorized_use_of_card")


def early_fraud_warning(ctx: Ctx) -> Obj:
    """A ``radar.early_fraud_warning`` about a charge."""
    return {
        "actionable": ctx.rng.random() < 0.7,
        "charge": ctx.need("ch", "charge"),
        "fraud_type": pick(ctx.rng, _FRAUD_TYPES),
        "payment_intent": ctx.link("payment_intent"),
    }
