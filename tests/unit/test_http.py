"""The transport's own handling of what ``requests``' session did per request: the proxies of
the environment (read once per host), redirects (followed), the session's default headers."""

from __future__ import annotations

import pytest
import requests
import responses

from tap_stripe.http import ThreadSessions, prepare_url

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


# URLs as stripe-python builds them (its parameters' brackets as they are, values through
# ``urllib.parse.quote_plus``), and some that requests' ``prepare_url`` changes otherwise: each
# must come out as requests prepares it.
URLS = [
    f"{API}/v1/customers?limit=100",
    "http://127.0.0.1:40000/v1/customers?limit=100&created[gte]=1700000000&created[lt]="
    "1731536000&expand[0]=data.tax_ids&expand[1]=data.sources&starting_after=cus_Ab1",
    f"{API}/v1/invoices/in_1Ab/lines?limit=100&starting_after=il_9Zy",
    f"{API}/v1/customers/search?query=email%3A%27a%2Bb%40example.com%27&limit=10",
    f"{API}/v1/events?type=customer.updated&created%5Bgt%5D=1&types[0]=charge.refunded",
    f"{API}/v1/customers?email=a%2bb%40x.test",  # lower-case escape: upper-cased
    f"{API}/v1/customers?name=%41nn",  # an escaped unreserved character: decoded
    f"{API}/v1/customers?name=Ann Lee",  # a space: quoted
    f"{API}/v1/customers[0]?limit=1",  # brackets in the path
    f"{API}/v1/./customers/../charges",  # dot segments: removed
    "https://API.Stripe.TEST/v1/customers",  # host in capitals: lower-cased
    "https://api.stripe.test:443/v1/customers?limit=3",
    "https://bücher.test/v1/customers",  # a host that is not ASCII: IDNA
    f"{API}/v1/customers?q=é",  # not ASCII: quoted
    f"{API}/v1/customers?q=%zz",  # a broken escape
    f"{API}/v1/customers#top",
]


@pytest.mark.parametrize("url", URLS)
def test_a_url_is_prepared_as_requests_prepares_it(url: str) -> None:
    ours, theirs = requests.PreparedRequest(), requests.PreparedRequest()
    prepare_url(ours, url)
    theirs.prepare_url(url, None)
    assert ours.url == theirs.url


def test_a_port_out_of_range_is_refused_as_requests_refuses_it() -> None:
    with pytest.raises(requests.exceptions.InvalidURL):
        prepare_url(requests.PreparedRequest(), f"{API}:99999/v1/customers")


def test_stripes_urls_are_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = []
    for url in URLS[:5]:
        theirs = requests.PreparedRequest()
        theirs.prepare_url(url, None)
        expected.append(theirs.url)

    def refused(self: requests.PreparedRequest, url: str, params: object) -> None:
        raise AssertionError(f"prepared again: {url}")

    monkeypatch.setattr(requests.PreparedRequest, "prepare_url", refused)
    for url, theirs_url in zip(URLS[:5], expected, strict=True):
        prepared = requests.PreparedRequest()
        prepare_url(prepared, url)
        assert prepared.url == theirs_url
    assert expected[1].startswith("http://127.0.0.1:40000/v1/customers?limit=100&created%5Bgte%5D=")
