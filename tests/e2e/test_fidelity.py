"""Issue 4 item 7: whatever happens in Stripe, the store an incremental sync keeps is Stripe.

Seeded random creates, updates and deletes over weeks (``tests.e2e.churn``) interleave with
incremental runs; after every run the store (``tests.e2e.mirror``: every record so far, the
newest ``updated`` per primary key) equals the emulator's current objects of every selected
stream, deletes flagged. Also: target-postgres as the store, changes under connected accounts,
a 40-day pause, a stream selected later, a run killed mid-window and resumed, events in the
same second as the bookmark, and the requests of a run with nothing to do.

The emulator's clock is frozen and moved by the scenarios; the tap takes "now" from Stripe's
``Date`` header, which carries the emulator clock.
"""

from __future__ import annotations

import json
import logging
import subprocess
import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from benchmarks.faults import tap_files
from tap_stripe.registry import BY_NAME, STREAMS
from tests.e2e.churn import CONNECT_OPS, OPS, Churn
from tests.e2e.mirror import Rows, Store, check
from tests.e2e.truth import tap_config
from tests.emulator import Emulator
from tests.singer import Output, run_tap

if TYPE_CHECKING:
    from pathlib import Path

    from tests.e2e.meltano_project import Meltano
    from tests.postgres import PostgresServer

CLOCK = 1_790_000_000
DAY = 86_400
LAG = 60
OTHER_API_VERSION = "2025-03-31.basil"
ALL = [s.name for s in STREAMS if s.selected_by_default]
"""The streams a run without a catalog reads (``run_tap(..., None)``)."""
CREATED_BASED = [s.name for s in STREAMS if s.cursor == "created" and s.selected_by_default]
# Every kind the churn changes, with the children Stripe derives from them.
CHANGED = ["customers", "bank_accounts", "products", "prices", "coupons", "subscriptions",
           "subscription_items", "invoices", "invoice_line_items", "charges", "refunds",
           "checkout_sessions", "checkout_sessions_line_items", "balance_transactions",
           "files", "events"]
CONNECT = ["accounts", "persons", "external_account_bank_accounts", "external_account_cards"]


def config(emulator: Emulator, **extra: Any) -> dict[str, Any]:
    """Tap settings reading the emulator's whole history, with the default 60 s event lag."""
    return {**tap_config(emulator, live_rate=True), "event_lag_seconds": LAG, **extra}


def sync(emulator: Emulator, store: Store, streams: list[str] | None,
         state: dict[str, Any] | None, **settings: Any) -> Output:
    """One incremental run once the changes so far are older than the lag; loads ``store``."""
    emulator.advance(LAG + 1)
    out = run_tap(config(emulator, **settings), streams, state)
    store.load(out)
    return out


def assert_mirrors(rows: Rows, emulator: Emulator, streams: list[str], when: str) -> None:
    """The rows equal the emulator's current state of ``streams``."""
    problems = check(rows, emulator, streams)
    shown = "\n".join(problems[:25])
    assert not problems, f"{when}: {len(problems)} differences from the emulator:\n{shown}"


def assert_store_mirrors(store: Store, emulator: Emulator, streams: list[str],
                         when: str) -> None:
    """``assert_mirrors``, and no record arrived after a newer one of its object (a target
    keeping the last record would agree with the store)."""
    assert_mirrors(store.rows, emulator, streams, when)
    assert not store.older, f"{when}: records older than the one held: {store.older[:5]}"


def listed(emulator: Emulator, since: int) -> Counter[str]:
    """List requests by ``created`` window per path since log serial ``since`` (not the
    permission check's ``limit=1`` probes)."""
    return Counter(r["path"] for r in emulator.requests(since) if "created%5B" in r["query"])


def serial(emulator: Emulator) -> int:
    """The serial of the newest logged request (0: none)."""
    entries = emulator.requests()
    return entries[-1]["serial"] if entries else 0


# -- random changes over weeks ----------------------------------------------------------------

