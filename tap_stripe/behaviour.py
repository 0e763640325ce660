"""What each list endpoint the tap reads does by default, as data, with Stripe's wording.

One row per endpoint of the registry: what a plain list leaves out and how the tap still reads
it, the parameters it requires, the filters that refuse some values, its includable fields
(``includable.INCLUDABLE``), its page size and the events that keep it current (both derived
from the registry). The README's "What Stripe hides" section is rendered from this table, and
the emulator's tests check that it behaves as every row says.
"""

from __future__ import annotations

from dataclasses import dataclass

from tap_stripe.api import PAGE_SIZE
from tap_stripe.includable import INCLUDABLE, Includable
from tap_stripe.registry import STREAMS, StreamDef

PAGE_SIZE_SOURCE = ("every `*ListParams.limit` of stripe-python: \"A limit on the number of "
                    "objects to be returned. Limit can range between 1 and 100, and the default "
                    "is 10.\"")
ANY = "any"
"""``Hidden.values`` meaning any non-null value."""


@dataclass(frozen=True)
class Hidden:
    """Objects a plain list leaves out.

    Attributes:
        what: The objects, in words (``inactive prices``).
        field: The object field that marks them (``active``).
        values: The values of ``field`` that hide an object (``(ANY,)``: any non-null value).
        reveal: The parameters that list them; ``{field}`` in a value stands for the hidden
            object's own field (``{"test_clock": "{test_clock}"}``). None: no parameter does.
        how: How the tap gets them.
        source: Stripe's wording, quoted, and where it is written.
    """

    what: str
    field: str
    values: tuple[object, ...]
    reveal: dict[str, str] | None
    how: str
    source: str

    def hides(self, obj: dict[str, object]) -> bool:
        """Whether a plain list leaves ``obj`` out."""
        value = obj.get(self.field)
        return value is not None if self.values == (ANY,) else value in self.values


@dataclass(frozen=True)
class Required:
    """A parameter the list cannot do without."""

    param: str
    source: str


@dataclass(frozen=True)
class Restriction:
    """A filter that takes only some values: ``param`` names a ``parent`` object, and only
    parents whose ``field`` is ``value`` are accepted; others get ``status`` with ``code``."""

    param: str
    parent: str
    field: str
    value: object
    status: int
    code: str
    how: str
    source: str


@dataclass(frozen=True)
class Behaviour:
    """The facts of one list endpoint (see the module docstring)."""

    path: str
    hidden: tuple[Hidden, ...] = ()
    required: tuple[Required, ...] = ()
    restrictions: tuple[Restriction, ...] = ()

    @property
    def streams(self) -> tuple[StreamDef, ...]:
        """The registry's streams that read this endpoint."""
        return tuple(s for s in STREAMS if s.path == self.path)

    @property
    def includable(self) -> tuple[Includable, ...]:
        """Its includable fields (``includable.INCLUDABLE``)."""
        return INCLUDABLE.get(self.path, ())

    @property
    def events(self) -> tuple[str, ...]:
        """The event types that keep its streams current (registry)."""
        found = (e for s in self.streams for e in (*s.update_events, *s.delete_events))
        return tuple(dict.fromkeys(found))

    @property
    def page_size(self) -> int:
        """Objects per page the tap asks for: Stripe's maximum."""
        return PAGE_SIZE


def _clock(kind: str, param: str, source: str, reveal: dict[str, str]) -> Hidden:
    return Hidden(f"{kind} on a test clock (test mode)", "test_clock", (ANY,), reveal,
                  f"in test mode, listed again with `{param}=` for each "
                  + ("test clock (`/v1/test_helpers/test_clocks`)" if param == "test_clock"
                     else "customer on a test clock"), source)


def _needs(path: str, param: str, where: str, doc: str) -> Behaviour:
    """A list that cannot do without ``param``: ``where`` names the stripe-python
    ``*ListParams`` TypedDict whose ``param`` is not ``NotRequired``, ``doc`` its docstring."""
    return Behaviour(path, required=(Required(param, f"`{where}.{param}` is required: \"{doc}\""),))


_TREASURY_OWN = "Returns objects associated with this FinancialAccount."
_TREASURY = (("credit_reversals", "CreditReversalListParams", _TREASURY_OWN),
             ("debit_reversals", "DebitReversalListParams", _TREASURY_OWN),
             ("inbound_transfers", "InboundTransferListParams", _TREASURY_OWN),
             ("outbound_payments", "OutboundPaymentListParams", _TREASURY_OWN),
             ("outbound_transfers", "OutboundTransferListParams", _TREASURY_OWN),
             ("received_credits", "ReceivedCreditListParams",
              "The FinancialAccount that received the funds."),
             ("received_debits", "ReceivedDebitListParams",
              "The FinancialAccount that funds were pulled from."),
             ("transactions", "treasury.TransactionListParams", _TREASURY_OWN),
             ("transaction_entries", "TransactionEntryListParams", _TREASURY_OWN))


