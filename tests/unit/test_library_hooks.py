"""The library parts the tap builds on (see the README's "Library hooks"). Two are private, for
which singer-sdk has no public hook: ``Tap.sync_all`` (final) replaced by the tap's loop, and
``Stream._increment_stream_state`` overridden for singer-sdk's own ``Stream.sync``. Each must
still exist with the parameters the tap relies on, so that a release that changes one fails
here, by name, rather than deep inside a sync. The public members the loop uses are checked
too, and no other private part may creep in."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest
import stripe
from singer_sdk import Stream, Tap
from singer_sdk.mapper import RemoveRecordTransform, SameRecordTransform, StreamMap

from tap_stripe.streams import StripeStream
from tap_stripe.tap import TapStripe

PACKAGE = Path(__file__).parents[2] / "tap_stripe"
# (class, private member, the parameters the tap's override relies on)
PRIVATE = [
    (Tap, "sync_all", []),
    (Stream, "_increment_stream_state", ["latest_record", "context"]),
]


def parameters(member: object) -> list[str]:
    return [name for name in inspect.signature(member).parameters  # type: ignore[arg-type]
            if name != "self"]


@pytest.mark.parametrize(("base", "name", "expected"), PRIVATE, ids=[h[1] for h in PRIVATE])
def test_singer_sdk_keeps_the_private_members_the_tap_overrides(
        base: type, name: str, expected: list[str]) -> None:
    assert parameters(getattr(base, name)) == expected
    ours = TapStripe if base is Tap else StripeStream
    assert name in vars(ours)
    assert parameters(getattr(ours, name)) == expected


def test_sync_all_is_final_in_singer_sdk_and_only_there_overridden() -> None:
    """singer-sdk's ``Tap.sync_all`` is marked final (which is why replacing it is a private
    use); it still runs the steps the tap's loop now takes over."""
    assert getattr(Tap.sync_all, "__final__", False) is True
    source = inspect.getsource(Tap.sync_all)
    for step in ("_set_compatible_replication_methods()", "stream.sync()",
                 "stream.finalize_state_progress_markers()", "stream.log_sync_costs()"):
        assert step in source, step


def test_singer_sdk_stream_sync_still_calls_the_increment_hook() -> None:
    """singer-sdk's own ``Stream.sync`` (its dry run) still moves bookmarks through
    ``_increment_stream_state``, which the tap's streams keep from moving per record."""
    source = inspect.getsource(Stream._sync_records)
    assert "self._increment_stream_state(record, context=current_context)" in source
    assert "self.get_records(current_context)" in source


def test_the_public_members_the_sync_loop_uses_exist() -> None:
    tap = TapStripe(config={"client_secret": "sk_test_123"}, validate_config=False)
    assert callable(tap.state_writer.write_state)
    assert isinstance(tap.initialized_at, int)
    assert callable(tap.write_message)
    stream = tap.streams["customers"]
    assert isinstance(stream.get_context_state(None), dict)
    assert isinstance(stream.STATE_MSG_FREQUENCY, int)
    assert stream.mask[()] is True
    assert callable(stream.get_record_counter().with_context)
    assert callable(stream.compare_start_date)
    stream_map = stream.stream_maps[0]
    assert isinstance(stream_map, SameRecordTransform)
    assert stream_map.stream_alias == "customers"
    assert stream_map.transformed_key_properties == ["id"]
    assert stream_map.transformed_schema["properties"]["id"]
    assert stream_map.transform({"id": "cus_1"}) == {"id": "cus_1"}
    assert issubclass(RemoveRecordTransform, StreamMap)
    assert stream_map.flattening_enabled is False


def test_stripe_transport_hook_is_public() -> None:
    """The transport is stripe-python's public ``RequestsClient``, given to ``StripeClient``
    through its public ``http_client`` parameter; requests go through ``raw_request``."""
    assert parameters(stripe.RequestsClient.request) == ["method", "url", "headers",
                                                         "post_data"]
    assert "http_client" in inspect.signature(stripe.StripeClient).parameters
    assert callable(stripe.StripeClient.raw_request)


def _private_uses(path: Path) -> list[str]:
    """Private names of singer-sdk or stripe the module at ``path`` imports, reads or
    overrides (a method of its own named like one of the libraries' is an override)."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and (
                node.module.startswith(("singer_sdk", "stripe"))):
            parts = [*node.module.split("."), *(a.name for a in node.names)]
            found += [f"import {node.module}" for p in parts if p.startswith("_")]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not (
                isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
            if not node.attr.startswith("__"):
                found.append(f"attribute {node.attr}")
        elif (isinstance(node, ast.FunctionDef) and node.name.startswith("_")
              and not node.name.startswith("__")
              and (hasattr(Tap, node.name) or hasattr(Stream, node.name))):
            found.append(f"override {node.name}")
    return found


def test_no_other_private_part_of_the_libraries_is_used() -> None:
    """The tap's modules read no private attribute of another object, import nothing private
    from singer-sdk or stripe and override no private method but ``_increment_stream_state``;
    the private attributes the tap and its streams keep on themselves are their own (names
    singer-sdk's tap and stream code does not use)."""
    uses = {path.name: _private_uses(path) for path in sorted(PACKAGE.glob("*.py"))}
    uses = {name: found for name, found in uses.items() if found}
    assert uses == {"streams.py": ["override _increment_stream_state"]}
    sdk = "".join(inspect.getsource(module) for module in (
        inspect.getmodule(Tap), inspect.getmodule(Stream), inspect.getmodule(Tap.__mro__[1])))
    for module in ("tap.py", "streams.py", "sync.py"):
        for name in set(re.findall(r"self\.(_[a-z]\w*)", (PACKAGE / module).read_text())):
            assert f"self.{name}" not in sdk, f"{module}: self.{name} is singer-sdk's"


def test_the_mapper_holds_the_maps_of_the_selected_streams_only() -> None:
    """``TapStripe.setup_mapper`` registers the streams the catalog selects, through
    singer-sdk's public ``register_raw_streams_from_catalog``; a stream map of a selected
    stream still applies (an alias of customers), one of a deselected stream is not built."""
    discovered = TapStripe(config={"client_secret": "sk_test_123"},
                           validate_config=False).catalog_dict
    for entry in discovered["streams"]:
        root = next(m for m in entry["metadata"] if m["breadcrumb"] == [])
        root["metadata"]["selected"] = entry["tap_stream_id"] in ("customers", "charges")
    maps = {"customers": {"__alias__": "clients"}, "refunds": {"__alias__": "returns"}}
    tap = TapStripe(config={"client_secret": "sk_test_123", "stream_maps": maps},
                    catalog=discovered, validate_config=False)
    assert sorted(tap.mapper.stream_maps) == ["charges", "customers"]
    assert [m.stream_alias for m in tap.streams["customers"].stream_maps] == ["clients"]
    assert [m.stream_alias for m in tap.streams["charges"].stream_maps] == ["charges"]