def test_random_changes_over_three_weeks_leave_the_store_equal_to_stripe() -> None:
    with Emulator(seed=41, scale=4, clock=CLOCK, connected_accounts=1) as emulator:
        churn = Churn(emulator, seed=41)
        store, state = Store(), None
        for run in range(9):
            if run == 5:  # from now on events come in another API version: objects re-read
                emulator.set_api_version(OTHER_API_VERSION)
            if run:
                churn.spread(count=14, seconds=(run % 3 + 1) * DAY)
            if run == 2:  # parents with more than 10 children, read whole by the next run ...
                churn.grow_big()
            if run == 3:  # ... then removed
                churn.remove_big()
            state = sync(emulator, store, None, state).state
            assert_store_mirrors(store, emulator, ALL, f"after run {run + 1}")
        assert emulator.now - CLOCK > 14 * DAY
        assert len(churn.done) >= len(OPS) - 3, f"operations made: {churn.done}"
        assert any(i["lines"]["has_more"] for i in emulator.objects("invoices")
                   if i["created"] > CLOCK), "no new invoice with more than 10 lines"
        # parents with more than 10 children were removed: their children past the 10 a
        # payload embeds are flagged where Stripe still lists them (subscription items)
        assert {i.split("_")[0] for i in churn.big_removals} >= {"sub", "in"}, \
            churn.big_removals
        assert any(e["api_version"] == OTHER_API_VERSION for e in emulator.events())


def test_changes_under_connected_accounts_reach_the_store() -> None:
    with Emulator(seed=42, scale=2, clock=CLOCK, connected_accounts=2) as emulator:
        churn = Churn(emulator, seed=42, ops=CONNECT_OPS)
        store, state = Store(), None
        for run in range(4):
            if run:
                churn.spread(count=6, seconds=DAY)
            state = sync(emulator, store, CONNECT, state, connected_accounts="all").state
            problems = check(store.rows, emulator, CONNECT, connect=True)
            assert not problems, f"after run {run + 1}:\n" + "\n".join(problems[:25])
            assert not store.older, store.older[:5]
        assert len(churn.done) >= 4, f"operations made: {churn.done}"


# -- target-postgres ----------------------------------------------------------------------------

SCHEMA = "fidelity"


