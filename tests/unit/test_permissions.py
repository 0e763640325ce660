"""The permission check over mocked HTTP: what each stream's probe asks, the table, and what
`on_permission_error` does to a run (fail before any output, or skip with warnings)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from tap_stripe.api import StripeApi
from tap_stripe.errors import StreamsNotReadableError, StripeAccessError
from tap_stripe.permissions import (
    PermissionCheck,
    Probe,
    Reads,
    check_permissions,
    render_table,
    skipped_summary,
)
from tap_stripe.pool import Concurrency
from tap_stripe.scheduler import Scheduler
from tap_stripe.settings import Settings
from tests.singer import run_tap

BASE = "https://api.stripe.test"
KEY = "rk_test_51PermissionProbeKeyZx81"
NOW = int(dt.datetime.now(dt.timezone.utc).timestamp())


def DATED() -> dict[str, str]:  # noqa: N802
    """Stripe's answers carry its time (RFC 9110's ``Date``), which the tap reads."""
    return {"Date": formatdate(time.time(), usegmt=True)}


class Stripe:
    """Lists by path, 403 naming a permission for refused paths, and a log of requests."""

    def __init__(self, rsps: responses.RequestsMock) -> None:
        self.lists: dict[str, list[dict[str, Any]]] = {}
        self.refused: dict[str, str] = {}
        self.calls: list[tuple[str, dict[str, str]]] = []
        rsps.add_callback(responses.GET, re.compile(re.escape(BASE) + r"/v1/.*"), self._answer)

    def _answer(self, request: Any) -> tuple[int, dict[str, str], str]:
        url = urlsplit(request.url)
        if url.path == "/v1/account":  # the key's own account id, for stripe_account
            return 200, {}, json.dumps({"id": "acct_1", "object": "account"})
        self.calls.append((url.path, dict(parse_qsl(url.query))))
        if url.path in self.refused:
            message = (f"The provided key 'rk_test_******{KEY[-6:]}' does not have the "
                       "required permissions for this endpoint on account 'acct_1'. Having the "
                       f"'{self.refused[url.path]}' permission would allow this request to "
                       "continue.")
            return 403, DATED(), json.dumps({"error": {"type": "invalid_request_error",
                                                       "message": message}})
        query = dict(parse_qsl(url.query))
        low, high = int(query.get("created[gte]", 0)), int(query.get("created[lt]", 1 << 40))
        data = [o for o in self.lists.get(url.path, []) if low <= o.get("created", 0) < high]
        return 200, DATED(), json.dumps({"object": "list", "data": data[:int(query["limit"])],
                                         "has_more": False, "url": url.path})


@pytest.fixture
def stripe() -> Iterator[Stripe]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield Stripe(rsps)


def api() -> StripeApi:
    settings = Settings.from_config({"client_secret": KEY, "api_base": BASE},
                                    dt.datetime.now(dt.timezone.utc))
    return StripeApi(settings, sleep=lambda _: None)


@pytest.fixture
def checker() -> Iterator[PermissionCheck]:
    """A permission check on a run's workers (its pool, pace and limiter), closed after."""
    stripe_api = api()
    scheduler = Scheduler(Concurrency(), stripe_api.limiter)
    try:
        yield PermissionCheck(stripe_api, scheduler)
    finally:
        scheduler.close()


def lists(*names: str) -> list[Reads]:
    return [Reads(name) for name in names]


def config(**extra: Any) -> dict[str, Any]:
    return {"client_secret": KEY, "api_base": BASE, "start_date": "2024-01-01T00:00:00Z",
            **extra}


def test_top_level_streams_are_probed_with_one_object(
        stripe: Stripe, checker: PermissionCheck) -> None:
    stripe.refused["/v1/charges"] = "rak_charge_read"
    probes = checker.probe(lists("customers", "charges", "subscriptions"))
    assert probes == [Probe("customers", True), Probe("charges", False, "rak_charge_read"),
                      Probe("subscriptions", True)]
    assert sorted((path, sorted(query.items())) for path, query in stripe.calls) == [
        ("/v1/charges", [("limit", "1")]), ("/v1/customers", [("limit", "1")]),
        ("/v1/subscriptions", [("limit", "1"), ("status", "all")])]


