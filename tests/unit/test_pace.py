"""Requests in flight by Little's law (``Pace``) on a fake clock, the elastic worker pool, and
windows split so that one endpoint keeps the pace's count in flight whatever their size."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from typing import Any

import pytest

from tap_stripe.limiter import RateLimiter
from tap_stripe.listing import Listing, WindowEnd, WindowLister
from tap_stripe.pool import SEQUENTIAL, Budget, Pace, Pool
from tests.unit.test_concurrency import START, PageServer, flat, listed

CUSTOMERS = "/v1/customers"


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def observe(pace: Pace, clock: Clock, endpoint: str, seconds: float,
            waited: float = 0.0, rates: Any = None) -> None:
    """One request to ``endpoint`` answered after ``seconds`` (``waited`` of them spent waiting
    for the limiter, told by ``rates``)."""
    def request() -> None:
        if rates is not None:
            rates.wait(waited)
        clock.now += seconds

    flight, future = pace.send(run_now, endpoint, request)
    future.result()
    pace.land(flight)


def run_now(fn: Any, *args: Any) -> Any:
    """A ``submit`` that runs the call at once."""
    future: Future[Any] = Future()
    future.set_result(fn(*args))
    return future


def live(most: int = 1000) -> tuple[Pace, Clock, RateLimiter]:
    clock = Clock()
    limiter = RateLimiter(100.0, clock=clock, sleep=lambda _: None)
    return Pace(limiter, most, clock=clock), clock, limiter


def test_one_second_a_page_keeps_25_in_flight_on_an_endpoint_and_100_in_all() -> None:
    pace, clock, _ = live()
    observe(pace, clock, CUSTOMERS, 1.0)
    assert pace.targets(CUSTOMERS) == (25, 100)
    # an endpoint not heard from yet is sized by what the others took
    assert pace.targets("/v1/charges") == (25, 100)


def test_250_ms_a_page_keeps_7_in_flight_on_an_endpoint_and_25_in_all() -> None:
    pace, clock, _ = live()
    observe(pace, clock, CUSTOMERS, 0.25)
    assert pace.targets(CUSTOMERS) == (7, 25)  # 25/s x 0.25 s = 6.25, rounded up


def test_a_test_mode_key_is_sized_by_its_25_per_second_in_all() -> None:
    clock = Clock()
    pace = Pace(RateLimiter(25.0, clock=clock, sleep=lambda _: None), 1000, clock=clock)
    observe(pace, clock, CUSTOMERS, 1.0)
    assert pace.targets(CUSTOMERS) == (25, 25)


def test_time_spent_waiting_for_the_limiter_is_not_latency() -> None:
    clock = Clock()

    class Waits:
        """Rates of live mode; ``wait`` is what the limiter would have made the thread wait."""

        def __init__(self) -> None:
            self.total = 0.0

        def rates(self, endpoint: str) -> tuple[float, float]:
            return 100.0, 25.0

        def waited(self) -> float:
            return self.total

        def wait(self, seconds: float) -> None:
            self.total += seconds
            clock.now += seconds

    waits = Waits()
    pace = Pace(waits, 1000, clock=clock)
    observe(pace, clock, CUSTOMERS, 0.4, waited=0.6, rates=waits)  # 1 s in all, 0.4 s Stripe's
    assert pace.latency(CUSTOMERS) == pytest.approx(0.4)
    assert pace.targets(CUSTOMERS) == (10, 40)


def test_the_targets_follow_the_latency_down_and_up_to_twice_the_lowest() -> None:
    pace, clock, _ = live()
    observe(pace, clock, CUSTOMERS, 1.0)
    for _ in range(40):
        observe(pace, clock, CUSTOMERS, 0.2)
    assert pace.targets(CUSTOMERS) == (5, 20)
    for _ in range(40):  # a server queueing the tap's own requests: no more than 2 x 0.2 s
        observe(pace, clock, CUSTOMERS, 3.0)
    assert pace.targets(CUSTOMERS) == (10, 40)


def test_a_429_shrinks_the_endpoints_target_with_its_rate() -> None:
    pace, clock, limiter = live()
    observe(pace, clock, CUSTOMERS, 1.0)
    limiter.slow_down(CUSTOMERS, "endpoint-rate")  # 25/s -> 15/s
    assert pace.targets(CUSTOMERS) == (15, 100)
    limiter.slow_down("/v1/charges", "global-rate")  # 100/s -> 60/s
    assert pace.targets(CUSTOMERS) == (15, 60)


def test_a_failed_request_frees_its_place_without_counting_its_time() -> None:
    pace, clock, _ = live()
    observe(pace, clock, CUSTOMERS, 1.0)
    flight, _ = pace.send(run_now, CUSTOMERS, lambda: None)
    clock.now += 30.0  # retries and their back-off
    pace.land(flight, observed=False)
    assert pace.latency(CUSTOMERS) == 1.0
    assert pace.targets(CUSTOMERS) == (25, 100)


def test_allows_counts_the_requests_in_flight_per_endpoint_and_in_all() -> None:
    pace, clock, _ = live()
    observe(pace, clock, CUSTOMERS, 0.1)
    assert pace.targets(CUSTOMERS) == (3, 10)  # 2.5 and 10
    flights = []
    for endpoint, count in (("/v1/a", 3), ("/v1/b", 3), ("/v1/c", 3), ("/v1/d", 1)):
        for _ in range(count):
            assert pace.allows(endpoint)
            flights.append(pace.send(lambda fn, *a: None, endpoint, lambda: None)[0])
    assert not pace.allows("/v1/a")  # its 3
    assert not pace.allows("/v1/d")  # 1 of its 3, but 10 in all
    clock.now += 0.1
    pace.land(flights[0])  # one of /v1/a's, answered after 0.1 s
    assert pace.targets(CUSTOMERS) == (3, 10)
    assert pace.allows("/v1/d") and not pace.allows("/v1/b")


def test_most_caps_both_targets() -> None:
    pace, clock, _ = live(most=1)
    observe(pace, clock, CUSTOMERS, 1.0)
    assert pace.targets(CUSTOMERS) == (1, 1)


def wait_until(condition: Any, seconds: float = 10.0) -> bool:
    """Whether ``condition()`` held within ``seconds`` (polled; no limit is asserted)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_the_pool_starts_threads_as_calls_need_them_up_to_its_most_and_ends_them_idle(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tap_stripe.pool.IDLE_SECONDS", 0.05)
    pool = Pool(3)
    gate = threading.Event()
    started: list[int] = []
    threads: set[threading.Thread] = set()
    lock = threading.Lock()

    def blocked(n: int) -> int:
        with lock:
            started.append(n)
            threads.add(threading.current_thread())
        gate.wait(10)
        return n

    futures = [pool.submit(blocked, n) for n in range(5)]
    assert wait_until(lambda: len(started) == 3)
    assert sorted(started) == [0, 1, 2]  # the other two wait for a free thread
    assert len(threads) == 3
    gate.set()
    assert [f.result(10) for f in futures] == [0, 1, 2, 3, 4]
    assert len(threads) == 3  # the waiting calls ran on the threads already started
    assert wait_until(lambda: not any(t.is_alive() for t in threads))  # idle: ended
    assert pool.submit(lambda: "again").result(10) == "again"  # a new thread starts
    pool.close()


class SlowServer(PageServer):
    """Answers after a little while and counts the requests it serves at once."""

    def __init__(self, created: list[int]) -> None:
        super().__init__(created)
        self.serving = 0
        self.most = 0

    def get(self, path: str, params: dict[str, Any], account: str | None, *,
            raw: bool = False) -> dict[str, Any]:
        with self.lock:
            self.serving += 1
            self.most = max(self.most, self.serving)
        time.sleep(0.03)
        try:
            return super().get(path, params, account, raw=raw)
        finally:
            with self.lock:
                self.serving -= 1


class Fast:
    """Rates of an endpoint allowed 400 requests/s: at 30 ms a page, 12 in flight or more."""

    def rates(self, endpoint: str) -> tuple[float, float]:
        return 400.0, 400.0

    def waited(self) -> float:
        return 0.0


DAY = 86400


@pytest.mark.parametrize("days", [365, 7])
def test_one_endpoint_keeps_many_requests_in_flight_whatever_the_window_size(
        days: int) -> None:
    # 6,000 objects over 60 days, read in year-long windows or week-long ones
    created = [START - 60 * DAY + i * 864 for i in range(6000)]
    end = START + DAY
    spans = [(s, min(s + days * DAY, end)) for s in range(START - 60 * DAY, end, days * DAY)]
    server = SlowServer(created)
    pool = Pool(64)
    lister = WindowLister(server, Listing(CUSTOMERS, {}), spans,  # type: ignore[arg-type]
                          submit=pool.submit, pace=Pace(Fast(), 10), budget=Budget(10**6),
                          stop=threading.Event())
    try:
        ids = [o["id"] for entry in lister if isinstance(entry, list) for o in entry]
    finally:
        pool.close()
    # windows oldest first, newest first within each (the server's order)
    assert ids == [o["id"] for gte, lt in spans for o in server.objects
                   if gte <= o["created"] < lt]
    assert len(ids) == 6000
    # the pace's most (10), plus the oldest sub-window, which may always fetch
    assert 5 <= server.most <= 11


class Live:
    """Stripe's live-mode rates (100/s for the account, 25/s an endpoint), no waiting."""

    def rates(self, endpoint: str) -> tuple[float, float]:
        return 100.0, 25.0

    def waited(self) -> float:
        return 0.0


class Together(PageServer):
    """A ``PageServer`` whose first ``parties`` requests each wait until all of them are in
    flight (asked fewer at a time, the barrier breaks; its timeout only keeps a failing test
    from hanging)."""

    def __init__(self, created: list[int], parties: int) -> None:
        super().__init__(created)
        self.barrier = threading.Barrier(parties, timeout=30)
        self.waiting = parties
        self.broken = False
        self.together: list[dict[str, Any]] = []  # the queries of the requests that waited

    def get(self, path: str, params: dict[str, Any], account: str | None, *,
            raw: bool = False) -> dict[str, Any]:
        with self.lock:
            self.waiting -= 1
            wait = self.waiting >= 0
            if wait:
                self.together.append(dict(params))
        if wait:
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                self.broken = True
        return super().get(path, params, account, raw=raw)


def test_a_listing_cut_before_its_first_answer_asks_as_many_parts_as_the_pace_wants() -> None:
    # no answer yet: the pace guesses FIRST_LATENCY (1 s), 25/s x 1 s = 25 in flight
    pace = Pace(Live(), 1000)
    assert pace.targets(CUSTOMERS) == (25, 100)
    created = [START + i * 997 for i in range(3000)]
    spans = [(START, START + 30 * DAY), (START + 30 * DAY, START + 40 * DAY)]
    server = Together(created, 25)
    pool = Pool(64)
    lister = WindowLister(server, Listing(CUSTOMERS, {}), spans,  # type: ignore[arg-type]
                          submit=pool.submit, pace=pace, budget=Budget(10**6),
                          stop=threading.Event(), cut_first=True)
    try:
        got = [(e.gte, e.lt) if isinstance(e, WindowEnd) else [o["id"] for o in e]
               for e in lister]
    finally:
        pool.close()
    assert not server.broken
    # (the queries of the 25 that waited together: the server's log is in the order their
    # threads got past the barrier, when a first answer's next page may come before them)
    first = sorted((q["created"]["gte"], q["created"]["lt"]) for q in server.together
                   if "starting_after" not in q)
    # 25 parts that tile the range, each window's by its share of it (30 and 10 days)
    assert len(first) == 25
    assert [lo for lo, _ in first[1:]] == [hi for _, hi in first[:-1]]
    assert (first[0][0], first[-1][1]) == (START, START + 40 * DAY)
    assert sum(1 for lo, _ in first if lo < START + 30 * DAY) == 19
    # and the objects come out as one request at a time gives them, window ends in place
    one_at_a_time = listed(PageServer(created), spans, SEQUENTIAL)
    assert flat(got) == flat(one_at_a_time)


def test_the_endpoint_with_most_work_left_gets_the_free_places_first() -> None:
    pace, clock, _ = live()
    observe(pace, clock, CUSTOMERS, 0.1)
    assert pace.targets(CUSTOMERS) == (3, 10)  # 2.5 and 10
    pace.work("a listing", "/v1/a", 40.0)
    pace.work("b listing", "/v1/b", 5.0)
    pace.work("c listing", "/v1/c", 5.0)
    flights = {}
    for endpoint, count in (("/v1/a", 1), ("/v1/b", 3), ("/v1/c", 3), ("/v1/d", 1)):
        for _ in range(count):
            flights[endpoint] = pace.send(lambda fn, *a: None, endpoint, lambda: None)[0]
    # 8 of 10 in flight: the 2 free places are what /v1/a, with most left, lacks of its 3
    assert not pace.allows("/v1/d") and not pace.allows("/v1/b")
    assert pace.allows("/v1/a")
    pace.send(lambda fn, *a: None, "/v1/a", lambda: None)
    assert not pace.allows("/v1/d") and pace.allows("/v1/a")
    # once /v1/a's listing is done, a free place goes to whoever asks
    pace.work("a listing", "/v1/a", 0)
    assert pace.allows("/v1/d")
    clock.now += 0.1
    pace.land(flights["/v1/d"])
    assert pace.allows("/v1/d")
