"""Issue 11 item 4: fields Stripe sends only when expanded reach the output.

Price and plan ``tiers`` and customer ``tax_ids`` (and the other includable fields the tap
expands) must be in the records of a full sync, and in the records an incremental run builds
from events, whose payloads Stripe never expands. The expected values are the emulator's:
``Emulator.objects(..., included=True)`` is each object as Stripe returns it with its
includable fields expanded.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.truth import tap_config
from tests.emulator import Emulator
from tests.singer import Output, run_tap

CLOCK = 1_790_000_000
STREAMS = ["prices", "plans", "customers", "coupons"]
FIELDS = {"prices": ("tiers", "currency_options"), "plans": ("tiers",),
          "customers": ("tax_ids", "cash_balance", "invoice_credit_balance", "tax"),
          "coupons": ("applies_to", "currency_options")}
TIERED = {"billing_scheme": "tiered", "tiers_mode": "graduated", "unit_amount": None,
          "unit_amount_decimal": None}


def _newest(out: Output, stream: str) -> dict[str, dict[str, Any]]:
    """The last record of each object in ``stream``."""
    return {r["id"]: r for r in out.records.get(stream, [])}


def _assert_carry(out: Output, emulator: Emulator, stream: str, ids: set[str] | None) -> None:
    truth = {o["id"]: o for o in emulator.objects(stream, included=True)}
    records = _newest(out, stream)
    wanted = truth.keys() if ids is None else ids
    assert wanted <= records.keys(), (stream, sorted(wanted - records.keys())[:5])
    for object_id in wanted:
        for field in FIELDS[stream]:
            assert records[object_id].get(field) == truth[object_id][field], \
                (stream, object_id, field)


def test_full_sync_and_event_records_carry_tiers_and_tax_ids() -> None:
    with Emulator(seed=11, scale=4, clock=CLOCK) as emulator:
        price = emulator.create("price", {**TIERED, "recurring": {
            "interval": "month", "interval_count": 1, "meter": None,
            "trial_period_days": None, "usage_type": "licensed"}, "type": "recurring"})
        plan = emulator.create("plan", {**TIERED, "amount": None, "amount_decimal": None})
        customers = emulator.objects("customers", included=True)
        taxed = [c["id"] for c in customers if c["tax_ids"]["data"]]
        assert taxed, "the data set has no customer with tax ids"
        emulator.advance(120)

        first = run_tap(tap_config(emulator), STREAMS)
        for stream in STREAMS:
            _assert_carry(first, emulator, stream, None)
        tiers = _newest(first, "prices")[price["id"]]["tiers"]
        assert len(tiers) >= 2 and tiers[-1]["up_to"] is None
        assert _newest(first, "plans")[plan["id"]]["tiers"]
        assert all(_newest(first, "customers")[c]["tax_ids"]["data"] for c in taxed)

        # Changes reach the next run as events, whose payloads carry none of these fields.
        emulator.update(price["id"], {"metadata": {"changed": "yes"}})
        emulator.update(plan["id"], {"nickname": "Tiered"})
        for customer_id in taxed:
            emulator.update(customer_id, {"metadata": {"vip": "1"}})
        emulator.advance(120)
        second = run_tap(tap_config(emulator), STREAMS, first.state)
        assert _newest(second, "prices")[price["id"]]["metadata"]["changed"] == "yes"
        _assert_carry(second, emulator, "prices", {price["id"]})
        _assert_carry(second, emulator, "plans", {plan["id"]})
        _assert_carry(second, emulator, "customers", set(taxed))
