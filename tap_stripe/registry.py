"""Every stream of the tap, described as data: one row per stream.

Adding a stream is adding a row. The streams, the fetch engine, the Events hub and the schema
generator all read this table; nothing else lists streams.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StreamDef:
    """How one stream is read from Stripe and kept current.

    Attributes:
        name: Stream name (the table name users see).
        path: Stripe list path; a child path holds ``{parent_id}``.
        stripe_class: Dotted name of the stripe-python resource class (schema source).
        object_names: Stripe ``object`` values of this stream's records (also routes events).
        cursor: ``created`` (objects that only grow), ``updated`` (kept current by events) or
            ``full`` (read whole on every run: the list takes no ``created`` filter and
            Stripe sends no event for their changes; singer-sdk's ``FULL_TABLE``).
        update_events: Event types whose ``data.object`` is a new version of a record.
        delete_events: Event types that delete the object (records get ``is_deleted: true``).
        parent: Name of the parent stream, for child streams.
        parent_id_field: Field added to child records holding the parent's id.
        parent_filter: Query parameter naming the parent when ``path`` has no ``{parent_id}``.
        embedded: Field of the parent that embeds the first page of this child list.
        parent_expand: ``expand[]`` entry the parent list needs so that ``embedded`` is present.
        params: Extra list parameters sent on every list request.
        object_filter: Keep only records whose ``object`` is one of ``object_names``.
        created_filter: The list endpoint accepts ``created[gte]``/``created[lt]``.
        connect_only: Exists only on Connect platforms (empty elsewhere).
        selected_by_default: Whether discovery marks the stream selected.
        replication_key: Bookmark field; defaults to ``cursor``.
        parent_field: Field of the object naming its parent (children that get own events).
        retrieve: Path of one object (``{id}``, ``{parent_id}``); top-level lists default to
            ``<path>/{id}``. Used to re-read objects whose event payload has another shape.
        lookback_floor_days: Days always re-read, whatever ``lookback_window_days`` says, for
            objects that change without an event.
        created_field: The object's creation time field (Stripe's ``created[...]`` filter).
        deleted_status: A ``status`` that means deleted (Stripe's ``*.deleted`` event of a
            subscription cancels it; a listing shows it as ``canceled``).
        variants: Further parameter sets the list is read with, each over every ``created``
            window, for objects the plain list hides (``active=false`` for prices). A
            window's checkpoint follows all of them.
        clock_param: In test mode, the parameter that reveals objects on a test clock, which
            the list leaves out without it: ``test_clock`` (listed once per clock) or
            ``customer`` (once per customer on a clock).
        parent_match: Fields a parent must hold for its children to be listed (the child
            list refuses other parents: ``payout=`` takes automatic payouts only).
        parent_params: Query parameters of a child list taken from fields of its parent
            (``{"ownership": "ownership"}``: the parent's ``ownership`` id); parents without
            them have no such list.
        found_in: ``(stream, field)`` pairs naming objects of this stream that no list shows
            (closed reviews): read by id when those streams' records of the run hold them.
        primary_key: The record's key fields. ``id`` alone, except where Stripe's ids are
            unique within one parent only: a capability's id is its name (stripe-python's
            ``Capability.id``: "The identifier for the capability"; Stripe's example object:
            ``card_payments``), the same in every connected account.
    """

    name: str
    path: str
    stripe_class: str
    object_names: tuple[str, ...]
    cursor: str = "updated"
    update_events: tuple[str, ...] = ()
    delete_events: tuple[str, ...] = ()
    parent: str | None = None
    parent_id_field: str | None = None
    parent_filter: str | None = None
    embedded: str | None = None
    parent_expand: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    object_filter: bool = False
    created_filter: bool = True
    connect_only: bool = False
    selected_by_default: bool = True
    replication_key: str = ""
    parent_field: str | None = None
    retrieve: str | None = None
    lookback_floor_days: int = 0
    created_field: str = "created"
    deleted_status: str | None = None
    variants: tuple[dict[str, str], ...] = ()
    clock_param: str | None = None
    parent_match: dict[str, Any] = field(default_factory=dict)
    found_in: tuple[tuple[str, str], ...] = ()
    parent_params: dict[str, str] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ("id",)

    @property
    def key(self) -> str:
        """The bookmark field of this stream ("" when it is read whole on every run)."""
        if self.cursor == "full":
            return ""
        return self.replication_key or self.cursor

    @property
    def is_child(self) -> bool:
        """Whether records are read per parent record."""
        return self.parent is not None

    def shows_deleted(self, obj: Mapping[str, Any]) -> bool:
        """Whether ``obj`` itself says it is deleted (a stub, or a status meaning deleted)."""
        if obj.get("deleted") is True:
            return True
        return self.deleted_status is not None and obj.get("status") == self.deleted_status

    def takes_parent(self, parent: Mapping[str, Any]) -> bool:
        """Whether this child stream's list accepts ``parent`` (see ``parent_match``)."""
        match, params = self.parent_match, self.parent_params
        return (not match or all(parent.get(k) == v for k, v in match.items())) and (
            not params or all(parent.get(f) for f in params.values()))

    def query_of(self, parent: Mapping[str, Any]) -> dict[str, str]:
        """The query parameters of ``parent``'s child list (``parent_filter``,
        ``parent_params``; an expanded parent field gives its id)."""
        query = {}
        if self.parent_filter:
            query[self.parent_filter] = parent["id"]
        for param, name in self.parent_params.items():
            value = parent.get(name)
            query[param] = value["id"] if isinstance(value, dict) else value
        return query

    @property
    def retrieve_path(self) -> str | None:
        """Path template of one object, or None when it cannot be retrieved alone."""
        if self.retrieve:
            return self.retrieve
        return None if self.is_child else self.path + "/{id}"


