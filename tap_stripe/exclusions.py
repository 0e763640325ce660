"""The list endpoints of the stripe package that have no stream, each with the reason.

Every other list endpoint of the installed stripe package is a stream of the registry;
``tests/unit/test_coverage.py`` walks the package and fails on an endpoint that is neither, so
an upgrade of stripe names what is new. The README lists these, rendered from this table.
Paths are written as stripe-python requests them.
"""

from __future__ import annotations

_REFERENCE = ("reference data, not account data: Stripe's own list, the same for every "
              "account")
_V2 = ("Stripe API v2 (`/v2/...`): another API, with JSON requests, `page` tokens instead of "
       "`starting_after` and thin events through event destinations; the tap reads the v1 API")

EXCLUDED: dict[str, str] = {
    "/v1/apps/secrets": (
        "needs `scope` (required by `SecretListParams`: \"Specifies the scoping of the "
        "secret.\"), and holds an app's secrets, which the tap never copies"),
    "/v1/billing/meters/{id}/event_summaries": (
        "needs `customer`, `start_time` and `end_time` (required by "
        "`MeterEventSummaryListParams`): sums of meter events computed on request for one "
        "customer and time range, not stored objects"),
    "/v1/climate/products": f"{_REFERENCE} (carbon removal products on offer)",
    "/v1/climate/suppliers": f"{_REFERENCE} (carbon removal suppliers)",
    "/v1/country_specs": f"{_REFERENCE} (what Stripe supports in each country)",
    "/v1/credit_notes/preview/lines": (
        "needs `invoice` and the amounts of a credit note not issued yet (required by "
        "`CreditNotePreviewLinesListParams`): a preview computed on request; issued credit "
        "notes' lines are the stream credit_note_line_items"),
    "/v1/exchange_rates": f"{_REFERENCE} (Stripe's exchange rates)",
    "/v1/reporting/report_types": f"{_REFERENCE} (the kinds of report Stripe can run)",
    "/v1/sources/{source}/source_transactions": (
        "needs a Source id, and no endpoint lists Sources (`Source` has no `list`): the tap "
        "cannot know the ids"),
    "/v1/tax/calculations/{calculation}/line_items": (
        "needs a tax calculation id, and no endpoint lists tax calculations "
        "(`tax.Calculation` has no `list`)"),
    "/v1/tax/transactions/{transaction}/line_items": (
        "needs a tax transaction id, and no endpoint lists tax transactions "
        "(`tax.Transaction` has no `list`)"),
    "/v1/test_helpers/test_clocks": (
        "a test-mode helper, not account data: test clocks exist in test mode only; with a "
        "test key the tap lists them to read the objects on them (see Test clocks)"),
    **dict.fromkeys((
        "/v2/commerce/product_catalog/imports", "/v2/core/accounts",
        "/v2/core/accounts/{account_id}/persons", "/v2/core/event_destinations",
        "/v2/core/events", "/v2/core/vault/gb_bank_accounts", "/v2/core/vault/us_bank_accounts",
        "/v2/money_management/adjustments", "/v2/money_management/financial_accounts",
        "/v2/money_management/financial_addresses", "/v2/money_management/inbound_transfers",
        "/v2/money_management/outbound_payments",
        "/v2/money_management/outbound_setup_intents", "/v2/money_management/payout_intents",
        "/v2/money_management/payout_methods", "/v2/money_management/received_credits",
        "/v2/money_management/transaction_entries", "/v2/money_management/transactions",
    ), _V2),
}
"""List path (as stripe-python writes it) -> why the tap has no stream for it."""
