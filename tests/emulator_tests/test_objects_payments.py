"""The payments, money-movement, Connect and Issuing builders match Stripe's object shapes.

The expected shapes come from stripe-python's type annotations (the SDK pins the API version
the emulator follows), walked recursively: every top-level field is present, non-Optional
fields are never null, every value has the annotated type, ids are never expanded, and nested
objects carry all their scalar fields. Every object is also validated (Draft 7) against the
tap's generated JSON Schema of each stream that reads it.
"""

from __future__ import annotations

import ast
import decimal
import importlib
import inspect
import random
import typing
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Union

import jsonschema
import pytest
import stripe
from stripe._list_object import ListObject
from stripe._stripe_object import StripeObject, UntypedStripeObject

from tap_stripe.registry import STREAMS
from tests.emulator.kinds_payments import TABLE
from tests.emulator.objects import ID_PREFIX, build

if TYPE_CHECKING:
    from collections.abc import Mapping

CLASSES: dict[str, Any] = {  # kind -> stripe-python resource class
    "charge": stripe.Charge,
    "payment_intent": stripe.PaymentIntent,
    "setup_intent": stripe.SetupIntent,
    "setup_attempt": stripe.SetupAttempt,
    "refund": stripe.Refund,
    "dispute": stripe.Dispute,
    "review": stripe.Review,
    "radar.early_fraud_warning": stripe.radar.EarlyFraudWarning,
    "balance_transaction": stripe.BalanceTransaction,
    "payout": stripe.Payout,
    "transfer": stripe.Transfer,
    "transfer_reversal": stripe.TransferReversal,
    "topup": stripe.Topup,
    "application_fee": stripe.ApplicationFee,
    "fee_refund": stripe.ApplicationFeeRefund,
    "file": stripe.File,
    "file_link": stripe.FileLink,
    "account": stripe.Account,
    "person": stripe.Person,
    "card": stripe.Card,
    "issuing.authorization": stripe.issuing.Authorization,
    "issuing.card": stripe.issuing.Card,
    "issuing.cardholder": stripe.issuing.Cardholder,
    "issuing.transaction": stripe.issuing.Transaction,
}
KINDS = tuple(CLASSES)

# Fields Stripe returns only when expanded (absent by default), and the deleted-object marker.
INCLUDABLE: dict[str, frozenset[str]] = {
    "charge": frozenset({"refunds"}),
    "issuing.card": frozenset({"cvc", "number"}),
}
NEVER_ON_LIVE_OBJECTS = frozenset({"deleted"})
# Nested objects whose unset keys Stripe leaves out rather than sending null: a charge's fraud
# reports, and an account's capabilities (only the requested ones are listed).
SPARSE = frozenset({stripe.Charge.FraudDetails, stripe.Account.Capabilities})

# The id each link key is given in these tests.
LINK_IDS: dict[str, str] = {
    "account": "acct_L1", "application_fee": "fee_L1", "authorization": "iauth_L1",
    "balance_transaction": "txn_L1", "card": "ic_L1", "cardholder": "ich_L1",
    "charge": "ch_L1", "customer": "cus_L1", "destination": "ba_L1", "dispute": "dp_L1",
    "file": "file_L1", "payment_intent": "pi_L1", "payment_method": "pm_L1",
    "refund": "re_L1", "review": "prv_L1", "setup_attempt": "setatt_L1",
    "setup_intent": "seti_L1", "source": "card_L1", "transfer": "tr_L1",
    "transfer_reversal": "trr_L1",
}