def test_child_streams_probe_their_endpoint_with_the_first_parent_id(
        stripe: Stripe, checker: PermissionCheck) -> None:
    stripe.lists["/v1/invoices"] = [{"id": "in_7"}]
    stripe.lists["/v1/subscriptions"] = [{"id": "sub_3"}]
    stripe.refused["/v1/invoices/in_7/lines"] = "rak_invoice_read"
    probes = checker.probe(lists("invoices", "invoice_line_items",
                                                "subscription_items"))
    assert [p.readable for p in probes] == [True, False, True]
    assert probes[1].permission == "rak_invoice_read"
    calls = [(path, sorted(query.items())) for path, query in stripe.calls]
    assert sorted(calls) == sorted([
        ("/v1/invoices", [("limit", "1")]),  # asked once for the parent and the child
        ("/v1/invoices/in_7/lines", [("limit", "1")]),
        ("/v1/subscriptions", [("limit", "1"), ("status", "all")]),
        ("/v1/subscription_items", [("limit", "1"), ("subscription", "sub_3")]),
    ])
    paths = [path for path, _ in calls]  # parents (asked together) before their children
    assert max(paths.index("/v1/invoices"), paths.index("/v1/subscriptions")) < min(
        paths.index("/v1/invoices/in_7/lines"), paths.index("/v1/subscription_items"))


def test_a_child_without_parents_is_not_probed_and_says_why(
        stripe: Stripe, checker: PermissionCheck) -> None:
    probes = checker.probe(lists("bank_accounts"))
    assert probes == [Probe("bank_accounts", None, note="not probed: no customers to probe with")]
    assert render_table(probes).splitlines()[1].split() == [
        "bank_accounts", "unknown", "not", "probed:", "no", "customers", "to", "probe", "with"]


def test_a_child_of_an_unreadable_parent_is_unreadable(
        stripe: Stripe, checker: PermissionCheck) -> None:
    stripe.refused["/v1/transfers"] = "rak_transfer_read"
    assert checker.probe(lists("transfer_reversals")) == [
        Probe("transfer_reversals", False, "rak_transfer_read")]


def test_streams_kept_current_by_events_need_the_events_list(
        stripe: Stripe, checker: PermissionCheck) -> None:
    stripe.refused["/v1/events"] = "rak_event_read"
    probes = checker.probe([Reads("customers", events=True), Reads("files")])
    assert probes == [Probe("customers", False, "rak_event_read"), Probe("files", True)]


def test_a_run_that_only_follows_events_probes_the_events_list_once(
        stripe: Stripe, checker: PermissionCheck) -> None:
    stripe.refused["/v1/customers"] = "rak_customer_read"
    reads = [Reads(name, listing=False, events=True) for name in ("customers", "invoices")]
    assert checker.probe(reads) == [
        Probe("customers", True, note="reads only /v1/events this run"),
        Probe("invoices", True, note="reads only /v1/events this run")]
    assert stripe.calls == [("/v1/events", {"limit": "1"})]


def test_the_table_lists_stream_readable_and_permission() -> None:
    table = render_table([Probe("customers", True), Probe("charges", False, "rak_charge_read"),
                          Probe("invoice_line_items", None, note="not probed: no invoices")])
    assert table == (
        "stream              readable  permission needed / note\n"
        "customers           yes\n"
        "charges             no        rak_charge_read\n"
        "invoice_line_items  unknown   not probed: no invoices")


def test_fail_raises_one_line_after_logging_the_table(
        stripe: Stripe, checker: PermissionCheck, caplog: pytest.LogCaptureFixture) -> None:
    stripe.refused["/v1/charges"] = "rak_charge_read"
    with pytest.raises(StreamsNotReadableError) as info:
        check_permissions(checker, lists("customers", "charges"), "fail")
    assert str(info.value) == (
        "The API key cannot read 1 of the 2 selected streams (charges). Grant the permissions "
        "named in the table, deselect those streams, or set on_permission_error to skip.")
    assert "charges    no        rak_charge_read" in caplog.text


def test_skip_warns_once_per_stream_and_returns_them(
        stripe: Stripe, checker: PermissionCheck, caplog: pytest.LogCaptureFixture) -> None:
    stripe.refused["/v1/charges"] = "rak_charge_read"
    stripe.refused["/v1/refunds"] = "rak_refund_read"
    with caplog.at_level(logging.WARNING, "tap-stripe.permissions"):
        refused = check_permissions(checker, lists("customers", "charges", "refunds"), "skip")
    assert [p.stream for p in refused] == ["charges", "refunds"]
    skips = [m for m in caplog.messages if m.startswith("Skipping stream")]
    assert skips == ["Skipping stream charges: the API key cannot read it (rak_charge_read).",
                     "Skipping stream refunds: the API key cannot read it (rak_refund_read)."]
    assert skipped_summary(refused) == (
        "2 selected stream(s) were skipped because the API key cannot read them: charges "
        "(rak_charge_read), refunds (rak_refund_read).")


