"""Concurrent fetching gives what one request at a time gives: same records, same order, same
states, same errors; channels spill to disk past their bound; failures leave no threads."""

from __future__ import annotations

import bisect
import itertools
import os
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import tap_stripe.http
from tap_stripe.ahead import AskedAhead
from tap_stripe.api import StripeApi
from tap_stripe.channels import READING_ITEMS, SPILL, Channel, Checkpoint, SpillFile
from tap_stripe.errors import StripeAccessError
from tap_stripe.limiter import RateLimiter
from tap_stripe.listing import Listing, WindowEnd, WindowLister, ordered
from tap_stripe.pool import SEQUENTIAL, Budget, Concurrency, Pace, Pool
from tap_stripe.run import Run
from tests.singer import Output, run_tap
from tests.unit.fake_stripe import BASE, FakeStripe

DAY = 86400
NOW = int(time.time())
START = NOW - 4 * DAY + 3600  # window ends never fall within a run's first seconds


class PageServer:
    """Stands in for StripeApi: serves one list newest first, honouring `created` and cursors,
    and records every query."""

    def __init__(self, created: list[int], fail_at: int | None = None) -> None:
        self.objects = sorted(({"id": f"obj_{i:05d}", "created": c} for i, c in
                               enumerate(created)), key=lambda o: (-o["created"], o["id"]))
        self.keys = [(-o["created"], o["id"]) for o in self.objects]
        self.queries: list[dict[str, Any]] = []
        self.fail_at = fail_at
        self.lock = threading.Lock()
        self.ahead = AskedAhead()  # no page asked ahead

    def get(self, path: str, params: dict[str, Any], account: str | None, *,
            raw: bool = False) -> dict[str, Any]:
        with self.lock:
            self.queries.append(dict(params))
        created = params.get("created", {})
        if created.get("gte") == self.fail_at:
            raise StripeAccessError("GET /v1/things failed (HTTP 400): boom", status=400)
        low = bisect.bisect_left(self.keys, (-(created.get("lt", 1 << 40) - 1), ""))
        high = bisect.bisect_right(self.keys, (-created.get("gte", 0), "~"))
        after = params.get("starting_after")
        if after:
            low = next(i for i, o in enumerate(self.objects) if o["id"] == after) + 1
        limit = params["limit"]
        return {"object": "list", "data": self.objects[low:min(high, low + limit)],
                "has_more": low + limit < high}


class NoLimits:
    """Rates for a pace over a local stand-in answering in microseconds: limits so high that
    Little's law asks for many requests in flight (Stripe's would ask for one)."""

    def rates(self, endpoint: str) -> tuple[float, float]:
        return 1e9, 1e9

    def waited(self) -> float:
        return 0.0


def listed(server: PageServer, spans: list[tuple[int, int]], concurrency: Concurrency,
           budget: int = 10**6) -> list[list[str] | tuple[int, int]]:
    """What a WindowLister yields: page ids and window ends."""
    pool = Pool(concurrency.workers)
    lister = WindowLister(server, Listing("/v1/things", {}), spans,  # type: ignore[arg-type]
                          submit=pool.submit, pace=Pace(NoLimits(), concurrency.workers),
                          budget=Budget(budget), stop=threading.Event())
    try:
        return [(e.gte, e.lt) if isinstance(e, WindowEnd) else [o["id"] for o in e]
                for e in lister]
    finally:
        pool.close()


def flat(entries: list[list[str] | tuple[int, int]]) -> list[str | tuple[int, int]]:
    return [x for e in entries for x in (e if isinstance(e, list) else [e])]


