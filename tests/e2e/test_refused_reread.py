"""Issue 12: ``on_permission_error: skip`` covers every request a stream's sync makes, re-reads by
id included. A restricted key that may read events and customers but not payment methods passes
the permission check of a run that only follows events; re-reading a payment method by id is
then refused (403), which must not end the run."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tap_stripe.errors import StripeAccessError
from tests.e2e.truth import tap_config
from tests.emulator import Emulator
from tests.singer import Output, catalog_for, run_tap

CLOCK = 1_790_000_000
HOUR = 3600
KEY = "rk_test_" + "NoPaymentMethods7" * 2
STREAMS = ["customers", "payment_methods"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(seed=65, scale=2, clock=CLOCK) as emu:
        emu.add_key(KEY, ["rak_event_read", "rak_customer_read", "rak_accounts_kyc_basic_read"])
        yield emu


@pytest.fixture(scope="module")
def changes(emulator: Emulator) -> dict[str, Any]:
    """A customer and two payment methods attached to it in the last hour."""
    start = emulator.now
    customer = emulator.create("customer", {"email": "refused@example.com"})
    methods = [emulator.create("payment_method", parent=customer["id"]) for _ in range(2)]
    emulator.advance(120)
    return {"since": start - 1, "customer": customer, "methods": methods}


def config(emulator: Emulator, **extra: Any) -> dict[str, Any]:
    # refetch: every changed object is re-read by id, whatever its event's API version
    return {**tap_config(emulator), "client_secret": KEY, "event_lag_seconds": 60,
            "event_payload": "refetch", **extra}


def recent(since: int) -> dict[str, Any]:
    """Bookmarks of an hour ago: the run only follows events."""
    return {"bookmarks": {s: {"replication_key": "updated", "replication_key_value": since}
                          for s in STREAMS}}


def test_a_refused_reread_falls_back_to_the_event_payload_with_skip(
        emulator: Emulator, changes: dict[str, Any],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="tap-stripe")
    log = emulator.requests()
    since = log[-1]["serial"] if log else 0
    out = run_tap(config(emulator, on_permission_error="skip"), STREAMS,
                  recent(changes["since"]))
    assert out.error is None
    refused = [r for r in emulator.requests(since) if r["status"] == 403]
    paths = [r["path"] for r in refused]
    # The re-reads and the changed customer's payment-method list go out together: which one
    # is refused first is their order; the requests already in flight are refused too, and
    # none is asked twice.
    assert paths and len(paths) == len(set(paths))
    assert set(paths) <= {f"/v1/payment_methods/{m['id']}" for m in changes["methods"]} | {
        f"/v1/customers/{changes['customer']['id']}/payment_methods"}
    methods = {r["id"]: r for r in out.records["payment_methods"]}
    assert methods.keys() == {m["id"] for m in changes["methods"]}
    for method in changes["methods"]:  # the event's copy, as the emulator rendered it
        assert methods[method["id"]]["customer"] == changes["customer"]["id"]
        assert methods[method["id"]]["type"] == method["type"]
        assert methods[method["id"]]["is_deleted"] is False
    assert [r["id"] for r in out.records["customers"]] == [changes["customer"]["id"]]
    warnings = [m for m in caplog.messages if "on_permission_error=skip" in m]
    assert warnings == [  # the same whichever request was refused first
        "Stream payment_methods: the API key may not read its objects by id "
        "(GET /v1/payment_methods/{id}) nor the payment_methods of a changed customers "
        "object; its records come from their events' payloads this run, as Stripe rendered "
        "them (a record re-read only for a changed embedded list is left out), and those "
        "lists are left out (on_permission_error=skip): rak_payment_method_read"]
    bookmark = out.state["bookmarks"]["payment_methods"]["replication_key_value"]
    assert bookmark >= changes["since"] + 60


def test_a_refused_reread_ends_the_run_with_fail(emulator: Emulator,
                                                 changes: dict[str, Any]) -> None:
    out = run_tap(config(emulator), STREAMS, recent(changes["since"]), allow_error=True)
    assert isinstance(out.error, StripeAccessError)
    assert out.error.status == 403
    assert out.error.permission == "rak_payment_method_read"
    assert "payment_methods" not in out.records


def test_the_cli_run_ends_with_the_streams_read_in_part(
        emulator: Emulator, changes: dict[str, Any], tmp_path: Path) -> None:
    files = {"config.json": config(emulator, on_permission_error="skip"),
             "state.json": recent(changes["since"]), "catalog.json": catalog_for(STREAMS)}
    for name, value in files.items():
        (tmp_path / name).write_text(json.dumps(value), encoding="utf-8")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("tap-stripe")), "--config", "config.json",
         "--state", "state.json", "--catalog", "catalog.json"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = Output.parse(result.stdout)
    assert {r["id"] for r in out.records["payment_methods"]} == {
        m["id"] for m in changes["methods"]}
    assert result.stderr.splitlines()[-1].endswith(
        "Stream(s) read in part: the API key may not make some of their requests "
        "(on_permission_error=skip): payment_methods (rak_payment_method_read).")


def test_the_warning_is_the_same_whichever_request_is_refused(
        caplog: pytest.LogCaptureFixture) -> None:
    """One run where only a changed customer's payment-method list is asked for, one where only
    a payment method is re-read by id: both tell the stream's outcome in the same words."""
    caplog.set_level(logging.WARNING, logger="tap-stripe")
    with Emulator(seed=66, scale=1, clock=CLOCK) as emu:
        emu.add_key(KEY, ["rak_event_read", "rak_customer_read", "rak_accounts_kyc_basic_read"])
        customer = emu.create("customer", {"email": "listed@example.com"})
        method = emu.create("payment_method", parent=customer["id"])
        emu.advance(HOUR)
        messages, refused = [], []
        for change in ({"email": "changed@example.com"}, {"metadata": {"n": "1"}}):
            since = emu.now - 1
            emu.update(customer["id"] if "email" in change else method["id"], change)
            emu.advance(120)
            log = emu.requests()
            serial = log[-1]["serial"] if log else 0
            caplog.clear()
            out = run_tap(config(emu, on_permission_error="skip"), STREAMS, recent(since))
            assert out.error is None
            refused.append([r["path"] for r in emu.requests(serial) if r["status"] == 403])
            messages += [m for m in caplog.messages if "on_permission_error=skip" in m]
        assert refused == [[f"/v1/customers/{customer['id']}/payment_methods"],
                           [f"/v1/payment_methods/{method['id']}"]]
        assert [r["id"] for r in out.records["payment_methods"]] == [method["id"]]
    assert len(messages) == 2
    assert messages[0] == messages[1]
    assert messages[0].startswith("Stream payment_methods: the API key may not read its "
                                  "objects by id (GET /v1/payment_methods/{id}) nor the "
                                  "payment_methods of a changed customers object;")
