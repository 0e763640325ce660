"""Seeded random changes to an emulator, made the way Stripe makes them, events included.

Each operation is one change as Stripe records it: the object change plus the events Stripe
sends with it (adding a line to an invoice also updates the invoice; a refund also refunds its
charge; creating a subscription with items ends with the subscription carrying them). Only
changes Stripe reports through events are made to objects kept current through events; balance
transactions, which Stripe changes without an event, settle within the 7 days the tap re-reads.
Parents with more than 10 children are deleted too, preferably (Stripe's payload of a deleted
parent embeds only the first 10: what happens to the others is what the checks look at).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.emulator import Emulator

Obj = dict[str, Any]
DAY = 86_400
EMBEDDED = 10
"""Children Stripe embeds in a parent's payload (``invoice.lines``, ``subscription.items``)."""


@dataclass
class Churn:
    """Makes random changes to ``emulator``; remembers what it did.

    Attributes:
        done: How often each operation was made.
        big_removals: Parents removed with more than 10 children (canceled subscriptions,
            deleted invoices).
    """

    emulator: Emulator
    seed: int
    ops: tuple[Op, ...] = ()
    done: Counter[str] = field(default_factory=Counter)
    big_removals: list[str] = field(default_factory=list)
    growing: bool = False

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.ops = self.ops or OPS

    def spread(self, count: int, seconds: int) -> None:
        """Make ``count`` changes at random moments of the next ``seconds`` (a quarter of them
        in the same second as the one before); the clock ends ``seconds`` later."""
        start = self.emulator.now
        for moment in sorted(self.rng.randrange(max(seconds, 1)) for _ in range(count)):
            if self.rng.random() >= 0.25:  # else in the second of the change before
                self.emulator.set_time(start + moment)
            self.change()
        self.emulator.set_time(start + seconds)

    def change(self) -> str:
        """Make one random change (an operation that is possible now); returns its name."""
        weights = [op.weight for op in self.ops]
        for _ in range(100):
            op = self.rng.choices(self.ops, weights)[0]
            if op.make(self):
                self.done[op.name] += 1
                return op.name
        raise AssertionError("no operation was possible")

    # -- reading the emulator ----------------------------------------------------------------

    def live(self, stream: str, **match: Any) -> list[Obj]:
        """Live objects of ``stream`` whose fields equal ``match``."""
        return [o for o in self.emulator.objects(stream)
                if all(o.get(k) == v for k, v in match.items())]

    def kids(self, stream: str) -> Counter[str]:
        """Number of live children per parent id in child stream ``stream``."""
        return Counter(self.emulator.parents(stream).values())

    def pick(self, objects: list[Obj]) -> Obj | None:
        """One of ``objects`` at random (None when there are none)."""
        return self.rng.choice(objects) if objects else None

    def pick_big(self, objects: list[Obj], children: Counter[str]) -> Obj | None:
        """One of ``objects``, one with more than 10 ``children`` when there is one (noted in
        ``big_removals``)."""
        big = [o for o in objects if children[o["id"]] > EMBEDDED]
        chosen = self.pick(big or objects)
        if chosen is not None and big:
            self.big_removals.append(chosen["id"])
        return chosen

    def word(self) -> str:
        """A short random token for names and metadata."""
        return "".join(self.rng.choices("abcdefghkmnpqrstuvwxyz", k=6))

    def several(self, few: int = 3, many: int = 14) -> int:
        """How many children a new parent gets: usually 1..few, sometimes over 10 (always
        ``many`` while ``grow_big`` runs)."""
        if self.growing:
            return many
        return self.rng.randint(11, many) if self.rng.random() < 0.15 else \
            self.rng.randint(1, few)

    def grow_big(self) -> None:
        """A new draft invoice and a new subscription with more than 10 children each."""
        self.growing = True
        try:
            assert _new_invoice(self) and _new_subscription(self)
        finally:
            self.growing = False

    def remove_big(self) -> None:
        """Delete a draft invoice and cancel a subscription, both with more than 10
        children."""
        removed = len(self.big_removals)
        assert _delete_draft_invoice(self) and _cancel_subscription(self)
        assert len(self.big_removals) == removed + 2, "no parent with more than 10 children"

    # -- compound changes --------------------------------------------------------------------

    def with_children(self, parent: Obj, kind: str, count: int, links: dict[str, str],
                      touch: dict[str, Any] | None = None) -> None:
        """Add ``count`` children of ``kind`` to ``parent``; then update the parent (Stripe
        sends the parent's ``*.updated`` carrying them) unless ``touch`` is None."""
        for _ in range(count):
            self.emulator.create(kind, parent=parent["id"], links=links)
        if touch is not None:
            self.emulator.update(parent["id"], touch)


