"""The input catalog as singer-sdk gets it: deselected streams' entries lean, selected ones in
full, selection by singer-sdk's own rule."""

from __future__ import annotations

from singer_sdk.singerlib import Catalog

from tap_stripe.selection import input_catalog, selected
from tap_stripe.tap import TapStripe
from tests.singer import catalog_for

CONFIG = {"client_secret": "sk_test_123", "start_date": "2024-01-01T00:00:00Z"}


def test_deselected_entries_keep_their_selection_only() -> None:
    data = catalog_for(["customers", "charges"])
    catalog = input_catalog(data)
    full = Catalog.from_dict(data)
    assert list(catalog) == list(full)
    for name, field in (("customers", "email"), ("charges", "amount")):
        assert catalog[name] == full[name]
        assert catalog[name].schema.properties["id"].type == "string"
        assert ("properties", field) in catalog[name].metadata
    refunds = catalog["refunds"]
    assert refunds.schema.to_dict() == {}
    assert list(refunds.metadata) == [()]
    assert refunds.metadata.root.selected is False
    assert refunds.key_properties == full["refunds"].key_properties
    assert [name for name, entry in catalog.items() if selected(entry)] == ["charges", "customers"]


def test_selection_follows_singer_sdk_rules_on_the_lean_entry() -> None:
    """``inclusion: automatic`` selects without ``selected``, ``unsupported`` never does, and
    ``selected-by-default`` decides when ``selected`` is absent; such entries stay whole."""
    data = catalog_for([])
    entries = {e["tap_stream_id"]: e for e in data["streams"]}
    for name, inclusion, chosen, default in [("customers", "automatic", False, False),
                                             ("charges", "unsupported", True, True),
                                             ("refunds", "available", None, True),
                                             ("payouts", "available", None, False)]:
        root = next(m for m in entries[name]["metadata"] if m["breadcrumb"] == [])
        root["metadata"]["inclusion"] = inclusion
        root["metadata"].pop("selected")
        if chosen is not None:
            root["metadata"]["selected"] = chosen
        root["metadata"]["selected-by-default"] = default
    catalog = input_catalog(data)
    assert sorted(n for n, e in catalog.items() if selected(e)) == ["customers", "refunds"]
    assert catalog["refunds"].schema.properties
    assert catalog["payouts"].schema.to_dict() == {}
    assert catalog["charges"].schema.to_dict() == {}


def test_the_tap_reads_a_json_catalog_through_it() -> None:
    tap = TapStripe(config=CONFIG, catalog=catalog_for(["customers"]), validate_config=False)
    assert [s.name for s in tap.streams.values() if s.selected] == ["customers"]
    assert tap.input_catalog is not None
    assert tap.input_catalog["charges"].schema.to_dict() == {}
    assert "email" in tap.streams["customers"].effective_schema["properties"]