# kind -> {dotted field path: link key whose id must land there}
LINKED: dict[str, dict[str, str]] = {
    "charge": {"customer": "customer", "payment_intent": "payment_intent",
               "balance_transaction": "balance_transaction", "payment_method": "payment_method",
               "review": "review", "application_fee": "application_fee", "transfer": "transfer",
               "transfer_data.destination": "account", "source.id": "source",
               "source.customer": "customer"},
    "payment_intent": {"customer": "customer", "latest_charge": "charge", "review": "review",
                       "payment_method": "payment_method",
                       "transfer_data.destination": "account"},
    "setup_intent": {"customer": "customer", "latest_attempt": "setup_attempt",
                     "payment_method": "payment_method"},
    "setup_attempt": {"customer": "customer", "payment_method": "payment_method",
                      "setup_intent": "setup_intent"},
    "refund": {"charge": "charge", "payment_intent": "payment_intent",
               "balance_transaction": "balance_transaction", "customer": "customer",
               "payment_method": "payment_method", "transfer_reversal": "transfer_reversal"},
    "dispute": {"charge": "charge", "payment_intent": "payment_intent",
                "balance_transactions.0.id": "balance_transaction"},
    "review": {"charge": "charge", "payment_intent": "payment_intent"},
    "radar.early_fraud_warning": {"charge": "charge", "payment_intent": "payment_intent"},
    "balance_transaction": {"source": "source"},
    "payout": {"balance_transaction": "balance_transaction", "destination": "destination"},
    "transfer": {"destination": "account", "source_transaction": "charge",
                 "balance_transaction": "balance_transaction"},
    "transfer_reversal": {"transfer": "transfer", "balance_transaction": "balance_transaction",
                          "source_refund": "refund"},
    "topup": {"balance_transaction": "balance_transaction", "payment_method": "payment_method"},
    "application_fee": {"account": "account", "charge": "charge",
                        "balance_transaction": "balance_transaction",
                        "fee_source.charge": "charge"},
    "fee_refund": {"fee": "application_fee", "balance_transaction": "balance_transaction"},
    "file": {},
    "file_link": {"file": "file"},
    "account": {},
    "person": {"account": "account"},
    "card": {"account": "account", "customer": "customer"},
    "issuing.authorization": {"card.id": "card", "cardholder": "cardholder",
                              "card.cardholder.id": "cardholder",
                              "balance_transactions.0.id": "balance_transaction"},
    "issuing.card": {"cardholder.id": "cardholder"},
    "issuing.cardholder": {},
    "issuing.transaction": {"authorization": "authorization",
                            "balance_transaction": "balance_transaction", "card": "card",
                            "cardholder": "cardholder", "dispute": "dispute"},
}
SEEDS = range(6)
CREATED = 1_760_000_000


def _build(kind: str, seed: int, links: Mapping[str, str | None]) -> dict[str, Any]:
    return build(kind, id=f"{ID_PREFIX[kind]}_T{seed}", created=CREATED,
                 rng=random.Random(seed), links=links, livemode=seed % 2 == 1)


def _links(kind: str) -> dict[str, str | None]:
    return {key: LINK_IDS[key] for key in LINKED[kind].values()}


def _at(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = obj[int(part)] if isinstance(obj, list) else obj[part]
    return obj


# --- reading stripe-python's annotations -------------------------------------------------------

@cache
def _type_checking_names(module_name: str) -> dict[str, Any]:
    """Names a stripe module imports only under ``if TYPE_CHECKING:`` (its forward refs)."""
    tree = ast.parse(inspect.getsource(importlib.import_module(module_name)))
    names: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom) and stmt.module:
                    module = importlib.import_module(stmt.module)
                    for alias in stmt.names:
                        names[alias.asname or alias.name] = getattr(module, alias.name)
    return names


@cache
def _fields(cls: type) -> dict[str, Any]:
    """JSON field name -> resolved annotation of a StripeObject class (ClassVars skipped)."""
    hints = typing.get_type_hints(cls, localns=_type_checking_names(cls.__module__))
    remap = getattr(cls, "_field_remappings", None) or {}
    return {remap.get(name, name): tp for name, tp in hints.items()
            if not name.startswith("_") and typing.get_origin(tp) is not typing.ClassVar}


def _is_object_type(tp: Any) -> bool:
    inner = [a for a in typing.get_args(tp) if a is not type(None)] or [tp]
    return all(inspect.isclass(typing.get_origin(a) or a)
               and issubclass(typing.get_origin(a) or a, StripeObject) for a in inner)