def test_split_windows_yield_the_sequential_order_with_window_ends_in_place() -> None:
    # two busy days and a quiet one: 1,500 objects, 15+ pages
    created = [START + i * 100 for i in range(1200)] + [START + 2 * DAY + i for i in range(300)]
    spans = [(START, START + DAY), (START + DAY, START + 2 * DAY), (START + 2 * DAY, NOW)]
    sequential_server, concurrent_server = PageServer(created), PageServer(created)
    one_at_a_time = flat(listed(sequential_server, spans, SEQUENTIAL))
    concurrent = flat(listed(concurrent_server, spans, Concurrency()))
    assert concurrent == one_at_a_time
    assert len([x for x in concurrent if isinstance(x, str)]) == 1500
    assert [x for x in concurrent if isinstance(x, tuple)] == spans
    # newest first within a window: the end of the first window comes after obj_00000
    ids = [x for x in concurrent if isinstance(x, str)]
    assert ids[0] == "obj_00863" and concurrent.index(spans[0]) == ids.index("obj_00000") + 1
    # the sequential reader pages one sub-window; the concurrent one split the busy windows
    starts = {q["created"]["gte"] for q in concurrent_server.queries}
    assert {q["created"]["gte"] for q in sequential_server.queries} == {s for s, _ in spans}
    assert len(starts) > len(spans)


def test_a_spent_budget_leaves_only_the_oldest_sub_window_fetching() -> None:
    created = [START + i * 100 for i in range(1200)]
    spans = [(START, START + DAY), (START + DAY, NOW)]
    server = PageServer(created)
    assert flat(listed(server, spans, Concurrency(), budget=0)) == flat(
        listed(PageServer(created), spans, SEQUENTIAL))


def test_small_windows_are_not_split_and_are_requested_in_order() -> None:
    created = [START + 10, START + DAY + 10, START + 2 * DAY + 10]
    spans = [(START, START + DAY), (START + DAY, START + 2 * DAY), (START + 2 * DAY, NOW)]
    server = PageServer(created)
    listed(server, spans, Concurrency())
    assert [q["created"]["gte"] for q in server.queries] == [s for s, _ in spans]


def test_an_error_in_a_worker_is_raised_in_order_after_the_pages_before_it() -> None:
    created = [START + i * 50 for i in range(2000)]
    spans = [(START, START + DAY), (START + DAY, NOW)]
    server = PageServer(created, fail_at=START + DAY)
    pool = Pool(8)
    lister = WindowLister(server, Listing("/v1/things", {}), spans,  # type: ignore[arg-type]
                          submit=pool.submit, pace=Pace(NoLimits(), 8),
                          budget=Budget(10**6), stop=threading.Event())
    got: list[Any] = []
    with pytest.raises(StripeAccessError, match="boom"):
        got.extend(lister)
    pool.close()
    assert got[-1] == WindowEnd(START, START + DAY)  # all of the first window came out first
    assert sum(len(p) for p in got[:-1]) == len([c for c in created if c < START + DAY])


def test_ordered_map_keeps_input_order_and_runs_remote_calls_on_workers() -> None:
    pool = Pool(4)
    threads: dict[int, str] = {}

    def work(n: int) -> int:
        threads[n] = threading.current_thread().name
        time.sleep(0.002 * (n % 5))
        return n * n

    out = list(ordered(pool.submit, work, range(40), ahead=6, remote=lambda n: n % 2 == 0,
                       stop=threading.Event()))
    pool.close()
    assert out == [(n, n * n) for n in range(40)]
    assert all(threads[n].startswith("tap-stripe-http") for n in range(0, 40, 2))
    assert threads[1] == threading.current_thread().name


def test_a_call_goes_to_the_worker_idle_the_shortest_time() -> None:
    pool = Pool(4)
    together = threading.Barrier(3)
    first = [pool.submit(together.wait) for _ in range(3)]  # three workers at once
    for future in first:
        future.result(timeout=10)
    deadline = time.monotonic() + 10
    while len(pool._sleepers) < 3 and time.monotonic() < deadline:  # all three idle
        time.sleep(0.001)
    names = [pool.submit(lambda: threading.current_thread().name).result(timeout=10)
             for _ in range(12)]  # one after another, as the rate limiter spaces requests
    pool.close()
    assert len(pool._started) == 3
    assert len(set(names)) == 1, names  # the same warm worker every time, not each in turn


def items_in(channel: Channel) -> Iterator[Any]:
    """The channel's items one by one, as its consumer reads them (a list at a time)."""
    return (item for page in channel.pages() for item in page)


def items_of(channel: Channel) -> list[Any]:
    return list(items_in(channel))


