"""What becomes of the children of a parent Stripe removes (deletes, or cancels: a
subscription), per child stream: which of them the tap can flag ``is_deleted``, and the source.

Stripe embeds at most the first 10 children in a parent's payload (``invoice.lines``,
``subscription.items``, with ``has_more``). Past those, the tap reads the child endpoint where
Stripe still serves it; where it does not, the other children keep the rows of earlier runs,
which carry the parent's id (``parent_id_field``): join them on the parent's ``is_deleted``.
Data only: the README and the behaviour table show it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AfterRemoval:
    """The children of one child stream once their parent is removed.

    Attributes:
        child: The child stream.
        parent: Its parent stream.
        flagged: Which children get ``is_deleted: true``: ``all``, ``first 10`` (those the
            parent's payload embeds) or ``none``.
        why: What Stripe still serves, in a few words.
        source: Where Stripe says so.
    """

    child: str
    parent: str
    flagged: str
    why: str
    source: str


_CUSTOMER = ("Stripe API reference, Delete a customer: \"Permanently deletes a customer. It "
             "cannot be undone.\" and \"Deleting customers removes all credit card details\"; "
             "only the deleted stub stays retrievable")

AFTER_PARENT_REMOVED: tuple[AfterRemoval, ...] = (
    AfterRemoval("subscription_items", "subscriptions", "all",
                 "a canceled subscription stays retrievable with its items, and its items list "
                 "(the url its payload embeds) is still served",
                 "customer.subscription.deleted cancels, the subscription \"can still be "
                 "retrieved with status canceled\" (Stripe's event types; notes 3.1)"),
    AfterRemoval("invoice_line_items", "invoices", "first 10",
                 "the invoice.deleted payload embeds the first 10 lines; the draft and its line "
                 "list are gone (404)",
                 "Stripe API reference, Delete a draft invoice: \"Permanently deletes a one-off "
                 "invoice draft. This cannot be undone.\""),
    AfterRemoval("bank_accounts", "customers", "none",
                 "customer.deleted carries no sources (includable; event payloads are never "
                 "expanded) and the customer's lists are gone", _CUSTOMER),
    AfterRemoval("customer_balance_transactions", "customers", "none",
                 "never embedded in the customer; the customer's lists are gone", _CUSTOMER),
    AfterRemoval("payment_methods", "customers", "none",
                 "never embedded in the customer; the customer's lists are gone", _CUSTOMER),
    AfterRemoval("billing_credit_balance_transactions", "customers", "none",
                 "read whole on every run: a deleted customer's transactions are no longer "
                 "listed", _CUSTOMER),
    AfterRemoval("customer_cash_balance_transactions", "customers", "none",
                 "never embedded in the customer; the customer's lists are gone", _CUSTOMER),
    AfterRemoval("customer_tax_ids", "customers", "none",
                 "customer.deleted carries no tax_ids (includable; event payloads are never "
                 "expanded) and the customer's lists are gone", _CUSTOMER),
    AfterRemoval("entitlements_active_entitlements", "customers", "none",
                 "read whole on every run: a deleted customer's entitlements are no longer "
                 "listed", _CUSTOMER),
    AfterRemoval("product_features", "products", "none",
                 "read whole on every run: a deleted product's features are no longer listed",
                 "stripe-python `ProductService.delete`: \"Delete a product. Deleting a product "
                 "is only possible if it has no prices associated with it.\""),
)
