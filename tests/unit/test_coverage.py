"""Every list endpoint of the installed stripe package is a stream or excluded with a reason.

The endpoints come from walking the package (``scripts.endpoints``), not from a list kept by
hand: after an upgrade of stripe a new endpoint fails here until it gets a registry row or an
entry in ``tap_stripe.exclusions``.
"""

from __future__ import annotations

import functools

import pytest
import stripe

from scripts.endpoints import list_endpoints, normal
from tap_stripe.exclusions import EXCLUDED
from tap_stripe.registry import STREAMS, StreamDef

ENDPOINTS = list_endpoints()
STREAMED = {normal(s.path) for s in STREAMS}
SKIPPED = {normal(path) for path in EXCLUDED}


def test_the_walk_finds_the_package_s_list_endpoints() -> None:
    # Spot checks of what the walk must see: a top-level list, a namespaced one, a nested one
    # and a v2 one (their services are named in stripe-python's own modules).
    assert ENDPOINTS["/v1/customers"] == "stripe._customer_service.CustomerService"
    assert ENDPOINTS["/v1/billing/meters"] == "stripe.billing._meter_service.MeterService"
    assert ENDPOINTS["/v1/customers/{}/cash_balance_transactions"].endswith(
        "CustomerCashBalanceTransactionService")
    assert "/v2/core/events" in ENDPOINTS
    assert len(ENDPOINTS) >= 130


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_each_list_endpoint_is_a_stream_or_excluded_with_a_reason(path: str) -> None:
    assert path in STREAMED or path in SKIPPED, (
        f"{path} ({ENDPOINTS[path]}) has no stream: add a registry row, or an entry with its "
        "reason in tap_stripe/exclusions.py")
    assert not (path in STREAMED and path in SKIPPED), f"{path} is both streamed and excluded"


def test_every_exclusion_names_an_endpoint_of_the_package_and_says_why() -> None:
    assert set(ENDPOINTS) >= SKIPPED, sorted(SKIPPED - set(ENDPOINTS))
    assert all(len(reason) > 40 for reason in EXCLUDED.values())


def test_every_stream_reads_an_endpoint_of_the_package() -> None:
    assert set(ENDPOINTS) >= STREAMED, sorted(STREAMED - set(ENDPOINTS))


def test_at_least_nine_in_ten_v1_list_endpoints_are_streamed() -> None:
    v1 = {p for p in ENDPOINTS if p.startswith("/v1/")}
    streamed = v1 & STREAMED
    assert len(streamed) / len(v1) >= 0.9, f"{len(streamed)} of {len(v1)}"


@pytest.mark.parametrize("stream", STREAMS, ids=lambda s: s.name)
def test_each_stream_names_the_stripe_class_of_its_objects(stream: StreamDef) -> None:
    cls = functools.reduce(getattr, stream.stripe_class.split("."), stripe)
    # LineItem serves several lists ("item"); every other class names its own object.
    assert cls.OBJECT_NAME in stream.object_names or stream.object_names == ("item",)
