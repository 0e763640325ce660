"""Every collection the emulator serves, described as data.

A *collection* is one sequence of generated objects of an account: a top-level list such as
``/v1/customers``, or a child list whose objects belong to a parent object (invoice lines,
customer sources, ...). Each row says where it is served, how many objects a data set holds, how
its objects link to others, which list filters Stripe accepts on it, which events Stripe emits for
it, how it is deleted and which restricted-key permission reads it. Nothing else in the emulator
lists collections.

Sources of the facts: stripe-python 16.1.0 list params (which endpoints take ``created``, which
filters exist), its ``ExpandableField`` annotations (``EXPANDABLE``), the event table of the
project's Stripe notes (Appendix B) and public error reports naming restricted-key permissions
(``rak_charge_read``, ``rak_plan_read`` for prices, ``rak_balance_transaction_source_read``,
``rak_connected_account_read``, ``rak_event_read``, ``rak_accounts_kyc_basic_read``). Permission
names not seen in such reports follow the same ``rak_<object>_read`` pattern.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True)
class Link:
    """How one ``links`` entry of a generated object is chosen.

    Modes: ``pick`` (any object of ``target`` created no later than this one), ``nearest`` (the
    object of ``target`` created closest after this one), ``parent`` (the owning parent),
    ``via`` (the ``path[-1]`` link of the object reached through ``path[:-1]``, else a ``pick``
    of ``target`` when given), ``child`` (a child in collection ``target`` of the object reached
    through ``path``), ``one_of`` (a ``pick`` from one of ``choices``, by weight), ``spread``
    (object ``i`` of ``n`` links to object ``i * m // n`` of the ``m`` objects of ``target``: one
    each, oldest to oldest) and ``spread_back`` (the object of ``target`` whose ``spread`` link
    ``path[0]`` names this one, if any).
    """

    key: str
    mode: str
    target: str = ""
    path: tuple[str, ...] = ()
    null: float = 0.0
    choices: tuple[tuple[str, int], ...] = ()


def pick(key: str, target: str, null: float = 0.0) -> Link:
    """Link ``key`` to an older object of ``target`` (none with chance ``null``)."""
    return Link(key, "pick", target, null=null)


def nearest(key: str, target: str, null: float = 0.0) -> Link:
    """Link ``key`` to the object of ``target`` created right after this one."""
    return Link(key, "nearest", target, null=null)


def parent(key: str) -> Link:
    """Link ``key`` to the owning parent object."""
    return Link(key, "parent")


def via(key: str, *path: str, fallback: str = "") -> Link:
    """Link ``key`` to the object found by following link keys ``path``."""
    return Link(key, "via", fallback, path=path)


def child(key: str, target: str, *path: str, null: float = 0.0) -> Link:
    """Link ``key`` to a child (in ``target``) of the object found through ``path``."""
    return Link(key, "child", target, path=path, null=null)


def spread(key: str, target: str) -> Link:
    """Link ``key`` to a distinct object of ``target`` (a larger collection), in order."""
    return Link(key, "spread", target)


def spread_back(key: str, target: str, link: str) -> Link:
    """Link ``key`` to the object of ``target`` whose ``spread`` link ``link`` is this one."""
    return Link(key, "spread_back", target, path=(link,))


def one_of(key: str, *choices: tuple[str, int]) -> Link:
    """Link ``key`` to an older object of one of ``choices`` (collection, weight)."""
    return Link(key, "one_of", choices=choices)


@dataclass(frozen=True)
class Filter:
    """One list query parameter and how it selects objects.

    Kinds: ``eq`` (string equality with ``field``), ``bool``, ``int``, ``range`` (an int or a
    ``{gt,gte,lt,lte}`` map on a timestamp/amount field), ``in`` (array of values), ``dict``
    (sub-keys compared with the sub-fields of ``field``), ``isnull`` (a boolean saying ``field``
    is null), ``choice`` (``eq`` restricted to ``choices``), and the special kinds ``parent``
    (names the parent, required; with ``choices``: it or one of those alternatives is required),
    ``required`` (a required ``eq``, or ``choice`` when ``choices`` are given), ``after`` and
    ``before`` (a timestamp bound, exclusive), ``payout``, ``subscription_status``,
    ``event_type``, ``event_types``, ``delivery_success``, ``unsupported`` (valid in Stripe,
    not emulated).
    """

    kind: str
    field: str = ""
    choices: tuple[str, ...] = ()


def eq(path: str = "") -> Filter:
    """Equality with a field (``path`` defaults to the parameter name)."""
    return Filter("eq", path)


def flag(path: str = "") -> Filter:
    """Boolean equality with a field."""
    return Filter("bool", path)


def when(path: str = "") -> Filter:
    """Timestamp (or amount) range on a field."""
    return Filter("range", path)


UNSUPPORTED = Filter("unsupported")


@dataclass(frozen=True)
class Hidden:
    """Objects a plain list leaves out: those whose ``field`` holds one of ``values`` (no
    values: any non-null value), unless one of the ``unless`` parameters is given. ``source``
    quotes where Stripe says so."""

    field: str
    values: tuple[object, ...] = ()
    unless: tuple[str, ...] = ()
    source: str = ""

    def hides(self, obj: Mapping[str, Any]) -> bool:
        """Whether a plain list leaves ``obj`` out (``field`` may be dotted: ``owner.type``)."""
        value: Any = obj
        for part in self.field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value in self.values if self.values else value is not None


# Stripe's wording on the test-clock filters (stripe-python 16.1.0 list params docstrings).
_CLOCK_CUSTOMERS = ("CustomerListParams.test_clock: \"The response will not include customers "
                    "with test clocks if this parameter is not set.\"")
_CLOCK_SUBSCRIPTIONS = ("SubscriptionListParams.test_clock: \"The response will not include "
                        "subscriptions with test clocks if this and the customer parameter is "
                        "not set.\"")
_CLOCK_QUOTES = ("QuoteListParams.test_clock: \"The response will not include quotes with test "
                 "clocks if this and the customer parameter is not set.\"")
_CLOCK_SCHEDULES = ("SubscriptionScheduleListParams.customer: \"The response will not include "
                    "subscription schedules for customers with a test clock attached if this "
                    "parameter is not set.\"")


@dataclass(frozen=True)
class Events:
    """Stripe's event types for an object's creation, update and deletion (None: no such event)."""

    created: str | None = None
    updated: str | None = None
    deleted: str | None = None
    by_status: Mapping[str, str] = field(default_factory=dict)
    """Where Stripe announces status changes rather than updates: the event it sends when
    ``status`` becomes the key (an update that leaves ``status`` alone sends none)."""

    def of_update(self, previous: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
        """The event of an update whose old values are ``previous`` and new object ``new``."""
        if self.by_status:
            return self.by_status.get(new.get("status", "")) if "status" in previous else None
        return self.updated

    def names(self) -> set[str]:
        """Every event type named here."""
        named = {self.created, self.updated, self.deleted, *self.by_status.values()}
        return {name for name in named if name}


def events(prefix: str, created: str | None = "created", updated: str | None = "updated",
           deleted: str | None = None) -> Events:
    """Event names ``<prefix>.<verb>`` (a verb of None means no such event)."""
    return Events(*(f"{prefix}.{verb}" if verb else None for verb in (created, updated, deleted)))


@dataclass(frozen=True)
class Collection:
    """One sequence of objects of an account (see the module docstring).

    ``names``: the objects' ids are these names, in order, unique within one account only
    (Stripe's capability ids: ``card_payments``); such objects are a connected account's own
    (its data set holds them, its events announce them) and the platform reads them under
    ``/v1/accounts/{account}/<path>`` (``parent`` is ``accounts``).
    """

    name: str
    kinds: tuple[str, ...]
    path: str
    weights: tuple[int, ...] = (1,)
    per_scale: float = 0.0
    minimum: int = 1
    parent: str = ""
    per_parent: float = 0.0
    min_per_parent: int = 0
    parent_param: str = ""
    embedded: str = ""
    includable: bool = False
    retrieve: bool = True
    retrieve_path: str = ""
    links: tuple[Link, ...] = ()
    created_filter: bool = True
    filters: Mapping[str, Filter] = field(default_factory=dict)
    events: Events = Events()
    deletion: str = ""
    permission: str = ""
    platform_only: bool = False
    hidden: tuple[Hidden, ...] = ()
    test_mode_only: bool = False
    stripe_class: str = ""
    fill: float | None = None
    names: tuple[str, ...] = ()

    @property
    def is_child(self) -> bool:
        """Whether objects belong to a parent object of the same data set (``names``: they
        are the parent account's own objects, listed under its path)."""
        return bool(self.parent) and not self.names


_PI_CUSTOMER = {"customer": eq(), "customer_account": eq()}


def endpoint(name: str, stripe_class: str, path: str, **row: Any) -> Collection:
    """A collection whose objects the generic builder makes from ``stripe_class``: one per
    account data set for every 50 customers (at least 2).

    Permission: Stripe's name where its Stripe Apps permissions reference gives one (customer
    portal, payment links, report runs, webhooks: the rows say so; apple pay domains, issuing
    disputes, terminal and billing meters match the pattern), else ``rak_<object>_read``.
    """
    kind = _OBJECT_NAMES[stripe_class]
    row.setdefault("per_scale", 0.02)
    row.setdefault("minimum", 2)
    row.setdefault("permission", f"rak_{kind.replace('.', '_')}_read")
    return Collection(name, (kind,), path, stripe_class=stripe_class, **row)


def treasury(name: str, stripe_class: str, path: str, **row: Any) -> Collection:
    """A Treasury list: the objects of one financial account (``financial_account``, required:
    every Treasury *ListParams TypedDict requires it), linked to its transactions."""
    links = (parent("financial_account"),
             child("transaction", "treasury_transactions", "financial_account"),
             *row.pop("links", ()))
    filters = {"financial_account": Filter("parent"), **row.pop("filters", {})}
    row.setdefault("per_parent", 2.0)
    return endpoint(name, stripe_class, path, parent="treasury_financial_accounts",
                    parent_param="financial_account", links=links, filters=filters, **row)


_OBJECT_NAMES: dict[str, str] = {
    # stripe-python class (dotted under ``stripe``) -> its OBJECT_NAME, for the generic
    # endpoints (the catalog imports no stripe class; a test checks the names).
    "ApplePayDomain": "apple_pay_domain", "Capability": "capability",
    "billing.Alert": "billing.alert",
    "billing.CreditBalanceTransaction": "billing.credit_balance_transaction",
    "billing.CreditGrant": "billing.credit_grant", "billing.Meter": "billing.meter",
    "billing_portal.Configuration": "billing_portal.configuration",
    "climate.Order": "climate.order", "entitlements.ActiveEntitlement":
    "entitlements.active_entitlement", "entitlements.Feature": "entitlements.feature",
    "financial_connections.Account": "financial_connections.account",
    "financial_connections.AccountOwner": "financial_connections.account_owner",
    "financial_connections.Transaction": "financial_connections.transaction",
    "forwarding.Request": "forwarding.request",
    "identity.VerificationReport": "identity.verification_report",
    "identity.VerificationSession": "identity.verification_session",
    "InvoiceRenderingTemplate": "invoice_rendering_template",
    "issuing.Dispute": "issuing.dispute",
    "issuing.PersonalizationDesign": "issuing.personalization_design",
    "issuing.PhysicalBundle": "issuing.physical_bundle", "issuing.Token": "issuing.token",
    "PaymentLink": "payment_link",
    "PaymentMethodConfiguration": "payment_method_configuration",
    "PaymentMethodDomain": "payment_method_domain",
    "product_catalog.TrialOffer": "product_catalog.trial_offer",
    "radar.ValueList": "radar.value_list", "radar.ValueListItem": "radar.value_list_item",
    "reporting.ReportRun": "reporting.report_run",
    "sigma.ScheduledQueryRun": "scheduled_query_run", "TaxCode": "tax_code",
    "TaxId": "tax_id", "tax.Registration": "tax.registration",
    "terminal.Configuration": "terminal.configuration",
    "terminal.Location": "terminal.location", "terminal.Reader": "terminal.reader",
    "treasury.CreditReversal": "treasury.credit_reversal",
    "treasury.DebitReversal": "treasury.debit_reversal",
    "treasury.FinancialAccount": "treasury.financial_account",
    "treasury.InboundTransfer": "treasury.inbound_transfer",
    "treasury.OutboundPayment": "treasury.outbound_payment",
    "treasury.OutboundTransfer": "treasury.outbound_transfer",
    "treasury.ReceivedCredit": "treasury.received_credit",
    "treasury.ReceivedDebit": "treasury.received_debit",
    "treasury.Transaction": "treasury.transaction",
    "treasury.TransactionEntry": "treasury.transaction_entry",
    "WebhookEndpoint": "webhook_endpoint",
    "CustomerCashBalanceTransaction": "customer_cash_balance_transaction",
    "ProductFeature": "product_feature", "PaymentRecord": "payment_record",
    "PaymentAttemptRecord": "payment_attempt_record", "tax.Location": "tax.location",
    "three_d_secure.Authentication": "three_d_secure.authentication",
    "billing.FeedbackOption": "billing.feedback_option",
    "PaymentIntentAmountDetailsLineItem": "payment_intent_amount_details_line_item",
    "apps.Install": "apps.install",
}

COLLECTIONS: tuple[Collection, ...] = (
    # Catalog.
    Collection("products", ("product",), "/v1/products", per_scale=0.05, minimum=3,
               filters={"active": flag(), "ids": Filter("in", "id"), "shippable": flag(),
                        "type": eq(), "url": eq()},
               events=events("product", deleted="deleted"), deletion="stub",
               permission="rak_product_read"),
    Collection("prices", ("price",), "/v1/prices", per_scale=0.1, minimum=4,
               links=(pick("product", "products"),),
               filters={"active": flag(), "currency": eq(), "product": eq(), "type": eq(),
                        "lookup_keys": Filter("in", "lookup_key"),
                        "recurring": Filter("dict", "recurring")},
               events=events("price", deleted="deleted"), deletion="stub",
               permission="rak_plan_read",
               # API reference, List all prices: "Returns a list of your active prices,
               # excluding inline prices. For the list of inactive prices, set active to false."
               hidden=(Hidden("active", (False,), ("active",),
                              "API reference (List all prices): \"Returns a list of your active "
                              "prices, excluding inline prices. For the list of inactive prices, "
                              "set active to false.\""),)),
    Collection("plans", ("plan",), "/v1/plans", per_scale=0.03, minimum=2,
               links=(pick("product", "products"),),
               filters={"active": flag(), "product": eq()},
               events=events("plan", deleted="deleted"), deletion="stub",
               permission="rak_plan_read"),
    Collection("coupons", ("coupon",), "/v1/coupons", per_scale=0.01, minimum=2,
               events=events("coupon", deleted="deleted"), deletion="stub",
               permission="rak_coupon_read"),
    Collection("promotion_codes", ("promotion_code",), "/v1/promotion_codes", per_scale=0.02,
               minimum=2, links=(pick("coupon", "coupons"), pick("customer", "customers", 0.8)),
               filters={"active": flag(), "code": eq(), "coupon": eq("promotion.coupon"),
                        **_PI_CUSTOMER},
               events=events("promotion_code"), permission="rak_promotion_code_read"),
    Collection("tax_rates", ("tax_rate",), "/v1/tax_rates", per_scale=0.005, minimum=2,
               filters={"active": flag(), "inclusive": flag()},
               events=events("tax_rate"), permission="rak_tax_rate_read"),
    Collection("shipping_rates", ("shipping_rate",), "/v1/shipping_rates", per_scale=0.005,
               minimum=2, filters={"active": flag(), "currency": eq("fixed_amount.currency")},
               permission="rak_shipping_rate_read"),
    # Customers and what hangs off them.
    Collection("customers", ("customer",), "/v1/customers", per_scale=1.0, minimum=3,
               links=(pick("test_clock", "test_clocks", 0.9),),
               filters={"email": eq(), "test_clock": eq()},
               hidden=(Hidden("test_clock", (), ("test_clock",), _CLOCK_CUSTOMERS),),
               events=events("customer", deleted="deleted"), deletion="stub",
               permission="rak_customer_read"),
    Collection("payment_methods", ("payment_method",), "payment_methods", parent="customers",
               per_parent=1.2, retrieve_path="/v1/payment_methods",
               links=(parent("customer"),), created_filter=False,
               filters={"allow_redisplay": eq(), "type": eq()},
               events=events("payment_method", created="attached"),
               permission="rak_payment_method_read"),
    Collection("customer_sources", ("bank_account", "card"), "sources", weights=(3, 2),
               parent="customers", per_parent=0.4, embedded="sources", includable=True,
               links=(parent("customer"),), created_filter=False,
               filters={"object": eq()},
               events=events("customer.source", deleted="deleted"), deletion="stub",
               permission="rak_customer_read"),
    Collection("customer_balance_transactions", ("customer_balance_transaction",),
               "balance_transactions", parent="customers", per_parent=0.5,
               links=(parent("customer"),), filters={"invoice": eq()},
               permission="rak_customer_read"),
    # Setup.
    Collection("setup_intents", ("setup_intent",), "/v1/setup_intents", per_scale=0.3,
               links=(pick("customer", "customers", 0.2),
                      child("payment_method", "payment_methods", "customer", null=0.3)),
               filters={"attach_to_self": flag(), "payment_method": eq(), **_PI_CUSTOMER},
               events=events("setup_intent", updated=None),
               permission="rak_setup_intent_read"),
    Collection("setup_attempts", ("setup_attempt",), "/v1/setup_attempts",
               parent="setup_intents", per_parent=1.2, parent_param="setup_intent",
               retrieve=False,
               links=(parent("setup_intent"), via("customer", "setup_intent", "customer"),
                      via("payment_method", "setup_intent", "payment_method",
                          fallback="payment_methods")),
               filters={"setup_intent": Filter("parent")},
               permission="rak_setup_intent_read"),
    # Billing.
    Collection("subscriptions", ("subscription",), "/v1/subscriptions", per_scale=0.5,
               links=(pick("customer", "customers"), pick("price", "prices"),
                      child("payment_method", "payment_methods", "customer", null=0.3),
                      via("test_clock", "customer", "test_clock")),
               hidden=(Hidden("status", ("canceled", "incomplete_expired"), ("status",),
                              "SubscriptionListParams.status: \"If no value is supplied, all "
                              "subscriptions that have not been canceled are returned.\""),
                       Hidden("test_clock", (), ("test_clock", "customer"),
                              _CLOCK_SUBSCRIPTIONS)),
               filters={"status": Filter("subscription_status", "status", (
                            "active", "all", "canceled", "ended", "incomplete",
                            "incomplete_expired", "past_due", "paused", "trialing", "unpaid")),
                        "collection_method": eq(), "test_clock": eq(),
                        "automatic_tax": Filter("dict", "automatic_tax"),
                        "current_period_end": UNSUPPORTED, "current_period_start": UNSUPPORTED,
                        "plan": UNSUPPORTED, "price": UNSUPPORTED, **_PI_CUSTOMER},
               events=events("customer.subscription", deleted="deleted"), deletion="cancel",
               permission="rak_subscription_read"),
    Collection("subscription_items", ("subscription_item",), "/v1/subscription_items",
               parent="subscriptions", per_parent=1.5, min_per_parent=1,
               parent_param="subscription",
               embedded="items",
               links=(parent("subscription"), pick("price", "prices"),
                      via("product", "price", "product")),
               created_filter=False, filters={"subscription": Filter("parent")},
               permission="rak_subscription_read"),
    Collection("subscription_schedules", ("subscription_schedule",),
               "/v1/subscription_schedules", per_scale=0.05,
               links=(pick("subscription", "subscriptions", 0.3),
                      via("customer", "subscription", "customer", fallback="customers"),
                      pick("price", "prices"), via("test_clock", "customer", "test_clock")),
               hidden=(Hidden("test_clock", (), ("customer",), _CLOCK_SCHEDULES),),
               filters={"canceled_at": when(), "completed_at": when(), "released_at": when(),
                        "scheduled": UNSUPPORTED, **_PI_CUSTOMER},
               events=events("subscription_schedule"),
               permission="rak_subscription_schedule_read"),
    Collection("invoices", ("invoice",), "/v1/invoices", per_scale=2.0,
               links=(pick("subscription", "subscriptions", 0.4),
                      via("customer", "subscription", "customer", fallback="customers")),
               filters={"collection_method": eq(), "status": eq(), "due_date": when(),
                        "subscription": eq("parent.subscription_details.subscription"),
                        **_PI_CUSTOMER},
               events=events("invoice", deleted="deleted"), deletion="stub",
               permission="rak_invoice_read"),
    Collection("invoice_line_items", ("line_item",), "lines", parent="invoices",
               per_parent=2.5, embedded="lines", retrieve=False,
               links=(parent("invoice"), via("subscription", "invoice", "subscription"),
                      via("customer", "invoice", "customer"), pick("price", "prices"),
                      via("product", "price", "product"),
                      child("subscription_item", "subscription_items", "subscription"),
                      pick("invoiceitem", "invoice_items")),
               created_filter=False, permission="rak_invoice_read"),
    Collection("invoice_items", ("invoiceitem",), "/v1/invoiceitems", per_scale=0.5,
               links=(pick("invoice", "invoices", 0.3),
                      via("customer", "invoice", "customer", fallback="customers"),
                      pick("price", "prices"), via("product", "price", "product")),
               filters={"invoice": eq(), "pending": Filter("isnull", "invoice"), **_PI_CUSTOMER},
               events=events("invoiceitem", updated=None, deleted="deleted"), deletion="stub",
               permission="rak_invoice_read"),
    Collection("invoice_payments", ("invoice_payment",), "/v1/invoice_payments",
               per_scale=1.5,
               links=(pick("invoice", "invoices"), pick("payment_intent", "payment_intents"),
                      via("customer", "invoice", "customer")),
               filters={"invoice": eq(), "status": eq(), "payment": Filter("dict", "payment")},
               events=events("invoice_payment", created="paid", updated=None),
               permission="rak_invoice_read"),
    Collection("credit_notes", ("credit_note",), "/v1/credit_notes", per_scale=0.1,
               links=(pick("invoice", "invoices"), via("customer", "invoice", "customer")),
               filters={"invoice": eq(), **_PI_CUSTOMER},
               events=events("credit_note"), permission="rak_credit_note_read"),
    Collection("credit_note_line_items", ("credit_note_line_item",), "lines",
               parent="credit_notes", per_parent=1.5, embedded="lines", retrieve=False,
               links=(parent("credit_note"),
                      child("line_item", "invoice_line_items", "credit_note", "invoice")),
               created_filter=False, permission="rak_credit_note_read"),
    Collection("quotes", ("quote",), "/v1/quotes", per_scale=0.1,
               links=(pick("customer", "customers"), via("test_clock", "customer", "test_clock")),
               created_filter=False,
               hidden=(Hidden("test_clock", (), ("test_clock", "customer"), _CLOCK_QUOTES),),
               filters={"status": eq(), "test_clock": eq(), **_PI_CUSTOMER},
               events=events("quote", updated=None), permission="rak_quote_read"),
    Collection("checkout_sessions", ("checkout.session",), "/v1/checkout/sessions",
               per_scale=0.5,
               links=(pick("customer", "customers", 0.3),
                      pick("payment_intent", "payment_intents", 0.3),
                      pick("subscription", "subscriptions", 0.7)),
               filters={"payment_intent": eq(), "payment_link": eq(), "status": eq(),
                        "subscription": eq(), "customer_details": Filter("dict",
                                                                         "customer_details"),
                        **_PI_CUSTOMER},
               events=Events(created="checkout.session.completed"),
               permission="rak_checkout_session_read"),
    Collection("checkout_session_line_items", ("item",), "line_items",
               parent="checkout_sessions", per_parent=2.0, embedded="line_items",
               includable=True, retrieve=False,
               links=(parent("checkout_session"), pick("price", "prices"),
                      via("product", "price", "product")),
               created_filter=False, permission="rak_checkout_session_read"),
    # Payments.
    Collection("payment_intents", ("payment_intent",), "/v1/payment_intents", per_scale=3.0,
               links=(pick("customer", "customers", 0.1),
                      child("payment_method", "payment_methods", "customer", null=0.2)),
               filters=dict(_PI_CUSTOMER),
               events=events("payment_intent", updated=None),
               permission="rak_payment_intent_read"),
    Collection("charges", ("charge",), "/v1/charges", per_scale=3.0,
               links=(pick("payment_intent", "payment_intents"),
                      via("customer", "payment_intent", "customer"),
                      via("payment_method", "payment_intent", "payment_method"),
                      nearest("balance_transaction", "balance_transactions", 0.15),
                      spread_back("review", "reviews", "charge")),
               filters={"customer": eq(), "payment_intent": eq(), "transfer_group": eq()},
               events=Events(created="charge.succeeded", updated="charge.updated"),
               permission="rak_charge_read"),
    Collection("refunds", ("refund",), "/v1/refunds", per_scale=0.3,
               links=(pick("charge", "charges"), via("payment_intent", "charge", "payment_intent"),
                      via("customer", "charge", "customer"),
                      via("payment_method", "charge", "payment_method"),
                      nearest("balance_transaction", "balance_transactions")),
               filters={"charge": eq(), "payment_intent": eq()},
               events=events("refund"), permission="rak_refund_read"),
    Collection("disputes", ("dispute",), "/v1/disputes", per_scale=0.03,
               links=(pick("charge", "charges"), via("payment_intent", "charge", "payment_intent"),
                      nearest("balance_transaction", "balance_transactions"),
                      pick("file", "files", 0.5)),
               filters={"charge": eq(), "payment_intent": eq()},
               events=events("charge.dispute"), permission="rak_dispute_read"),
    # A review is about one charge, which names it back (Charge.review: "ID of the review
    # associated with this charge if one exists."); closing one sends review.closed (the
    # project's Stripe notes, Appendix B: review.opened, review.closed).
    Collection("reviews", ("review",), "/v1/reviews", per_scale=0.03,
               links=(spread("charge", "charges"),
                      via("payment_intent", "charge", "payment_intent")),
               events=Events(created="review.opened", updated="review.closed"),
               permission="rak_review_read",
               hidden=(Hidden("open", (False,), (),
                              "API reference (List all open reviews): \"Returns a list of Review "
                              "objects that have open set to true.\" (no parameter lists closed "
                              "ones)"),)),
    Collection("early_fraud_warnings", ("radar.early_fraud_warning",),
               "/v1/radar/early_fraud_warnings", per_scale=0.02,
               links=(pick("charge", "charges"), via("payment_intent", "charge", "payment_intent")),
               filters={"charge": eq(), "payment_intent": eq()},
               events=events("radar.early_fraud_warning"),
               permission="rak_radar_early_fraud_warning_read"),
    # Money movement.
    Collection("balance_transactions", ("balance_transaction",), "/v1/balance_transactions",
               per_scale=4.0,
               links=(one_of("source", ("charges", 70), ("refunds", 10), ("payouts", 6),
                             ("topups", 2), ("transfers", 4), ("application_fees", 4),
                             ("disputes", 1)),),
               filters={"currency": eq(), "payout": Filter("payout"), "source": eq(),
                        "type": eq()},
               permission="rak_balance_transaction_source_read"),
    Collection("payouts", ("payout",), "/v1/payouts", per_scale=0.1,
               links=(nearest("balance_transaction", "balance_transactions"),),
               filters={"arrival_date": when(), "destination": eq(), "status": eq()},
               events=events("payout"), permission="rak_payout_read"),
    Collection("topups", ("topup",), "/v1/topups", per_scale=0.02,
               links=(nearest("balance_transaction", "balance_transactions"),),
               filters={"amount": when(), "status": eq()},
               events=events("topup", updated=None), permission="rak_topup_read"),
    Collection("transfers", ("transfer",), "/v1/transfers", per_scale=0.1, platform_only=True,
               links=(pick("destination", "accounts"), pick("charge", "charges", 0.5),
                      nearest("balance_transaction", "balance_transactions")),
               filters={"destination": eq(), "transfer_group": eq()},
               events=events("transfer"), permission="rak_transfer_read"),
    Collection("transfer_reversals", ("transfer_reversal",), "reversals", parent="transfers",
               per_parent=0.5, embedded="reversals", platform_only=True,
               links=(parent("transfer"), nearest("balance_transaction", "balance_transactions")),
               created_filter=False, permission="rak_transfer_read"),
    Collection("application_fees", ("application_fee",), "/v1/application_fees",
               per_scale=0.1, platform_only=True,
               links=(pick("account", "accounts"), pick("charge", "charges"),
                      nearest("balance_transaction", "balance_transactions")),
               filters={"charge": eq()},
               events=events("application_fee", updated=None),
               permission="rak_application_fee_read"),
    Collection("application_fee_refunds", ("fee_refund",), "refunds",
               parent="application_fees", per_parent=0.5, embedded="refunds",
               platform_only=True,
               links=(parent("application_fee"),
                      nearest("balance_transaction", "balance_transactions")),
               created_filter=False,
               events=Events(updated="application_fee.refund.updated"),
               permission="rak_application_fee_read"),
    # Files.
    Collection("files", ("file",), "/v1/files", per_scale=0.05, minimum=2,
               filters={"purpose": eq()}, events=Events(created="file.created"),
               permission="rak_file_read"),
    Collection("file_links", ("file_link",), "/v1/file_links", per_scale=0.05,
               links=(pick("file", "files"),), filters={"expired": flag(), "file": eq()},
               permission="rak_file_link_read"),
    # Issuing.
    Collection("cardholders", ("issuing.cardholder",), "/v1/issuing/cardholders",
               per_scale=0.02, minimum=2,
               filters={"email": eq(), "phone_number": eq(), "status": eq(), "type": eq()},
               events=events("issuing_cardholder"), permission="rak_issuing_cardholder_read"),
    Collection("issuing_cards", ("issuing.card",), "/v1/issuing/cards", per_scale=0.03,
               minimum=2, links=(pick("cardholder", "cardholders"),),
               filters={"cardholder": eq("cardholder.id"), "exp_month": Filter("int"),
                        "exp_year": Filter("int"), "last4": eq(), "status": eq(), "type": eq(),
                        "personalization_design": eq()},
               events=events("issuing_card"), permission="rak_issuing_card_read"),
    Collection("authorizations", ("issuing.authorization",), "/v1/issuing/authorizations",
               per_scale=0.2,
               links=(pick("card", "issuing_cards"), via("cardholder", "card", "cardholder"),
                      nearest("balance_transaction", "balance_transactions", 0.5)),
               filters={"card": eq("card.id"), "cardholder": eq(), "status": eq()},
               events=events("issuing_authorization"),
               permission="rak_issuing_authorization_read"),
    Collection("issuing_transactions", ("issuing.transaction",), "/v1/issuing/transactions",
               per_scale=0.2,
               links=(pick("authorization", "authorizations"),
                      via("card", "authorization", "card"),
                      via("cardholder", "authorization", "cardholder"),
                      nearest("balance_transaction", "balance_transactions")),
               filters={"card": eq(), "cardholder": eq(), "type": eq()},
               events=events("issuing_transaction"),
               permission="rak_issuing_transaction_read"),
    # Connect (platform only): connected accounts and what Stripe serves under them.
    Collection("accounts", ("account",), "/v1/accounts", minimum=0, platform_only=True,
               events=Events(updated="account.updated"), deletion="stub",
               permission="rak_connected_account_read"),
    Collection("persons", ("person",), "persons", parent="accounts", per_parent=2.0,
               platform_only=True, links=(parent("account"), pick("file", "files", 0.7)),
               created_filter=False, filters={"relationship": Filter("dict", "relationship")},
               events=events("person", deleted="deleted"), deletion="stub",
               permission="rak_connected_account_read"),
    Collection("external_accounts", ("bank_account", "card"), "external_accounts",
               weights=(3, 1), parent="accounts", per_parent=1.5, embedded="external_accounts",
               platform_only=True, links=(parent("account"),), created_filter=False,
               filters={"object": eq()},
               events=events("account.external_account", deleted="deleted"), deletion="stub",
               permission="rak_connected_account_read"),
    # Test mode only (stripe-python TestClock: "A test clock enables deterministic control over
    # objects in testmode"): the clocks customers may be attached to, and with them their
    # subscriptions, quotes and schedules (their `test_clock`: "ID of the test clock this
    # subscription belongs to."; fixture test_helpers.test_clock).
    Collection("test_clocks", ("test_helpers.test_clock",), "/v1/test_helpers/test_clocks",
               per_scale=0.03, minimum=2, created_filter=False, test_mode_only=True,
               permission="rak_test_clock_read"),
    # Last, so that the collections before keep their generated data and event ids.
    Collection("quote_line_items", ("item",), "line_items",
               parent="quotes", per_parent=2.0, embedded="line_items",
               includable=True, retrieve=False,
               links=(parent("quote"), pick("price", "prices"),
                      via("product", "price", "product")),
               created_filter=False, permission="rak_quote_read"),
    # Every other list endpoint of stripe-python 16.1.0 that holds account data, built by the
    # generic builder from the class named (``endpoint``). Filters: the class's *ListParams
    # TypedDict (``tests/emulator_tests/test_endpoints.py`` checks each row against it);
    # events: the names in WebhookEndpointCreateParams.enabled_events (checked likewise).
    endpoint("apple_pay_domains", "ApplePayDomain", "/v1/apple_pay/domains",
             created_filter=False, filters={"domain_name": eq()}, deletion="stub"),
    endpoint("billing_meters", "billing.Meter", "/v1/billing/meters", created_filter=False,
             filters={"status": eq()}, events=events("billing.meter")),
    endpoint("billing_alerts", "billing.Alert", "/v1/billing/alerts", created_filter=False,
             links=(pick("meter", "billing_meters"), pick("customer", "customers", 0.7)),
             filters={"alert_type": eq(), "meter": eq("usage_threshold.meter")}),
    endpoint("billing_credit_grants", "billing.CreditGrant", "/v1/billing/credit_grants",
             created_filter=False, links=(pick("customer", "customers"),),
             filters=dict(_PI_CUSTOMER), events=events("billing.credit_grant")),
    # A customer's credit balance transactions: Stripe refuses an unscoped list, "Must provide
    # customer or customer_account." (PostHog/posthog PR #75723), although stripe-python marks
    # both optional (either will do).
    endpoint("billing_credit_balance_transactions", "billing.CreditBalanceTransaction",
             "/v1/billing/credit_balance_transactions", parent="customers", per_parent=0.1,
             parent_param="customer", created_filter=False,
             links=(parent("customer"), pick("credit_grant", "billing_credit_grants"),
                    pick("invoice", "invoices")),
             filters={"credit_grant": eq(),
                      "customer": Filter("parent", choices=("customer_account",)),
                      "customer_account": UNSUPPORTED},
             events=events("billing.credit_balance_transaction", updated=None)),
    endpoint("billing_portal_configurations", "billing_portal.Configuration",
             "/v1/billing_portal/configurations", created_filter=False,
             permission="rak_customer_portal_read",
             filters={"active": flag(), "is_default": flag()},
             events=events("billing_portal.configuration")),
    endpoint("climate_orders", "climate.Order", "/v1/climate/orders", created_filter=False,
             events=events("climate.order", updated=None)),
    endpoint("entitlements_features", "entitlements.Feature", "/v1/entitlements/features",
             created_filter=False, filters={"archived": UNSUPPORTED, "lookup_key": eq()}),
    endpoint("entitlements_active_entitlements", "entitlements.ActiveEntitlement",
             "/v1/entitlements/active_entitlements", parent="customers", per_parent=0.3,
             parent_param="customer", created_filter=False,
             links=(parent("customer"), pick("feature", "entitlements_features")),
             filters={"customer": Filter("parent")}),
    endpoint("financial_connections_accounts", "financial_connections.Account",
             "/v1/financial_connections/accounts", created_filter=False,
             links=(pick("customer", "customers", 0.5),),
             filters={"account_holder": Filter("dict", "account_holder"), "session": eq()},
             events=events("financial_connections.account", updated=None)),
    endpoint("financial_connections_transactions", "financial_connections.Transaction",
             "/v1/financial_connections/transactions", parent="financial_connections_accounts",
             per_parent=3.0, parent_param="account", created_filter=False,
             links=(parent("account"),),
             filters={"account": Filter("parent"), "transacted_at": when(),
                      "transaction_refresh": UNSUPPORTED}),
    endpoint("forwarding_requests", "forwarding.Request", "/v1/forwarding/requests"),
    endpoint("identity_verification_sessions", "identity.VerificationSession",
             "/v1/identity/verification_sessions",
             links=(pick("related_customer", "customers", 0.5),),
             filters={"client_reference_id": eq(), "related_customer": eq(),
                      "related_customer_account": eq(), "status": eq()},
             events=events("identity.verification_session", updated=None)),
    endpoint("identity_verification_reports", "identity.VerificationReport",
             "/v1/identity/verification_reports",
             links=(pick("verification_session", "identity_verification_sessions"),),
             filters={"client_reference_id": eq(), "type": eq(), "verification_session": eq()}),
    endpoint("invoice_rendering_templates", "InvoiceRenderingTemplate",
             "/v1/invoice_rendering_templates", created_filter=False, filters={"status": eq()}),
    endpoint("issuing_disputes", "issuing.Dispute", "/v1/issuing/disputes",
             links=(pick("transaction", "issuing_transactions"),),
             filters={"status": eq(), "transaction": eq()}, events=events("issuing_dispute")),
    endpoint("issuing_physical_bundles", "issuing.PhysicalBundle", "/v1/issuing/physical_bundles",
             created_filter=False, filters={"status": eq(), "type": eq()}),
    endpoint("issuing_personalization_designs", "issuing.PersonalizationDesign",
             "/v1/issuing/personalization_designs", created_filter=False,
             links=(pick("physical_bundle", "issuing_physical_bundles"),),
             filters={"lookup_keys": Filter("in", "lookup_key"),
                      "preferences": Filter("dict", "preferences"), "status": eq()},
             events=events("issuing_personalization_design", created=None)),
    endpoint("issuing_tokens", "issuing.Token", "/v1/issuing/tokens", parent="issuing_cards",
             per_parent=0.5, parent_param="card", links=(parent("card"),),
             filters={"card": Filter("parent"), "status": eq()}, events=events("issuing_token")),
    endpoint("payment_links", "PaymentLink", "/v1/payment_links", created_filter=False,
             permission="rak_payment_links_read",
             links=(pick("shipping_rate", "shipping_rates"), pick("destination", "accounts")),
             filters={"active": flag()}, events=events("payment_link")),
    # Stripe's example configuration holds the settings of 27 of its payment methods.
    endpoint("payment_method_configurations", "PaymentMethodConfiguration",
             "/v1/payment_method_configurations", created_filter=False, fill=0.5,
             filters={"active": flag(), "application": eq()}),
    endpoint("payment_method_domains", "PaymentMethodDomain", "/v1/payment_method_domains",
             created_filter=False, filters={"domain_name": eq(), "enabled": flag()}),
    endpoint("product_catalog_trial_offers", "product_catalog.TrialOffer",
             "/v1/product_catalog/trial_offers", links=(pick("price", "prices"),),
             filters={"active": flag(), "prices": Filter("in", "price")}),
    endpoint("radar_value_lists", "radar.ValueList", "/v1/radar/value_lists",
             filters={"alias": eq(), "contains": UNSUPPORTED}, deletion="stub"),
    endpoint("radar_value_list_items", "radar.ValueListItem", "/v1/radar/value_list_items",
             parent="radar_value_lists", per_parent=3.0, parent_param="value_list",
             links=(parent("value_list"),),
             filters={"value_list": Filter("parent"), "value": eq()}, deletion="stub"),
    endpoint("reporting_report_runs", "reporting.ReportRun", "/v1/reporting/report_runs",
             permission="rak_report_runs_and_report_types_read",
             events=Events(created="reporting.report_run.succeeded")),
    endpoint("sigma_scheduled_query_runs", "sigma.ScheduledQueryRun",
             "/v1/sigma/scheduled_query_runs", created_filter=False,
             events=Events(created="sigma.scheduled_query_run.created")),
    endpoint("tax_codes", "TaxCode", "/v1/tax_codes", created_filter=False),
    # TaxIdListParams.owner: "The account or customer the tax ID belongs to. Defaults to
    # `owner[type]=self`."
    endpoint("tax_ids", "TaxId", "/v1/tax_ids", created_filter=False,
             links=(pick("customer", "customers", 0.5),),
             filters={"owner": Filter("dict", "owner")},
             hidden=(Hidden("owner.type", ("account", "application", "customer"), ("owner",),
                            "TaxIdListParams.owner: \"The account or customer the tax ID "
                            "belongs to. Defaults to `owner[type]=self`.\""),),
             events=events("customer.tax_id", deleted="deleted"), deletion="stub"),
    endpoint("tax_registrations", "tax.Registration", "/v1/tax/registrations",
             created_filter=False,
             filters={"status": Filter("subscription_status", "status",
                                       ("active", "all", "expired", "scheduled"))}),
    endpoint("terminal_configurations", "terminal.Configuration", "/v1/terminal/configurations",
             created_filter=False, filters={"is_account_default": flag()}, deletion="stub"),
    endpoint("terminal_locations", "terminal.Location", "/v1/terminal/locations",
             created_filter=False, deletion="stub"),
    endpoint("terminal_readers", "terminal.Reader", "/v1/terminal/readers", created_filter=False,
             links=(pick("location", "terminal_locations"),
                    pick("payment_intent", "payment_intents"),
                    pick("setup_intent", "setup_intents")),
             filters={"device_type": eq(), "location": eq(), "serial_number": eq(),
                      "status": eq()}, deletion="stub"),
    endpoint("treasury_financial_accounts", "treasury.FinancialAccount",
             "/v1/treasury/financial_accounts", filters={"status": eq()},
             events=events("treasury.financial_account", updated=None)),
    treasury("treasury_transactions", "treasury.Transaction", "/v1/treasury/transactions",
             per_parent=6.0, filters={"order_by": UNSUPPORTED, "status": eq(),
                                      "status_transitions": UNSUPPORTED}),
    treasury("treasury_transaction_entries", "treasury.TransactionEntry",
             "/v1/treasury/transaction_entries", per_parent=6.0,
             filters={"effective_at": when(), "order_by": UNSUPPORTED, "transaction": eq()}),
    treasury("treasury_inbound_transfers", "treasury.InboundTransfer",
             "/v1/treasury/inbound_transfers", created_filter=False, filters={"status": eq()},
             events=events("treasury.inbound_transfer", updated=None)),
    treasury("treasury_outbound_payments", "treasury.OutboundPayment",
             "/v1/treasury/outbound_payments", filters={"customer": eq(), "status": eq()},
             events=events("treasury.outbound_payment", updated=None)),
    treasury("treasury_outbound_transfers", "treasury.OutboundTransfer",
             "/v1/treasury/outbound_transfers", created_filter=False, filters={"status": eq()},
             events=events("treasury.outbound_transfer", updated=None)),
    treasury("treasury_received_credits", "treasury.ReceivedCredit",
             "/v1/treasury/received_credits", created_filter=False,
             filters={"linked_flows": Filter("dict", "linked_flows"), "status": eq()},
             events=events("treasury.received_credit", updated=None)),
    treasury("treasury_received_debits", "treasury.ReceivedDebit",
             "/v1/treasury/received_debits", created_filter=False, filters={"status": eq()},
             events=events("treasury.received_debit", updated=None)),
    treasury("treasury_credit_reversals", "treasury.CreditReversal",
             "/v1/treasury/credit_reversals", created_filter=False,
             links=(child("received_credit", "treasury_received_credits", "financial_account"),),
             filters={"received_credit": eq(), "status": eq()},
             events=events("treasury.credit_reversal", updated=None)),
    treasury("treasury_debit_reversals", "treasury.DebitReversal",
             "/v1/treasury/debit_reversals", created_filter=False,
             links=(child("received_debit", "treasury_received_debits", "financial_account"),),
             filters={"received_debit": eq(), "resolution": eq(), "status": eq()},
             events=events("treasury.debit_reversal", updated=None)),
    endpoint("webhook_endpoints", "WebhookEndpoint", "/v1/webhook_endpoints",
             created_filter=False, deletion="stub", permission="rak_webhook_read"),
    # PaymentMethod.list: "Returns a list of PaymentMethods for Treasury flows. If you want to
    # list the PaymentMethods attached to a Customer for payments, you should use the List a
    # Customer's PaymentMethods API instead." (API reference): methods of no customer here.
    Collection("treasury_payment_methods", ("payment_method",), "/v1/payment_methods",
               per_scale=0.05, minimum=2, retrieve=False, retrieve_path="/v1/payment_methods",
               created_filter=False,
               filters={"allow_redisplay": eq(), "customer": UNSUPPORTED,
                        "customer_account": UNSUPPORTED, "type": eq()},
               hidden=(Hidden("type", ("custom",), ("type",),
                              "PaymentMethodListParams.type: \"Unfiltered, the list returns all "
                              "payment method types except `custom`.\""),),
               permission="rak_payment_method_read"),
    # PaymentRecordListParams: created_after "Only return Payment Records that were created
    # after this unix timestamp.", created_before likewise.
    endpoint("payment_records", "PaymentRecord", "/v1/payment_records", created_filter=False,
             filters={"created_after": Filter("after", "created"),
                      "created_before": Filter("before", "created")}),
    endpoint("payment_attempt_records", "PaymentAttemptRecord", "/v1/payment_attempt_records",
             parent="payment_records", per_parent=1.5, parent_param="payment_record",
             created_filter=False, links=(parent("payment_record"),),
             filters={"payment_record": Filter("parent")}),
    # LocationListParams.type (required): "Type of the tax location. Currently the only option
    # is `performance`."
    endpoint("tax_locations", "tax.Location", "/v1/tax/locations", created_filter=False,
             filters={"type": Filter("required", "type", ("performance",))}),
    # 3-D Secure authentications: Stripe's events (WebhookEndpointCreateParams.enabled_events)
    # are status changes, `three_d_secure.authentication.<status>` for each value of
    # Authentication.status ("Status of this Authentication.": canceled, error, failed,
    # requires_challenge, requires_submission, succeeded; `error` is announced as `errored`);
    # none for a creation or another update. `challenge_started` is no status: not emitted.
    endpoint("three_d_secure_authentications", "three_d_secure.Authentication",
             "/v1/three_d_secure/authentications",
             links=(pick("payment_method", "payment_methods"),), filters={"status": eq()},
             events=Events(by_status={
                 status: f"three_d_secure.authentication.{event}" for status, event in (
                     ("canceled", "canceled"), ("error", "errored"), ("failed", "failed"),
                     ("requires_challenge", "requires_challenge"),
                     ("requires_submission", "requires_submission"),
                     ("succeeded", "succeeded"))})),
    endpoint("apps_installs", "apps.Install", "/v1/apps/installs",
             filters={"account": eq(), "app": eq(), "approval_required": flag(),
                      "channel": eq(), "created_by": eq(), "status": eq()},
             events=events("apps.install", deleted="deleted"), deletion="stub"),
    endpoint("billing_feedback_options", "billing.FeedbackOption", "/v1/billing/feedback_options",
             created_filter=False, filters={"status": eq()}),
    # Lists under a parent (the parent's list_<path> method; no filters, no `created`).
    endpoint("customer_tax_ids", "TaxId", "tax_ids", parent="customers", per_parent=0.3,
             created_filter=False, links=(parent("customer"),),
             events=events("customer.tax_id", deleted="deleted"), deletion="stub",
             permission="rak_customer_read"),
    endpoint("payment_intent_amount_details_line_items", "PaymentIntentAmountDetailsLineItem",
             "amount_details_line_items", parent="payment_intents", per_parent=0.2,
             retrieve=False, created_filter=False, links=(parent("payment_intent"),),
             permission="rak_payment_intent_read"),
    Collection("quote_computed_upfront_line_items", ("item",), "computed_upfront_line_items",
               parent="quotes", per_parent=1.0, retrieve=False,
               links=(parent("quote"), pick("price", "prices"),
                      via("product", "price", "product")),
               created_filter=False, permission="rak_quote_read"),
    endpoint("customer_cash_balance_transactions", "CustomerCashBalanceTransaction",
             "cash_balance_transactions", parent="customers", per_parent=0.3,
             created_filter=False,
             links=(parent("customer"), pick("balance_transaction", "balance_transactions"),
                    pick("payment_intent", "payment_intents"), pick("refund", "refunds"),
                    pick("linked_transaction", "customer_cash_balance_transactions")),
             events=events("customer_cash_balance_transaction", updated=None),
             permission="rak_customer_read"),
    endpoint("product_features", "ProductFeature", "features", parent="products",
             per_parent=1.5, created_filter=False, deletion="stub",
             links=(parent("product"),), permission="rak_product_read"),
    # PaymentLink.line_items: "The line items representing what is being sold." (includable:
    # left out of Stripe's example payment link, like checkout sessions' and quotes').
    Collection("payment_link_line_items", ("item",), "line_items", parent="payment_links",
               per_parent=2.0, embedded="line_items", includable=True, retrieve=False,
               links=(parent("payment_link"), pick("price", "prices"),
                      via("product", "price", "product")),
               created_filter=False, permission="rak_payment_links_read"),
    # A connected account's capabilities, read by the platform: Account.list_capabilities
    # ("Returns a list of capabilities associated with the account."), Account.
    # retrieve_capability. Ids are names (Stripe's example capability: "card_payments"): those
    # the emulator's account requests (its `capabilities` map). Capability has no `created`;
    # `capability.updated` (enabled_events) is the connected account's event. Permission:
    # Stripe's Stripe Apps permissions reference, connected_account_read ("Grants access to
    # read Accounts").
    endpoint("capabilities", "Capability", "capabilities", parent="accounts",
             names=("card_payments", "transfers"), created_filter=False,
             events=Events(updated="capability.updated"),
             permission="rak_connected_account_read"),
    # An account's owners: Account.list_owners (`/v1/financial_connections/accounts/{account}
    # /owners`); AccountListOwnersParams.ownership (required): "The ID of the ownership object
    # to fetch owners from." The account's `ownership` names it (Account.ownership: "The ID of
    # the Financial Connections Account Ownership object associated with this account."; null
    # in Stripe's example account: here where the account has no owners). The same ownership id
    # is each owner's `ownership` (Stripe's example owner: "fcaowns_...").
    endpoint("financial_connections_account_owners", "financial_connections.AccountOwner",
             "owners", parent="financial_connections_accounts", per_parent=2.0, retrieve=False,
             created_filter=False, filters={"ownership": Filter("required")},
             permission="rak_financial_connections_account_read"),
)

BY_NAME: dict[str, Collection] = {c.name: c for c in COLLECTIONS}

EVENT_PERMISSION = "rak_event_read"
ACCOUNT_PERMISSION = "rak_accounts_kyc_basic_read"

CONNECT_CHILDREN = frozenset({"persons", "external_accounts"})
"""Collections owned by a connected account although the platform serves them: their events
appear in that connected account's event list (with ``account`` set)."""

STREAMS: dict[str, tuple[str, str]] = {
    "balance_transactions": ("balance_transactions", ""),
    "file_links": ("file_links", ""),
    "files": ("files", ""),
    "shipping_rates": ("shipping_rates", ""),
    "setup_attempts": ("setup_attempts", ""),
    "accounts": ("accounts", ""),
    "application_fees": ("application_fees", ""),
    "application_fees_refunds": ("application_fee_refunds", ""),
    "authorizations": ("authorizations", ""),
    "bank_accounts": ("customer_sources", "bank_account"),
    "cardholders": ("cardholders", ""),
    "cards": ("issuing_cards", ""),
    "charges": ("charges", ""),
    "checkout_sessions": ("checkout_sessions", ""),
    "checkout_sessions_line_items": ("checkout_session_line_items", ""),
    "coupons": ("coupons", ""),
    "credit_notes": ("credit_notes", ""),
    "credit_note_line_items": ("credit_note_line_items", ""),
    "customer_balance_transactions": ("customer_balance_transactions", ""),
    "customers": ("customers", ""),
    "disputes": ("disputes", ""),
    "early_fraud_warnings": ("early_fraud_warnings", ""),
    "external_account_bank_accounts": ("external_accounts", "bank_account"),
    "external_account_cards": ("external_accounts", "card"),
    "invoice_items": ("invoice_items", ""),
    "invoice_line_items": ("invoice_line_items", ""),
    "invoice_payments": ("invoice_payments", ""),
    "invoices": ("invoices", ""),
    "payment_intents": ("payment_intents", ""),
    "payment_methods": ("payment_methods", ""),
    "payout_balance_transactions": ("balance_transactions", "in_payout"),
    "payouts": ("payouts", ""),
    "persons": ("persons", ""),
    "plans": ("plans", ""),
    "prices": ("prices", ""),
    "products": ("products", ""),
    "promotion_codes": ("promotion_codes", ""),
    "quotes": ("quotes", ""),
    "quote_line_items": ("quote_line_items", ""),
    "refunds": ("refunds", ""),
    "reviews": ("reviews", ""),
    "setup_intents": ("setup_intents", ""),
    "subscription_items": ("subscription_items", ""),
    "subscription_schedule": ("subscription_schedules", ""),
    "subscriptions": ("subscriptions", ""),
    "tax_rates": ("tax_rates", ""),
    "top_ups": ("topups", ""),
    "transactions": ("issuing_transactions", ""),
    "transfer_reversals": ("transfer_reversals", ""),
    "transfers": ("transfers", ""),
}
"""Tap stream name -> (collection, restriction): an object kind, or ``in_payout`` for the
balance transactions that belong to a payout."""

EXPANDABLE: dict[str, dict[str, tuple[str, ...]]] = {
    "account": {},
    "application_fee": {"account": ("account",), "balance_transaction": ("balance_transaction",),
                        "charge": ("charge",), "originating_transaction": ("charge",),
                        "application": ()},
    "balance_transaction": {"source": ("application_fee", "charge", "dispute", "fee_refund",
                                       "issuing.authorization", "issuing.transaction",
                                       "payout", "refund", "topup", "transfer",
                                       "transfer_reversal")},
    "bank_account": {"account": ("account",), "customer": ("customer",)},
    "card": {"account": ("account",), "customer": ("customer",)},
    "charge": {"application": (), "application_fee": ("application_fee",),
               "balance_transaction": ("balance_transaction",), "customer": ("customer",),
               "failure_balance_transaction": ("balance_transaction",),
               "on_behalf_of": ("account",), "payment_intent": ("payment_intent",),
               "review": ("review",), "source_transfer": ("transfer",),
               "transfer": ("transfer",)},
    "checkout.session": {"customer": ("customer",), "invoice": ("invoice",),
                         "payment_intent": ("payment_intent",), "payment_link": (),
                         "setup_intent": ("setup_intent",),
                         "subscription": ("subscription",)},
    "coupon": {},
    "credit_note": {"customer": ("customer",),
                    "customer_balance_transaction": ("customer_balance_transaction",),
                    "invoice": ("invoice",)},
    "credit_note_line_item": {},
    "customer": {"default_source": ("bank_account", "card"), "test_clock": ()},
    "customer_balance_transaction": {"checkout_session": ("checkout.session",),
                                     "credit_note": ("credit_note",),
                                     "customer": ("customer",), "invoice": ("invoice",)},
    "dispute": {"charge": ("charge",), "payment_intent": ("payment_intent",)},
    "event": {},
    "fee_refund": {"balance_transaction": ("balance_transaction",),
                   "fee": ("application_fee",)},
    "file": {},
    "file_link": {"file": ("file",)},
    "invoice": {"account_tax_ids": (), "application": (), "customer": ("customer",),
                "default_payment_method": ("payment_method",),
                "default_source": ("bank_account", "card"), "discounts": (),
                "latest_revision": ("invoice",), "on_behalf_of": ("account",),
                "test_clock": ()},
    "invoice_payment": {"invoice": ("invoice",)},
    "invoiceitem": {"customer": ("customer",), "discounts": (), "invoice": ("invoice",),
                    "test_clock": ()},
    "issuing.authorization": {"cardholder": ("issuing.cardholder",), "token": ()},
    "issuing.card": {"personalization_design": (), "replaced_by": ("issuing.card",),
                     "replacement_for": ("issuing.card",)},
    "issuing.cardholder": {},
    "issuing.transaction": {"authorization": ("issuing.authorization",),
                            "balance_transaction": ("balance_transaction",),
                            "card": ("issuing.card",), "cardholder": ("issuing.cardholder",),
                            "dispute": (), "token": ()},
    "item": {},
    "line_item": {"discounts": (), "subscription": ("subscription",)},
    "payment_intent": {"application": (), "customer": ("customer",),
                       "latest_charge": ("charge",), "on_behalf_of": ("account",),
                       "payment_method": ("payment_method",), "payment_record": (),
                       "review": ("review",), "source": ("bank_account", "card")},
    "payment_method": {"customer": ("customer",)},
    "payout": {"application_fee": ("application_fee",),
               "balance_transaction": ("balance_transaction",),
               "destination": ("bank_account", "card"),
               "failure_balance_transaction": ("balance_transaction",),
               "original_payout": ("payout",), "reversed_by": ("payout",)},
    "person": {},
    "plan": {"product": ("product",)},
    "price": {"product": ("product",)},
    "product": {"default_price": ("price",), "tax_code": ()},
    "promotion_code": {"customer": ("customer",)},
    "quote": {"application": (), "customer": ("customer",), "default_tax_rates": ("tax_rate",),
              "discounts": (), "invoice": ("invoice",), "on_behalf_of": ("account",),
              "subscription": ("subscription",),
              "subscription_schedule": ("subscription_schedule",), "test_clock": ()},
    "radar.early_fraud_warning": {"charge": ("charge",), "payment_intent": ("payment_intent",)},
    "refund": {"balance_transaction": ("balance_transaction",), "charge": ("charge",),
               "customer": ("customer",),
               "failure_balance_transaction": ("balance_transaction",),
               "payment_intent": ("payment_intent",), "payment_method": ("payment_method",),
               "source_transfer_reversal": ("transfer_reversal",),
               "transfer_reversal": ("transfer_reversal",)},
    "review": {"charge": ("charge",), "payment_intent": ("payment_intent",)},
    "setup_attempt": {"application": (), "customer": ("customer",),
                      "on_behalf_of": ("account",), "payment_method": ("payment_method",),
                      "setup_intent": ("setup_intent",)},
    "setup_intent": {"application": (), "customer": ("customer",),
                     "latest_attempt": ("setup_attempt",), "mandate": (),
                     "on_behalf_of": ("account",), "payment_method": ("payment_method",),
                     "single_use_mandate": ()},
    "shipping_rate": {"tax_code": ()},
    "subscription": {"application": (), "customer": ("customer",),
                     "default_payment_method": ("payment_method",),
                     "default_source": ("bank_account", "card"), "discounts": (),
                     "latest_invoice": ("invoice",), "on_behalf_of": ("account",),
                     "pending_setup_intent": ("setup_intent",),
                     "schedule": ("subscription_schedule",), "test_clock": ()},
    "subscription_item": {"discounts": ()},
    "subscription_schedule": {"application": (), "customer": ("customer",),
                              "subscription": ("subscription",), "test_clock": ()},
    "tax_rate": {},
    "test_helpers.test_clock": {},
    "topup": {"balance_transaction": ("balance_transaction",),
              "payment_method": ("payment_method",)},
    "transfer": {"balance_transaction": ("balance_transaction",), "destination": ("account",),
                 "destination_payment": ("charge",), "source_transaction": ("charge",)},
    "transfer_reversal": {"balance_transaction": ("balance_transaction",),
                          "destination_payment_refund": ("refund",),
                          "source_refund": ("refund",), "transfer": ("transfer",)},
}
"""Object kind -> expandable top-level field -> kinds the expanded object can be (from
stripe-python's ``ExpandableField`` annotations; ``()`` = a kind the emulator does not serve)."""

MADE = "="
"""In ``INCLUDABLE``: a value made on request by ``tests.emulator.included``."""

INCLUDABLE: dict[str, dict[str, str]] = {
    # Stripe API reference, each object's page: "This field is not included by default. To
    # include it in the response, expand the <field> field."; Stripe's example objects
    # (stripe-fixtures) leave every one of these out.
    "customer": {"sources": "customer_sources", "cash_balance": MADE,
                 "invoice_credit_balance": MADE, "subscriptions": "", "tax": MADE,
                 "tax_ids": MADE},
    "checkout.session": {"line_items": "checkout_session_line_items"},
    "price": {"tiers": MADE, "currency_options": MADE},
    "plan": {"tiers": MADE},
    "coupon": {"applies_to": MADE, "currency_options": MADE},
    # Includable since API 2022-11-15 (Stripe's changelog: charges no longer auto-expand
    # refunds); the example charge predates it.
    "charge": {"refunds": ""},
    "invoice": {"confirmation_secret": "", "payments": ""},
    "quote": {"line_items": "quote_line_items"},
    "payment_link": {"line_items": "payment_link_line_items"},
    "issuing.card": {"cvc": "", "number": ""},
    "item": {"discounts": "", "taxes": ""},
}
"""Fields present only when expanded: kind -> field -> child collection, ``MADE`` (a value
made on request) or "" (not emulated: expanding it is refused as unsupported)."""
