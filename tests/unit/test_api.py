"""The API layer's retries, failures and messages, over `responses`: what is retried (and said
in the log), what is not, and what the user reads when a request cannot succeed."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from tap_stripe.api import StripeApi, backoff, endpoint_of, permissions_named
from tap_stripe.errors import StripeAccessError, StripeUnavailableError
from tap_stripe.settings import Settings

BASE = "https://api.stripe.test"
KEY = "sk_test_51HxTapStripeSecretKeyTail9Qz"
URL = BASE + "/v1/customers"
PAGE = {"object": "list", "data": [{"id": "cus_1"}], "has_more": False, "url": "/v1/customers"}


def make_api(**config: Any) -> tuple[StripeApi, list[float]]:
    settings = Settings.from_config({"client_secret": KEY, "api_base": BASE, **config},
                                    dt.datetime.now(dt.timezone.utc))
    slept: list[float] = []
    return StripeApi(settings, sleep=slept.append), slept


def fails_at_once(rsps: responses.RequestsMock) -> StripeAccessError:
    """The error of one GET of customers, asserting it came from one request, not retried."""
    api, slept = make_api()
    with pytest.raises(StripeAccessError) as info:
        api.get("/v1/customers")
    assert (len(rsps.calls), slept) == (1, [])
    return info.value


def stripe_error(status: int, message: str, code: str | None = None,
                 headers: dict[str, str] | None = None) -> dict[str, Any]:
    error = {"type": "invalid_request_error", "message": message}
    if code:
        error["code"] = code
    return {"status": status, "json": {"error": error}, "headers": headers or {}}


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def test_endpoint_of_replaces_ids_so_one_endpoint_is_limited_together() -> None:
    assert endpoint_of("/v1/customers") == "/v1/customers"
    assert endpoint_of("/v1/customers/cus_Abc123/sources") == "/v1/customers/{id}/sources"
    assert endpoint_of("/v1/checkout/sessions/cs_test_a1/line_items") == (
        "/v1/checkout/sessions/{id}/line_items")
    assert endpoint_of("/v1/balance_transactions") == "/v1/balance_transactions"
    assert endpoint_of("/v1/customers/cus_9/balance_transactions") == (
        "/v1/customers/{id}/balance_transactions")


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (10, 30.0)]:
        waits = [backoff(attempt) for _ in range(200)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert len({round(w, 6) for w in waits}) > 100  # jittered, not one fixed value


@pytest.mark.parametrize(("failure", "reason"), [
    (stripe_error(500, "Sorry"), "HTTP 500"),
    (stripe_error(503, "Sorry"), "HTTP 503"),
    ({"status": 502, "body": "<html><h1>502 Bad Gateway</h1></html>"}, "HTTP 502"),
    (stripe_error(409, "Conflict"), "HTTP 409"),
    (stripe_error(429, "Locked", "lock_timeout", {"Stripe-Should-Retry": "true"}),
     "429 lock_timeout"),
    (stripe_error(429, "Too many", "rate_limit", {"Stripe-Rate-Limited-Reason": "global-rate"}),
     "429 rate_limit (global-rate)"),
    (stripe_error(400, "Try again", headers={"Stripe-Should-Retry": "true"}),
     "HTTP 400 (Stripe-Should-Retry: true)"),
    ({"body": requests.exceptions.ConnectTimeout("connect timed out")},
     "timeout (ConnectTimeout, no answer within 2s)"),
    ({"body": requests.exceptions.ReadTimeout("read timed out")},
     "timeout (ReadTimeout, no answer within 2s)"),
    ({"body": requests.exceptions.ConnectionError(
        "('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))")},
     "connection (ConnectionError: Connection reset by peer)"),
    ({"body": requests.exceptions.ChunkedEncodingError("IncompleteRead(10 bytes read)")},
     "truncated body (the connection closed before the body was complete)"),
    ({"status": 200, "body": '{"object": "list", "data": [{"id": "cus_'},
     "truncated body (HTTP 200, 40 bytes)"),
])
def test_transient_failures_are_retried_with_backoff_and_logged(
        rsps: responses.RequestsMock, caplog: pytest.LogCaptureFixture,
        failure: dict[str, Any], reason: str) -> None:
    rsps.add(responses.GET, URL, **failure)
    rsps.add(responses.GET, URL, json=PAGE)
    api, slept = make_api(request_timeout=2)
    with caplog.at_level(logging.WARNING, "tap-stripe.api"):
        assert api.get("/v1/customers", {"limit": 1}) == PAGE
    assert len(rsps.calls) == 2
    assert len(slept) == 1
    assert 0.25 <= slept[0] <= 0.5
    assert api.requests == 2
    assert api.retries == 1
    assert caplog.messages == [f"Retrying GET /v1/customers in {slept[0]:.1f}s (retry 1 of 8): "
                               f"{reason}"]


@pytest.mark.parametrize(("status", "expected"), [
    (400, "GET /v1/customers failed (HTTP 400): Received unknown parameter: foo"),
    (404, "GET /v1/customers failed (HTTP 404): Received unknown parameter: foo"),
])
def test_client_errors_are_not_retried(rsps: responses.RequestsMock, status: int,
                                       expected: str) -> None:
    rsps.add(responses.GET, URL, **stripe_error(status, "Received unknown parameter: foo"))
    error = fails_at_once(rsps)
    assert str(error) == expected
    assert error.status == status


def test_a_401_says_the_key_is_wrong_without_showing_it(rsps: responses.RequestsMock) -> None:
    masked = KEY[:8] + "*" * (len(KEY) - 12) + KEY[-4:]
    rsps.add(responses.GET, URL, **stripe_error(401, f"Invalid API Key provided: {masked}"))
    error = fails_at_once(rsps)
    text = str(error)
    assert text.startswith("Stripe rejected the API key (401): Invalid API Key provided: "
                           "[redacted key] Check client_secret")
    assert KEY[-4:] not in text
    assert KEY[:12] not in text
    assert error.status == 401


def test_a_403_names_the_permission_and_hides_the_masked_key(
        rsps: responses.RequestsMock) -> None:
    message = (f"The provided key '{KEY[:8]}******{KEY[-6:]}' does not have the required "
               "permissions for this endpoint on account 'acct_1'. Having the "
               "'rak_customer_read' permission would allow this request to continue.")
    rsps.add(responses.GET, URL, **stripe_error(403, message))
    error = fails_at_once(rsps)
    assert error.status == 403
    assert error.permission == "rak_customer_read"
    assert "The provided key '[redacted key]' does not have" in str(error)
    assert KEY[-6:] not in str(error)


def test_should_retry_false_is_honoured_even_for_a_5xx(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, URL, **stripe_error(500, "Do not", headers={
        "Stripe-Should-Retry": "false"}))
    api, slept = make_api()
    with pytest.raises(StripeAccessError, match=r"HTTP 500"):
        api.get("/v1/customers")
    assert (len(rsps.calls), slept) == (1, [])


def test_an_html_page_with_200_fails_at_once_with_a_clear_message(
        rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, URL, body="<!DOCTYPE html><html><title>Sign in</title></html>")
    error = fails_at_once(rsps)
    assert str(error) == (
        "GET /v1/customers answered HTTP 200 with a body that is not JSON (starting "
        "'<!DOCTYPE html><html><title>Sign in</tit'); check that api_base "
        "https://api.stripe.test is Stripe's API and not a proxy or login page.")


def test_exhausted_retries_fail_with_the_reason_and_the_backoff_grows(
        rsps: responses.RequestsMock) -> None:
    for _ in range(4):
        rsps.add(responses.GET, URL, **stripe_error(503, "Sorry"))
    api, slept = make_api(max_retries=3)
    with pytest.raises(StripeUnavailableError) as info:
        api.get("/v1/customers")
    assert str(info.value) == (
        "Stripe request GET /v1/customers still failed after 3 retries: HTTP 503.")
    assert len(rsps.calls) == 4
    assert [0.25 <= slept[0] <= 0.5, 0.5 <= slept[1] <= 1.0, 1.0 <= slept[2] <= 2.0] == [True] * 3


REFUSED = ("HTTPSConnectionPool: Failed to establish a new connection: [Errno 111] Connection "
           "refused")


def test_unreachable_api_base_says_so(rsps: responses.RequestsMock) -> None:
    # Stripe answered once (with its Date): a later refused connection is retried as usual
    rsps.add(responses.GET, URL, json=PAGE, headers={"Date": "Sun, 06 Dec 2026 16:00:00 GMT"})
    rsps.add(responses.GET, URL, body=requests.exceptions.ConnectionError(REFUSED))
    api, _ = make_api(max_retries=0)
    api.get("/v1/customers")
    with pytest.raises(StripeUnavailableError) as info:
        api.get("/v1/customers")
    assert str(info.value) == (
        "Stripe request GET /v1/customers still failed after 0 retries: connection "
        "(ConnectionError: Connection refused). Check that api_base https://api.stripe.test "
        "is reachable, or raise request_timeout/max_retries.")


def test_tls_failures_are_not_retried(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, URL, body=requests.exceptions.SSLError("certificate verify failed"))
    api, slept = make_api()
    with pytest.raises(StripeAccessError, match="Check the TLS setup"):
        api.get("/v1/customers")
    assert (len(rsps.calls), slept) == (1, [])


def test_rate_limit_429_slows_the_named_bucket_and_lock_timeout_does_not(
        rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, URL, **stripe_error(429, "Too many", "rate_limit", {
        "Stripe-Rate-Limited-Reason": "endpoint-rate"}))
    rsps.add(responses.GET, URL, **stripe_error(429, "Locked", "lock_timeout", {
        "Stripe-Should-Retry": "true"}))
    rsps.add(responses.GET, URL, json=PAGE)
    api, _ = make_api()
    api.get("/v1/customers")
    assert api.limiter.bucket("/v1/customers").rate == pytest.approx(15.0)
    assert api.limiter.global_bucket.rate == 25.0
    assert dict(api.retry_reasons) == {"429 rate_limit": 1, "429 lock_timeout": 1}
    # the end-of-run line: no bare number that reads like an HTTP status
    assert api.summary() == \
        "Made 3 requests to Stripe (2 retried: 429 lock_timeout: 1, 429 rate_limit: 1)."


def test_a_refused_connection_after_stripe_answered_gets_every_retry(
        rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, URL, json=PAGE, headers={"Date": "Sun, 06 Dec 2026 16:00:00 GMT"})
    for _ in range(4):
        rsps.add(responses.GET, URL, body=requests.exceptions.ConnectionError(REFUSED))
    rsps.add(responses.GET, URL, json=PAGE)
    api, slept = make_api(max_retries=4)
    api.get("/v1/customers")
    assert api.get("/v1/customers") == PAGE
    assert (len(rsps.calls), len(slept)) == (6, 4)


def test_a_refused_first_connection_fails_after_two_quick_retries(
        rsps: responses.RequestsMock) -> None:
    for _ in range(3):
        rsps.add(responses.GET, URL, body=requests.exceptions.ConnectionError(REFUSED))
    api, slept = make_api()  # max_retries 8 by default
    with pytest.raises(StripeUnavailableError) as info:
        api.get("/v1/customers")
    assert str(info.value) == (
        "Nothing answers at api_base https://api.stripe.test: GET /v1/customers failed 3 times "
        "(connection (ConnectionError: Connection refused)). Check api_base (Stripe's is "
        "https://api.stripe.com; for the emulator, the base_url it printed).")
    assert len(rsps.calls) == 3
    assert [0.25 <= slept[0] <= 0.5, 0.5 <= slept[1] <= 1.0] == [True, True]


def test_an_api_base_whose_name_does_not_resolve_fails_at_once(
        rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, URL, body=requests.exceptions.ConnectionError(
        "HTTPSConnectionPool(host='api.stripe.test', port=443): Max retries exceeded with url: "
        "/v1/customers (Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection>: "
        "Failed to resolve 'api.stripe.test' ([Errno -2] Name or service not known)\"))"))
    error = fails_at_once(rsps)
    assert str(error) == (
        "The host name api.stripe.test of api_base https://api.stripe.test does not resolve "
        "(Name or service not known). Check api_base (Stripe's is https://api.stripe.com; for "
        "the emulator, the base_url it printed).")


def test_the_request_summary_of_a_run_without_retries(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, URL, json=PAGE)
    api, _ = make_api()
    api.get("/v1/customers")
    assert api.summary() == "Made 1 request to Stripe (none retried)."


def test_max_requests_per_second_overrides_the_global_rate() -> None:
    assert make_api()[0].limiter.global_bucket.rate == 25.0
    assert make_api(max_requests_per_second=7.5)[0].limiter.global_bucket.rate == 7.5
    assert make_api(max_requests_per_second=400)[0].limiter.global_bucket.rate == 400.0


def test_list_pages_follow_starting_after(rsps: responses.RequestsMock) -> None:
    first = {"object": "list", "data": [{"id": "cus_2"}, {"id": "cus_1"}], "has_more": True}
    rsps.add(responses.GET, URL, json=first)
    rsps.add(responses.GET, URL, json={"object": "list", "data": [{"id": "cus_0"}],
                                       "has_more": False})
    api, _ = make_api()
    pages = list(api.list_pages("/v1/customers", {"created": {"gte": 5}}))
    assert [[o["id"] for o in p] for p in pages] == [["cus_2", "cus_1"], ["cus_0"]]
    second = str(rsps.calls[1].request.url)
    assert "starting_after=cus_1" in second
    assert "created%5Bgte%5D=5" in second


def test_permissions_named_reads_every_rak_name() -> None:
    message = "Having the 'rak_charge_read', 'rak_refund_read' permissions would allow this."
    assert permissions_named(message) == ("rak_charge_read", "rak_refund_read")
    assert permissions_named("no such thing") == ()


def test_a_json_array_body_is_refused(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, URL, body=json.dumps([1, 2]))
    api, _ = make_api()
    with pytest.raises(StripeAccessError, match="JSON that is not an object"):
        api.get("/v1/customers")


@pytest.mark.parametrize(("value", "expected"), [
    ("Sun, 06 Dec 2026 16:00:00 GMT", 1796572800.0),  # RFC 9110's IMF-fixdate
    ("Sunday, 06-Dec-26 16:00:00 GMT", 1796572800.0),  # its obsolete RFC 850 form
    ("yesterday", None),
    ("", None),
])
def test_a_date_header_is_read_as_unix_time(value: str, expected: float | None) -> None:
    from tap_stripe.api import http_date

    assert http_date(value) == expected
    assert http_date(value) == expected  # once more, from the cache
