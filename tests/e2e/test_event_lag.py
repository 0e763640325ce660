"""``event_lag_seconds`` against the emulator: changes younger than the lag wait for the next
run, the run says so in one line, and the ``events`` stream stops where the event-driven streams
stop, so that a run's tables agree with each other.

The emulator's clock is frozen and moved by the test; the tap takes "now" from Stripe's
``Date`` header, which carries the emulator clock.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from tests.e2e.truth import tap_config
from tests.emulator import Emulator
from tests.singer import run_tap

CLOCK = 1_790_000_000
LAG = 60
STREAMS = ["customers", "events"]


def _iso(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _bookmark(state: dict[str, Any], stream: str) -> int:
    return int(state["bookmarks"][stream]["replication_key_value"])


def test_changes_younger_than_the_lag_wait_in_every_table_and_are_announced(
        caplog: pytest.LogCaptureFixture) -> None:
    with Emulator(seed=7, scale=3, clock=CLOCK, connected_accounts=0) as emulator:
        config = {**tap_config(emulator), "event_lag_seconds": LAG}
        emulator.advance(LAG + 1)  # the generated data's newest events are past the lag
        first = run_tap(config, STREAMS)
        assert _bookmark(first.state, "events") == CLOCK + 1  # the run's start minus the lag
        assert {e["id"] for e in first.records["events"]} == {e["id"] for e in emulator.events()}

        customer = emulator.create("customer", {"email": "young@example.com"})
        changed_at = emulator.now
        emulator.update(customer["id"], {"name": "Young"})
        emulator.advance(10)  # the run starts 10 s after the change: younger than the lag
        young = [e for e in emulator.events() if e["created"] >= changed_at]
        assert [e["type"] for e in young] == ["customer.updated", "customer.created"]
        with caplog.at_level(logging.INFO, logger="tap-stripe"):
            second = run_tap(config, STREAMS, first.state)
        # neither the customers table nor the events table hears of the change yet ...
        assert customer["id"] not in second.ids("customers")
        assert not {e["id"] for e in young} & set(second.ids("events"))
        end = emulator.now - LAG
        assert _bookmark(second.state, "events") == end
        # the first run listed customers up to its start: no event window is due yet, one
        # request counts the events past that start
        assert _bookmark(second.state, "customers") == _bookmark(first.state, "customers")
        # ... and the log says how many events wait, since and until when
        held = [m for m in caplog.messages if m.startswith("Held back")]
        assert held == [f"Held back 2 event(s) created {_iso(end)} to {_iso(changed_at)}, "
                        f"younger than event_lag_seconds ({LAG}): their changes are read by a "
                        f"run from {_iso(changed_at + LAG + 1)} on."]

        emulator.advance(LAG)  # now older than the lag: both tables get them
        third = run_tap(config, STREAMS, second.state)
        assert [(r["id"], r["name"]) for r in third.records["customers"]] == [
            (customer["id"], "Young")]
        assert sorted(third.ids("events")) == sorted(e["id"] for e in young)
