"""Client-side rate limiter shared by every request of a run (Stripe's published limits).

One token bucket for the whole account (100/s live, 25/s test, or ``max_requests_per_second``)
and one per endpoint (25/s, 20/s for files). A 429 slows down the bucket Stripe names in
``Stripe-Rate-Limited-Reason``; after a quiet period without 429s it climbs back step by step.
It also tells the rates in force and how long each thread has waited for tokens, from which
the requests kept in flight are sized (``pool.Pace``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tap_stripe import shutdown

LIVE_RATE = 100.0
TEST_RATE = 25.0
ENDPOINT_RATE = 25.0
FILES_RATE = 20.0
FILES_PREFIXES = ("/v1/files", "/v1/file_links")
# Reasons Stripe gives for a 429 that point at the account-wide limiter; others are per endpoint.
GLOBAL_REASONS = ("global-rate", "global-concurrency")
SLOW_DOWN_FACTOR = 0.6
MIN_RATE = 1.0
QUIET_SECONDS = 5.0
RECOVERY_STEP = 0.1


def global_rate_for_key(key: str) -> float:
    """Stripe's global limit for a key: test-mode keys get 25/s, live keys 100/s."""
    return TEST_RATE if "_test_" in key else LIVE_RATE


class TokenBucket:
    """A token bucket: ``rate`` tokens per second, bursts up to a fifth of a second's worth.

    ``nominal`` is the rate the bucket returns to after a slow-down: each ``QUIET_SECONDS``
    without a 429 adds ``RECOVERY_STEP`` of it back.
    """

    def __init__(self, rate: float, clock: Callable[[], float]) -> None:
        self.nominal = rate
        self.rate = rate
        self._clock = clock
        self._tokens = self.burst
        self._stamp = clock()
        self._calm_since = self._stamp

    @property
    def burst(self) -> float:
        """Tokens that may be spent at once: a fifth of a second's worth, at least one."""
        return max(1.0, self.rate / 5)

    def take(self) -> float:
        """Take one token; return how long the caller must wait before using it."""
        self._refill()
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def slow_down(self) -> None:
        """Cut the rate after a 429 (never below ``MIN_RATE``) and restart the quiet period."""
        self._refill()
        self.rate = max(MIN_RATE, self.rate * SLOW_DOWN_FACTOR)
        self._tokens = min(self._tokens, self.burst)
        self._calm_since = self._stamp

    def _refill(self) -> None:
        """Add the tokens earned since the last call, after any recovery step that is due."""
        now = self._clock()
        while self.rate < self.nominal and now - self._calm_since >= QUIET_SECONDS:
            self._calm_since += QUIET_SECONDS
            self.rate = min(self.nominal, self.rate + RECOVERY_STEP * self.nominal)
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now


class RateLimiter:
    """Global and per-endpoint buckets; ``acquire`` blocks until a request may go out."""

    def __init__(
        self,
        global_rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = shutdown.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self.global_bucket = TokenBucket(global_rate, clock)
        self._endpoints: dict[str, TokenBucket] = {}
        self._waits = threading.local()

    def bucket(self, endpoint: str) -> TokenBucket:
        """The bucket of ``endpoint`` (an id-free path such as ``/v1/customers/{id}``)."""
        bucket = self._endpoints.get(endpoint)
        if bucket is None:
            rate = FILES_RATE if endpoint.startswith(FILES_PREFIXES) else ENDPOINT_RATE
            bucket = self._endpoints[endpoint] = TokenBucket(
                min(rate, self.global_bucket.nominal), self._clock)
        return bucket

    def acquire(self, endpoint: str) -> None:
        """Wait until both the global and the endpoint bucket allow one more request."""
        with self._lock:
            wait = max(self.global_bucket.take(), self.bucket(endpoint).take())
        if wait > 0:
            self._waits.seconds = self.waited() + wait
            self._sleep(wait)

    def waited(self) -> float:
        """Seconds the calling thread has been told to wait for tokens, in all."""
        return float(getattr(self._waits, "seconds", 0.0))

    def rates(self, endpoint: str) -> tuple[float, float]:
        """The rates in force now: the account's and ``endpoint``'s (lower after a 429)."""
        with self._lock:
            return self.global_bucket.rate, self.bucket(endpoint).rate

    def slow_down(self, endpoint: str, reason: str | None) -> TokenBucket:
        """React to a 429: slow the bucket Stripe says was exceeded; return that bucket.

        ``global-rate``/``global-concurrency`` name the account-wide limiter; ``endpoint-*``,
        ``resource-specific`` or no reason at all slow the endpoint's bucket.
        """
        with self._lock:
            bucket = self.global_bucket if reason in GLOBAL_REASONS else self.bucket(endpoint)
            bucket.slow_down()
            return bucket
