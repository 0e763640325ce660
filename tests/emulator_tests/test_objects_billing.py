"""The billing and customer builders produce objects in the exact shape of Stripe's API.

The expected shapes come from stripe-python (it pins the API version the emulator follows):
every top-level annotated field is present except the expand-only ones, non-Optional fields
are never null, links land in the right fields, nested objects carry exactly their annotated
fields with the annotated types, and every object validates against its stream's JSON Schema.
"""

from __future__ import annotations

import inspect
import random
import typing
from functools import cache
from typing import Any, Literal, Union

import jsonschema
import pytest
import stripe
from stripe._stripe_object import StripeObject

from tap_stripe import schema_gen
from tap_stripe.registry import STREAMS
from tests.emulator import kinds_billing, objects

KINDS: tuple[str, ...] = (
    "customer", "invoice", "line_item", "invoiceitem", "invoice_payment", "subscription",
    "subscription_item", "subscription_schedule", "plan", "price", "product", "coupon",
    "promotion_code", "quote", "credit_note", "credit_note_line_item",
    "customer_balance_transaction", "tax_rate", "shipping_rate", "checkout.session", "item",
    "payment_method", "bank_account",
)
NOT_STREAMED: dict[str, str] = {"test_helpers.test_clock": "clock"}
"""Kinds the tap reads but emits in no stream (test clocks: it lists objects per clock)."""
PREFIXES: dict[str, str] = {
    "customer": "cus", "invoice": "in", "line_item": "il", "invoiceitem": "ii",
    "invoice_payment": "inpay", "subscription": "sub", "subscription_item": "si",
    "subscription_schedule": "sub_sched", "plan": "plan", "price": "price", "product": "prod",
    "coupon": "co", "promotion_code": "promo", "quote": "qt", "credit_note": "cn",
    "credit_note_line_item": "cnli", "customer_balance_transaction": "cbtxn",
    "tax_rate": "txr", "shipping_rate": "shr", "checkout.session": "cs", "item": "li",
    "payment_method": "pm", "bank_account": "ba",
}

# Top-level fields Stripe sends only when expanded (plus `deleted`, only on deleted objects).
EXPAND_ONLY: dict[str, frozenset[str]] = {
    "customer": frozenset({"cash_balance", "invoice_credit_balance", "sources",
                           "subscriptions", "tax", "tax_ids"}),
    "invoice": frozenset({"confirmation_secret", "payments"}),
    "plan": frozenset({"tiers"}),
    "price": frozenset({"currency_options", "tiers"}),
    "coupon": frozenset({"applies_to", "currency_options"}),
    "quote": frozenset({"line_items"}),
    "checkout.session": frozenset({"line_items"}),
    "item": frozenset({"discounts", "taxes"}),
}
# Nested fields Stripe sends only when expanded: (parent field, field).
NESTED_EXPAND_ONLY = frozenset({("total_details", "breakdown"), ("upfront", "line_items"),
                                ("fixed_amount", "currency_options")})
# Nested objects holding one sub-object per method/wallet type: only some keys are sent.
PER_TYPE_MAPS = frozenset({"payment_method_options", "wallet"})
# Objects under these fields carry only the options that were set.
SPARSE_UNDER = "payment_method_options"

START = 1_700_000_000
SEEDS = range(12)

# The id each link key gets in these tests.
LINK_IDS: dict[str, str] = {
    "account": "acct_L", "charge": "ch_L", "checkout_session": "cs_L", "coupon": "co_L",
    "credit_note": "cn_L", "customer": "cus_L", "customer_balance_transaction": "cbtxn_L",
    "invoice": "in_L", "invoiceitem": "ii_L", "line_item": "il_L", "payment_intent": "pi_L",
    "payment_link": "plink_L", "payment_method": "pm_L", "plan": "plan_L", "price": "price_L",
    "product": "prod_L", "promotion_code": "promo_L", "quote": "qt_L", "refund": "re_L",
    "setup_intent": "seti_L", "shipping_rate": "shr_L", "source": "card_L",
    "subscription": "sub_L", "subscription_item": "si_L",
    "subscription_schedule": "sub_sched_L", "tax_rate": "txr_L", "test_clock": "clock_L",
}