_FACTS: tuple[Behaviour, ...] = (
    Behaviour("/v1/prices", hidden=(Hidden(
        "inactive (archived) prices", "active", (False,), {"active": "false"},
        "listed again with `active=false`, window by window",
        "stripe-python `PriceService.list`: \"Returns a list of your active prices, excluding "
        "inline prices. For the list of inactive prices, set active to false.\" (inline "
        "prices are in no list: they reach the tap only inside the objects that hold them)"),)),
    Behaviour("/v1/reviews", hidden=(Hidden(
        "closed reviews", "open", (False,), None,
        "read by id (`/v1/reviews/{id}`) from the `review` field of the charges and payment "
        "intents the same run emits; later closures from `review.closed` events",
        "stripe-python `ReviewService.list`: \"Returns a list of Review objects that have open "
        "set to true.\" (`ReviewListParams` has no parameter for closed ones)"),)),
    Behaviour("/v1/subscriptions", hidden=(
        Hidden("canceled and incomplete_expired subscriptions", "status",
               ("canceled", "incomplete_expired"), {"status": "all"},
               "always listed with `status=all`",
               "`SubscriptionListParams.status`: \"If no value is supplied, all subscriptions "
               "that have not been canceled are returned.\""),
        _clock("subscriptions", "test_clock",
               "`SubscriptionListParams.test_clock`: \"The response will not include "
               "subscriptions with test clocks if this and the customer parameter is not "
               "set.\"", {"test_clock": "{test_clock}"}))),
    Behaviour("/v1/customers", hidden=(_clock(
        "customers", "test_clock",
        "`CustomerListParams.test_clock`: \"The response will not include customers with test "
        "clocks if this parameter is not set.\"", {"test_clock": "{test_clock}"}),)),
    Behaviour("/v1/quotes", hidden=(_clock(
        "quotes", "test_clock",
        "`QuoteListParams.test_clock`: \"The response will not include quotes with test clocks "
        "if this and the customer parameter is not set.\"", {"test_clock": "{test_clock}"}),)),
    Behaviour("/v1/subscription_schedules", hidden=(_clock(
        "subscription schedules", "customer",
        "`SubscriptionScheduleListParams.customer`: \"The response will not include "
        "subscription schedules for customers with a test clock attached if this parameter is "
        "not set.\"", {"customer": "{customer}"}),)),
    Behaviour("/v1/balance_transactions", restrictions=(Restriction(
        "payout", "payouts", "automatic", True, 400,
        "balance_transactions_manual_filtering_not_allowed",
        "payout_balance_transactions lists automatic payouts only; a manual payout's "
        "transactions are in balance_transactions. Any 400 of one parent's child list is a "
        "warning naming the parent, and the run goes on",
        "`BalanceTransactionListParams.payout`: \"For automatic Stripe payouts only, only "
        "returns transactions that were paid out on the specified payout ID.\"; a manual "
        "payout answers 400 `balance_transactions_manual_filtering_not_allowed` (\"Balance "
        "transaction history can only be filtered on automatic transfers, not manual.\")"),)),
    Behaviour("/v1/setup_attempts", required=(Required(
        "setup_intent", "`SetupAttemptListParams.setup_intent` is required: \"Only return "
        "SetupAttempts created by the SetupIntent specified by this ID.\""),)),
    Behaviour("/v1/subscription_items", required=(Required(
        "subscription", "`SubscriptionItemListParams.subscription` is required: \"The ID of "
        "the subscription whose items will be retrieved.\""),)),
    # Lists issue 15 adds that cannot do without a parameter: the id of a parent object
    # (read per parent record) or, for tax locations, the one type there is.
    _needs("/v1/entitlements/active_entitlements", "customer", "ActiveEntitlementListParams",
           "The ID of the customer."),
    _needs("/v1/issuing/tokens", "card", "issuing.TokenListParams",
           "The Issuing card identifier to list tokens for."),
    _needs("/v1/radar/value_list_items", "value_list", "ValueListItemListParams",
           "Identifier for the parent value list this item belongs to."),
    _needs("/v1/financial_connections/transactions", "account",
           "financial_connections.TransactionListParams",
           "The ID of the Financial Connections Account whose transactions will be retrieved."),
    _needs("/v1/payment_attempt_records", "payment_record", "PaymentAttemptRecordListParams",
           "The ID of the Payment Record."),
    _needs("/v1/tax/locations", "type", "tax.LocationListParams",
           "Type of the tax location. Currently the only option is `performance`."),
    *(_needs(f"/v1/treasury/{name}", "financial_account", where, doc)
      for name, where, doc in _TREASURY),
    Behaviour("/v1/payment_methods", hidden=(Hidden(
        "custom payment methods", "type", ("custom",), {"type": "custom"},
        "listed again with `type=custom`",
        "`PaymentMethodListParams.type`: \"Unfiltered, the list returns all payment method "
        "types except `custom`.\""),)),
)


def _table() -> dict[str, Behaviour]:
    facts = {b.path: b for b in _FACTS}
    paths = dict.fromkeys(s.path for s in STREAMS)
    unknown = facts.keys() - paths.keys()
    if unknown:
        raise ValueError(f"behaviour of endpoints the tap does not read: {sorted(unknown)}")
    return {path: facts.get(path) or Behaviour(path) for path in sorted(paths)}


BEHAVIOUR: dict[str, Behaviour] = _table()
"""List path (as in the registry) -> its behaviour; every endpoint the tap reads."""