def test_channel_spills_past_its_bound_and_replays_in_order() -> None:
    channel = Channel(memory_items=10)
    items: list[Any] = []
    for n in range(1000):
        item: Any = Checkpoint(n) if n % 100 == 99 else {"id": f"x_{n}", "n": n, "s": "é\n"}
        items.append(item)
        channel.put_page([item])
    channel.close()
    assert channel.spilled == 1000  # past the bound, the first ten follow the rest to disk
    assert items_of(channel) == items


def test_a_closed_channel_nobody_reads_yet_keeps_no_memory_and_no_open_file() -> None:
    channels = [Channel(memory_items=100) for _ in range(50)]
    files_before, size_before = len(os.listdir("/proc/self/fd")), SPILL.size
    for n, channel in enumerate(channels):
        for k in range(3):
            channel.put_page([{"id": f"x_{n}_{k}"}])
        channel.put_page([Checkpoint(n)])
        channel.close()
    assert all(not c._memory and not c._pending and c._extents for c in channels)
    assert len(os.listdir("/proc/self/fd")) <= files_before + 1  # one spill file for all
    for n, channel in enumerate(channels):
        assert items_of(channel) == [{"id": f"x_{n}_{k}"} for k in range(3)] + [Checkpoint(n)]
        assert not channel._extents  # its part of the spill file is freed once read
    assert SPILL.size <= size_before  # and the file shrinks back


def test_the_spill_file_reuses_freed_extents_and_shrinks_when_all_is_read() -> None:
    spill, rng = SpillFile(), random.Random(7)
    live: dict[tuple[int, int], bytes] = {}
    for step in range(600):
        if live and rng.random() < 0.45:
            extent = rng.choice(sorted(live))
            assert spill.read(extent) == live.pop(extent)
            spill.free(extent)
        else:
            data = bytes([step % 251]) * rng.randint(1, 5000)
            live[spill.write(data)] = data
        spans = sorted(live)
        assert all(a[0] + a[1] <= b[0] for a, b in itertools.pairwise(spans))  # no overlap
    for extent, data in live.items():
        assert spill.read(extent) == data
        spill.free(extent)
    assert spill.size == 0
    first, second = spill.write(b"a" * 100), spill.write(b"b" * 100)
    spill.free(first)
    assert spill.write(b"c" * 50) == (0, 50)  # the hole is reused
    assert spill.size == 200
    spill.free(second)  # the end is freed, with the hole before it: the file shrinks
    assert spill.size == 50


def test_channel_reader_and_writer_overlap_and_the_error_comes_last() -> None:
    channel = Channel(memory_items=5)

    def produce() -> None:
        for n in range(3000):
            channel.put_page([{"n": n}])
            if n % 700 == 0:
                time.sleep(0.01)
        channel.close(StripeAccessError("GET /v1/x failed (HTTP 400): late"))

    thread = threading.Thread(target=produce)
    thread.start()
    got = []
    with pytest.raises(StripeAccessError, match="late"):
        got.extend(item["n"] for item in items_in(channel))  # type: ignore[index]
    thread.join()
    assert got == list(range(3000))


def test_a_channel_being_read_makes_its_producer_wait_instead_of_spilling() -> None:
    channel = Channel(memory_items=5)
    reader = items_in(channel)
    channel.put_page([{"n": 0}])
    assert next(reader) == {"n": 0}  # the consumer now reads this channel
    produced: list[int] = []

    def produce() -> None:
        for n in range(1, 3 * READING_ITEMS):
            channel.put_page([{"n": n}])
            produced.append(n)
        channel.close()

    thread = threading.Thread(target=produce)
    thread.start()
    deadline = time.monotonic() + 10
    while len(produced) < READING_ITEMS and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert len(produced) == READING_ITEMS  # waits while the reader holds READING_ITEMS back
    assert [item["n"] for item in reader] == list(range(1, 3 * READING_ITEMS))  # type: ignore[index]
    thread.join(5)
    assert channel.spilled == 0


def test_a_producer_waiting_on_a_full_channel_stops_with_its_pass() -> None:
    stop = threading.Event()
    channel = Channel(memory_items=5, stop=stop)
    reader = items_in(channel)
    channel.put_page([{"n": 0}])
    next(reader)

    def produce() -> None:
        for n in range(READING_ITEMS + 10):
            channel.put_page([{"n": n}])

    thread = threading.Thread(target=produce)
    thread.start()
    time.sleep(0.2)
    assert thread.is_alive()
    stop.set()
    thread.join(5)
    assert not thread.is_alive()