# kind -> (link keys given, {dotted path in the object: link key whose id must be there})
LINKED: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "customer": (("source", "payment_method", "test_clock", "coupon"),
                 {"default_source": "source",
                  "invoice_settings.default_payment_method": "payment_method",
                  "test_clock": "test_clock", "discount.source.coupon": "coupon"}),
    "invoice": (("customer", "subscription", "payment_method", "source", "account",
                 "test_clock", "tax_rate", "shipping_rate"),
                {"customer": "customer", "parent.subscription_details.subscription":
                 "subscription", "default_payment_method": "payment_method",
                 "default_source": "source", "on_behalf_of": "account",
                 "issuer.account": "account", "test_clock": "test_clock",
                 "default_tax_rates.0.id": "tax_rate",
                 "total_taxes.0.tax_rate_details.tax_rate": "tax_rate",
                 "shipping_cost.shipping_rate": "shipping_rate"}),
    "line_item": (("invoice", "subscription", "subscription_item", "price", "product",
                   "tax_rate"),
                  {"invoice": "invoice", "subscription": "subscription",
                   "parent.subscription_item_details.subscription": "subscription",
                   "parent.subscription_item_details.subscription_item": "subscription_item",
                   "pricing.price_details.price": "price",
                   "pricing.price_details.product": "product",
                   "taxes.0.tax_rate_details.tax_rate": "tax_rate"}),
    "invoiceitem": (("customer", "invoice", "subscription", "subscription_item", "price",
                     "product", "test_clock"),
                    {"customer": "customer", "invoice": "invoice",
                     "parent.subscription_details.subscription": "subscription",
                     "parent.subscription_details.subscription_item": "subscription_item",
                     "pricing.price_details.price": "price",
                     "pricing.price_details.product": "product", "test_clock": "test_clock"}),
    "invoice_payment": (("invoice", "payment_intent"),
                        {"invoice": "invoice", "payment.payment_intent": "payment_intent"}),
    "subscription": (("customer", "invoice", "payment_method", "source", "setup_intent",
                      "subscription_schedule", "account", "test_clock", "tax_rate"),
                     {"customer": "customer", "latest_invoice": "invoice",
                      "default_payment_method": "payment_method", "default_source": "source",
                      "pending_setup_intent": "setup_intent",
                      "schedule": "subscription_schedule", "on_behalf_of": "account",
                      "test_clock": "test_clock", "default_tax_rates.0.id": "tax_rate"}),
    "subscription_item": (("subscription", "price", "plan", "product", "tax_rate"),
                          {"subscription": "subscription", "price.id": "price",
                           "plan.id": "plan", "price.product": "product",
                           "plan.product": "product", "tax_rates.0.id": "tax_rate"}),
    "subscription_schedule": (("customer", "price", "plan", "payment_method", "test_clock"),
                              {"customer": "customer", "phases.0.items.0.price": "price",
                               "phases.0.items.0.plan": "plan",
                               "default_settings.default_payment_method": "payment_method",
                               "test_clock": "test_clock"}),
    "plan": (("product",), {"product": "product"}),
    "price": (("product",), {"product": "product"}),
    "product": (("price",), {"default_price": "price"}),
    "coupon": ((), {}),
    "promotion_code": (("coupon", "customer"),
                       {"promotion.coupon": "coupon", "customer": "customer"}),
    "quote": (("customer", "account", "test_clock", "tax_rate"),
              {"customer": "customer", "on_behalf_of": "account",
               "invoice_settings.issuer.account": "account", "test_clock": "test_clock",
               "default_tax_rates.0": "tax_rate"}),
    "credit_note": (("customer", "invoice", "customer_balance_transaction", "refund"),
                    {"customer": "customer", "invoice": "invoice",
                     "customer_balance_transaction": "customer_balance_transaction",
                     "refunds.0.refund": "refund"}),
    "credit_note_line_item": (("line_item", "tax_rate"),
                              {"invoice_line_item": "line_item", "tax_rates.0.id": "tax_rate"}),
    "customer_balance_transaction": (("customer", "credit_note"),
                                     {"customer": "customer", "credit_note": "credit_note"}),
    "tax_rate": ((), {}),
    "shipping_rate": ((), {}),
    "checkout.session": (("customer", "payment_intent", "invoice", "payment_link",
                          "shipping_rate", "coupon"),
                         {"customer": "customer", "payment_intent": "payment_intent",
                          "invoice": "invoice", "payment_link": "payment_link",
                          "shipping_cost.shipping_rate": "shipping_rate",
                          "shipping_options.0.shipping_rate": "shipping_rate",
                          "discounts.0.coupon": "coupon"}),
    "item": (("price", "product"), {"price.id": "price", "price.product": "product"}),
    "payment_method": (("customer",), {"customer": "customer"}),
    "bank_account": (("customer",), {"customer": "customer"}),
}


