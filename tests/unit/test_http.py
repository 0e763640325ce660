"""The transport's own handling of what ``requests``' session did per request: the proxies of
the environment (read once per host), redirects (followed), the session's default headers."""

from __future__ import annotations

import pytest
import requests
import responses

from tap_stripe.http import ThreadSessions

API = "https://api.stripe.test"


def test_the_environments_proxy_is_used_and_no_proxy_is_honoured(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    monkeypatch.setenv("NO_PROXY", "bypassed.test")
    sessions = ThreadSessions()
    assert sessions._proxies(f"{API}/v1/customers?limit=100", None)["https"] == \
        "http://proxy.test:3128"
    assert sessions._proxies("https://bypassed.test/v1/customers", None) == {}
    given = {"https": "http://stripe-option.test:8080"}  # stripe-python's proxy option wins
    assert sessions._proxies(f"{API}/v1/charges", given)["https"] == \
        "http://stripe-option.test:8080"


def test_the_environment_is_read_once_per_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://first.test:3128")
    sessions = ThreadSessions()
    assert sessions._proxies(f"{API}/v1/customers", None)["https"] == "http://first.test:3128"
    monkeypatch.setenv("HTTPS_PROXY", "http://second.test:3128")
    assert sessions._proxies(f"{API}/v1/charges?limit=3", None)["https"] == \
        "http://first.test:3128"
    assert ThreadSessions()._proxies(f"{API}/v1/charges", None)["https"] == \
        "http://second.test:3128"


@responses.activate
def test_the_request_goes_out_with_the_session_headers_and_stripes() -> None:
    responses.get(f"{API}/v1/customers", json={"object": "list", "data": []})
    answer = ThreadSessions().request(
        "get", f"{API}/v1/customers?limit=100",
        headers={"Authorization": "Bearer sk_test_x", "Stripe-Version": "2025-01-01"},
        timeout=80, verify=True)
    assert answer.status_code == 200
    assert answer.content == b'{"object": "list", "data": []}'
    sent = responses.calls[0].request
    assert sent.url == f"{API}/v1/customers?limit=100"
    assert sent.headers["Authorization"] == "Bearer sk_test_x"
    assert sent.headers["Stripe-Version"] == "2025-01-01"
    assert sent.headers["User-Agent"] == requests.utils.default_user_agent()
    assert "Cookie" not in sent.headers


@responses.activate
def test_a_redirect_is_followed_as_requests_session_follows_it() -> None:
    responses.get(f"{API}/v1/account", status=301,
                  headers={"Location": f"{API}/v2/account"})
    responses.get(f"{API}/v2/account", json={"id": "acct_1"})
    answer = ThreadSessions().request("get", f"{API}/v1/account", headers={}, timeout=80,
                                      verify=True)
    assert answer.status_code == 200
    assert answer.content == b'{"id": "acct_1"}'
    assert [call.request.url for call in responses.calls][-1] == f"{API}/v2/account"
