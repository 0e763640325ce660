"""The Singer messages of whole syncs against the emulator, line for line: a first run, a
change and a second run from the first's state; with a stream map, flattening and a deselected
property; in full table with ACTIVATE_VERSION; and over connected accounts.

The expectation (``expected/messages.json``) is the output of these runs as tap-stripe wrote it
before the tap took over its sync loop from singer-sdk (issue 13): the loop must write the same
lines, byte for byte. Only what depends on the wall clock is left out: ``time_extracted``, the
table version (from the tap's start time) and, with connected accounts, the STATE messages
before the last (one at most every 5 s). STATE lines are stored as written, the others as their
type, stream and a digest of the line. Regenerate with ``python -m tests.e2e.test_messages``
only when a change of output is intended.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.truth import tap_config
from tests.emulator import Emulator
from tests.singer import catalog_for, run_tap_lines

EXPECTED = Path(__file__).parent / "expected" / "messages.json"
CLOCK = 1_790_000_000
DAY = 86_400
STREAMS = ["balance_transactions", "charges", "customers", "invoices", "invoice_line_items",
           "products"]
MAPS = {"customers": {"__alias__": "clients", "email": None, "email_domain":
                      "email.split('@')[-1] if email else None"},
        "charges": {"amount_cents": "amount * 100"},
        "products": None}


TIME_EXTRACTED = re.compile(r',"time_extracted":"[^"]*"')
VERSION = re.compile(r'"version":\d+')


def normalized(lines: list[str], *, connect: bool = False) -> list[str]:
    """``lines`` less what depends on the wall clock; lines other than STATE as their type,
    stream and digest (see the module's docstring)."""
    out = []
    states = [n for n, line in enumerate(lines) if json.loads(line)["type"] == "STATE"]
    for n, line in enumerate(lines):
        message = json.loads(line)
        if message["type"] == "STATE":
            if not connect or n == states[-1]:
                out.append(line)
            continue
        if message["type"] == "RECORD":
            assert "time_extracted" in message
        line = VERSION.sub('"version":0', TIME_EXTRACTED.sub("", line))
        digest = hashlib.sha256(line.encode()).hexdigest()[:20]
        out.append(f"{message['type']} {message['stream']} {digest}")
    return out


def deselected(streams: list[str], stream: str, prop: str) -> dict[str, Any]:
    """The catalog selecting ``streams``, with ``prop`` of ``stream`` deselected."""
    catalog = catalog_for(streams)
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] == stream:
            entry["metadata"].append({"breadcrumb": ["properties", prop],
                                      "metadata": {"selected": False}})
    return catalog


def runs() -> dict[str, list[str]]:
    """Every scenario's normalized lines, by name; the second run's raw lines as ``raw``."""
    out: dict[str, list[str]] = {}
    with Emulator(seed=13, scale=1, clock=CLOCK) as emulator:
        config = {**tap_config(emulator), "event_lag_seconds": 60}
        emulator.advance(61)
        first = run_tap_lines(config, catalog_for(STREAMS))
        out["first"] = first
        state = json.loads(first[-1])["value"]
        customer = emulator.create("customer", {"email": "ann@example.com"})
        emulator.update(customer["id"], {"name": "Ann"})
        emulator.advance(DAY)
        out["next"] = run_tap_lines(config, catalog_for(STREAMS), state)
        mapped = {**config, "stream_maps": MAPS, "flattening_enabled": True,
                  "flattening_max_depth": 1}
        out["mapped"] = run_tap_lines(mapped, catalog_for(STREAMS))
        out["deselected"] = run_tap_lines(config, deselected(STREAMS, "customers", "email"))
        full = {**config, "emit_activate_version_messages": True}
        out["full_table"] = run_tap_lines(full, catalog_for(["charges", "customers"],
                                                              full_table=True))
    with Emulator(seed=14, scale=1, clock=CLOCK, connected_accounts=2,
                  connected_scale=1) as emulator:
        config = {**tap_config(emulator), "event_lag_seconds": 60,
                  "connected_accounts": "all"}
        emulator.advance(61)
        out["connect"] = run_tap_lines(config, catalog_for(STREAMS))
    return out


@pytest.fixture(scope="module")
def produced() -> dict[str, list[str]]:
    return runs()


@pytest.mark.parametrize("scenario", ["first", "next", "mapped", "deselected", "full_table",
                                      "connect"])
def test_a_sync_writes_the_same_lines_as_before(produced: dict[str, list[str]],
                                                 scenario: str) -> None:
    expected = json.loads(EXPECTED.read_text())[scenario]
    got = normalized(produced[scenario], connect=scenario == "connect")
    for n, (want, have) in enumerate(zip(expected, got, strict=False)):
        assert have == want, f"{scenario}: line {n} differs: {produced[scenario][n][:300]}"
    assert len(got) == len(expected), scenario


def test_the_scenarios_show_what_they_claim(produced: dict[str, list[str]]) -> None:
    """The map renames, drops and adds fields, flattening joins nested keys, a deselected
    property is absent, full table activates its version, and the second run has the change."""
    def records(scenario: str, stream: str) -> list[dict[str, Any]]:
        messages = [json.loads(line) for line in produced[scenario]]
        return [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == stream]

    assert records("first", "customers") and not records("mapped", "customers")
    clients = records("mapped", "clients")
    assert clients and all("email" not in r and "email_domain" in r for r in clients)
    assert not records("mapped", "products")
    charges = records("mapped", "charges")
    assert charges and all(r["amount_cents"] == r["amount"] * 100 for r in charges)
    assert any("billing_details__email" in r for r in charges)
    assert records("deselected", "customers")
    assert all("email" not in r for r in records("deselected", "customers"))
    assert all("email" in r for r in records("first", "customers"))
    assert sum(json.loads(line)["type"] == "ACTIVATE_VERSION"
               for line in produced["full_table"]) == 2
    assert "ann@example.com" in [r["email"] for r in records("next", "customers")]
    assert len({r["stripe_account"] for r in records("connect", "charges")}) == 3


if __name__ == "__main__":
    EXPECTED.parent.mkdir(exist_ok=True)
    scenarios = {name: normalized(lines, connect=name == "connect")
                 for name, lines in runs().items()}
    EXPECTED.write_text(json.dumps(scenarios, indent=1) + "\n")
    sys.exit(0)
