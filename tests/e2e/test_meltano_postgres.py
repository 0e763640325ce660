"""`meltano run tap-stripe target-postgres` against the emulator and a real PostgreSQL, twice.

The first run loads every stream; the second, with the state Meltano saved, runs after objects
were created, updated and deleted on the emulator. It must load the new objects and re-load
only objects something happened to (an event since the first run) or that a `created` window
re-reads by design (the stream's lookback floor), never other untouched ones. Rows are upserted,
so a re-load shows as a newer ``_sdc_sync_started_at``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.truth import DAY, SELECTED, Expected, expected_all, tap_config
from tests.emulator import Emulator

if TYPE_CHECKING:
    from tests.e2e.meltano_project import Meltano
    from tests.postgres import PostgresServer

SCHEMA = "stripe"
STATE_ID = "dev:tap-stripe-to-target-postgres"
Rows = dict[str, dict[str, dict[str, Any]]]
"""table -> id -> row"""


@dataclass(frozen=True)
class Load:
    """One `meltano run`: when it ran, what the emulator held, what the tables hold after it."""

    started: int
    finished: int
    truth: dict[str, Expected]
    rows: Rows

    def sync_mark(self, previous: Load | None = None) -> set[Any]:
        """The ``_sdc_sync_started_at`` values this run wrote (absent from ``previous``)."""
        marks = {r["_sdc_sync_started_at"] for t in self.rows.values() for r in t.values()}
        if previous is not None:
            marks -= {r["_sdc_sync_started_at"] for t in previous.rows.values()
                      for r in t.values()}
        return marks


@dataclass(frozen=True)
class Changes:
    """What the test did to the emulator between the runs."""

    created: dict[str, str]  # stream -> id of the new object
    renamed_customer: str
    deleted_coupon: str
    since: int


@dataclass(frozen=True)
class Pipeline:
    """Both runs and the changes between them."""

    first: Load
    second: Load
    changes: Changes
    events_since_first: list[dict[str, Any]]
    state: dict[str, Any]


def _rows(postgres: PostgresServer) -> Rows:
    tables = postgres.tables(SCHEMA)
    return {t: {r["id"]: r for r in postgres.query(f'SELECT * FROM {SCHEMA}."{t}"')}
            for t in sorted(tables)}


def _load(meltano: Meltano, postgres: PostgresServer, emulator: Emulator,
          env: dict[str, str]) -> Load:
    started = int(time.time())
    meltano("run", "tap-stripe", "target-postgres", env=env, timeout=240)
    return Load(started, int(time.time()) + 1, expected_all(emulator), _rows(postgres))


def _change(emulator: Emulator, first: Load) -> Changes:
    since = emulator.now
    customer = emulator.create("customer", {"email": "new.customer@example.com"})
    invoice = emulator.create("invoice", links={"customer": customer["id"]})
    line = emulator.create("line_item", {"amount": 4200}, parent=invoice["id"])
    # as in Stripe, adding a line changes the invoice (the emulator records no event for the
    # line itself): invoice.updated then carries the new line
    emulator.update(invoice["id"], {"description": "With one more line"})
    charge = emulator.create("charge", {"amount": 4242, "currency": "usd"},
                             links={"customer": customer["id"]})
    transaction = emulator.create("balance_transaction", {"amount": 777})
    renamed = sorted(first.truth["customers"].objects)[0]
    emulator.update(renamed, {"name": "Renamed Between Runs"})
    coupon = sorted(first.truth["coupons"].objects)[0]
    emulator.delete(coupon)
    time.sleep(1.1)  # the second run's windows end at its start second: be past the creates
    return Changes({"customers": customer["id"], "invoices": invoice["id"],
                    "invoice_line_items": line["id"], "charges": charge["id"],
                    "balance_transactions": transaction["id"]},
                   renamed, coupon, since)


@pytest.fixture(scope="module")
def pipeline(postgres: PostgresServer, meltano: Meltano) -> Iterator[Pipeline]:
    meltano.install("extractor", "tap-stripe")
    meltano.install("loader", "target-postgres")
    with Emulator(seed=23, scale=20) as emulator:
        config = tap_config(emulator)
        env = {**postgres.target_env(), "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": SCHEMA,
               "TAP_STRIPE_CLIENT_SECRET": config["client_secret"],
               "TAP_STRIPE_API_BASE": config["api_base"],
               "TAP_STRIPE_START_DATE": config["start_date"],
               # the second run follows right after the changes: read even the newest events
               "TAP_STRIPE_EVENT_LAG_SECONDS": "0"}
        first = _load(meltano, postgres, emulator, env)
        changes = _change(emulator, first)
        second = _load(meltano, postgres, emulator, env)
        events = [e for e in emulator.events() if e["created"] >= changes.since]
        state = json.loads(meltano("state", "get", STATE_ID, env=env).stdout)
        yield Pipeline(first, second, changes, events, state)


def test_first_run_loads_every_object_of_every_stream(pipeline: Pipeline) -> None:
    first = pipeline.first
    with_data = {s.name for s in SELECTED if first.truth[s.name].objects}
    assert len(with_data) >= 40
    assert set(first.rows) >= with_data
    differ = {name: (len(first.rows[name]), len(first.truth[name].objects))
              for name in with_data if first.rows[name].keys() != first.truth[name].objects.keys()}
    assert not differ, f"tables whose ids differ from the emulator (rows, expected): {differ}"


def test_first_run_columns_match_the_emulator(pipeline: Pipeline) -> None:
    first = pipeline.first
    wrong: list[tuple[Any, ...]] = []
    for stream in SELECTED:
        truth = first.truth[stream.name]
        for object_id, row in first.rows.get(stream.name, {}).items():
            if object_id not in truth.objects:
                continue  # reported by the id comparison
            sample = truth.sample(object_id)
            got = {f: row.get(f) for f in sample}
            if got != sample:
                wrong.append((stream.name, object_id, got, sample))
            if not truth.stamps_ok(row, first.started, first.finished):
                wrong.append((stream.name, object_id, row.get("updated"), row.get("is_deleted")))
    assert not wrong, f"{len(wrong)} rows differ from the emulator, e.g. {wrong[:3]}"
    charges = first.rows["charges"]
    assert all(isinstance(r["amount"], int) and r["currency"] for r in charges.values())
    lines = first.rows["invoice_line_items"]
    assert {r["invoice_id"] for r in lines.values()} <= first.rows["invoices"].keys()


def test_second_run_loads_the_new_objects_with_their_parents(pipeline: Pipeline) -> None:
    rows = pipeline.second.rows
    for stream, object_id in pipeline.changes.created.items():
        assert object_id in rows[stream], f"new {stream} {object_id} was not loaded"
    line = rows["invoice_line_items"][pipeline.changes.created["invoice_line_items"]]
    assert (line["invoice_id"], line["amount"]) == (pipeline.changes.created["invoices"], 4200)
    charge = rows["charges"][pipeline.changes.created["charges"]]
    assert (charge["amount"], charge["customer"]) == \
        (4242, pipeline.changes.created["customers"])
    assert rows["balance_transactions"][pipeline.changes.created["balance_transactions"]][
        "amount"] == 777
    bookmarks = pipeline.state["singer_state"]["bookmarks"]
    assert {s.name for s in SELECTED if pipeline.second.truth[s.name].objects} <= bookmarks.keys()
    assert bookmarks["balance_transactions"]["replication_key_value"] >= pipeline.second.started


def test_second_run_keeps_every_row_once_and_reloads_only_changed_objects(
        pipeline: Pipeline) -> None:
    first, second, changes = pipeline.first, pipeline.second, pipeline.changes
    touched = {e["data"]["object"].get("id") for e in pipeline.events_since_first}
    touched |= set(changes.created.values()) | {changes.renamed_customer, changes.deleted_coupon}
    marks = second.sync_mark(first)
    assert len(marks) == 1, f"expected one new _sdc_sync_started_at, got {marks}"
    (mark,) = marks
    differ, reloaded = {}, {}
    for stream in SELECTED:
        table = second.rows.get(stream.name, {})
        before = first.rows.get(stream.name, {})
        expected_ids = first.truth[stream.name].objects.keys() | \
            second.truth[stream.name].objects.keys()
        if table.keys() != expected_ids:
            differ[stream.name] = (len(table), len(expected_ids))
        parent_field = stream.parent_id_field
        # a created window legitimately re-reads the stream's lookback floor (days)
        reread_from = first.started - stream.lookback_floor_days * DAY
        untouched = {i for i, r in table.items()
                     if r["_sdc_sync_started_at"] == mark and i in before and i not in touched
                     and not (parent_field and r[parent_field] in touched)
                     and not r.get("created", 0) >= reread_from}
        if untouched:
            reloaded[stream.name] = sorted(untouched)[:3]
    assert not differ, f"tables whose ids differ from the emulator (rows, expected): {differ}"
    assert not reloaded, f"untouched objects loaded again by the second run: {reloaded}"
    # the coupon deleted and the customer renamed between the runs: loaded by the first run,
    # reloaded by the second with the change
    assert first.rows["coupons"][changes.deleted_coupon]["is_deleted"] is False
    coupon = second.rows["coupons"][changes.deleted_coupon]
    assert (coupon["is_deleted"], coupon["_sdc_sync_started_at"]) == (True, mark)
    assert first.rows["customers"][changes.renamed_customer]["name"] != "Renamed Between Runs"
    renamed = second.rows["customers"][changes.renamed_customer]
    assert (renamed["name"], renamed["_sdc_sync_started_at"]) == ("Renamed Between Runs", mark)