@cache
def stripe_class(kind: str) -> type[StripeObject]:
    """The stripe-python class of ``kind``, found through the tap's stream registry."""
    names = {s.stripe_class for s in STREAMS if kind in s.object_names}
    assert len(names) == 1, f"{kind}: stream classes {names}"
    return schema_gen.stripe_class(names.pop())


def field_annotations(cls: type[StripeObject]) -> dict[str, Any]:
    """Top-level field name -> annotation, as Stripe names the fields on the wire."""
    remap: dict[str, str] = getattr(cls, "_field_remappings", {})
    fields: dict[str, Any] = {}
    for owner in cls.__mro__:
        if not (isinstance(owner, type) and issubclass(owner, StripeObject)):
            continue
        for name, annotation in inspect.get_annotations(owner).items():
            if name.startswith("_") or typing.get_origin(annotation) is typing.ClassVar:
                continue
            fields.setdefault(remap.get(name, name), annotation)
    return fields


def is_optional(annotation: Any) -> bool:
    """Whether the annotation allows null (``Optional[...]``)."""
    return typing.get_origin(annotation) is Union and type(None) in typing.get_args(annotation)


def expected_fields(kind: str, obj: dict[str, Any]) -> set[str]:
    """The top-level fields Stripe sends for ``obj`` of ``kind``."""
    fields = set(field_annotations(stripe_class(kind))) - {"deleted"} - EXPAND_ONLY.get(kind, set())
    if kind == "payment_method":  # only the sub-object of the method's own type is sent
        type_annotation = field_annotations(stripe.PaymentMethod)["type"]
        types = {v for arg in typing.get_args(type_annotation)
                 if typing.get_origin(arg) is Literal for v in typing.get_args(arg)}
        fields -= types - {obj["type"]}
    return fields


def make(
    kind: str, seed: int, link_keys: tuple[str, ...] = (), *, livemode: bool = False
) -> dict[str, Any]:
    """Build ``kind`` through the facade with the given links."""
    return objects.build(kind, id=f"{PREFIXES[kind]}_T{seed}", created=START + seed * 977,
                         rng=random.Random(seed), links={k: LINK_IDS[k] for k in link_keys},
                         livemode=livemode)


def samples(kind: str) -> list[dict[str, Any]]:
    """Objects of ``kind`` over several seeds, without and with links."""
    return [make(kind, seed, links) for seed in SEEDS for links in ((), LINKED[kind][0])]


def dig(obj: Any, path: str) -> Any:
    """The value at a dotted ``path`` (list indexes as numbers)."""
    for part in path.split("."):
        obj = obj[int(part)] if isinstance(obj, list) else obj[part]
    return obj