@dataclass(frozen=True)
class Op:
    """One kind of change: its name, how often it is drawn, and what it does (False: not
    possible right now)."""

    name: str
    weight: int
    make: Callable[[Churn], bool]


def _create(kind: str, fields: Callable[[Churn], Obj] = lambda c: {},
            links: Callable[[Churn], dict[str, str] | None] = lambda c: {}) -> Callable[
                [Churn], bool]:
    """An operation creating one ``kind`` (links None: not possible now)."""
    def make(churn: Churn) -> bool:
        linked = links(churn)
        if linked is None:
            return False
        churn.emulator.create(kind, fields(churn), links=linked)
        return True
    return make


def _update(stream: str, fields: Callable[[Churn], Obj], event_type: str | None = None,
            **match: Any) -> Callable[[Churn], bool]:
    """An operation changing one live object of ``stream`` (matching ``match``)."""
    def make(churn: Churn) -> bool:
        target = churn.pick(churn.live(stream, **match))
        if target is None:
            return False
        churn.emulator.update(target["id"], fields(churn), event_type=event_type)
        return True
    return make


def _delete(candidates: Callable[[Churn], list[Obj]]) -> Callable[[Churn], bool]:
    """An operation deleting one of ``candidates``."""
    def make(churn: Churn) -> bool:
        target = churn.pick(candidates(churn))
        if target is None:
            return False
        churn.emulator.delete(target["id"])
        return True
    return make


def _link(stream: str, key: str, **match: Any) -> Callable[[Churn], dict[str, str] | None]:
    """Links to one random live object of ``stream`` under ``key``."""
    def links(churn: Churn) -> dict[str, str] | None:
        target = churn.pick(churn.live(stream, **match))
        return None if target is None else {key: target["id"]}
    return links


def _metadata(churn: Churn) -> Obj:
    return {"metadata": {"churn": churn.word()}}


def _childless_customers(churn: Churn) -> list[Obj]:
    """Customers without sources, payment methods or balance transactions (their live
    subscriptions Stripe cancels with the customer)."""
    owners = {*churn.kids("customer_sources"), *churn.kids("payment_methods"),
              *churn.kids("customer_balance_transactions")}
    return [c for c in churn.live("customers") if c["id"] not in owners]


def _unused_products(churn: Churn) -> list[Obj]:
    used = {p["product"] for p in churn.live("prices") + churn.live("plans")}
    return [p for p in churn.live("products") if p["id"] not in used]


def _unused_coupons(churn: Churn) -> list[Obj]:
    used = {(p.get("promotion") or {}).get("coupon") for p in churn.live("promotion_codes")}
    return [c for c in churn.live("coupons") if c["id"] not in used]


def _new_subscription(churn: Churn) -> bool:
    customer, price = churn.pick(churn.live("customers")), churn.pick(churn.live("prices"))
    if customer is None or price is None:
        return False
    sub = churn.emulator.create("subscription", {"status": "active"},
                                links={"customer": customer["id"], "price": price["id"]})
    churn.with_children(sub, "subscription_item", churn.several(many=12),
                        {"price": price["id"]}, _metadata(churn))
    return True