def _optional(tp: Any) -> bool:
    return typing.get_origin(tp) is Union and type(None) in typing.get_args(tp)


def _problems(value: Any, tp: Any, path: str) -> list[str]:
    """Every way ``value`` differs from annotation ``tp`` (empty when it matches)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any:
        return []
    if origin is Union:
        if value is None:
            return [] if type(None) in args else [f"{path}: null but never null in Stripe"]
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:
            return _problems(value, options[0], path)
        if str in options:  # an expandable id or an open enum: a plain string here
            return [] if isinstance(value, str) else [f"{path}: expected a string (id)"]
        named = {getattr(o, "OBJECT_NAME", None): o for o in options}
        if isinstance(value, dict) and value.get("object") in named:
            return _problems(value, named[value["object"]], path)
        return [f"{path}: matches none of {options}"]
    if value is None:
        return [f"{path}: null but never null in Stripe"]
    if origin is Literal:
        return [] if value in args else [f"{path}: {value!r} not in {args}"]
    if tp is decimal.Decimal:
        ok = isinstance(value, str) and decimal.Decimal(value).is_finite()
        return [] if ok else [f"{path}: expected a decimal string"]
    if tp in (str, int, bool, float):
        allowed = (int, float) if tp is float else tp
        ok = isinstance(value, allowed) and (tp is bool or not isinstance(value, bool))
        return [] if ok else [f"{path}: {value!r} is not {tp.__name__}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [p for i, item in enumerate(value) for p in _problems(item, args[0], f"{path}.{i}")]
    if inspect.isclass(origin) and issubclass(origin, ListObject):
        return _list_problems(value, args[0], path)
    if inspect.isclass(origin) and issubclass(origin, UntypedStripeObject):
        if not isinstance(value, dict):
            return [f"{path}: expected a map"]
        return [p for k, v in value.items() for p in _problems(v, args[0], f"{path}.{k}")]
    if inspect.isclass(tp) and issubclass(tp, StripeObject):
        return _object_problems(value, tp, path)
    return [f"{path}: unhandled annotation {tp!r}"]


def _list_problems(value: Any, item: Any, path: str) -> list[str]:
    if not isinstance(value, dict) or value.get("object") != "list":
        return [f"{path}: expected a list object"]
    shape = {"object", "data", "has_more", "url", "total_count"}
    wrong = [f"{path}: list object keys {sorted(value)}"] if not set(value) <= shape else []
    if not (isinstance(value["data"], list) and isinstance(value["has_more"], bool)
            and isinstance(value["url"], str) and value["url"].startswith("/v1/")):
        wrong.append(f"{path}: malformed list object")
    items = enumerate(value["data"])
    return wrong + [p for i, v in items for p in _problems(v, item, f"{path}.{i}")]


def _object_problems(value: Any, cls: type, path: str) -> list[str]:
    """A (nested) object: no unknown keys, all fields present, each well typed.

    Optional nested objects may be absent (Stripe leaves out sub-objects of other payment
    method types and the like); scalars, lists and maps must be present, null or not.
    """
    if not isinstance(value, dict):
        return [f"{path}: expected an object"]
    fields = _fields(cls)
    resource = getattr(cls, "OBJECT_NAME", None)
    includable = INCLUDABLE.get(resource or "", frozenset())
    omitted = includable | NEVER_ON_LIVE_OBJECTS
    top = resource is not None
    found = [f"{path}.{k}: not a field of {cls.__qualname__}" for k in value if k not in fields]
    for name, tp in fields.items():
        where = f"{path}.{name}"
        if name in value:
            found += _problems(value[name], tp, where)
        elif name in omitted:
            continue
        elif not _optional(tp) or top or not (_is_object_type(tp) or cls in SPARSE):
            found.append(f"{where}: missing")
    found += [f"{path}.{k}: returned only when expanded" for k in sorted(includable & value.keys())]
    return found


# --- the tests ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("linked", [True, False], ids=["links", "no-links"])
def test_objects_match_stripe_annotations(kind: str, linked: bool) -> None:
    for seed in SEEDS:
        obj = _build(kind, seed, _links(kind) if linked else {})
        assert _object_problems(obj, CLASSES[kind], kind) == []
        assert obj["object"] == kind == CLASSES[kind].OBJECT_NAME
        assert obj["id"] == f"{ID_PREFIX[kind]}_T{seed}"
        assert obj.get("created", CREATED) == CREATED
        assert ("created" in obj) is ("created" in _fields(CLASSES[kind]))
        assert obj.get("livemode", seed % 2 == 1) is (seed % 2 == 1)


def test_every_annotated_field_is_built() -> None:
    for kind in KINDS:
        expected = set(_fields(CLASSES[kind])) - NEVER_ON_LIVE_OBJECTS - INCLUDABLE.get(kind, set())
        assert set(_build(kind, 0, _links(kind))) == expected, kind


def test_id_prefixes_are_stripes() -> None:
    assert set(TABLE) == set(KINDS)
    assert ID_PREFIX["charge"] == "ch"
    assert ID_PREFIX["fee_refund"] == "fr"
    assert ID_PREFIX["issuing.card"] == "ic"
    assert ID_PREFIX["issuing.cardholder"] == "ich"
    assert ID_PREFIX["radar.early_fraud_warning"] == "issfr"
    assert ID_PREFIX["balance_transaction"] == "txn"


@pytest.mark.parametrize("kind", KINDS)
def test_links_land_in_stripes_fields(kind: str) -> None:
    for seed in SEEDS:
        obj = _build(kind, seed, _links(kind))
        for path, key in LINKED[kind].items():
            assert _at(obj, path) == LINK_IDS[key], (kind, seed, path)


@pytest.mark.parametrize("kind", KINDS)
def test_missing_links_are_null_or_made_up_where_stripe_needs_an_id(kind: str) -> None:
    fields = _fields(CLASSES[kind])
    for seed in SEEDS:
        obj = _build(kind, seed, {})
        for path, key in LINKED[kind].items():
            if "." in path:
                continue
            value = obj[path]
            if _optional(fields[path]):
                assert value is None, (kind, path)
            else:
                prefix = LINK_IDS[key].split("_")[0]
                assert value.startswith(f"{prefix}_") and value != LINK_IDS[key], (kind, path)


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_object_other_seed_other_object(kind: str) -> None:
    links = _links(kind)
    assert _build(kind, 3, links) == _build(kind, 3, links)
    first, second = _build(kind, 3, links), _build(kind, 4, links)
    del first["id"], second["id"]
    first.pop("livemode", None)
    second.pop("livemode", None)
    assert first != second


def test_embedded_objects_are_the_same_in_every_parent() -> None:
    links = {"card": "ic_shared", "cardholder": "ich_shared"}
    one, two = (_build("issuing.authorization", seed, links)["card"] for seed in (1, 5))
    one.pop("created")
    two.pop("created")
    assert one == two
    assert one["cardholder"]["id"] == "ich_shared"
    assert one["cardholder"]["object"] == "issuing.cardholder"


def test_embedded_child_lists_are_empty_stubs() -> None:
    stubs = {("transfer", "reversals"): "/v1/transfers/tr_T0/reversals",
             ("application_fee", "refunds"): "/v1/application_fees/fee_T0/refunds",
             ("account", "external_accounts"): "/v1/accounts/acct_T0/external_accounts",
             ("file", "links"): "/v1/file_links?file=file_T0"}
    for (kind, field), url in stubs.items():
        assert _build(kind, 0, {})[field] == {"object": "list", "data": [], "has_more": False,
                                              "total_count": 0, "url": url}


@pytest.mark.parametrize(("source", "type_", "category", "sign"), [
    ("ch_1", "charge", "charge", 1), ("re_1", "refund", "refund", -1),
    ("po_1", "payout", "payout", -1), ("tr_1", "transfer", "transfer", -1),
    ("fee_1", "application_fee", "platform_earning", 1), ("dp_1", "adjustment", "dispute", -1),
    ("tu_1", "topup", "topup", 1), ("ipi_1", "issuing_transaction", "issuing_transaction", -1),
])
def test_balance_transaction_follows_its_source(source: str, type_: str, category: str,
                                                sign: int) -> None:
    for seed in SEEDS:
        txn = _build("balance_transaction", seed, {"source": source})
        assert (txn["source"], txn["type"], txn["reporting_category"]) == (source, type_, category)
        assert txn["amount"] * sign > 0
        assert txn["net"] == txn["amount"] - txn["fee"]
        assert sum(f["amount"] for f in txn["fee_details"]) == txn["fee"]
        assert txn["available_on"] >= CREATED


def test_charge_money_and_status_agree() -> None:
    for seed in range(40):
        charge = _build("charge", seed, {})
        paid = charge["status"] == "succeeded"
        assert charge["paid"] is paid
        assert charge["amount_captured"] in ((charge["amount"],) if charge["captured"] else (0,))
        assert (charge["failure_code"] is None) is (charge["status"] != "failed")
        assert charge["payment_method_details"]["type"] == "card"
        assert charge["payment_method_details"]["card"]["last4"].isdigit()
    disputed = _build("charge", 0, {"dispute": "dp_1", "balance_transaction": "txn_1"})
    assert disputed["disputed"] is True
    assert disputed["status"] == "succeeded"


def test_account_is_a_connected_account_with_its_person() -> None:
    kinds = set()
    for seed in range(20):
        account = _build("account", seed, {})
        kinds.add(account["type"])
        assert account["controller"]["type"] == "application"
        if account["business_type"] == "individual":
            assert account["individual"]["account"] == account["id"]
            assert account["individual"]["object"] == "person"
        else:
            assert account["individual"] is None
            assert account["company"]["name"] == account["business_profile"]["name"]
    assert kinds == {"custom", "express"}


def test_external_account_card_belongs_to_the_account() -> None:
    card = _build("card", 0, {"account": "acct_9"})
    assert (card["account"], card["customer"]) == ("acct_9", None)
    assert card["available_payout_methods"] == ["standard", "instant"]
    assert card["brand"] in ("Visa", "MasterCard", "American Express")


def test_checker_rejects_wrong_objects() -> None:
    charge = _build("charge", 0, {})
    broken = {**charge, "amount": None, "surprise": 1, "customer": {"id": "cus_1"}}
    del broken["currency"]
    problems = _object_problems(broken, stripe.Charge, "charge")
    assert "charge.amount: null but never null in Stripe" in problems
    assert "charge.surprise: not a field of Charge" in problems
    assert "charge.customer: expected a string (id)" in problems
    assert "charge.currency: missing" in problems
    expanded = {**charge, "refunds": {"object": "list", "data": [], "has_more": False,
                                      "url": "/v1/charges/ch_T0/refunds"}}
    assert _object_problems(expanded, stripe.Charge, "charge") == [
        "charge.refunds: returned only when expanded"]
    nested = {**charge, "billing_details": {**charge["billing_details"], "name": 5}}
    assert _object_problems(nested, stripe.Charge, "charge") == [
        "charge.billing_details.name: 5 is not str"]


def _streams_of(kind: str) -> list[Any]:
    return [s for s in STREAMS if kind in s.object_names]


@pytest.mark.parametrize("kind", KINDS)
def test_objects_validate_against_the_taps_stream_schemas(kind: str) -> None:
    try:
        from tap_stripe.schemas import load_schema
    except ImportError:
        pytest.skip("the tap's schema loader does not exist yet")
    streams = _streams_of(kind)
    assert streams, f"no stream reads {kind}"
    for stream in streams:
        validator = jsonschema.Draft7Validator(load_schema(stream.name))
        for seed in SEEDS:
            for links in (_links(kind), {}):
                record = _build(kind, seed, links)
                if stream.parent_id_field:
                    record[stream.parent_id_field] = "parent_1"
                errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
                          for e in validator.iter_errors(record)]
                assert errors == [], (stream.name, seed)
