"""The rate limiter's arithmetic on a fake clock: rates by key mode and endpoint, the override,
slowing down by Stripe's reason and the slow recovery."""

from __future__ import annotations

import pytest

from tap_stripe.limiter import (
    MIN_RATE,
    QUIET_SECONDS,
    RateLimiter,
    global_rate_for_key,
)


class FakeClock:
    """A clock that only moves when the limiter sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(rate: float) -> tuple[RateLimiter, FakeClock]:
    clock = FakeClock()
    return RateLimiter(rate, clock=clock, sleep=clock.sleep), clock


def send(lim: RateLimiter, clock: FakeClock, endpoints: list[str], seconds: float) -> int:
    """Requests that get out within ``seconds`` of fake time, round-robin over endpoints."""
    start, sent = clock.now, 0
    while True:
        lim.acquire(endpoints[sent % len(endpoints)])
        if clock.now - start >= seconds:
            return sent
        sent += 1


@pytest.mark.parametrize(("key", "rate"), [
    ("sk_test_abc", 25.0), ("rk_test_abc", 25.0), ("sk_live_abc", 100.0), ("rk_live_abc", 100.0),
])
def test_global_rate_follows_the_key_mode(key: str, rate: float) -> None:
    assert global_rate_for_key(key) == rate


def test_test_mode_sends_25_per_second_plus_the_burst() -> None:
    lim, clock = limiter(25.0)
    sent = send(lim, clock, ["/v1/customers", "/v1/charges"], 10.0)
    # 25/s for 10 s plus the initial burst of a fifth of a second (5 requests)
    assert 250 <= sent <= 256


def test_live_mode_one_endpoint_is_held_to_25_per_second() -> None:
    lim, clock = limiter(100.0)
    assert 250 <= send(lim, clock, ["/v1/customers"], 10.0) <= 256


def test_live_mode_four_endpoints_share_100_per_second() -> None:
    lim, clock = limiter(100.0)
    endpoints = ["/v1/customers", "/v1/charges", "/v1/invoices", "/v1/events"]
    assert 1000 <= send(lim, clock, endpoints, 10.0) <= 1021


def test_files_endpoints_get_20_per_second() -> None:
    lim, clock = limiter(100.0)
    assert 200 <= send(lim, clock, ["/v1/files"], 10.0) <= 205
    assert lim.bucket("/v1/file_links").rate == 20.0


def test_an_override_below_the_endpoint_rate_caps_every_endpoint() -> None:
    lim, clock = limiter(5.0)
    assert 50 <= send(lim, clock, ["/v1/customers", "/v1/charges"], 10.0) <= 52
    assert lim.bucket("/v1/customers").rate == 5.0


def test_global_reason_slows_the_global_bucket_only() -> None:
    lim, _ = limiter(25.0)
    bucket = lim.slow_down("/v1/customers", "global-rate")
    assert bucket is lim.global_bucket
    assert lim.global_bucket.rate == pytest.approx(15.0)
    assert lim.bucket("/v1/customers").rate == 25.0


@pytest.mark.parametrize("reason", ["endpoint-rate", "endpoint-concurrency",
                                    "resource-specific", None])
def test_other_reasons_slow_the_endpoint_bucket_only(reason: str | None) -> None:
    lim, _ = limiter(100.0)
    lim.slow_down("/v1/customers", reason)
    assert lim.bucket("/v1/customers").rate == pytest.approx(15.0)
    assert lim.bucket("/v1/charges").rate == 25.0
    assert lim.global_bucket.rate == 100.0


def test_a_slowed_down_limiter_sends_at_the_lower_rate() -> None:
    lim, clock = limiter(25.0)
    lim.slow_down("/v1/customers", "global-rate")
    assert 30 <= send(lim, clock, ["/v1/customers"], 2.0) <= 33  # 15/s


def test_repeated_429s_never_stop_the_limiter() -> None:
    lim, _ = limiter(25.0)
    for _ in range(30):
        lim.slow_down("/v1/customers", "global-rate")
    assert lim.global_bucket.rate == MIN_RATE


def test_rate_recovers_in_steps_after_quiet_periods_up_to_the_nominal_rate() -> None:
    lim, clock = limiter(25.0)
    lim.slow_down("/v1/customers", "global-rate")  # 15/s
    rates = []
    for _ in range(6):
        clock.now += QUIET_SECONDS
        lim.acquire("/v1/customers")
        rates.append(lim.global_bucket.rate)
    assert rates == pytest.approx([17.5, 20.0, 22.5, 25.0, 25.0, 25.0])


def test_no_recovery_while_429s_keep_coming() -> None:
    lim, clock = limiter(25.0)
    for _ in range(4):
        lim.slow_down("/v1/customers", "global-rate")
        clock.now += QUIET_SECONDS - 0.5
        lim.acquire("/v1/customers")
    assert lim.global_bucket.rate == pytest.approx(25.0 * 0.6**4)


def test_waits_are_spread_so_no_burst_exceeds_a_fifth_of_a_second() -> None:
    lim, clock = limiter(25.0)
    for _ in range(5):
        lim.acquire("/v1/customers")
    assert clock.slept == []
    lim.acquire("/v1/customers")
    assert clock.slept == [pytest.approx(1 / 25)]
