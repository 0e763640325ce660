"""Fields Stripe leaves out of its responses unless they are asked for ("includable"), per list
endpoint the tap reads, and how the tap gets each one.

Stripe's reference marks them "This field is not included by default. To include it in the
response, expand the <field> field." The tap asks for them with ``expand[]``, reads them from a
stream of their own, or (where it can never fill them) leaves them out of the schema.
stripe-python 16.1.0's field docstrings do not carry that sentence; the other sources named
are Stripe's OpenAPI spec (the field is not ``required``, so stripe-go tags it ``omitempty``)
and Stripe's example objects (``openapi/fixtures3.json``), which leave every one of them out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Includable:
    """One includable field of a list endpoint's objects.

    Attributes:
        field: The field of the object (``tiers``, ``tax_ids``...); dotted when it lies inside
            another field (``total_details.breakdown``).
        how: How the tap fills it: ``expand`` (``expand[]=data.<field>`` on the list and on
            re-reads by id), ``stream:<name>`` (its contents are the records of that stream), or
            ``dropped`` (the tap cannot fill it; the schema leaves it out).
        source: Where Stripe documents that the field is includable (API reference wording or
            the stripe-python field docstring).
    """

    field: str
    how: str
    source: str


_REF = ("Stripe API reference, {page}: '{field}' is \"not included by default. To include it "
        "in the response, expand the {field} field\"; left out of Stripe's example {kind} "
        "(openapi fixtures3.json)")


def _ref(page: str, kind: str, field: str) -> str:
    return _REF.format(page=page, kind=kind, field=field)


def _customer(field: str, how: str = "expand") -> Includable:
    return Includable(field, how, _ref("The Customer object", "customer", field))


# List path (as in the registry) -> the includable fields of its objects.
INCLUDABLE: dict[str, tuple[Includable, ...]] = {
    "/v1/customers": (
        _customer("tax_ids"),
        _customer("cash_balance"),
        _customer("invoice_credit_balance"),
        _customer("tax"),
        # Bank accounts are the bank_accounts stream (its first page comes embedded through
        # this expansion); cards are read as payment methods.
        _customer("sources", "stream:bank_accounts"),
        _customer("subscriptions", "stream:subscriptions"),
    ),
    "/v1/prices": (
        Includable("tiers", "expand", _ref("The Price object", "price", "tiers")),
        Includable("currency_options", "expand",
                   _ref("The Price object", "price", "currency_options")),
    ),
    "/v1/plans": (
        Includable("tiers", "expand", _ref("The Plan object", "plan", "tiers")),
    ),
    "/v1/coupons": (
        Includable("applies_to", "expand", _ref("The Coupon object", "coupon", "applies_to")),
        Includable("currency_options", "expand",
                   _ref("The Coupon object", "coupon", "currency_options")),
    ),
    "/v1/charges": (
        # Includable since API 2022-11-15; Stripe's example charge predates that and holds it.
        Includable("refunds", "stream:refunds",
                   "Stripe API reference, The Charge object: 'refunds' is \"not included by "
                   "default\" (changelog 2022-11-15: charges no longer auto-expand refunds)"),
    ),
    "/v1/checkout/sessions": (
        Includable("line_items", "stream:checkout_sessions_line_items",
                   _ref("The Checkout Session object", "checkout.session", "line_items")),
        Includable("total_details.breakdown", "dropped",
                   _ref("The Checkout Session object", "checkout.session", "breakdown")
                   + "; not requested yet: see the README"),
    ),
    "/v1/quotes": (
        Includable("line_items", "stream:quote_line_items",
                   _ref("The Quote object", "quote", "line_items")),
        Includable("total_details.breakdown", "dropped",
                   _ref("The Quote object", "quote", "breakdown")
                   + "; not requested yet: see the README"),
        Includable("computed.upfront.line_items", "stream:quote_computed_upfront_line_items",
                   _ref("The Quote object", "quote", "line_items")
                   + " (under computed.upfront); stripe-python "
                   "`Quote.list_computed_upfront_line_items`: \"When retrieving a quote, there is "
                   "an includable computed.upfront.line_items property containing the first "
                   "handful of those items.\""),
        # On a list, data.computed.upfront.total_details.breakdown is 5 levels: past Stripe's
        # limit of 4 (notes 2.3); only a re-read of every quote could fill these.
        Includable("computed.upfront.total_details.breakdown", "dropped",
                   _ref("The Quote object", "quote", "breakdown")
                   + "; 5 levels deep on a list, past Stripe's expansion limit of 4"),
        Includable("computed.recurring.total_details.breakdown", "dropped",
                   _ref("The Quote object", "quote", "breakdown")
                   + "; 5 levels deep on a list, past Stripe's expansion limit of 4"),
    ),
    "/v1/shipping_rates": (
        Includable("fixed_amount.currency_options", "dropped",
                   _ref("The Shipping Rate object", "shipping_rate", "currency_options")
                   + "; not requested yet: see the README"),
    ),
    "/v1/payment_intents": (
        Includable("amount_details.line_items",
                   "stream:payment_intent_amount_details_line_items",
                   _ref("The PaymentIntent object", "payment_intent", "line_items")
                   + " (under amount_details)"),
    ),
    "/v1/invoices": (
        Includable("payments", "stream:invoice_payments",
                   _ref("The Invoice object", "invoice", "payments")),
        # The client secret of the invoice's payment: a secret, never written out.
        Includable("confirmation_secret", "dropped",
                   _ref("The Invoice object", "invoice", "confirmation_secret")),
    ),
    "/v1/issuing/cards": (
        # Full card number and CVC: secrets, never written out.
        Includable("number", "dropped", _ref("The Card object (Issuing)", "issuing.card",
                                             "number")),
        Includable("cvc", "dropped", _ref("The Card object (Issuing)", "issuing.card", "cvc")),
    ),
    "/v1/payment_links": (
        Includable("line_items", "stream:payment_link_line_items",
                   "stripe-python `PaymentLink.list_line_items`: \"When retrieving a payment link, "
                   "there is an includable line_items property containing the first handful of "
                   "those items.\"; left out of Stripe's example payment_link (openapi "
                   "fixtures3.json)"),
    ),
    "/v1/treasury/transactions": (
        Includable("entries", "stream:treasury_transaction_entries",
                   "stripe-python `treasury.Transaction.entries`: \"A list of "
                   "TransactionEntries that are part of this Transaction. This cannot be "
                   "expanded in any list endpoints.\"; left out of Stripe's example "
                   "treasury.transaction (openapi fixtures3.json)"),
    ),
    "/v1/checkout/sessions/{parent_id}/line_items": (
        Includable("discounts", "dropped", _ref("The Line Item object", "item", "discounts")
                   + "; on the embedded first page it would be a 4-level expansion"),
        Includable("taxes", "dropped", _ref("The Line Item object", "item", "taxes")
                   + "; on the embedded first page it would be a 4-level expansion"),
    ),
}


def expanded(path: str) -> tuple[str, ...]:
    """The includable fields of ``path``'s objects that the tap asks for with ``expand[]``."""
    return tuple(i.field for i in INCLUDABLE.get(path, ()) if i.how == "expand")


def left_out(path: str) -> tuple[str, ...]:
    """The includable fields of ``path``'s objects that its records never carry (read as a
    stream of their own, or dropped)."""
    return tuple(i.field for i in INCLUDABLE.get(path, ()) if i.how != "expand")
