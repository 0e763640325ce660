"""The workers of a run: how much it does at once (``Concurrency``), the pool of HTTP worker
threads every pass shares, and the budget of objects fetched ahead of their readers."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from tap_stripe.channels import PassCancelledError

T = TypeVar("T")


@dataclass(frozen=True)
class Concurrency:
    """How much a run does at once.

    Attributes:
        workers: Threads making HTTP requests, shared by every pass.
        passes: Passes running at the same time (each reads its own endpoints).
        listing_requests: Page requests in flight for one listing (sub-windows of its windows).
        pages_ahead: Pages a listing may hold, received but not yet handed on, plus in flight.
        objects_ahead: Objects whose own requests (child lists, re-reads) run ahead of the one
            being emitted.
        objects_buffered: Objects (embedded children included) that all listings together
            may hold received but not yet handed on: the bound on look-ahead memory.
        channel_items: Items a stream's channel keeps in memory before it spills to disk.
    """

    workers: int = 32
    passes: int = 5
    listing_requests: int = 8
    pages_ahead: int = 32
    objects_ahead: int = 32
    objects_buffered: int = 20000
    channel_items: int = 100


SEQUENTIAL = Concurrency(workers=1, passes=1, listing_requests=1, pages_ahead=1,
                         objects_ahead=1)


class Pool:
    """A fixed number of daemon worker threads running submitted calls, started on first use.

    Daemon threads never hold up the end of the process.
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._tasks: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any],
                                             tuple[Any, ...]] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._started: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Run ``fn(*args)`` on a worker; raises PassCancelledError once the pool is closed."""
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise PassCancelledError
            if not self._threads:
                for n in range(self.workers):
                    thread = threading.Thread(target=self._work, daemon=True,
                                              name=f"tap-stripe-http-{n}")
                    thread.start()
                    self._threads.append(thread)
                    self._started.append(thread)
            self._tasks.put((future, fn, args))
        return future

    def _work(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
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
            for _ in self._threads:
                self._tasks.put(None)
            self._threads = []

    def close(self) -> None:
        """Cancel calls not yet started and refuse new ones; threads end after their call."""
        with self._lock:
            self._closed = True
            sentinels = 0
            while True:
                try:
                    task = self._tasks.get_nowait()
                except queue.Empty:
                    break
                if task is None:
                    sentinels += 1
                else:
                    task[0].cancel()
            for _ in range(sentinels):  # threads already told to end must still see it
                self._tasks.put(None)
        self.release()

    def join(self, deadline: float) -> None:
        """Wait until ``deadline`` (``time.monotonic``) at most for every thread started so far
        to end."""
        for thread in self._started:
            thread.join(max(0.0, deadline - time.monotonic()))


class Budget:
    """Objects that the listings of a run hold ahead of their readers; shared by all passes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._used = 0
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """Whether a listing may fetch ahead."""
        return self._used < self.limit

    def take(self, units: int) -> None:
        """Count ``units`` objects received."""
        with self._lock:
            self._used += units

    def give(self, units: int) -> None:
        """Count ``units`` objects handed on."""
        with self._lock:
            self._used -= units


class Workers(Protocol):
    """What a pass works with: the run's pool, look-ahead budget and concurrency."""

    pool: Pool
    budget: Budget
    concurrency: Concurrency
