"""Builders for the emulator's payments, money-movement, Connect and Issuing objects.

One row per Stripe object name: its id prefix and the function that builds its fields (the
``payments_*`` modules, one per family). Each object is complete for the pinned API version
(``2026-10-28.endive``): every top-level field is present (null where Stripe sends null),
nested objects are filled in for a card payment flow, and linked ids land in the fields Stripe
uses for them. Fields Stripe returns only when expanded (``charge.refunds``,
``issuing.card.number`` and ``cvc``) are left out. All randomness comes from the ``rng``
argument; objects embedded whole (a dispute's balance transactions, an issuing card's
cardholder, ...) are seeded from their kind and id (``Ctx.embed``), so every copy of them has
the same content. ``objects.py`` merges this table with the billing one.
"""

from __future__ import annotations

from tests.emulator import (
    payments_cards,
    payments_charges,
    payments_connect,
    payments_disputes,
    payments_files,
    payments_issuing,
    payments_money,
)
from tests.emulator.kinds_common import Kind

TABLE: dict[str, Kind] = {
    "charge": Kind("ch", payments_charges.charge),
    "payment_intent": Kind("pi", payments_charges.payment_intent),
    "setup_intent": Kind("seti", payments_charges.setup_intent),
    "setup_attempt": Kind("setatt", payments_charges.setup_attempt),
    "refund": Kind("re", payments_charges.refund, livemode=False),
    "dispute": Kind("dp", payments_disputes.dispute),
    "review": Kind("prv", payments_disputes.review),
    "radar.early_fraud_warning": Kind("issfr", payments_disputes.early_fraud_warning),
    "balance_transaction": Kind("txn", payments_money.balance_transaction, livemode=False),
    "payout": Kind("po", payments_money.payout),
    "transfer": Kind("tr", payments_money.transfer),
    "transfer_reversal": Kind("trr", payments_money.transfer_reversal, livemode=False),
    "topup": Kind("tu", payments_money.topup),
    "application_fee": Kind("fee", payments_money.application_fee),
    "fee_refund": Kind("fr", payments_money.fee_refund, livemode=False),
    "file": Kind("file", payments_files.file, livemode=False),
    "file_link": Kind("link", payments_files.file_link),
    "account": Kind("acct", payments_connect.account, livemode=False),
    "person": Kind("person", payments_connect.person, livemode=False),
    "card": Kind("card", payments_cards.card_source, created=False, livemode=False),
    "issuing.authorization": Kind("iauth", payments_issuing.authorization),
    "issuing.card": Kind("ic", payments_issuing.issuing_card),
    "issuing.cardholder": Kind("ich", payments_issuing.cardholder),
    "issuing.transaction": Kind("ipi", payments_issuing.issuing_transaction),
}
"""Stripe object name -> its id prefix, its own fields and head fields."""