def _open_subscriptions(churn: Churn, most: int) -> list[Obj]:
    items = churn.kids("subscription_items")
    return [s for s in churn.live("subscriptions")
            if s["status"] != "canceled" and items[s["id"]] < most]


def _add_subscription_item(churn: Churn) -> bool:
    sub, price = churn.pick(_open_subscriptions(churn, 20)), churn.pick(churn.live("prices"))
    if sub is None or price is None:
        return False
    churn.with_children(sub, "subscription_item", 1, {"price": price["id"]}, _metadata(churn))
    return True


def _cancel_subscription(churn: Churn) -> bool:
    sub = churn.pick_big(_open_subscriptions(churn, 100), churn.kids("subscription_items"))
    if sub is None:
        return False
    churn.emulator.delete(sub["id"])
    return True


def _new_invoice(churn: Churn) -> bool:
    customer, price = churn.pick(churn.live("customers")), churn.pick(churn.live("prices"))
    if customer is None or price is None:
        return False
    invoice = churn.emulator.create("invoice", {"status": "draft"},
                                    links={"customer": customer["id"]})
    churn.with_children(invoice, "line_item", churn.several(), {"price": price["id"]},
                        {"description": f"Order {churn.word()}"})
    return True


def _add_invoice_line(churn: Churn) -> bool:
    invoice = churn.pick(churn.live("invoices", status="draft"))
    price = churn.pick(churn.live("prices"))
    if invoice is None or price is None:
        return False
    churn.with_children(invoice, "line_item", 1, {"price": price["id"]},
                        {"description": f"Order {churn.word()} (more)"})
    return True


def _delete_draft_invoice(churn: Churn) -> bool:
    invoice = churn.pick_big(churn.live("invoices", status="draft"),
                             churn.kids("invoice_line_items"))
    if invoice is None:
        return False
    churn.emulator.delete(invoice["id"])
    return True


def _refund_charge(churn: Churn) -> bool:
    charge = churn.pick([c for c in churn.live("charges")
                         if c["status"] == "succeeded" and c["amount_refunded"] < c["amount"]])
    if charge is None:
        return False
    left = charge["amount"] - charge["amount_refunded"]
    refund = churn.rng.choice((left, churn.rng.randint(1, left)))
    churn.emulator.create("refund", {"amount": refund, "status": "succeeded"},
                          links={"charge": charge["id"]})
    churn.emulator.update(charge["id"], {"amount_refunded": charge["amount_refunded"] + refund,
                                         "refunded": refund == left},
                          event_type="charge.refunded")
    return True


def _new_checkout_session(churn: Churn) -> bool:
    customer, price = churn.pick(churn.live("customers")), churn.pick(churn.live("prices"))
    if customer is None or price is None:
        return False
    session = churn.emulator.create("checkout.session", {"status": "complete"},
                                    links={"customer": customer["id"]})
    # Stripe makes a session and its line items at once: no event for the items
    churn.with_children(session, "item", churn.rng.randint(1, 3), {"price": price["id"]})
    return True


def _settle_balance_transaction(churn: Churn) -> bool:
    recent = churn.emulator.now - 6 * DAY
    target = churn.pick([t for t in churn.live("balance_transactions", status="pending")
                         if t["created"] >= recent])
    if target is None:
        return False
    churn.emulator.update(target["id"], {"status": "available"})  # Stripe sends no event
    return True


def _create_child(kind: str, parents: Callable[[Churn], list[str]]) -> Callable[[Churn], bool]:
    """An operation creating one ``kind`` under a random one of ``parents``."""
    def make(churn: Churn) -> bool:
        owners = parents(churn)
        if not owners:
            return False
        churn.emulator.create(kind, {}, parent=churn.rng.choice(owners))
        return True
    return make


def _customers(churn: Churn) -> list[str]:
    return [c["id"] for c in churn.live("customers")]


