"""The workers of a run: how much it does at once (``Concurrency``), how many requests it keeps
in flight (``Pace``), the pool of HTTP worker threads every pass shares, and the budget of
objects fetched ahead of their readers."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from tap_stripe.channels import PassCancelledError

T = TypeVar("T")
# Seconds a request is assumed to take before any has answered: Stripe's list pages take 300 ms
# to over a second; the first answer replaces the guess.
FIRST_LATENCY = 1.0
# Weight of the newest request in the running mean of latencies.
SMOOTHING = 0.2
# How far above the lowest latency seen the mean may size the requests in flight: a mean
# further above it says the server is queueing the tap's own requests, which more of them in
# flight would only slow down further.
QUEUEING_FACTOR = 2.0
# Requests in flight are rounded up, less this much (a running mean only nears its value).
ROUNDING = 0.05
# A worker thread with nothing to do for this long ends (the next call starts one again).
IDLE_SECONDS = 2.0


@dataclass(frozen=True)
class Concurrency:
    """How much a run does at once.

    Attributes:
        workers: The most threads making HTTP requests (shared by every pass) and the most
            requests in flight; threads start as requests need them and end when idle.
        passes: Passes running at the same time (each reads its own endpoints).
        objects_ahead: Objects whose own requests (child lists, re-reads) run ahead of the one
            being emitted.
        objects_buffered: Objects (embedded children included) that all listings together
            may hold requested or received but not yet handed on: the bound on look-ahead
            memory past the sub-windows each listing reads next (as many as the pace wants
            in flight on its endpoint, see ``listing.WindowLister``).
        channel_items: Items a stream's channel keeps in memory before it spills to disk.
    """

    workers: int = 256
    passes: int = 5
    objects_ahead: int = 32
    objects_buffered: int = 20000
    channel_items: int = 100


SEQUENTIAL = Concurrency(workers=1, passes=1, objects_ahead=1)


class Rates(Protocol):
    """What the pace reads from the rate limiter (``limiter.RateLimiter``)."""

    def rates(self, endpoint: str) -> tuple[float, float]:
        """The account's and ``endpoint``'s requests per second now."""
        ...

    def waited(self) -> float:
        """Seconds the calling thread has waited for the limiter, in all."""
        ...


@dataclass
class Flight:
    """One request in flight: its endpoint, when it was sent, how long it waited for the
    limiter."""

    endpoint: str
    sent: float
    waited: float = 0.0


class Latency:
    """The seconds requests take: a running mean, and the lowest."""

    def __init__(self) -> None:
        self.mean = FIRST_LATENCY
        self._lowest: float | None = None

    def add(self, seconds: float) -> None:
        """Count one request that took ``seconds`` (the first replaces the guess)."""
        if self._lowest is None:
            self.mean = self._lowest = seconds
        else:
            self.mean += SMOOTHING * (seconds - self.mean)
            self._lowest = min(self._lowest, seconds)

    @property
    def sizing(self) -> float:
        """The latency that sizes the requests in flight: the mean, at most
        ``QUEUEING_FACTOR`` times the lowest."""
        if self._lowest is None:
            return self.mean
        return min(self.mean, QUEUEING_FACTOR * self._lowest)


class Pace:
    """How many list requests to keep in flight, by Little's law: in flight = the rate Stripe
    allows x the time a request holds its place (from going out to its answer being taken in,
    time spent waiting for the rate limiter left out). Per endpoint (its rate x its latency) and
    for the account (the account's rate x the latency of all), with the rates in force (lower
    after a 429) and the latencies observed (``Latency.sizing``), so the targets grow and
    shrink during the run; ``most`` caps both (``SEQUENTIAL``: one).

    When the account's places are the bound, the endpoints with most work left (``work``:
    requests the listings expect to make still) come first: a free place goes to an endpoint
    only if more are free than the busier endpoints lack of their own target, so the endpoint
    that takes longest is never the one held back (and no endpoint's own rate idles while it
    has the most left to read)."""

    def __init__(self, rates: Rates, most: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.most = max(1, most)
        self._rates = rates
        self._clock = clock
        self._lock = threading.Lock()
        self._latency: dict[str, Latency] = {}
        self._overall = Latency()
        self._flying: Counter[str] = Counter()
        self._total = 0
        self._work: defaultdict[str, float] = defaultdict(float)  # requests left, by endpoint
        self._works: dict[object, tuple[str, float]] = {}  # by listing: (endpoint, requests)

    def latency(self, endpoint: str) -> float:
        """Seconds that size the requests in flight to ``endpoint`` (those of all endpoints
        before its first answer, ``FIRST_LATENCY`` before any)."""
        with self._lock:
            return self._latency.get(endpoint, self._overall).sizing

    def targets(self, endpoint: str) -> tuple[int, int]:
        """Requests to keep in flight now: to ``endpoint``, and to the account in all."""
        account_rate, endpoint_rate = self._rates.rates(endpoint)
        with self._lock:
            overall = self._overall.sizing
            latency = self._latency.get(endpoint, self._overall).sizing
        return self._bounded(endpoint_rate * latency), self._bounded(account_rate * overall)

    def _bounded(self, in_flight: float) -> int:
        return min(self.most, max(1, math.ceil(in_flight - ROUNDING)))

    def work(self, listing: object, endpoint: str, requests: float) -> None:
        """``listing`` (on ``endpoint``) expects to make ``requests`` more (0: done)."""
        with self._lock:
            _, before = self._works.pop(listing, (endpoint, 0.0))
            self._work[endpoint] += requests - before
            if requests > 0:
                self._works[listing] = (endpoint, requests)

    def allows(self, endpoint: str) -> bool:
        """Whether one more request to ``endpoint`` may go out now: below its own target
        and the account's, with more places free than the endpoints with more work left
        lack of their own."""
        mine, everyone = self.targets(endpoint)
        with self._lock:
            if self._flying[endpoint] >= mine or self._total >= everyone:
                return False
            left = self._work[endpoint]
            busier = [e for e, n in self._work.items() if n > left and e != endpoint]
            flying = {e: self._flying[e] for e in busier}
            free = everyone - self._total
        lacking = sum(max(0, self.targets(e)[0] - flying[e]) for e in busier)
        return free > lacking

    def send(self, submit: Callable[..., Future[T]], endpoint: str, fn: Callable[..., T],
             *args: Any) -> tuple[Flight, Future[T]]:
        """Run ``fn(*args)`` (one request to ``endpoint``) through ``submit``, counted in
        flight until ``land``."""
        flight = Flight(endpoint, self._clock())
        with self._lock:
            self._flying[endpoint] += 1
            self._total += 1
        try:
            return flight, submit(self._timed, flight, fn, *args)
        except BaseException:
            self.land(flight, observed=False)
            raise

    def _timed(self, flight: Flight, fn: Callable[..., T], *args: Any) -> T:
        before = self._rates.waited()
        try:
            return fn(*args)
        finally:
            flight.waited = self._rates.waited() - before

    def land(self, flight: Flight, *, observed: bool = True) -> None:
        """The answer of ``flight`` was taken in; ``observed``: count its latency (a failed
        request's time, retries included, says nothing of the latency)."""
        seconds = self._clock() - flight.sent - flight.waited
        with self._lock:
            self._flying[flight.endpoint] -= 1
            self._total -= 1
            if observed:
                self._latency.setdefault(flight.endpoint, Latency()).add(seconds)
                self._overall.add(seconds)


class Pool:
    """Daemon worker threads running submitted calls: one more starts whenever a call finds
    none free (up to ``workers``), and one ends after ``IDLE_SECONDS`` without a call.

    A call goes to the worker idle the shortest time (its caches, its connection still warm):
    requests spaced out by the rate limiter then run on one or two threads instead of going
    round all of them (the CPU benchmark's customers: 10% less CPU a request with one thread
    than with three in turn), and the others end once idle.

    Daemon threads never hold up the end of the process.
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._tasks: deque[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = deque()
        self._threads: set[threading.Thread] = set()
        self._started: list[threading.Thread] = []
        self._sleepers: list[threading.Event] = []  # idle workers' wake-ups, newest last
        self._lock = threading.Lock()
        self._released = False
        self._closed = False

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Run ``fn(*args)`` on a worker; raises PassCancelledError once the pool is closed."""
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise PassCancelledError
            self._released = False
            self._tasks.append((future, fn, args))
            if self._sleepers:
                self._sleepers.pop().set()
            elif len(self._threads) < self.workers:
                thread = threading.Thread(target=self._work, daemon=True,
                                          name=f"tap-stripe-http-{len(self._started)}")
                self._threads.add(thread)
                self._started.append(thread)
                thread.start()
        return future

    def _work(self) -> None:
        wake = threading.Event()
        while True:
            with self._lock:
                if not self._tasks:
                    if self._released:
                        self._threads.discard(threading.current_thread())
                        return
                    wake.clear()
                    self._sleepers.append(wake)
                    task = None
                else:
                    task = self._tasks.popleft()
            if task is None:
                if not wake.wait(IDLE_SECONDS):
                    with self._lock:
                        if wake in self._sleepers:  # not woken meanwhile: idle too long
                            self._sleepers.remove(wake)
                            self._threads.discard(threading.current_thread())
                            return
                continue
            future, fn, args = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)
            else:
                future.set_result(result)

    def release(self) -> None:
        """Let the threads end once the calls queued so far are done (the next call starts
        new ones)."""
        with self._lock:
            self._released = True
            while self._sleepers:
                self._sleepers.pop().set()

    def close(self) -> None:
        """Cancel calls not yet started and refuse new ones; threads end after their call."""
        with self._lock:
            self._closed = True
            while self._tasks:
                self._tasks.popleft()[0].cancel()
        self.release()

    def join(self, deadline: float) -> None:
        """Wait until ``deadline`` (``time.monotonic``) at most for every thread started so far
        to end."""
        for thread in list(self._started):
            thread.join(max(0.0, deadline - time.monotonic()))


class Budget:
    """Objects that the listings of a run hold ahead of their readers, the pages they have
    asked for counted as full ones; shared by all passes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._used = 0
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """Whether a listing may fetch ahead."""
        return self._used < self.limit

    def take(self, units: int) -> None:
        """Count ``units`` objects asked for or received."""
        with self._lock:
            self._used += units

    def give(self, units: int) -> None:
        """Count ``units`` objects handed on (or no longer expected)."""
        with self._lock:
            self._used -= units


class Workers(Protocol):
    """What a pass works with: the run's pool, pace, look-ahead budget and concurrency."""

    pool: Pool
    pace: Pace
    budget: Budget
    concurrency: Concurrency