def shape_errors(value: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Missing and unknown keys of every nested object, against the annotation schema."""
    errors: list[str] = []
    if isinstance(value, dict) and "properties" in schema:
        parent = path.rsplit(".", 1)[-1]
        known = set(schema["properties"])
        errors += [f"{path}.{k}: not a Stripe field" for k in sorted(value.keys() - known)]
        if parent not in PER_TYPE_MAPS and SPARSE_UNDER not in path.split("."):
            absent = {"deleted"} | EXPAND_ONLY.get(value.get("object", ""), set())
            errors += [f"{path}.{k}: missing" for k in sorted(known - value.keys() - absent)
                       if (parent, k) not in NESTED_EXPAND_ONLY]
        for key in value.keys() & known:
            errors += shape_errors(value[key], schema["properties"][key], f"{path}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += shape_errors(item, schema["items"], f"{path}.{index}")
    return errors


def livemodes(value: Any) -> set[bool]:
    """Every ``livemode`` value found in ``value`` and its nested objects."""
    if isinstance(value, dict):
        found = {value["livemode"]} if "livemode" in value else set()
        return found.union(*(livemodes(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(livemodes(v) for v in value))
    return set()


def test_facade_lists_every_billing_kind_with_its_prefix() -> None:
    assert set(KINDS) <= set(objects.KINDS)
    assert {k: objects.ID_PREFIX[k] for k in KINDS} == PREFIXES
    assert set(kinds_billing.TABLE) == set(KINDS) | set(NOT_STREAMED)
    assert {k: objects.ID_PREFIX[k] for k in NOT_STREAMED} == NOT_STREAMED
    assert tuple(sorted(objects.KINDS)) == objects.KINDS
    assert "charge" in objects.KINDS  # the payments builders are merged in too


def test_facade_rejects_unknown_kind() -> None:
    with pytest.raises(KeyError, match="no builder for Stripe object kind 'nonsense'"):
        objects.build("nonsense", id="x_1", created=START, rng=random.Random(0), links={})


@pytest.mark.parametrize("kind", KINDS)
def test_every_top_level_field_present_and_non_optional_fields_set(kind: str) -> None:
    fields = field_annotations(stripe_class(kind))
    for obj in samples(kind):
        assert set(obj) == expected_fields(kind, obj), kind
        nulls = [k for k in obj if obj[k] is None and not is_optional(fields[k])]
        assert nulls == [], f"{kind}: non-Optional fields are null"


@pytest.mark.parametrize("kind", KINDS)
def test_id_object_created_and_livemode(kind: str) -> None:
    link_keys = LINKED[kind][0]
    obj = make(kind, 3, link_keys, livemode=True)
    assert obj["id"] == f"{PREFIXES[kind]}_T3"
    assert obj["object"] == kind
    assert obj.get("created", START + 3 * 977) == START + 3 * 977
    if "livemode" in field_annotations(stripe_class(kind)):
        assert obj["livemode"] is True
    assert livemodes(obj) <= {True}  # embedded objects follow the argument too
    assert livemodes(make(kind, 3, link_keys)) <= {False}


@pytest.mark.parametrize("kind", KINDS)
def test_links_land_in_their_fields(kind: str) -> None:
    link_keys, expected = LINKED[kind]
    for seed in SEEDS:
        obj = make(kind, seed, link_keys)
        for path, key in expected.items():
            assert dig(obj, path) == LINK_IDS[key], f"{kind}.{path} (seed {seed})"


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_object_other_seed_other_object(kind: str) -> None:
    link_keys = LINKED[kind][0]
    assert make(kind, 5, link_keys) == make(kind, 5, link_keys)
    assert make(kind, 5, link_keys) != make(kind, 6, link_keys)


@pytest.mark.parametrize("kind", KINDS)
def test_nested_objects_have_exactly_their_stripe_fields(kind: str) -> None:
    properties = schema_gen.object_schema(stripe_class(kind))["properties"]
    for obj in samples(kind):
        errors = [e for key in obj for e in shape_errors(obj[key], properties[key],
                                                         f"{kind}.{key}")]
        assert errors == []


@pytest.mark.parametrize("kind", KINDS)
def test_values_have_the_annotated_types(kind: str) -> None:
    validator = jsonschema.Draft7Validator(schema_gen.object_schema(stripe_class(kind)))
    for obj in samples(kind):
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(obj)]
        assert errors == [], kind


@pytest.mark.parametrize("kind", KINDS)
def test_objects_validate_against_their_stream_schemas(kind: str) -> None:
    tap_schemas = pytest.importorskip("tap_stripe.schemas")
    streams = [s.name for s in STREAMS if kind in s.object_names]
    assert streams, f"{kind}: no stream"
    for stream in streams:
        try:
            schema = tap_schemas.load_schema(stream)
        except LookupError:
            pytest.skip(f"schema of stream {stream} not generated yet")
        validator = jsonschema.Draft7Validator(schema)
        for obj in samples(kind):
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(obj)]
            assert errors == [], f"{kind} vs {stream}"


def test_embedded_lists_are_empty_list_objects_with_their_urls() -> None:
    stubs = {
        ("invoice", "lines"): "/v1/invoices/in_T1/lines",
        ("subscription", "items"): "/v1/subscription_items?subscription=sub_T1",
        ("credit_note", "lines"): "/v1/credit_notes/cn_T1/lines",
    }
    for (kind, field), url in stubs.items():
        assert make(kind, 1)[field] == {"object": "list", "data": [], "has_more": False,
                                        "total_count": 0, "url": url}


def test_decimal_fields_are_decimal_strings() -> None:
    for obj in samples("price"):
        if obj["unit_amount"] is not None:
            assert obj["unit_amount_decimal"] == str(obj["unit_amount"])
    for obj in samples("invoiceitem"):
        assert obj["quantity_decimal"] == str(obj["quantity"])


def test_invoice_amounts_and_status_are_consistent() -> None:
    for obj in samples("invoice"):
        status, transitions = obj["status"], obj["status_transitions"]
        assert obj["amount_due"] == obj["total"] - obj["starting_balance"]
        assert obj["total"] == (obj["subtotal"] - sum(d["amount"] for d in
                                                      obj["total_discount_amounts"])
                                + sum(t["amount"] for t in obj["total_taxes"]
                                      if t["tax_behavior"] == "exclusive")
                                + obj["amount_shipping"])
        assert (obj["amount_paid"] == obj["amount_due"]) == (status == "paid")
        assert (transitions["paid_at"] is not None) == (status == "paid")
        assert (transitions["voided_at"] is not None) == (status == "void")
        assert (obj["number"] is None) == (status == "draft")
        for key in ("finalized_at", "paid_at", "voided_at", "marked_uncollectible_at"):
            assert transitions[key] is None or transitions[key] >= obj["created"]


def test_subscription_dates_follow_status() -> None:
    for obj in samples("subscription"):
        assert obj["start_date"] == obj["created"]
        assert (obj["canceled_at"] is not None) == (obj["status"] == "canceled")
        if obj["trial_end"] is not None:
            assert obj["trial_start"] < obj["trial_end"]
    for item in samples("subscription_item"):
        assert item["current_period_start"] < item["current_period_end"]
        assert item["price"]["type"] == "recurring"
        assert item["plan"]["amount"] == item["price"]["unit_amount"]
        assert item["plan"]["interval"] == item["price"]["recurring"]["interval"]


def test_embedded_tax_rate_is_the_same_object_everywhere() -> None:
    rates = [make(kind, seed, ("tax_rate",))[field][0]
             for kind, field in (("invoice", "default_tax_rates"), ("subscription",
                                                                    "default_tax_rates"))
             for seed in (1, 2)]
    assert all(rate["id"] == "txr_L" for rate in rates)
    assert len({(r["percentage"], r["country"], r["inclusive"]) for r in rates}) == 1


def test_payment_method_carries_only_its_own_type_details() -> None:
    seen = set()
    for obj in samples("payment_method"):
        kind = obj["type"]
        seen.add(kind)
        assert isinstance(obj[kind], dict)
    assert "card" in seen
    card = next(o["card"] for o in samples("payment_method") if o["type"] == "card")
    assert len(card["last4"]) == 4 and card["brand"] in {"visa", "mastercard", "amex"}
    assert 1 <= card["exp_month"] <= 12


def test_bank_account_is_a_customer_source_unless_linked_to_an_account() -> None:
    source = make("bank_account", 1, ("customer",))
    assert (source["customer"], source["account"]) == ("cus_L", None)
    external = objects.build("bank_account", id="ba_X", created=START, rng=random.Random(1),
                             links={"account": "acct_L"})
    assert (external["customer"], external["account"]) == (None, "acct_L")
    assert external["available_payout_methods"] == ["standard", "instant"]