def load_postgres(output: Output, target: Path, target_config: Path) -> None:
    """Pipe one run's Singer messages into target-postgres (upserts by primary key)."""
    lines = "".join(json.dumps(m) + "\n" for m in output.messages)
    done = subprocess.run([str(target), "--config", str(target_config)], input=lines,
                          text=True, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, f"target-postgres failed:\n{done.stderr[-3000:]}"


def read_tables(postgres: PostgresServer, streams: list[str]) -> Rows:
    """Every row of the streams' tables, by id (nested objects decoded from JSONB)."""
    tables = postgres.tables(SCHEMA)
    return {s: {r["id"]: r for r in postgres.query(f'SELECT * FROM {SCHEMA}."{s}"')}
            for s in streams if s in tables}


def test_target_postgres_tables_equal_stripe_after_every_run(
        tmp_path: Path, postgres: PostgresServer, meltano: Meltano) -> None:
    meltano.install("loader", "target-postgres")
    target = meltano.executable("loaders", "target-postgres")
    target_config = tmp_path / "target.json"
    target_config.write_text(json.dumps({
        "host": "127.0.0.1", "port": postgres.port, "user": "postgres", "password": "postgres",
        "database": "postgres", "default_target_schema": SCHEMA}))
    with Emulator(seed=43, scale=4, clock=CLOCK) as emulator:
        churn = Churn(emulator, seed=43)
        store, state = Store(), None
        for run in range(4):
            if run:
                churn.spread(count=16, seconds=2 * DAY)
            out = sync(emulator, store, CHANGED, state)
            state = out.state
            load_postgres(out, target, target_config)
            assert_mirrors(read_tables(postgres, CHANGED), emulator, CHANGED,
                           f"PostgreSQL after run {run + 1}")


# -- a 40-day pause: the retention fallback ----------------------------------------------------

PAUSED = ["customers", "bank_accounts", "products", "prices", "coupons", "invoices",
          "invoice_line_items", "charges", "refunds", "subscription_items", "subscriptions",
          "balance_transactions", "events"]


def test_a_40_day_pause_refills_from_the_lists_with_one_warning_and_no_gap(
        caplog: pytest.LogCaptureFixture) -> None:
    updates_only = tuple(op for op in OPS if not op.name.endswith((".delete", ".cancel")))
    with Emulator(seed=44, scale=4, clock=CLOCK) as emulator:
        churn = Churn(emulator, seed=44)
        store = Store()
        state = sync(emulator, store, PAUSED, None).state
        churn.spread(count=10, seconds=DAY)
        state = sync(emulator, store, PAUSED, state).state
        # 40 days: changes all along, deletes only while Stripe still keeps their events
        Churn(emulator, seed=45, ops=updates_only).spread(count=12, seconds=12 * DAY)
        churn.spread(count=20, seconds=27 * DAY)
        emulator.advance(DAY)
        with caplog.at_level(logging.WARNING):
            out = sync(emulator, store, PAUSED, state)
        warnings = [r.getMessage() for r in caplog.records
                    if r.levelno >= logging.WARNING and "retention" in r.getMessage()]
        event_driven = [s for s in PAUSED if BY_NAME[s].cursor == "updated"]
        for stream in event_driven:
            assert sum(f"Stream {stream} " in w for w in warnings) == 1, warnings
        assert len(warnings) == len(event_driven), warnings
        assert_mirrors(store.rows, emulator, PAUSED, "after the pause")
        # and back on events: no list is read again
        churn.spread(count=10, seconds=DAY)
        since = serial(emulator)
        sync(emulator, store, PAUSED, out.state)
        assert_mirrors(store.rows, emulator, PAUSED, "after the pause and one more run")
        paths = listed(emulator, since)
        assert not {BY_NAME[s].path for s in event_driven} & paths.keys(), paths


# -- a stream selected later --------------------------------------------------------------------

FIRST = ["customers", "bank_accounts", "charges", "refunds", "invoices", "invoice_line_items"]
LATER = ["subscriptions", "subscription_items", "products", "prices", "coupons",
         "checkout_sessions", "checkout_sessions_line_items"]


def test_a_stream_selected_later_is_backfilled_alone_while_the_others_follow_events() -> None:
    with Emulator(seed=47, scale=4, clock=CLOCK) as emulator:
        churn = Churn(emulator, seed=47)
        store = Store()
        state = sync(emulator, store, FIRST, None).state
        for _ in range(2):
            churn.spread(count=12, seconds=DAY)
            state = sync(emulator, store, FIRST, state).state
        churn.spread(count=12, seconds=DAY)
        since = serial(emulator)
        # changes made while the new streams are being listed come in through events later
        during = threading.Timer(0.2, churn.spread, kwargs={"count": 6, "seconds": 0})
        during.start()
        try:
            state = sync(emulator, store, FIRST + LATER, state).state
        finally:
            during.join()
        paths = listed(emulator, since)
        for name in LATER:
            if not BY_NAME[name].parent:
                assert paths[BY_NAME[name].path] >= 1, (name, paths)
        assert not {BY_NAME[n].path for n in FIRST if not BY_NAME[n].parent} & paths.keys()
        churn.spread(count=12, seconds=DAY)
        sync(emulator, store, FIRST + LATER, state)
        assert_store_mirrors(store, emulator, FIRST + LATER, "after the run that follows the "
                             "backfill")


# -- killed mid-window --------------------------------------------------------------------------

KILLED = ["customers", "bank_accounts", "invoices", "invoice_line_items", "products",
          "prices", "charges", "refunds", "subscriptions", "subscription_items", "events"]


def run_until_killed(workdir: Path, cfg: dict[str, Any], state: dict[str, Any]) -> Output:
    """Run the tap executable; SIGKILL it right after the first STATE that follows a record
    of an event-driven stream (the Events pass is under way); return what it printed."""
    workdir.mkdir()
    with (workdir / "stderr").open("wb") as stderr:
        proc = subprocess.Popen(tap_files(workdir, cfg, KILLED, state), stdout=subprocess.PIPE,
                                stderr=stderr)
    assert proc.stdout is not None
    printed: list[bytes] = []
    hub_records = 0
    for line in proc.stdout:
        printed.append(line)
        message = json.loads(line)
        if message["type"] == "RECORD" and BY_NAME[message["stream"]].cursor == "updated":
            hub_records += 1
        elif message["type"] == "STATE" and hub_records:
            proc.kill()
            break
    proc.stdout.close()
    assert proc.wait(timeout=60) == -9, ("the run ended before it could be killed:\n" +
                                         (workdir / "stderr").read_text()[-3000:])
    return Output.parse(b"".join(printed).decode())


def test_a_run_killed_mid_window_resumes_from_its_last_state_with_nothing_lost(
        tmp_path: Path) -> None:
    with Emulator(seed=48, scale=4, clock=CLOCK) as emulator:
        churn = Churn(emulator, seed=48)
        store = Store()
        state = sync(emulator, store, KILLED, None).state
        churn.spread(count=60, seconds=8 * DAY)
        emulator.advance(LAG + 1)
        # slow enough to be killed between two windows of events
        killed = run_until_killed(tmp_path / "killed", config(
            emulator, max_requests_per_second=4), state)
        store.load(killed)
        assert killed.states, "no STATE before the kill"
        assert killed.state != state
        sync(emulator, store, KILLED, killed.state)
        assert_store_mirrors(store, emulator, KILLED, "after the resumed run")


# -- the same second as the bookmark ------------------------------------------------------------

def test_events_in_the_same_second_as_the_bookmark_are_read_once() -> None:
    streams = ["products", "coupons"]
    with Emulator(seed=49, scale=4, clock=CLOCK) as emulator:
        cfg = {"event_lag_seconds": 0}
        store = Store()
        state = sync(emulator, store, streams, None, **cfg).state
        product_a, product_b, product_c = (p["id"] for p in emulator.objects("products")[:3])
        coupon = emulator.objects("coupons")[0]["id"]
        emulator.advance(100)
        emulator.update(product_a, {"name": "A, one second before the bookmark"})
        emulator.advance(1)
        emulator.update(product_b, {"name": "B, in the bookmark's second, before the run"})
        # with no lag a run ends its events at the current second, the bookmark
        out = run_tap(config(emulator, **cfg), streams, state)
        store.load(out)
        assert out.ids("products") == [product_a]
        bookmark = emulator.now
        assert out.state["bookmarks"]["products"]["replication_key_value"] == bookmark
        emulator.update(product_c, {"name": "C, in the bookmark's second, after the run"})
        emulator.update(coupon, {"name": "In the bookmark's second too"})
        out = sync(emulator, store, streams, out.state, **cfg)
        assert sorted(out.ids("products")) == sorted([product_b, product_c])
        assert out.ids("coupons") == [coupon]
        assert {r["updated"] for r in out.records["products"]} == {bookmark}
        assert_mirrors(store.rows, emulator, streams, "after the run past the bookmark")


# -- requests of a run with nothing to do --------------------------------------------------------

EVENTS_PASS = 1
"""The one page of /v1/events that finds no change."""
OWN_ACCOUNT = 1
"""GET /v1/account: the key's own account id, which records carry as ``stripe_account``."""


def test_a_run_with_no_changes_makes_one_request_per_created_stream_and_a_few() -> None:
    with Emulator(seed=50, scale=4, clock=CLOCK, connected_accounts=1) as emulator:
        store = Store()
        state = sync(emulator, store, None, None).state
        emulator.advance(3600)
        since = serial(emulator)
        out = sync(emulator, store, None, state)
        requests = emulator.requests(since)
    assert not any(out.records.values())
    # the permission probe at the start of a sync: one `limit=1` request per endpoint read
    probes = [r for r in requests if "limit=1&" in r["query"] + "&"]
    reads = [r for r in requests if r not in probes]
    paths = Counter(r["path"] for r in reads)
    bound = len(CREATED_BASED) + EVENTS_PASS + OWN_ACCOUNT
    assert len(reads) <= bound, f"{len(reads)} requests (bound {bound}): {sorted(paths.items())}"
    assert paths["/v1/account"] == OWN_ACCOUNT
    assert len(probes) <= bound, sorted(Counter(r["path"] for r in probes).items())
    # in all: the probes of the lists read and of /v1/events ask their first pages, which the
    # lists and the events pass take, so the probes cost no request of their own
    asked = [(r["path"], r["query"]) for r in requests]
    assert len(requests) <= bound, f"{len(requests)} requests (bound {bound}): {asked}"
