"""Client-side rate limiter shared by every request of a run (Stripe's published limits)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

LIVE_RATE = 100.0
TEST_RATE = 25.0
ENDPOINT_RATE = 25.0
FILES_RATE = 20.0
FILES_PREFIXES = ("/v1/files", "/v1/file_links")


def global_rate_for_key(key: str) -> float:
    """Stripe's global limit for a key: test-mode keys get 25/s, live keys 100/s."""
    return TEST_RATE if "_test_" in key else LIVE_RATE


class TokenBucket:
    """A token bucket: ``rate`` tokens per second, bursts up to ``burst`` tokens."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._clock = clock
        self._stamp = clock()

    def take(self) -> float:
        """Take one token; return how long the caller must wait before using it."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


class RateLimiter:
    """Global and per-endpoint buckets; ``acquire`` blocks until a request may go out.

    A 429 calls ``slow_down``, which lowers the rate of the bucket Stripe named by a fifth.
    """

    def __init__(
        self,
        global_rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._global = TokenBucket(global_rate, _burst(global_rate), clock)
        self._endpoints: dict[str, TokenBucket] = {}

    def _endpoint_bucket(self, endpoint: str) -> TokenBucket:
        bucket = self._endpoints.get(endpoint)
        if bucket is None:
            rate = FILES_RATE if endpoint.startswith(FILES_PREFIXES) else ENDPOINT_RATE
            bucket = self._endpoints[endpoint] = TokenBucket(rate, _burst(rate), self._clock)
        return bucket

    def acquire(self, endpoint: str) -> None:
        """Wait until both the global and the endpoint bucket allow one more request."""
        with self._lock:
            wait = max(self._global.take(), self._endpoint_bucket(endpoint).take())
        if wait > 0:
            self._sleep(wait)

    def slow_down(self, endpoint: str, reason: str | None) -> None:
        """React to a 429: lower the rate of the limiter Stripe says was exceeded."""
        with self._lock:
            bucket = self._global if reason and reason.startswith("global") else (
                self._endpoint_bucket(endpoint))
            bucket.rate = max(1.0, bucket.rate * 0.8)


def _burst(rate: float) -> float:
    """Allow a burst of a fifth of a second's worth, at least one request."""
    return max(1.0, rate / 5)