def _accounts(churn: Churn) -> list[str]:
    return churn.emulator.accounts()


def _change_subscription(churn: Churn) -> bool:
    sub = churn.pick(_open_subscriptions(churn, 100))
    if sub is None:
        return False
    churn.emulator.update(sub["id"], _metadata(churn))
    return True


def _person_fields(churn: Churn) -> Obj:
    return {"first_name": churn.word().title()}


def _holder(churn: Churn) -> Obj:
    return {"account_holder_name": f"{churn.word().title()} {churn.word().title()}"}


OPS: tuple[Op, ...] = (
    Op("customer.create", 6, _create("customer", lambda c: {
        "email": f"{c.word()}@example.com", "name": c.word().title()})),
    Op("customer.update", 6, _update("customers", lambda c: {
        "name": c.word().title(), **_metadata(c)})),
    Op("customer.delete", 2, _delete(_childless_customers)),
    Op("bank_account.create", 3, _create_child("bank_account", _customers)),
    Op("bank_account.update", 3, _update("bank_accounts", _holder)),
    Op("bank_account.delete", 2, _delete(lambda c: c.live("bank_accounts"))),
    Op("product.create", 2, _create("product", lambda c: {"name": c.word().title()})),
    Op("product.update", 3, _update("products", lambda c: {
        "description": f"Now {c.word()}"})),
    Op("product.delete", 1, _delete(_unused_products)),
    Op("price.create", 2, _create("price", links=_link("products", "product"))),
    Op("price.update", 2, _update("prices", lambda c: {"nickname": c.word()})),
    Op("coupon.create", 2, _create("coupon", lambda c: {"name": f"{c.word()} deal"})),
    Op("coupon.update", 2, _update("coupons", lambda c: {"name": f"{c.word()} deal"})),
    Op("coupon.delete", 1, _delete(_unused_coupons)),
    Op("subscription.create", 4, _new_subscription),
    Op("subscription.update", 4, _change_subscription),
    Op("subscription.add_item", 2, _add_subscription_item),
    Op("subscription.cancel", 2, _cancel_subscription),
    Op("invoice.create", 5, _new_invoice),
    Op("invoice.add_line", 2, _add_invoice_line),
    Op("invoice.finalize", 2, _update("invoices", lambda c: {"status": "open"},
                                      "invoice.finalized", status="draft")),
    Op("invoice.pay", 2, _update("invoices", lambda c: {"status": "paid"}, "invoice.paid",
                                 status="open")),
    Op("invoice.delete", 1, _delete_draft_invoice),
    Op("charge.create", 4, _create("charge", lambda c: {"status": "succeeded"},
                                   _link("customers", "customer"))),
    Op("charge.update", 2, _update("charges", lambda c: {"description": c.word()})),
    Op("charge.refund", 3, _refund_charge),
    Op("refund.update", 1, _update("refunds", _metadata)),
    Op("checkout_session.create", 3, _new_checkout_session),
    Op("balance_transaction.create", 2, _create("balance_transaction",
                                                lambda c: {"status": "pending"})),
    Op("balance_transaction.settle", 2, _settle_balance_transaction),
    Op("file.create", 1, _create("file")),
)
"""Changes to the platform's own objects."""

CONNECT_OPS: tuple[Op, ...] = (
    Op("account.update", 2, _update("accounts", lambda c: {"email": f"{c.word()}@example.com"})),
    Op("person.create", 1, _create_child("person", _accounts)),
    Op("person.update", 2, _update("persons", _person_fields)),
    Op("person.delete", 1, _delete(lambda c: c.live("persons"))),
    Op("external_account.create", 1, _create_child("bank_account", _accounts)),
    Op("external_account.update", 2, _update("external_account_bank_accounts", _holder)),
    Op("external_account.delete", 1, _delete(lambda c: c.live("external_account_cards"))),
)
"""Changes to what hangs off connected accounts (their events are the connected account's)."""
