"""Builders for the emulator's payments, money-movement, Connect and Issuing objects.

One row per Stripe object name: its id prefix and the function that builds its fields (the
``payments_*`` modules, one per family). Each object is complete for the pinned API version
(``2026-10-28.endive``): every top-level field is present (null where Stripe sends null),
nested objects are filled in for a card payment flow, and linked ids land in the fields Stripe
uses for them. Fields Stripe returns only when expanded (``charge.refunds``,
``issuing.card.number`` and ``cvc``) are left out. All randomness comes from the ``rng``
argument; objects embedded whole (a dispute's balance transactions, an issuing card's
cardholder, ...) are seeded from their own id, so every copy of them has the same content.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.emulator import (
    payments_cards,
    payments_charges,
    payments_connect,
    payments_disputes,
    payments_files,
    payments_issuing,
    payments_money,
)
from tests.emulator.kinds_common import DAY
from tests.emulator.payments_base import Ctx

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from tests.emulator.kinds_common import Builder, Obj


@dataclass(frozen=True)
class _Kind:
    """One buildable kind: its id prefix, its fields and whether it has ``livemode``/``created``."""

    prefix: str
    body: Callable[[Ctx], Obj]
    livemode: bool = True
    created: bool = True


_KINDS: dict[str, _Kind] = {
    "charge": _Kind("ch", payments_charges.charge),
    "payment_intent": _Kind("pi", payments_charges.payment_intent),
    "setup_intent": _Kind("seti", payments_charges.setup_intent),
    "setup_attempt": _Kind("setatt", payments_charges.setup_attempt),
    "refund": _Kind("re", payments_charges.refund, livemode=False),
    "dispute": _Kind("dp", payments_disputes.dispute),
    "review": _Kind("prv", payments_disputes.review),
    "radar.early_fraud_warning": _Kind("issfr", payments_disputes.early_fraud_warning),
    "balance_transaction": _Kind("txn", payments_money.balance_transaction, livemode=False),
    "payout": _Kind("po", payments_money.payout),
    "transfer": _Kind("tr", payments_money.transfer),
    "transfer_reversal": _Kind("trr", payments_money.transfer_reversal, livemode=False),
    "topup": _Kind("tu", payments_money.topup),
    "application_fee": _Kind("fee", payments_money.application_fee),
    "fee_refund": _Kind("fr", payments_money.fee_refund, livemode=False),
    "file": _Kind("file", payments_files.file, livemode=False),
    "file_link": _Kind("link", payments_files.file_link),
    "account": _Kind("acct", payments_connect.account, livemode=False),
    "person": _Kind("person", payments_connect.person, livemode=False),
    "card": _Kind("card", payments_cards.card_source, livemode=False, created=False),
    "issuing.authorization": _Kind("iauth", payments_issuing.authorization),
    "issuing.card": _Kind("ic", payments_issuing.issuing_card),
    "issuing.cardholder": _Kind("ich", payments_issuing.cardholder),
    "issuing.transaction": _Kind("ipi", payments_issuing.issuing_transaction),
}


def _builder(kind: str, spec: _Kind) -> Builder:
    """The public builder of ``kind``: the head fields, then the kind's own fields."""

    def build(*, id: str, created: int, rng: random.Random,  # noqa: A002 (the contract's name)
              links: Mapping[str, str | None], livemode: bool = False) -> Obj:
        head: Obj = {"id": id, "object": kind}
        if spec.created:
            head["created"] = created
        if spec.livemode:
            head["livemode"] = livemode
        return head | spec.body(Ctx(id, created, rng, links, livemode, build_embedded))

    build.__doc__ = f"A complete Stripe ``{kind}`` object."
    return build


BUILDERS: dict[str, Builder] = {kind: _builder(kind, spec) for kind, spec in _KINDS.items()}
"""Stripe object name -> builder taking ``id, created, rng, links, livemode`` keywords."""

ID_PREFIX: dict[str, str] = {kind: spec.prefix for kind, spec in _KINDS.items()}
"""Stripe object name -> id prefix (``"charge": "ch"``)."""


def build_embedded(kind: str, oid: str, created: int, links: Mapping[str, str | None],
                   livemode: bool) -> Obj:
    """An object embedded whole in another one, with the same content wherever it is embedded.

    Its randomness is seeded from ``kind`` and ``oid``; it was created one to thirty days
    before ``created`` (the embedding object's creation time).
    """
    rng = random.Random(f"{kind}:{oid}")
    return BUILDERS[kind](id=oid, created=created - rng.randrange(DAY, 30 * DAY), rng=rng,
                          links=links, livemode=livemode)
