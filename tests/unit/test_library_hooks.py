"""The private parts of singer-sdk the tap still builds on (no public hook serves them; see the
README's "Library hooks"): each must still exist with the parameters the tap passes, so that a
singer-sdk release that changes one fails here, by name, rather than deep inside a sync."""

from __future__ import annotations

import inspect

import pytest
import stripe
from singer_sdk import Stream, Tap

from tap_stripe.streams import StripeStream
from tap_stripe.tap import TapStripe

# (class, private member, the parameters the tap's override or call relies on)
STREAM_HOOKS = [
    ("_write_state_message", []),
    ("_write_record_message", ["record"]),
    ("_process_record", ["record", "child_context", "partition_context"]),
    ("_increment_stream_state", ["latest_record", "context"]),
    ("_sync_records", ["context", "write_messages"]),
    ("_write_schema_message", []),
    ("_write_activate_version_message", ["full_table_version"]),
]
TAP_HOOKS = [
    ("_validate_config", ["raise_errors"]),
    ("_set_compatible_replication_methods", []),
    ("_reset_state_progress_markers", []),
    ("_handle_termination", ["signum", "frame"]),
]


def parameters(member: object) -> list[str]:
    return [name for name in inspect.signature(member).parameters  # type: ignore[arg-type]
            if name != "self"]


@pytest.mark.parametrize(("name", "expected"), STREAM_HOOKS, ids=[h[0] for h in STREAM_HOOKS])
def test_singer_sdk_stream_keeps_the_private_members_the_tap_uses(
        name: str, expected: list[str]) -> None:
    assert parameters(getattr(Stream, name)) == expected
    if name in vars(StripeStream):  # an override takes what singer-sdk passes
        assert parameters(getattr(StripeStream, name)) == expected


@pytest.mark.parametrize(("name", "expected"), TAP_HOOKS, ids=[h[0] for h in TAP_HOOKS])
def test_singer_sdk_tap_keeps_the_private_members_the_tap_uses(
        name: str, expected: list[str]) -> None:
    assert parameters(getattr(Tap, name)) == expected
    if name in vars(TapStripe):
        assert parameters(getattr(TapStripe, name)) == expected


def test_sync_all_still_runs_the_pre_sync_hook_and_streams_in_order() -> None:
    """``TapStripe.sync_all`` replaces singer-sdk's (final) with the same steps in the same
    order for Connect runs: progress markers reset, the pre-sync hook, the state, the streams."""
    source = inspect.getsource(Tap.sync_all)
    steps = ["_reset_state_progress_markers()", "_set_compatible_replication_methods()",
             "_state_writer.write_state(", "stream.sync()",
             "stream.finalize_state_progress_markers()", "stream.log_sync_costs()"]
    positions = [source.find(step) for step in steps]
    assert -1 not in positions, dict(zip(steps, positions, strict=True))
    assert positions == sorted(positions)


def test_stripe_transport_hook_is_public() -> None:
    """The transport is stripe-python's public ``RequestsClient``, given to ``StripeClient``
    through its public ``http_client`` parameter; requests go through ``raw_request``."""
    assert parameters(stripe.RequestsClient.request) == ["method", "url", "headers",
                                                         "post_data"]
    assert "http_client" in inspect.signature(stripe.StripeClient).parameters
    assert callable(stripe.StripeClient.raw_request)


def test_singer_sdk_keeps_the_private_attributes_the_tap_reads() -> None:
    """The attributes ``TapStripe.sync_all`` and ``StripeStream.sync_context`` read."""
    tap = TapStripe(config={"client_secret": "sk_test_123"}, validate_config=False)
    assert callable(tap._state_writer.write_state)
    stream = tap.streams["customers"]
    assert stream._tap is tap
    assert isinstance(stream._initialized_at, int)
    assert hasattr(stream, "_stream_version")