# -- whole runs: concurrent against one request at a time --------------------------------------


def config(**extra: Any) -> dict[str, Any]:
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(START))
    return {"client_secret": "sk_live_unit", "api_base": BASE, "start_date": iso,
            "slice_range": 1, **extra}


def serve_account(fake: FakeStripe) -> None:
    """Busy windows of balance transactions, invoices with long line lists, customers whose
    sources need expanding and whose payment methods need one request each."""
    fake.add("/v1/balance_transactions", [
        {"id": f"txn_{i:04d}", "object": "balance_transaction", "created": START + i * 150}
        for i in range(1400)])
    invoices = []
    for i in range(120):
        lines = [{"id": f"il_{i:03d}_{k:02d}", "object": "line_item", "created": 0}
                 for k in range(3 + i % 15 * (i % 4 == 0))]
        invoices.append({"id": f"in_{i:03d}", "object": "invoice", "created": START + i * 1800,
                         "lines": {"object": "list", "data": lines[:10],
                                   "has_more": len(lines) > 10}})
        fake.add(f"/v1/invoices/in_{i:03d}/lines",
                 [{**line, "created": 100 - k} for k, line in enumerate(lines)])
    fake.add("/v1/invoices", invoices)
    customers = []
    for i in range(30):
        cid = f"cus_{i:03d}"
        customers.append({"id": cid, "object": "customer", "created": START + 5000 + i * 3000,
                          "sources": {"object": "list", "has_more": False, "data": [
                              {"id": f"ba_{i:03d}", "object": "bank_account", "created": 1}]}})
        fake.add(f"/v1/customers/{cid}/payment_methods",
                 [{"id": f"pm_{i:03d}_{k}", "object": "payment_method", "created": k}
                  for k in range(i % 3)])
    fake.add("/v1/customers", customers)


STREAMS = ["balance_transactions", "invoices", "invoice_line_items", "customers",
           "bank_accounts", "payment_methods"]