def test_a_wrong_key_stops_the_probe_at_once(
        stripe: Stripe, checker: PermissionCheck) -> None:
    stripe.refused.clear()
    responses_401 = {"error": {"type": "invalid_request_error",
                               "message": "Invalid API Key provided: rk_test_****Zx81"}}
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, BASE + "/v1/customers", status=401, json=responses_401)
        with pytest.raises(StripeAccessError) as info:
            check_permissions(checker, lists("customers", "charges"), "skip")
    assert info.value.status == 401
    assert "Zx81" not in str(info.value)


def test_sync_with_fail_stops_before_any_output(stripe: Stripe) -> None:
    stripe.lists["/v1/files"] = [{"id": "file_1", "created": NOW - 100}]
    stripe.refused["/v1/shipping_rates"] = "rak_shipping_rate_read"
    out = run_tap(config(), ["files", "shipping_rates"], allow_error=True)
    assert isinstance(out.error, StreamsNotReadableError)
    assert out.messages == []


def test_sync_with_skip_syncs_the_readable_streams_only(stripe: Stripe) -> None:
    stripe.lists["/v1/files"] = [{"id": "file_1", "created": NOW - 100}]
    stripe.refused["/v1/shipping_rates"] = "rak_shipping_rate_read"
    out = run_tap(config(on_permission_error="skip"), ["files", "shipping_rates"])
    assert out.ids("files") == ["file_1"]
    assert set(out.schemas) == {"files"}
    assert out.state["bookmarks"].get("shipping_rates", {}) == {}
    # each probe asked its list's first page, in the parts the listing cuts it in (three
    # windows from 2024: cut before the first answer); the refused list is asked nothing more.
    # A test-mode key's 25 requests/s less /v1/events, /v1/account and the two probes leave 10
    # further requests a list: 11 parts each, the newest with no upper bound
    listed = [(p, q.get("created[lt]")) for p, q in stripe.calls if "created[gte]" in q]
    assert Counter(p for p, _ in listed) == {"/v1/files": 11, "/v1/shipping_rates": 11}
    assert sorted(p for p, lt in listed if lt is None) == ["/v1/files", "/v1/shipping_rates"]
    # the file's listing took its parts' pages: no list request beyond the probe's
    assert len(listed) == 22


def test_an_incremental_sync_probes_only_what_it_reads(stripe: Stripe) -> None:
    stripe.refused["/v1/customers"] = "rak_customer_read"  # listing is not needed this run
    state = {"bookmarks": {"customers": {"replication_key": "updated",
                                         "replication_key_value": NOW - 3600}}}
    out = run_tap(config(event_lag_seconds=0), ["customers"], state)
    assert out.error is None
    assert "/v1/customers" not in [path for path, _ in stripe.calls]
    # the probe of /v1/events asks the events hub's first page, from the bookmark on
    assert stripe.calls[0] == ("/v1/events", {"limit": "100", "created[gte]": str(NOW - 3600)})



class Together(Stripe):
    """Each of the ``first`` requests (a probe: ``limit=1``, a first page asked ahead with no
    upper bound, or /v1/account) waits until all of them are in flight; asked one after
    another, the barrier breaks (its timeout only keeps a failing test from hanging)."""

    def __init__(self, rsps: responses.RequestsMock, first: set[str]) -> None:
        super().__init__(rsps)
        self.first = first
        self.barrier = threading.Barrier(len(first), timeout=30)
        self.arrived: list[str] = []
        self.broken: list[str] = []

    def _answer(self, request: Any) -> tuple[int, dict[str, str], str]:
        url = urlsplit(request.url)
        query = dict(parse_qsl(url.query))
        if url.path in self.first and "created[lt]" not in query and "starting_after" not in query:
            self.arrived.append(url.path)
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                self.broken.append(url.path)
        return super()._answer(request)


def test_the_clock_the_account_and_the_probes_go_out_together() -> None:
    first = {"/v1/events", "/v1/account", "/v1/customers", "/v1/charges", "/v1/invoices"}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        stripe = Together(rsps, first)
        stripe.lists["/v1/invoices"] = [{"id": "in_7", "created": NOW - 100}]
        out = run_tap(config(), ["customers", "charges", "invoice_line_items"])
    assert out.error is None
    assert stripe.broken == []
    assert sorted(stripe.arrived) == sorted(first)
    # each asked once: the lists read (the child's parent list too) and the events hub's their
    # first page, from the start date (the hub: from now, on a first sync), and the child's
    # list one object (it needs its parent's first id, from its parent's page)
    probes = [path for path, query in stripe.calls if query == {"limit": "1"}]
    pages = [path for path, query in stripe.calls if query.get("limit") == "100"
             and "created[gte]" in query and not {"created[lt]", "starting_after"} & set(query)]
    assert probes == ["/v1/invoices/in_7/lines"]
    assert sorted(pages) == ["/v1/charges", "/v1/customers", "/v1/events", "/v1/invoices"]
