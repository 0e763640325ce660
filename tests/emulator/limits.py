"""Stripe's rate limits, per account and per second, as token buckets.

Limits (Stripe's rate-limit page): the whole account 100 requests/s in live mode and 25/s in
test mode; each endpoint (method + path template, whatever the ids) 25/s; the Files API 20/s.
A refused request gets 429 with ``Stripe-Rate-Limited-Reason: global-rate`` or
``endpoint-rate``. Mode ``off`` disables limiting, ``live``/``test`` force those limits, and
``auto`` follows the key's mode.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MODES = ("off", "test", "live", "auto")
GLOBAL_RATE = {"live": 100.0, "test": 25.0}
ENDPOINT_RATE = 25.0
FILES_RATE = 20.0


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token buckets keyed by (account, limiter); ``clock`` tells the seconds that refill
    them (tests freeze it to see the limits without depending on how fast requests go)."""

    def __init__(self, mode: str = "off") -> None:
        self.clock: Callable[[], float] = time.monotonic
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self.mode = "off"
        self.set_mode(mode)

    def set_mode(self, mode: str) -> None:
        """Switch the limits (one of ``MODES``); buckets start full again."""
        if mode not in MODES:
            raise ValueError(f"rate limit mode must be one of {', '.join(MODES)}")
        with self._lock:
            self.mode = mode
            self._buckets.clear()

    def check(self, account: str, endpoint: str, *, livemode: bool, files: bool) -> str | None:
        """Take a token for one request; returns the refusal reason, or None when allowed."""
        with self._lock:
            if self.mode == "off":
                return None
            mode = self.mode if self.mode != "auto" else ("live" if livemode else "test")
            now = self.clock()
            endpoint_rate = FILES_RATE if files else ENDPOINT_RATE
            wanted = ((("global", GLOBAL_RATE[mode]), "global-rate"),
                      ((endpoint, endpoint_rate), "endpoint-rate"))
            buckets = []
            for (name, rate), reason in wanted:
                bucket = self._refill((account, name), rate, now)
                if bucket.tokens < 1.0:
                    return reason
                buckets.append(bucket)
            for bucket in buckets:
                bucket.tokens -= 1.0
            return None

    def _refill(self, key: tuple[str, str], rate: float, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(rate, now)
        bucket.tokens = min(rate, bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        return bucket
