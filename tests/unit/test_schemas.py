"""The packaged stream schemas: in sync with the generator, and shaped the way targets need."""

from __future__ import annotations

import decimal
from typing import TYPE_CHECKING, Any, Literal

import pytest
import stripe

from tap_stripe import schema_gen
from tap_stripe.includable import INCLUDABLE
from tap_stripe.registry import BY_NAME, STREAMS, StreamDef
from tap_stripe.removal import AFTER_PARENT_REMOVED
from tap_stripe.schemas import load_schema

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

Schema = dict[str, Any]
COMMITTED = schema_gen.SCHEMA_DIR


def at(schema: Schema, dotted: str) -> Schema:
    """The sub-schema at ``dotted``; ``[]`` steps into array items."""
    for step in dotted.split("."):
        schema = schema["items"] if step == "[]" else schema["properties"][step]
    return schema


def subschemas(schema: Schema, path: str = "") -> Iterator[tuple[str, Schema]]:
    """Every (path, sub-schema) pair below and including ``schema``."""
    yield path, schema
    for key, value in schema.get("properties", {}).items():
        yield from subschemas(value, f"{path}.{key}")
    if "items" in schema:
        yield from subschemas(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from subschemas(schema["additionalProperties"], f"{path}{{}}")


def property_count(schema: Schema) -> int:
    """Number of declared properties at every depth."""
    return sum(len(sub.get("properties", {})) for _, sub in subschemas(schema))


def types(schema: Schema) -> list[str]:
    kind = schema["type"]
    return kind if isinstance(kind, list) else [kind]


# --- drift ---------------------------------------------------------------------------------

def test_committed_schema_files_match_the_generator_for_the_installed_stripe() -> None:
    assert schema_gen.stale_streams(schema_gen.SCHEMA_DIR) == []
    assert schema_gen.orphan_files(schema_gen.SCHEMA_DIR) == []


def test_cli_writes_byte_identical_files_and_check_names_the_drifted_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(schema_gen, "SCHEMA_DIR", tmp_path)
    (tmp_path / "gone_stream.json").write_text("{}\n")
    assert schema_gen.main([]) == 0
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == sorted(s.name for s in STREAMS)
    for stream in STREAMS:
        committed = schema_gen.schema_path(COMMITTED, stream.name)
        assert (tmp_path / f"{stream.name}.json").read_bytes() == committed.read_bytes()
    assert schema_gen.main(["--check"]) == 0

    text = (tmp_path / "coupons.json").read_text()
    (tmp_path / "coupons.json").write_text(text.replace('"percent_off"', '"percent"'))
    (tmp_path / "gone_stream.json").write_text("{}\n")
    capsys.readouterr()
    assert schema_gen.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "coupons.json: differs from the generator output" in err
    assert "gone_stream.json: belongs to no registry stream" in err
    assert "customers.json" not in err


def test_files_are_sorted_two_space_json_with_a_trailing_newline() -> None:
    text = (schema_gen.SCHEMA_DIR / "coupons.json").read_text()
    assert text.startswith('{\n  "additionalProperties": true,\n  "properties": {\n')
    assert text.endswith("}\n") and not text.endswith("\n\n")


# --- loader --------------------------------------------------------------------------------

def test_load_schema_returns_the_same_cached_dict() -> None:
    first = load_schema("customers")
    assert load_schema("customers") is first
    assert first["properties"]["id"] == {"type": "string"}


def test_load_schema_of_an_unknown_stream_names_it() -> None:
    with pytest.raises(LookupError, match="'no_such_stream'"):
        load_schema("no_such_stream")


# --- every stream --------------------------------------------------------------------------

@pytest.mark.parametrize("stream", STREAMS, ids=lambda s: s.name)
def test_every_stream_has_id_replication_key_and_added_fields(stream: StreamDef) -> None:
    schema = load_schema(stream.name)
    props = schema["properties"]
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is True
    assert props["id"] == {"type": "string"}
    if stream.cursor != "full":  # a stream read whole on every run has no bookmark field
        assert types(props[stream.key]) == ["integer"]
    if stream.cursor == "updated":
        assert props["updated"]["type"] == "integer"
        assert props["is_deleted"]["type"] == "boolean"
    else:
        assert "is_deleted" not in props
    if stream.parent_id_field:
        assert props[stream.parent_id_field]["type"] == "string"


@pytest.mark.parametrize("stream", STREAMS, ids=lambda s: s.name)
def test_no_enum_required_or_anyof_and_every_object_is_open(stream: StreamDef) -> None:
    for path, sub in subschemas(load_schema(stream.name)):
        assert not {"enum", "required", "anyOf", "oneOf", "allOf"} & sub.keys(), path
        if sub and "object" in types(sub):
            assert sub["additionalProperties"] not in (None, False), path


def test_added_fields_per_stream_kind() -> None:
    events = load_schema("events")["properties"]
    assert "updated" not in events and "is_deleted" not in events
    assert types(events["created"]) == ["integer"]

    lines = load_schema("checkout_sessions_line_items")["properties"]
    assert lines["checkout_session_id"]["type"] == "string"
    assert lines["checkout_session_updated"]["type"] == "integer"
    assert lines["updated"]["type"] == "integer"
    assert BY_NAME["checkout_sessions_line_items"].key == "checkout_session_updated"

    assert load_schema("invoice_line_items")["properties"]["invoice_id"]["type"] == "string"
    assert load_schema("setup_attempts")["properties"]["setup_intent_id"]["type"] == "string"
    assert "setup_intent_id" not in load_schema("setup_intents")["properties"]


def test_stripe_field_named_like_an_added_field_takes_the_added_definition() -> None:
    # Product has its own `updated` timestamp; the tap's field has the same type.
    assert "updated" in stripe.Product.__annotations__
    updated = load_schema("products")["properties"]["updated"]
    assert updated["type"] == "integer"
    assert "added by the tap" in updated["description"]


def test_added_field_clashing_with_a_stripe_field_of_another_type_is_an_error() -> None:
    clash = StreamDef("x", "/v1/customers/{parent_id}/x", "Customer", ("customer",),
                      parent="customers", parent_id_field="created", created_filter=False)
    with pytest.raises(ValueError, match="x: added field 'created' clashes"):
        schema_gen.build_schema(clash)


def test_missing_replication_key_is_an_error() -> None:
    # LineItem has no `created`.
    stream = StreamDef("x", "/v1/x", "LineItem", ("item",), cursor="created")
    with pytest.raises(ValueError, match="x: replication key 'created' is not in the schema"):
        schema_gen.build_schema(stream)


# --- known fields --------------------------------------------------------------------------

def test_known_field_types_and_nullability() -> None:
    customers = load_schema("customers")
    assert at(customers, "email") == {"type": ["string", "null"]}
    assert at(customers, "created") == {"type": "integer"}
    assert at(customers, "deleted") == {"type": ["boolean", "null"]}  # Literal[True]
    assert at(customers, "tax_exempt") == {"type": ["string", "null"]}  # open enum
    assert at(customers, "object") == {"type": "string"}  # Literal["customer"]
    assert at(customers, "default_source") == {"type": ["string", "null"]}  # expandable
    assert at(customers, "metadata") == {"type": ["object", "null"],
                                         "additionalProperties": {"type": "string"}}
    assert at(customers, "invoice_credit_balance")["additionalProperties"] == {"type": "integer"}

    prices = load_schema("prices")
    assert at(prices, "unit_amount_decimal") == {"type": ["string", "null"], "format": "decimal"}
    assert at(prices, "product") == {"type": "string"}

    invoices = load_schema("invoices")
    lines = at(invoices, "lines")
    assert lines["type"] == "object"
    assert set(lines["properties"]) == {"object", "url", "has_more", "total_count", "data"}
    assert at(lines, "data.[].id") == {"type": "string"}
    assert at(lines, "data.[].amount") == {"type": "integer"}
    assert at(invoices, "customer") == {"type": ["string", "null"]}
    assert at(invoices, "status_transitions.paid_at") == {"type": ["integer", "null"]}

    charges = load_schema("charges")
    assert at(charges, "amount") == {"type": "integer"}
    assert at(charges, "amount_refunded") == {"type": "integer"}
    # charge.refunds is includable and read as the refunds stream: not in the schema
    assert "refunds" not in charges["properties"]


def test_polymorphic_union_becomes_one_merged_object_with_nullable_properties() -> None:
    source = at(load_schema("charges"), "source")
    assert source["type"] == ["object", "null"]
    props = source["properties"]
    # Card, BankAccount, Source and Account variants all contribute their properties.
    for key in ("brand", "exp_month", "routing_number", "owner", "business_profile", "id"):
        assert "null" in types(props[key]), key
    assert props["owner"]["type"] == ["object", "null"]

    # customer.sources is read as the bank_accounts stream; its union merges the same way
    bank = load_schema("bank_accounts")["properties"]
    assert bank["last4"]["type"] == "string"
    assert bank["bank_name"]["type"] == ["string", "null"]


def test_includable_lists_stay_typed_list_objects() -> None:
    tax_ids = at(load_schema("customers"), "tax_ids")
    assert tax_ids["type"] == ["object", "null"]
    assert at(tax_ids, "data.[].value") == {"type": "string"}
    assert at(tax_ids, "has_more") == {"type": "boolean"}
    assert at(load_schema("prices"), "tiers.[].up_to") == {"type": ["integer", "null"]}


def test_includable_fields_read_elsewhere_or_dropped_leave_the_schema() -> None:
    for path, fields in INCLUDABLE.items():
        for stream in (s for s in STREAMS if s.path == path):
            schema = load_schema(stream.name)
            for item in fields:
                *outer, name = item.field.split(".")
                holder = at(schema, ".".join(outer)) if outer else schema
                assert (name in holder["properties"]) is (item.how == "expand"), \
                    (stream.name, item.field)
    # the object around a dropped nested field stays
    assert "amount_tax" in at(load_schema("quotes"), "computed.upfront.total_details")[
        "properties"]
    assert {"number", "cvc"}.isdisjoint(load_schema("cards")["properties"])
    assert "line_items" not in load_schema("checkout_sessions")["properties"]


def test_event_data_object_is_free_form() -> None:
    assert at(load_schema("events"), "data.object") == {"type": "object",
                                                        "additionalProperties": True}


def test_recursion_caps() -> None:
    invoices = load_schema("invoices")
    # A resource inside an inner class is opaque.
    assert at(invoices, "last_finalization_error.payment_intent") == {
        "type": ["object", "null"], "additionalProperties": True}
    # root -> resource -> resource stays typed ...
    subscriptions = load_schema("subscriptions")
    assert at(subscriptions, "items.data.[].price.unit_amount") == {"type": ["integer", "null"]}
    # ... and the next resource down is opaque (customer.subscriptions, read as its own
    # stream, is out of the customers schema; the generator's rule is the same).
    assert at(schema_gen.object_schema(stripe.Customer),
              "subscriptions.data.[].items.data.[].price") == {
        "type": "object", "additionalProperties": True}


def test_schema_sizes_are_bounded() -> None:
    invoices = load_schema("invoices")
    assert 78 <= len(invoices["properties"]) <= 95
    assert property_count(invoices) < 600  # ~4,300 without the recursion caps
    for stream in STREAMS:
        assert property_count(load_schema(stream.name)) < 2500, stream.name


# --- generator rules -----------------------------------------------------------------------

def test_field_remappings_are_applied() -> None:
    schema = schema_gen.object_schema(stripe.tax.Registration)
    country_options = at(schema, "country_options")["properties"]
    assert "in" in country_options and "is" in country_options
    assert "in_" not in country_options and "is_" not in country_options


@pytest.mark.parametrize(("annotation", "expected"), [
    (int, {"type": "integer"}),
    (decimal.Decimal, {"type": "string", "format": "decimal"}),
    (Literal[1, 2], {"type": "integer"}),
    (list[float], {"type": "array", "items": {"type": "number"}}),
])
def test_field_schema_rules(annotation: Any, expected: Schema) -> None:
    assert schema_gen.field_schema(annotation, "stripe._customer", ()) == expected


def test_unknown_annotation_is_an_error_not_a_guess() -> None:
    with pytest.raises(TypeError, match="no JSON Schema rule"):
        schema_gen.field_schema(bytes, "stripe._customer", ())
    with pytest.raises(TypeError, match="no JSON Schema rule"):
        schema_gen.field_schema(Literal["a", 1], "stripe._customer", ())


def test_every_child_of_a_removable_parent_says_what_becomes_of_it() -> None:
    removable = {s.name for s in STREAMS if s.delete_events or s.deleted_status}
    children = {s.name for s in STREAMS if s.parent in removable}
    assert {a.child for a in AFTER_PARENT_REMOVED} == children
    for fate in AFTER_PARENT_REMOVED:
        assert BY_NAME[fate.child].parent == fate.parent
        assert fate.flagged in ("all", "first 10", "none") and fate.source
        assert BY_NAME[fate.child].parent_id_field  # the join when not all are flagged