def _prefixed(prefix: str, *suffixes: str) -> tuple[str, ...]:
    return tuple(f"{prefix}.{s}" for s in suffixes)


def _treasury(kind: str) -> dict[str, Any]:
    """The row fields of a Treasury money movement: listed per financial account
    (``financial_account`` is required), kept current by its own events."""
    return {"parent": "treasury_financial_accounts",
            "parent_id_field": "treasury_financial_account_id",
            "parent_filter": "financial_account", "parent_field": "financial_account",
            "retrieve": f"/v1/treasury/{kind}/{{id}}", "created_filter": False,
            "selected_by_default": False}


STREAMS: tuple[StreamDef, ...] = (
    # Objects that only grow: synced by `created`.
    StreamDef("balance_transactions", "/v1/balance_transactions", "BalanceTransaction",
              ("balance_transaction",), cursor="created", lookback_floor_days=7),
    StreamDef("events", "/v1/events", "Event", ("event",), cursor="created"),
    StreamDef("file_links", "/v1/file_links", "FileLink", ("file_link",), cursor="created"),
    StreamDef("files", "/v1/files", "File", ("file",), cursor="created"),
    StreamDef("shipping_rates", "/v1/shipping_rates", "ShippingRate", ("shipping_rate",),
              cursor="created"),
    StreamDef("setup_attempts", "/v1/setup_attempts", "SetupAttempt", ("setup_attempt",),
              cursor="created", parent="setup_intents", parent_id_field="setup_intent_id",
              parent_filter="setup_intent"),
    # Objects that change: kept current through events.
    StreamDef("accounts", "/v1/accounts", "Account", ("account",),
              update_events=("account.updated",), connect_only=True),
    StreamDef("application_fees", "/v1/application_fees", "ApplicationFee",
              ("application_fee",),
              update_events=_prefixed("application_fee", "created", "refunded")),
    StreamDef("application_fees_refunds", "/v1/application_fees/{parent_id}/refunds",
              "ApplicationFeeRefund", ("fee_refund",),
              update_events=("application_fee.refund.updated",),
              parent="application_fees", parent_id_field="application_fee_id",
              embedded="refunds", created_filter=False, parent_field="fee",
              retrieve="/v1/application_fees/{parent_id}/refunds/{id}"),
    StreamDef("authorizations", "/v1/issuing/authorizations", "issuing.Authorization",
              ("issuing.authorization",),
              update_events=_prefixed("issuing_authorization", "created", "updated")),
    StreamDef("bank_accounts", "/v1/customers/{parent_id}/sources", "BankAccount",
              ("bank_account",),
              update_events=_prefixed("customer.source", "created", "updated", "expiring"),
              delete_events=("customer.source.deleted",),
              parent="customers", parent_id_field="customer_id", embedded="sources",
              parent_expand="data.sources", params={"object": "bank_account"},
              object_filter=True, created_filter=False, parent_field="customer",
              retrieve="/v1/customers/{parent_id}/sources/{id}"),
    StreamDef("cardholders", "/v1/issuing/cardholders", "issuing.Cardholder",
              ("issuing.cardholder",),
              update_events=_prefixed("issuing_cardholder", "created", "updated")),
    StreamDef("cards", "/v1/issuing/cards", "issuing.Card", ("issuing.card",),
              update_events=_prefixed("issuing_card", "created", "updated")),
    StreamDef("charges", "/v1/charges", "Charge", ("charge",),
              update_events=_prefixed("charge", "captured", "expired", "failed", "pending",
                                      "refunded", "succeeded", "updated")),
    StreamDef("checkout_sessions", "/v1/checkout/sessions", "checkout.Session",
              ("checkout.session",),
              update_events=_prefixed("checkout.session", "async_payment_failed",
                                      "async_payment_succeeded", "completed", "expired")),
    StreamDef("checkout_sessions_line_items", "/v1/checkout/sessions/{parent_id}/line_items",
              "LineItem", ("item",), parent="checkout_sessions",
              parent_id_field="checkout_session_id", embedded="line_items",
              parent_expand="data.line_items", created_filter=False,
              replication_key="checkout_session_updated"),
    StreamDef("coupons", "/v1/coupons", "Coupon", ("coupon",),
              update_events=_prefixed("coupon", "created", "updated"),
              delete_events=("coupon.deleted",)),
    StreamDef("credit_notes", "/v1/credit_notes", "CreditNote", ("credit_note",),
              update_events=_prefixed("credit_note", "created", "updated", "voided")),
    StreamDef("credit_note_line_items", "/v1/credit_notes/{parent_id}/lines",
              "CreditNoteLineItem", ("credit_note_line_item",), parent="credit_notes",
              parent_id_field="credit_note_id", embedded="lines", created_filter=False),
    StreamDef("customer_balance_transactions", "/v1/customers/{parent_id}/balance_transactions",
              "CustomerBalanceTransaction", ("customer_balance_transaction",),
              parent="customers", parent_id_field="customer_id", created_filter=False,
              parent_field="customer",
              retrieve="/v1/customers/{parent_id}/balance_transactions/{id}"),
    StreamDef("customers", "/v1/customers", "Customer", ("customer",),
              update_events=_prefixed("customer", "created", "updated"),
              delete_events=("customer.deleted",), clock_param="test_clock"),
    StreamDef("disputes", "/v1/disputes", "Dispute", ("dispute",),
              update_events=_prefixed("charge.dispute", "closed", "created", "funds_reinstated",
                                      "funds_withdrawn", "updated")),
    StreamDef("early_fraud_warnings", "/v1/radar/early_fraud_warnings",
              "radar.EarlyFraudWarning", ("radar.early_fraud_warning",),
              update_events=_prefixed("radar.early_fraud_warning", "created", "updated")),
    StreamDef("external_account_bank_accounts", "/v1/accounts/{parent_id}/external_accounts",
              "BankAccount", ("bank_account",),
              update_events=_prefixed("account.external_account", "created", "updated"),
              delete_events=("account.external_account.deleted",),
              parent="accounts", parent_id_field="account_id", embedded="external_accounts",
              params={"object": "bank_account"}, object_filter=True, created_filter=False,
              connect_only=True, parent_field="account",
              retrieve="/v1/accounts/{parent_id}/external_accounts/{id}"),
    StreamDef("external_account_cards", "/v1/accounts/{parent_id}/external_accounts", "Card",
              ("card",),
              update_events=_prefixed("account.external_account", "created", "updated"),
              delete_events=("account.external_account.deleted",),
              parent="accounts", parent_id_field="account_id", embedded="external_accounts",
              params={"object": "card"}, object_filter=True, created_filter=False,
              connect_only=True, parent_field="account",
              retrieve="/v1/accounts/{parent_id}/external_accounts/{id}"),
    StreamDef("invoice_items", "/v1/invoiceitems", "InvoiceItem", ("invoiceitem",),
              update_events=("invoiceitem.created",), delete_events=("invoiceitem.deleted",),
              created_field="date"),
    StreamDef("invoice_line_items", "/v1/invoices/{parent_id}/lines", "InvoiceLineItem",
              ("line_item",), parent="invoices", parent_id_field="invoice_id",
              embedded="lines", created_filter=False),
    StreamDef("invoice_payments", "/v1/invoice_payments", "InvoicePayment",
              ("invoice_payment",), update_events=("invoice_payment.paid",)),
    StreamDef("invoices", "/v1/invoices", "Invoice", ("invoice",),
              update_events=_prefixed("invoice", "created", "finalization_failed", "finalized",
                                      "marked_uncollectible", "overdue", "overpaid", "paid",
                                      "payment_action_required", "payment_attempt_required",
                                      "payment_failed", "payment_succeeded", "sent",
                                      "updated", "voided", "will_be_due"),
              delete_events=("invoice.deleted",)),
    StreamDef("payment_intents", "/v1/payment_intents", "PaymentIntent", ("payment_intent",),
              update_events=_prefixed("payment_intent", "amount_capturable_updated", "canceled",
                                      "created", "partially_funded", "payment_failed",
                                      "processing", "requires_action", "succeeded")),
    StreamDef("payment_methods", "/v1/customers/{parent_id}/payment_methods", "PaymentMethod",
              ("payment_method",),
              update_events=_prefixed("payment_method", "attached", "automatically_updated",
                                      "detached", "updated"),
              parent="customers", parent_id_field="customer_id", created_filter=False,
              parent_field="customer", retrieve="/v1/payment_methods/{id}"),
    StreamDef("payout_balance_transactions", "/v1/balance_transactions", "BalanceTransaction",
              ("balance_transaction",), parent="payouts", parent_id_field="payout_id",
              parent_filter="payout", parent_match={"automatic": True}),
    StreamDef("payouts", "/v1/payouts", "Payout", ("payout",),
              update_events=_prefixed("payout", "canceled", "created", "failed", "paid",
                                      "reconciliation_completed", "updated")),
    StreamDef("persons", "/v1/accounts/{parent_id}/persons", "Person", ("person",),
              update_events=_prefixed("person", "created", "updated"),
              delete_events=("person.deleted",), parent="accounts",
              parent_id_field="account_id", created_filter=False, connect_only=True,
              parent_field="account", retrieve="/v1/accounts/{parent_id}/persons/{id}"),
    StreamDef("plans", "/v1/plans", "Plan", ("plan",),
              update_events=_prefixed("plan", "created", "updated"),
              delete_events=("plan.deleted",)),
    StreamDef("prices", "/v1/prices", "Price", ("price",),
              update_events=_prefixed("price", "created", "updated"),
              delete_events=("price.deleted",), variants=({"active": "false"},)),
    StreamDef("products", "/v1/products", "Product", ("product",),
              update_events=_prefixed("product", "created", "updated"),
              delete_events=("product.deleted",)),
    StreamDef("promotion_codes", "/v1/promotion_codes", "PromotionCode", ("promotion_code",),
              update_events=_prefixed("promotion_code", "created", "updated")),
    StreamDef("quotes", "/v1/quotes", "Quote", ("quote",),
              update_events=_prefixed("quote", "accepted", "canceled", "created", "finalized"),
              created_filter=False, clock_param="test_clock"),
    StreamDef("quote_line_items", "/v1/quotes/{parent_id}/line_items", "LineItem", ("item",),
              parent="quotes", parent_id_field="quote_id", embedded="line_items",
              parent_expand="data.line_items", created_filter=False,
              replication_key="quote_updated"),
    StreamDef("refunds", "/v1/refunds", "Refund", ("refund",),
              update_events=("charge.refund.updated",
                             *_prefixed("refund", "created", "failed", "updated"))),
    StreamDef("reviews", "/v1/reviews", "Review", ("review",),
              update_events=_prefixed("review", "closed", "opened"),
              found_in=(("charges", "review"), ("payment_intents", "review"))),
    StreamDef("setup_intents", "/v1/setup_intents", "SetupIntent", ("setup_intent",),
              update_events=_prefixed("setup_intent", "canceled", "created", "requires_action",
                                      "setup_failed", "succeeded")),
    StreamDef("subscription_items", "/v1/subscription_items", "SubscriptionItem",
              ("subscription_item",), parent="subscriptions",
              parent_id_field="subscription_id", parent_filter="subscription",
              embedded="items", created_filter=False),
    StreamDef("subscription_schedule", "/v1/subscription_schedules", "SubscriptionSchedule",
              ("subscription_schedule",),
              update_events=_prefixed("subscription_schedule", "aborted", "canceled",
                                      "completed", "created", "expiring", "released",
                                      "updated"),
              clock_param="customer"),
    StreamDef("subscriptions", "/v1/subscriptions", "Subscription", ("subscription",),
              update_events=_prefixed("customer.subscription", "created", "paused",
                                      "pending_update_applied", "pending_update_expired",
                                      "resumed", "trial_will_end", "updated"),
              delete_events=("customer.subscription.deleted",), params={"status": "all"},
              deleted_status="canceled", clock_param="test_clock"),
    StreamDef("tax_rates", "/v1/tax_rates", "TaxRate", ("tax_rate",),
              update_events=_prefixed("tax_rate", "created", "updated")),
    StreamDef("top_ups", "/v1/topups", "Topup", ("topup",),
              update_events=_prefixed("topup", "canceled", "created", "failed", "reversed",
                                      "succeeded")),
    StreamDef("transactions", "/v1/issuing/transactions", "issuing.Transaction",
              ("issuing.transaction",),
              update_events=_prefixed("issuing_transaction", "created",
                                      "purchase_details_receipt_updated", "updated")),
    StreamDef("transfer_reversals", "/v1/transfers/{parent_id}/reversals", "TransferReversal",
              ("transfer_reversal",), parent="transfers", parent_id_field="transfer_id",
              embedded="reversals", created_filter=False),
    StreamDef("transfers", "/v1/transfers", "Transfer", ("transfer",),
              update_events=_prefixed("transfer", "created", "reversed", "updated")),
    # Every other list endpoint of stripe-python (issue #15), opt-in: not selected by default,
    # since most need a product enabled on the account (Issuing, Treasury, Terminal...).
    # Sources: the list path, `created` filter and required parameters are those of the
    # endpoint's `*ListParams` in stripe-python 16.1; the event types are the values of
    # `WebhookEndpointCreateParams.enabled_events` that name the object. `full`: the list
    # takes no `created` filter and no event announces every change, so each run reads it whole.
    StreamDef("apple_pay_domains", "/v1/apple_pay/domains", "ApplePayDomain",
              ("apple_pay_domain",), cursor="full", created_filter=False,
              selected_by_default=False),
    StreamDef("apps_installs", "/v1/apps/installs", "apps.Install", ("apps.install",),
              update_events=_prefixed("apps.install", "created", "updated"),
              delete_events=("apps.install.deleted",), selected_by_default=False),
    StreamDef("billing_alerts", "/v1/billing/alerts", "billing.Alert", ("billing.alert",),
              cursor="full", created_filter=False, selected_by_default=False),
    # Stripe refuses this list without a customer ("Must provide customer or
    # customer_account.", quoted in PostHog/posthog PR #75723), and its objects do not name
    # the customer: its event could not say whose it is, so it is read whole per customer on
    # every run.
    StreamDef("billing_credit_balance_transactions", "/v1/billing/credit_balance_transactions",
              "billing.CreditBalanceTransaction", ("billing.credit_balance_transaction",),
              cursor="full", parent="customers", parent_id_field="customer_id",
              parent_filter="customer", created_filter=False, selected_by_default=False),
    StreamDef("billing_credit_grants", "/v1/billing/credit_grants", "billing.CreditGrant",
              ("billing.credit_grant",),
              update_events=_prefixed("billing.credit_grant", "created", "updated"),
              created_filter=False, selected_by_default=False),
    StreamDef("billing_feedback_options", "/v1/billing/feedback_options",
              "billing.FeedbackOption", ("billing.feedback_option",), cursor="full",
              created_filter=False, selected_by_default=False),
    StreamDef("billing_meters", "/v1/billing/meters", "billing.Meter", ("billing.meter",),
              update_events=_prefixed("billing.meter", "created", "deactivated", "reactivated",
                                      "updated"),
              created_filter=False, selected_by_default=False),
    StreamDef("billing_portal_configurations", "/v1/billing_portal/configurations",
              "billing_portal.Configuration", ("billing_portal.configuration",),
              update_events=_prefixed("billing_portal.configuration", "created", "updated"),
              created_filter=False, selected_by_default=False),
    StreamDef("capabilities", "/v1/accounts/{parent_id}/capabilities", "Capability",
              ("capability",), update_events=("capability.updated",), parent="accounts",
              parent_id_field="account_id", created_filter=False, connect_only=True,
              parent_field="account", retrieve="/v1/accounts/{parent_id}/capabilities/{id}",
              primary_key=("account_id", "id"), selected_by_default=False),
    StreamDef("climate_orders", "/v1/climate/orders", "climate.Order", ("climate.order",),
              update_events=_prefixed("climate.order", "canceled", "created", "delayed",
                                      "delivered", "product_substituted"),
              created_filter=False, selected_by_default=False),
    StreamDef("customer_cash_balance_transactions",
              "/v1/customers/{parent_id}/cash_balance_transactions",
              "CustomerCashBalanceTransaction", ("customer_cash_balance_transaction",),
              update_events=("customer_cash_balance_transaction.created",),
              parent="customers", parent_id_field="customer_id", created_filter=False,
              parent_field="customer",
              retrieve="/v1/customers/{parent_id}/cash_balance_transactions/{id}",
              selected_by_default=False),
    StreamDef("customer_tax_ids", "/v1/customers/{parent_id}/tax_ids", "TaxId", ("tax_id",),
              update_events=_prefixed("customer.tax_id", "created", "updated"),
              delete_events=("customer.tax_id.deleted",), parent="customers",
              parent_id_field="customer_id", created_filter=False, parent_field="customer",
              retrieve="/v1/customers/{parent_id}/tax_ids/{id}", selected_by_default=False),
    StreamDef("entitlements_active_entitlements", "/v1/entitlements/active_entitlements",
              "entitlements.ActiveEntitlement", ("entitlements.active_entitlement",),
              cursor="full", parent="customers", parent_id_field="customer_id",
              parent_filter="customer", created_filter=False, selected_by_default=False),
    StreamDef("entitlements_features", "/v1/entitlements/features", "entitlements.Feature",
              ("entitlements.feature",), cursor="full", created_filter=False,
              selected_by_default=False),
    StreamDef("financial_connections_accounts", "/v1/financial_connections/accounts",
              "financial_connections.Account", ("financial_connections.account",),
              update_events=_prefixed(
                  "financial_connections.account", "account_numbers_updated", "created",
                  "deactivated", "disconnected", "expected_deactivation_date_updated",
                  "reactivated", "refreshed_balance", "refreshed_ownership",
                  "refreshed_transactions", "supported_payment_method_types_updated",
                  "upcoming_account_number_expiry", "upcoming_deactivation"),
              created_filter=False, selected_by_default=False),
    StreamDef("financial_connections_account_owners",
              "/v1/financial_connections/accounts/{parent_id}/owners",
              "financial_connections.AccountOwner", ("financial_connections.account_owner",),
              parent="financial_connections_accounts",
              parent_id_field="financial_connections_account_id",
              parent_params={"ownership": "ownership"}, created_filter=False,
              selected_by_default=False),
    StreamDef("financial_connections_transactions", "/v1/financial_connections/transactions",
              "financial_connections.Transaction", ("financial_connections.transaction",),
              parent="financial_connections_accounts",
              parent_id_field="financial_connections_account_id",
              parent_filter="account", created_filter=False, selected_by_default=False),
    StreamDef("forwarding_requests", "/v1/forwarding/requests", "forwarding.Request",
              ("forwarding.request",), cursor="created", selected_by_default=False),
    StreamDef("identity_verification_reports", "/v1/identity/verification_reports",
              "identity.VerificationReport", ("identity.verification_report",),
              cursor="created", selected_by_default=False),
    StreamDef("identity_verification_sessions", "/v1/identity/verification_sessions",
              "identity.VerificationSession", ("identity.verification_session",),
              update_events=_prefixed("identity.verification_session", "canceled", "created",
                                      "processing", "redacted", "requires_input", "verified"),
              selected_by_default=False),
    StreamDef("invoice_rendering_templates", "/v1/invoice_rendering_templates",
              "InvoiceRenderingTemplate", ("invoice_rendering_template",), cursor="full",
              created_filter=False, selected_by_default=False),
    StreamDef("issuing_disputes", "/v1/issuing/disputes", "issuing.Dispute",
              ("issuing.dispute",),
              update_events=_prefixed("issuing_dispute", "closed", "created",
                                      "funds_reinstated", "funds_rescinded", "submitted",
                                      "updated"),
              selected_by_default=False),
    StreamDef("issuing_personalization_designs", "/v1/issuing/personalization_designs",
              "issuing.PersonalizationDesign", ("issuing.personalization_design",),
              update_events=_prefixed("issuing_personalization_design", "activated",
                                      "deactivated", "rejected", "updated"),
              created_filter=False, selected_by_default=False),
    StreamDef("issuing_physical_bundles", "/v1/issuing/physical_bundles",
              "issuing.PhysicalBundle", ("issuing.physical_bundle",), cursor="full",
              created_filter=False, selected_by_default=False),
    StreamDef("issuing_tokens", "/v1/issuing/tokens", "issuing.Token", ("issuing.token",),
              update_events=_prefixed("issuing_token", "created", "updated"), parent="cards",
              parent_id_field="issuing_card_id", parent_filter="card", parent_field="card",
              retrieve="/v1/issuing/tokens/{id}", selected_by_default=False),
    StreamDef("payment_attempt_records", "/v1/payment_attempt_records", "PaymentAttemptRecord",
              ("payment_attempt_record",), cursor="full", parent="payment_records",
              parent_id_field="payment_record_id", parent_filter="payment_record",
              created_filter=False, selected_by_default=False),
    StreamDef("payment_intent_amount_details_line_items",
              "/v1/payment_intents/{parent_id}/amount_details_line_items",
              "PaymentIntentAmountDetailsLineItem",
              ("payment_intent_amount_details_line_item",), parent="payment_intents",
              parent_id_field="payment_intent_id", created_filter=False,
              selected_by_default=False),
    StreamDef("payment_link_line_items", "/v1/payment_links/{parent_id}/line_items",
              "LineItem", ("item",), parent="payment_links",
              parent_id_field="payment_link_id", created_filter=False,
              selected_by_default=False),
    StreamDef("payment_links", "/v1/payment_links", "PaymentLink", ("payment_link",),
              update_events=_prefixed("payment_link", "created", "updated"),
              created_filter=False, selected_by_default=False),
    StreamDef("payment_method_configurations", "/v1/payment_method_configurations",
              "PaymentMethodConfiguration", ("payment_method_configuration",), cursor="full",
              created_filter=False, selected_by_default=False),
    StreamDef("payment_method_domains", "/v1/payment_method_domains", "PaymentMethodDomain",
              ("payment_method_domain",), cursor="full", created_filter=False,
              selected_by_default=False),
    StreamDef("payment_records", "/v1/payment_records", "PaymentRecord", ("payment_record",),
              cursor="full", created_filter=False, selected_by_default=False),
    StreamDef("product_catalog_trial_offers", "/v1/product_catalog/trial_offers",
              "product_catalog.TrialOffer", ("product_catalog.trial_offer",), cursor="full",
              created_filter=False, selected_by_default=False),
    StreamDef("product_features", "/v1/products/{parent_id}/features", "ProductFeature",
              ("product_feature",), cursor="full", parent="products",
              parent_id_field="product_id", created_filter=False, selected_by_default=False),
    StreamDef("quote_computed_upfront_line_items",
              "/v1/quotes/{parent_id}/computed_upfront_line_items", "LineItem", ("item",),
              parent="quotes", parent_id_field="quote_id", created_filter=False,
              selected_by_default=False),
    StreamDef("radar_value_list_items", "/v1/radar/value_list_items", "radar.ValueListItem",
              ("radar.value_list_item",), cursor="full", parent="radar_value_lists",
              parent_id_field="radar_value_list_id", parent_filter="value_list",
              selected_by_default=False),
    StreamDef("radar_value_lists", "/v1/radar/value_lists", "radar.ValueList",
              ("radar.value_list",), cursor="full", selected_by_default=False),
    StreamDef("reporting_report_runs", "/v1/reporting/report_runs", "reporting.ReportRun",
              ("reporting.report_run",),
              update_events=_prefixed("reporting.report_run", "failed", "succeeded"),
              selected_by_default=False),
    StreamDef("sigma_scheduled_query_runs", "/v1/sigma/scheduled_query_runs",
              "sigma.ScheduledQueryRun", ("scheduled_query_run",),
              update_events=("sigma.scheduled_query_run.created",), created_filter=False,
              selected_by_default=False),
    StreamDef("tax_codes", "/v1/tax_codes", "TaxCode", ("tax_code",), cursor="full",
              created_filter=False, selected_by_default=False),
    StreamDef("tax_ids", "/v1/tax_ids", "TaxId", ("tax_id",), cursor="full",
              created_filter=False, selected_by_default=False),
    StreamDef("tax_locations", "/v1/tax/locations", "tax.Location", ("tax.location",),
              cursor="full", params={"type": "performance"}, created_filter=False,
              selected_by_default=False),
    StreamDef("tax_registrations", "/v1/tax/registrations", "tax.Registration",
              ("tax.registration",), cursor="full", created_filter=False,
              selected_by_default=False),
    StreamDef("terminal_configurations", "/v1/terminal/configurations",
              "terminal.Configuration", ("terminal.configuration",), cursor="full",
              created_filter=False, selected_by_default=False),
    StreamDef("terminal_locations", "/v1/terminal/locations", "terminal.Location",
              ("terminal.location",), cursor="full", created_filter=False,
              selected_by_default=False),
    StreamDef("terminal_readers", "/v1/terminal/readers", "terminal.Reader",
              ("terminal.reader",), cursor="full", created_filter=False,
              selected_by_default=False),
    StreamDef("three_d_secure_authentications", "/v1/three_d_secure/authentications",
              "three_d_secure.Authentication", ("three_d_secure.authentication",),
              update_events=_prefixed("three_d_secure.authentication", "canceled",
                                      "challenge_started", "errored", "failed",
                                      "requires_challenge", "requires_submission",
                                      "succeeded"),
              selected_by_default=False),
    StreamDef("treasury_credit_reversals", "/v1/treasury/credit_reversals",
              "treasury.CreditReversal", ("treasury.credit_reversal",),
              update_events=_prefixed("treasury.credit_reversal", "created", "posted"),
              **_treasury("credit_reversals")),
    StreamDef("treasury_debit_reversals", "/v1/treasury/debit_reversals",
              "treasury.DebitReversal", ("treasury.debit_reversal",),
              update_events=_prefixed("treasury.debit_reversal", "completed", "created",
                                      "initial_credit_granted"),
              **_treasury("debit_reversals")),
    StreamDef("treasury_financial_accounts", "/v1/treasury/financial_accounts",
              "treasury.FinancialAccount", ("treasury.financial_account",), cursor="full",
              selected_by_default=False),
    StreamDef("treasury_inbound_transfers", "/v1/treasury/inbound_transfers",
              "treasury.InboundTransfer", ("treasury.inbound_transfer",),
              update_events=_prefixed("treasury.inbound_transfer", "canceled", "created",
                                      "failed", "succeeded"),
              **_treasury("inbound_transfers")),
    StreamDef("treasury_outbound_payments", "/v1/treasury/outbound_payments",
              "treasury.OutboundPayment", ("treasury.outbound_payment",),
              update_events=_prefixed("treasury.outbound_payment", "canceled", "created",
                                      "expected_arrival_date_updated", "failed", "posted",
                                      "returned", "tracking_details_updated"),
              **_treasury("outbound_payments")),
    StreamDef("treasury_outbound_transfers", "/v1/treasury/outbound_transfers",
              "treasury.OutboundTransfer", ("treasury.outbound_transfer",),
              update_events=_prefixed("treasury.outbound_transfer", "canceled", "created",
                                      "expected_arrival_date_updated", "failed", "posted",
                                      "returned", "tracking_details_updated"),
              **_treasury("outbound_transfers")),
    StreamDef("treasury_payment_methods", "/v1/payment_methods", "PaymentMethod",
              ("payment_method",), cursor="full", created_filter=False,
              variants=({"type": "custom"},), selected_by_default=False),
    StreamDef("treasury_received_credits", "/v1/treasury/received_credits",
              "treasury.ReceivedCredit", ("treasury.received_credit",),
              update_events=_prefixed("treasury.received_credit", "created", "failed",
                                      "succeeded"),
              **_treasury("received_credits")),
    StreamDef("treasury_received_debits", "/v1/treasury/received_debits",
              "treasury.ReceivedDebit", ("treasury.received_debit",),
              update_events=("treasury.received_debit.created",),
              **_treasury("received_debits")),
    StreamDef("treasury_transaction_entries", "/v1/treasury/transaction_entries",
              "treasury.TransactionEntry", ("treasury.transaction_entry",), cursor="full",
              parent="treasury_financial_accounts",
              parent_id_field="treasury_financial_account_id",
              parent_filter="financial_account", selected_by_default=False),
    StreamDef("treasury_transactions", "/v1/treasury/transactions", "treasury.Transaction",
              ("treasury.transaction",), cursor="full", parent="treasury_financial_accounts",
              parent_id_field="treasury_financial_account_id", parent_filter="financial_account",
              selected_by_default=False),
    StreamDef("webhook_endpoints", "/v1/webhook_endpoints", "WebhookEndpoint",
              ("webhook_endpoint",), cursor="full", created_filter=False,
              selected_by_default=False),
)

BY_NAME: dict[str, StreamDef] = {s.name: s for s in STREAMS}


def children_of(name: str) -> list[StreamDef]:
    """The child streams read per record of stream ``name``."""
    return [s for s in STREAMS if s.parent == name]
