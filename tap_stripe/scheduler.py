"""Runs a run's shared passes ahead of the streams that read them, on one bounded pool of HTTP
worker threads.

singer-sdk syncs streams one after another, and Stripe caps each endpoint at 25 requests a
second, so one stream alone cannot use the account's 100 requests a second. The scheduler starts
the passes in the order the run queues them (the longest listing first), a few at a time, so
that several endpoints are in flight at once; every request goes through the one pool (and the
API's shared rate limiter), and the run's ``Pace`` sizes how many are in flight.
"""

from __future__ import annotations

import threading
import time

from tap_stripe.passes import SharedPass
from tap_stripe.pool import Budget, Concurrency, Pace, Pool, Rates


class Scheduler:
    """Starts queued passes in order, at most ``concurrency.passes`` running at a time.

    Bookkeeping is constant time per pass (a Connect run queues thousands of them).
    """

    def __init__(self, concurrency: Concurrency, rates: Rates) -> None:
        self.concurrency = concurrency
        self.pool = Pool(concurrency.workers)
        self.pace = Pace(rates, concurrency.workers)
        self.budget = Budget(concurrency.objects_buffered)
        self._queue: list[SharedPass] = []
        self._queued: set[SharedPass] = set()
        self._next = 0  # the queue before it has been started (or skipped)
        self._running: set[SharedPass] = set()
        self._unfinished = 0
        self._lock = threading.Lock()

    def queue(self, passes: list[SharedPass]) -> None:
        """Add passes (in the order they will be read) and start as many as allowed."""
        with self._lock:
            for shared in passes:
                if shared not in self._queued:
                    shared.on_done = self._finished
                    self._queue.append(shared)
                    self._queued.add(shared)
                    self._unfinished += 1
        self._fill()

    def need(self, shared: SharedPass) -> None:
        """A stream is about to read ``shared``: start it now, whatever runs already."""
        self.queue([shared])
        with self._lock:
            self._start(shared)

    def _finished(self, shared: SharedPass) -> None:
        with self._lock:
            self._running.discard(shared)
            self._unfinished -= 1
            idle = not self._unfinished
        self._fill()
        if idle:  # nothing left to fetch: let the worker threads go
            self.pool.release()

    def _fill(self) -> None:
        with self._lock:
            while len(self._running) < self.concurrency.passes and self._next < len(self._queue):
                self._start(self._queue[self._next])
                self._next += 1

    def _start(self, shared: SharedPass) -> None:
        """Start ``shared`` unless it ran or was stopped (the caller holds the lock)."""
        if not shared.started and not shared.stop.is_set():
            self._running.add(shared)
            shared.start()

    def close(self, timeout: float = 10.0) -> None:
        """Stop every pass and the pool, and wait (``timeout`` seconds in all at most) for their
        threads to end."""
        deadline = time.monotonic() + timeout
        with self._lock:
            passes = list(self._queue)
        for shared in passes:
            shared.cancel()
        self.pool.close()
        for shared in passes:
            shared.join(max(0.0, deadline - time.monotonic()))
        self.pool.join(deadline)
