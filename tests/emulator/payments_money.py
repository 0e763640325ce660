"""Builders for balance transactions, payouts, transfers, top-ups and application fees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.emulator.kinds_common import (
    DAY,
    amount,
    child_id,
    currency,
    later,
    list_stub,
    maybe,
    metadata,
    pick,
    token,
    weighted,
)

if TYPE_CHECKING:
    from tests.emulator.kinds_common import Ctx, Obj


@dataclass(frozen=True)
class _Flow:
    """How a balance transaction for one kind of source looks."""

    type: str
    category: str
    sign: int
    description: str | None = None
    fee_rate: float = 0.0
    fee_fixed: int = 0
    fee_description: str = "Stripe processing fees"


_DISPUTE_FLOW = _Flow("adjustment", "dispute", -1, "Chargeback withdrawal", fee_fixed=1500,
                      fee_description="Dispute fee")
_FLOWS: dict[str, _Flow] = {
    # id prefix of the source object -> its balance transaction
    "ch": _Flow("charge", "charge", 1, fee_rate=0.029, fee_fixed=30),
    "py": _Flow("payment", "charge", 1),
    "re": _Flow("refund", "refund", -1, "REFUND FOR CHARGE"),
    "pyr": _Flow("payment_refund", "refund", -1, "REFUND FOR PAYMENT"),
    "po": _Flow("payout", "payout", -1, "STRIPE PAYOUT"),
    "tr": _Flow("transfer", "transfer", -1),
    "trr": _Flow("transfer_refund", "transfer_reversal", 1),
    "fee": _Flow("application_fee", "platform_earning", 1),
    "fr": _Flow("application_fee_refund", "platform_earning_refund", -1),
    "dp": _DISPUTE_FLOW,
    "du": _DISPUTE_FLOW,
    "tu": _Flow("topup", "topup", 1, "Top-up"),
    "iauth": _Flow("issuing_authorization_hold", "issuing_authorization_hold", -1),
    "ipi": _Flow("issuing_transaction", "issuing_transaction", -1),
}
_SOURCE_KEYS = ("source", "charge", "refund", "payout", "transfer", "transfer_reversal",
                "application_fee", "fee_refund", "dispute", "topup", "authorization")


def _flow_of(source: str | None) -> _Flow:
    """The balance flow of a source object, told by its id prefix (a charge when unknown)."""
    return _FLOWS.get(source.split("_", 1)[0] if source else "ch", _FLOWS["ch"])


def _balance_money(source: str | None, gross: int, money: str) -> Obj:
    """The money fields of a balance transaction moving ``gross`` for ``source``."""
    flow = _flow_of(source)
    fee = round(abs(gross) * flow.fee_rate) + flow.fee_fixed
    details = {"amount": fee, "application": None, "currency": money,
               "description": flow.fee_description, "type": "stripe_fee"}
    return {"amount": gross, "currency": money, "fee": fee,
            "fee_details": [details] if fee else [], "net": gross - fee}


def settlement(ctx: Ctx, gross: int, money: str) -> list[Obj]:
    """The linked balance transaction of this object, embedded, for ``gross`` in ``money``."""
    txn = ctx.link("balance_transaction")
    if not txn:
        return []
    return [ctx.embed("balance_transaction", txn, {"source": ctx.id})
            | _balance_money(ctx.id, gross, money)]


def balance_transaction(ctx: Ctx) -> Obj:
    """A ``balance_transaction`` whose type and sign follow its source."""
    rng = ctx.rng
    source = ctx.link(*_SOURCE_KEYS)
    flow = _flow_of(source)
    available = later(rng, ctx.created, 2 * DAY, 7 * DAY)
    return {
        **_balance_money(source, flow.sign * amount(rng), currency(rng)),
        "available_on": available - available % DAY,
        "balance_type": "payments",
        "description": flow.description or maybe(rng, f"Order #{rng.randrange(1000, 99999)}"),
        "exchange_rate": None,
        "reporting_category": flow.category,
        "source": source,
        "status": pick(rng, ("available", "available", "available", "pending")),
        "type": flow.type,
    }


_PAYOUT_STATUS = {"paid": 14, "pending": 1, "in_transit": 2, "canceled": 1, "failed": 1}


def payout(ctx: Ctx) -> Obj:
    """A ``payout`` to a bank account or a debit card."""
    rng = ctx.rng
    status = weighted(rng, _PAYOUT_STATUS)
    destination = ctx.link("destination", "bank_account", "card")
    automatic = ctx.link("manual") is None  # the data set's choice (payout_automatic)
    arrival = later(rng, ctx.created, DAY, 3 * DAY)
    failed = status == "failed"
    return {
        "amount": amount(rng, 5_000, 500_000),
        "application_fee": None,
        "application_fee_amount": None,
        "arrival_date": arrival - arrival % DAY,
        "automatic": automatic,
        "balance_transaction": ctx.link("balance_transaction"),
        "currency": currency(rng),
        "description": "STRIPE PAYOUT" if automatic else maybe(rng, "Manual payout"),
        "destination": destination,
        "failure_balance_transaction": None,
        "failure_code": "account_closed" if failed else None,
        "failure_message": "The bank account has been closed." if failed else None,
        "metadata": metadata(rng),
        "method": "standard" if automatic or rng.random() < 0.7 else "instant",
        "original_payout": None,
        "payout_method": None,
        "reconciliation_status": ("completed" if status == "paid" else "in_progress")
        if automatic else "not_applicable",
        "reversed_by": None,
        "source_type": "card",
        "statement_descriptor": None,
        "status": status,
        "trace_id": {"status": "supported" if status == "paid" else "pending",
                     "value": f"{rng.randrange(10**14, 10**15)}" if status == "paid" else None},
        "type": "card" if destination and destination.startswith("card_") else "bank_account",
    }


def transfer(ctx: Ctx) -> Obj:
    """A ``transfer`` to a connected account."""
    rng = ctx.rng
    destination = ctx.link("destination", "account")
    charge = ctx.link("charge", "source_transaction")
    return {
        "amount": amount(rng),
        "amount_reversed": 0,
        "balance_transaction": ctx.link("balance_transaction"),
        "currency": currency(rng),
        "description": maybe(rng, "Payout to seller"),
        "destination": destination,
        "destination_payment": child_id(rng, "py") if destination else None,
        "metadata": metadata(rng),
        "reversals": list_stub(f"/v1/transfers/{ctx.id}/reversals"),
        "reversed": False,
        "source_transaction": charge,
        "source_type": "card",
        "transfer_group": f"group_{ctx.link('payment_intent') or charge}" if charge else None,
    }


def transfer_reversal(ctx: Ctx) -> Obj:
    """A ``transfer_reversal`` of a transfer."""
    rng = ctx.rng
    return {
        "amount": amount(rng, 100, 10_000),
        "balance_transaction": ctx.link("balance_transaction"),
        "currency": currency(rng),
        "destination_payment_refund": child_id(rng, "pyr"),
        "metadata": metadata(rng),
        "source_refund": ctx.link("refund"),
        "transfer": ctx.need("tr", "transfer"),
    }


_TOPUP_STATUS = {"succeeded": 12, "pending": 2, "failed": 1, "canceled": 1, "reversed": 1}


def topup(ctx: Ctx) -> Obj:
    """A ``topup`` of the Stripe balance."""
    rng = ctx.rng
    status = weighted(rng, _TOPUP_STATUS)
    failed = status == "failed"
    return {
        "amount": amount(rng, 10_000, 1_000_000),
        "balance_transaction": ctx.link("balance_transaction"),
        "currency": "usd",
        "description": maybe(rng, f"Top-up for week {rng.randrange(1, 53)}", 0.7),
        "expected_availability_date": later(rng, ctx.created, DAY, 5 * DAY),
        "failure_code": "insufficient_funds" if failed else None,
        "failure_message": "The bank account has insufficient funds." if failed else None,
        "initiated_by": "user",
        "metadata": metadata(rng),
        "payment_method": ctx.link("payment_method"),
        "payment_method_options": None,
        "source": None,
        "statement_descriptor": maybe(rng, "TOPUP", 0.3),
        "status": status,
        "transfer_group": None,
    }


def application_fee(ctx: Ctx) -> Obj:
    """An ``application_fee`` taken from a connected account's charge."""
    rng = ctx.rng
    charge = ctx.need("ch", "charge")
    return {
        "account": ctx.need("acct", "account"),
        "amount": amount(rng, 50, 5_000),
        "amount_refunded": 0,
        "application": ctx.link("application") or "ca_" + token(rng, 32),
        "balance_transaction": ctx.link("balance_transaction"),
        "charge": charge,
        "currency": currency(rng),
        "fee_source": {"charge": charge, "payout": None, "type": "charge"},
        "originating_transaction": ctx.link("originating_transaction"),
        "refunded": False,
        "refunds": list_stub(f"/v1/application_fees/{ctx.id}/refunds"),
    }


def fee_refund(ctx: Ctx) -> Obj:
    """A ``fee_refund``: a refund of an application fee."""
    rng = ctx.rng
    return {
        "amount": amount(rng, 50, 2_000),
        "balance_transaction": ctx.link("balance_transaction"),
        "currency": currency(rng),
        "fee": ctx.need("fee", "application_fee", "fee"),
        "metadata": metadata(rng),
    }