def normalised(out: Output) -> tuple[dict[str, list[Any]], list[Any], Any]:
    """Records, STATE values and error of a run, times from the run's start on as 'NOW'."""
    def norm(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        if isinstance(value, int) and not isinstance(value, bool) and value >= NOW - 5:
            return "NOW"
        return value
    return ({s: norm(r) for s, r in out.records.items()},
            [norm(state["bookmarks"]) for state in out.states],
            str(out.error) if out.error else None)


def many_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake answers within a millisecond, where Little's law asks for one request in
    flight per endpoint; the pace is shown limits that ask for many, as Stripe's latencies do
    (the limiter itself still holds Stripe's rates)."""
    monkeypatch.setattr(RateLimiter, "rates", NoLimits.rates)


def both_ways(fake: FakeStripe, monkeypatch: pytest.MonkeyPatch,
              **kwargs: Any) -> tuple[Any, Any, FakeStripe]:
    many_in_flight(monkeypatch)
    results = []
    for concurrency in (SEQUENTIAL, Concurrency()):
        monkeypatch.setattr(Run, "concurrency", concurrency)
        fake.calls.clear()
        out = run_tap(config(), STREAMS, allow_error=True, **kwargs)
        results.append(normalised(out))
    return results[0], results[1], fake


def test_a_whole_run_gives_the_same_records_and_states_either_way(
        fake: FakeStripe, monkeypatch: pytest.MonkeyPatch) -> None:
    serve_account(fake)
    sequential, concurrent, _ = both_ways(fake, monkeypatch)
    assert concurrent == sequential
    records = concurrent[0]
    assert len(records["balance_transactions"]) == 1400
    assert len(records["invoice_line_items"]) == sum(3 + i % 15 * (i % 4 == 0)
                                                     for i in range(120))
    assert len(records["payment_methods"]) == sum(i % 3 for i in range(30))
    # the concurrent run split the busy windows of balance transactions
    starts = {q.get("created[gte]") for q in fake.queries("/v1/balance_transactions")}
    assert len(starts) > 5


def test_checkpoints_follow_every_record_of_their_window(
        fake: FakeStripe, monkeypatch: pytest.MonkeyPatch) -> None:
    serve_account(fake)
    monkeypatch.setattr(Run, "concurrency", Concurrency())
    many_in_flight(monkeypatch)
    out = run_tap(config(), ["balance_transactions"])
    mark = START
    for message in out.messages:
        if message["type"] == "STATE":
            mark = message["value"]["bookmarks"]["balance_transactions"].get(
                "replication_key_value") or mark
        elif message["type"] == "RECORD":
            assert message["record"]["created"] >= mark  # nothing after its window's STATE
    marks = [s["bookmarks"]["balance_transactions"].get("replication_key_value")
             for s in out.states if "balance_transactions" in s["bookmarks"]]
    assert [m for m in dict.fromkeys(marks) if m] == sorted(m for m in set(marks) if m)


def tap_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("tap-stripe")]


def test_a_failure_in_a_worker_ends_the_run_like_one_request_at_a_time_and_no_thread_remains(
        fake: FakeStripe, monkeypatch: pytest.MonkeyPatch) -> None:
    # the deadline watchdog ends 0.05 s after the last request, not 2 s: the threads still
    # have to end by themselves, without the test waiting out the tap's idle time
    monkeypatch.setattr(tap_stripe.http, "IDLE_SECONDS", 0.05)
    monkeypatch.setattr(tap_stripe.http, "POLL_SECONDS", 0.05)
    serve_account(fake)
    # the first window's next request: the first page, asked over the whole range, holds
    # all of the invoices of the two windows after it and the first window's newest
    fake.fail("/v1/invoices", f"created%5Blt%5D={START + DAY}", 400,
              {"error": {"type": "invalid_request_error", "message": "boom"}})
    sequential, concurrent, _ = both_ways(fake, monkeypatch)
    assert concurrent == sequential
    assert concurrent[2] == "GET /v1/invoices failed (HTTP 400): boom"
    deadline = time.monotonic() + 5
    while tap_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert tap_threads() == []


def test_the_next_streams_pass_runs_while_the_first_stream_syncs(
        fake: FakeStripe, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.add("/v1/balance_transactions", [  # more than a page in each window: read by windows
        {"id": f"txn_{i}", "object": "balance_transaction", "created": START + i // 120 * DAY + 9}
        for i in range(480)])
    fake.add("/v1/files", [{"id": "file_1", "object": "file", "created": START + 9}])
    files_read = threading.Event()
    waited: list[bool] = []
    get = StripeApi.get

    def watched(self: StripeApi, path: str, params: Any = None, account: Any = None, *,
                raw: bool = False) -> Any:
        if path == "/v1/files":
            files_read.set()
        elif path == "/v1/balance_transactions" and (params or {}).get("created", {}).get(
                "gte", START) > START:
            waited.append(files_read.wait(5))  # later windows wait for the files pass
        return get(self, path, params, account, raw=raw)

    monkeypatch.setattr(StripeApi, "get", watched)
    monkeypatch.setattr(Run, "concurrency", Concurrency())
    out = run_tap(config(), ["balance_transactions", "files"])
    assert waited and all(waited)
    assert len(out.records["balance_transactions"]) == 480
    assert out.ids("files") == ["file_1"]


class HeldBack(PageServer):
    """A PageServer whose answer to the older windows' request (``held``: created from the
    first window's start to the newest's, no cursor) waits until another request arrives."""

    def __init__(self, created: list[int], held: dict[str, int]) -> None:
        super().__init__(created)
        self.held = held
        self.other = threading.Event()
        self.waited: list[bool] = []

    def get(self, path: str, params: dict[str, Any], account: str | None, *,
            raw: bool = False) -> dict[str, Any]:
        if params.get("created") == self.held and "starting_after" not in params:
            self.waited.append(self.other.wait(5))
        elif len(self.queries) > 1:  # not the whole range's first request
            self.other.set()
        return super().get(path, params, account, raw=raw)


def test_the_newest_window_is_fetched_while_the_older_windows_request_waits() -> None:
    # six one-day windows, 300 objects in the newest: the whole range's page is its first,
    # the five before it are asked in one request, whose answer waits for the newest
    # window's next request (it would wait 5 s and fail the test if that were held back)
    first = START - 5 * DAY
    spans = [(first + k * DAY, first + (k + 1) * DAY) for k in range(6)]
    created = [spans[-1][0] + 60 + i * 200 for i in range(300)]
    server = HeldBack(created, {"gte": first, "lt": spans[-1][0]})
    concurrent = flat(listed(server, spans, Concurrency()))
    assert server.waited == [True]
    assert concurrent == flat(listed(PageServer(created), spans, SEQUENTIAL))
    assert [x for x in concurrent if isinstance(x, tuple)] == spans
    assert len([x for x in concurrent if isinstance(x, str)]) == 300


def unused(fn: Any, *args: Any) -> Any:
    raise AssertionError("no request is made")


def last_seconds_lister(spans: list[tuple[int, int]]) -> WindowLister:
    """A lister of one object every 100 s that has read 2,000 of them (0.01 a second), four
    requests in flight wanted: its last rounds (``LAST_ROUNDS`` of four) hold 8 requests."""
    server = PageServer([START - 30 * DAY + 100 * i for i in range(30 * 864)])
    lister = WindowLister(server, Listing("/v1/things", {}), spans,  # type: ignore[arg-type]
                          submit=unused, pace=Pace(NoLimits(), 4), budget=Budget(10**6),
                          stop=threading.Event())
    lister._objects, lister._covered = 2000, 200_000
    return lister


def ranges(lister: WindowLister) -> list[tuple[int, int]]:
    return [(seg.gte, seg.lt) for seg in lister._segments]


def test_a_long_listings_last_sub_windows_are_cut_to_fit_a_page_each() -> None:
    # 300 objects expected in the last sub-window (3 requests, within the last 8): cut in
    # 4 parts of 75 (at most 80, LAST_FILL of a page), the newest part kept first
    lister = last_seconds_lister([(START - 30_000, START)])
    lister._cut_last(lister._segments[0])
    assert ranges(lister) == [(START - 7_500, START), (START - 15_000, START - 7_500),
                              (START - 22_500, START - 15_000), (START - 30_000, START - 22_500)]
    # one already paged down to START - 20,000 (its cursor there): the 100 objects below
    # are cut in two, the newer part continuing after the cursor
    lister = last_seconds_lister([(START - 30_000, START)])
    seg = lister._segments[0]
    seg.reached, seg.cursor, seg.requested = START - 20_000, "obj_x", True
    lister._cut_last(seg)
    assert ranges(lister) == [(START - 25_000, START), (START - 30_000, START - 25_000)]
    assert lister._segments[0] is seg and seg.cursor == "obj_x"
    # 60 objects expected: one request, not cut
    lister = last_seconds_lister([(START - 6_000, START)])
    lister._cut_last(lister._segments[0])
    assert ranges(lister) == [(START - 6_000, START)]


def test_only_the_last_seconds_of_a_long_listing_are_cut_so() -> None:
    # 1,000 objects expected (10 requests): more than the last 8, not cut yet
    lister = last_seconds_lister([(START - 100_000, START)])
    lister._cut_last(lister._segments[0])
    assert ranges(lister) == [(START - 100_000, START)]
    # a listing that has read fewer objects than its last rounds hold (800) is small: not cut
    lister = last_seconds_lister([(START - 30_000, START)])
    lister._objects, lister._covered = 500, 50_000
    lister._cut_last(lister._segments[0])
    assert ranges(lister) == [(START - 30_000, START)]


def test_a_long_listing_cut_in_its_last_seconds_keeps_the_sequential_order() -> None:
    created = [START - 20 * DAY + 50 * i for i in range(20 * 1728)]
    spans = [(START - 20 * DAY, START - 10 * DAY), (START - 10 * DAY, START)]
    server = PageServer(created)
    got = flat(listed(server, spans, Concurrency(workers=4)))
    assert got == flat(listed(PageServer(created), spans, SEQUENTIAL))
    assert len([x for x in got if isinstance(x, str)]) == 20 * 1728
