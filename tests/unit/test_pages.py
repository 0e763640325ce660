"""Pages a hostile or broken server may send, over `responses` (and the hostile test server for
deadlines): malformed pages and lists that repeat a page end in one message naming the
endpoint; a request that drips its answer ends at its deadline; a stop signal keeps new
requests from going out."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import responses

from tap_stripe import shutdown
from tap_stripe.ahead import AskedAhead
from tap_stripe.api import StripeApi
from tap_stripe.errors import StripeResponseError, StripeUnavailableError
from tap_stripe.families import ChildList
from tap_stripe.limiter import LIVE_RATE, RateLimiter
from tap_stripe.listing import Listing, WindowLister
from tap_stripe.pages import objects_of
from tap_stripe.pool import Budget, Pace, Pool
from tap_stripe.registry import BY_NAME
from tap_stripe.settings import Settings
from tap_stripe.shutdown import StopRequested
from tests.hostile import HostileServer

BASE = "https://api.stripe.test"
KEY = "sk_test_51HxTapStripeSecretKeyTail9Qz"
OBJECTS = [{"id": "cus_2", "object": "customer", "created": 1_700_000_100},
           {"id": "cus_1", "object": "customer", "created": 1_700_000_000}]


def make_api(base: str = BASE, **config: Any) -> StripeApi:
    settings = Settings.from_config({"client_secret": KEY, "api_base": base, **config},
                                    dt.datetime.now(dt.timezone.utc))
    return StripeApi(settings, sleep=lambda _: None)


def page(data: Any, has_more: bool = True, path: str = "/v1/customers") -> dict[str, Any]:
    return {"object": "list", "url": path, "has_more": has_more, "data": data}


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def test_a_list_that_answers_the_same_page_for_ever_stops_at_the_second(
        rsps: responses.RequestsMock) -> None:
    rsps.get(BASE + "/v1/customers", json=page(OBJECTS))
    pages = []
    with pytest.raises(StripeResponseError) as error:
        pages.extend(make_api().list_pages("/v1/customers"))
    assert str(error.value) == (
        "GET /v1/customers does not end: after cus_1 it answered a page it had answered "
        "before (has_more true), so it would be read forever. Check that api_base is Stripe's "
        "API.")
    assert [[o["id"] for o in p] for p in pages] == [["cus_2", "cus_1"]]  # once, not twice
    assert len(rsps.calls) == 2


def test_a_cursor_that_comes_back_later_is_caught_too(rsps: responses.RequestsMock) -> None:
    # cus_3, cus_2 -> cus_1 -> cus_2 again: a loop two pages long
    rsps.get(BASE + "/v1/customers", json=page([{"id": "cus_3"}, {"id": "cus_2"}]))
    rsps.get(BASE + "/v1/customers", json=page([{"id": "cus_1"}]))
    rsps.get(BASE + "/v1/customers", json=page([{"id": "cus_3"}, {"id": "cus_2"}]))
    with pytest.raises(StripeResponseError, match="after cus_2 it answered a page it had"):
        list(make_api().list_pages("/v1/customers"))
    assert len(rsps.calls) == 3


def test_a_child_list_that_repeats_its_page_fails_with_the_child_endpoint(
        rsps: responses.RequestsMock) -> None:
    path = "/v1/customers/cus_1/sources"
    rsps.get(BASE + path, json=page([{"id": "card_2", "object": "card"},
                                     {"id": "card_1", "object": "card"}], path=path))
    kids = ChildList([{"id": "card_3", "object": "card"}], (path, {}, "card_1"))
    got = []
    with pytest.raises(StripeResponseError, match=f"GET {path} does not end: after card_1"):
        got.extend(o["id"] for o in kids.records(make_api(), BY_NAME["bank_accounts"], None))
    assert got == ["card_3"]


class RepeatingEvents:
    """A fake API whose /v1/events answers the same page, has_more true, whatever is asked."""

    def __init__(self) -> None:
        self.calls = 0
        self.ahead = AskedAhead()  # no page asked ahead

    def get(self, path: str, params: dict[str, Any], account: str | None, *,
            raw: bool = False) -> dict[str, Any]:
        self.calls += 1
        return page([{"id": "evt_2", "created": 150}, {"id": "evt_1", "created": 120}],
                    path=path)


def test_the_window_lister_stops_a_repeating_page_after_emitting_it_once() -> None:
    api, pool = RepeatingEvents(), Pool(2)
    lister = WindowLister(api, Listing("/v1/events", {}), [(100, 200)],  # type: ignore[arg-type]
                          submit=pool.submit, pace=Pace(RateLimiter(LIVE_RATE), 2),
                          budget=Budget(1000), stop=threading.Event())
    got: list[Any] = []
    try:
        with pytest.raises(StripeResponseError, match="GET /v1/events does not end: after "
                                                      "evt_1"):
            got.extend(lister)
    finally:
        pool.close()
    assert [[o["id"] for o in p] for p in got] == [["evt_2", "evt_1"]]
    assert api.calls == 2


@pytest.mark.parametrize(("data", "what"), [
    ([{"object": "customer", "created": 1}], 'object 0 of "data" has no "id"'),
    ([{"id": "", "created": 1}], 'object 0 of "data" has no "id"'),
    ([{"id": "cus_1", "created": 1}, "cus_2"], 'item 1 of "data" is a str, not an object'),
    ([{"id": "cus_1", "created": "1700000000"}],
     "object cus_1 has \"created\" '1700000000', not a unix time in whole seconds"),
    ([{"id": "cus_1", "created": 1.5}],
     "object cus_1 has \"created\" '1.5', not a unix time in whole seconds"),
    ([{"id": "cus_1", "created": True}],
     "object cus_1 has \"created\" 'True', not a unix time in whole seconds"),
    ({"cus_1": {"id": "cus_1"}}, '"data" is a dict, not a list'),
    ("cus_1", '"data" is a str, not a list'),
])
def test_a_malformed_page_names_the_endpoint_and_what_is_wrong(data: Any, what: str) -> None:
    with pytest.raises(StripeResponseError) as error:
        objects_of(page(data), "/v1/customers")
    assert str(error.value) == (f"GET /v1/customers answered a malformed list page: {what}. "
                                "Check that api_base is Stripe's API.")


def test_a_well_formed_page_passes_as_it_is() -> None:
    assert objects_of(page(OBJECTS), "/v1/customers") == OBJECTS
    assert objects_of({"object": "list", "has_more": False}, "/v1/customers") == []
    # Stripe's invoice items carry their time in ``date``; no ``created`` is fine
    assert objects_of(page([{"id": "ii_1", "date": 5}]), "/v1/invoiceitems") == [
        {"id": "ii_1", "date": 5}]


def test_a_malformed_page_ends_the_listing_in_list_pages(
        rsps: responses.RequestsMock) -> None:
    rsps.get(BASE + "/v1/customers", json=page([{"id": "cus_1", "created": "now"}]))
    with pytest.raises(StripeResponseError, match="GET /v1/customers answered a malformed"):
        list(make_api().list_pages("/v1/customers"))


@pytest.mark.parametrize("mode", ["drip", "slow_headers"])
def test_a_request_whose_answer_drips_ends_at_its_deadline(mode: str) -> None:
    # each byte comes well within request_timeout, so only a deadline on the whole request
    # ends it
    with HostileServer(mode, interval=0.1) as server:
        api = make_api(server.base_url, request_timeout=0.5, max_retries=0)
        with pytest.raises(StripeUnavailableError) as error:
            api.get("/v1/customers")
        assert server.requests == 1
    assert str(error.value).startswith(
        "Stripe request GET /v1/customers still failed after 0 retries: timeout (Timeout, no "
        "answer within 0.5s).")


def test_requests_stop_going_out_once_a_signal_asked_the_run_to_stop(
        rsps: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    rsps.get(BASE + "/v1/customers", json=page(OBJECTS, has_more=False))
    api = make_api()
    assert api.get("/v1/customers")["data"] == OBJECTS
    monkeypatch.setattr(shutdown, "_signal", None)
    shutdown.note(15, None)
    shutdown.note(2, None)  # the first signal is the one kept
    with pytest.raises(StopRequested) as stop:
        api.get("/v1/customers")
    assert stop.value.exit_code == 143
    assert len(rsps.calls) == 1
    with pytest.raises(StopRequested):
        shutdown.sleep(30)  # a retry's wait ends at once


def test_responses_still_sees_every_request_through_the_deadline_client(
        rsps: responses.RequestsMock) -> None:
    rsps.get(BASE + "/v1/customers", body=json.dumps(page(OBJECTS, has_more=False)))
    pages = list(make_api(request_timeout=0.5).list_pages("/v1/customers"))
    assert [o["id"] for o in pages[0]] == ["cus_2", "cus_1"]
    assert rsps.calls[0].request.params == {"limit": "100"}
