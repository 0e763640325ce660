"""The family scan's parent-by-parent work (issue 14, the passes' CPU per invoice): children's
lists taken whole from their parent or read, stamped, and handed on a page of parents at a
time, in the order a one-parent-at-a-time reader gives them.

Stripe's invoice embeds the first page of its lines (API reference, "The Invoice object",
``lines``: "The individual line items that make up the invoice"), a list object whose
``has_more`` says "Whether or not there are more elements available after this set. If false,
this set comprises the end of the list" (API reference, "Pagination"); the rest are read from
``GET /v1/invoices/:id/lines``. An invoice item carries its creation time as ``date``
(stripe-python ``InvoiceItem.date``: "Time at which the object was created").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import msgspec
import pytest

from tap_stripe.families import ChildList, FamilyScan, embedded_list
from tap_stripe.listing import WindowEnd, created_since, creation
from tap_stripe.pages import Obj, objects_of
from tap_stripe.pool import Budget, Concurrency, Pace, Pool
from tap_stripe.raw import RawRecord, decode_page
from tap_stripe.registry import BY_NAME
from tap_stripe.stamps import Stamper
from tests.unit.test_concurrency import NoLimits

NOW = 1_700_000_000
INVOICES, LINES = BY_NAME["invoices"], BY_NAME["invoice_line_items"]


def line(line_id: str) -> dict[str, Any]:
    return {"id": line_id, "object": "line_item", "amount": 100}


def invoice(invoice_id: str, created: int, lines: list[str], *,
            more: bool = False) -> dict[str, Any]:
    return {"id": invoice_id, "object": "invoice", "created": created, "status": "paid",
            "lines": {"object": "list", "url": f"/v1/invoices/{invoice_id}/lines",
                      "has_more": more, "data": [line(i) for i in lines]}}


def listed(*invoices: dict[str, Any]) -> list[Obj]:
    """A page of ``/v1/invoices`` as the tap decodes it (Stripe's bytes, indented)."""
    body = json.dumps({"object": "list", "url": "/v1/invoices", "has_more": False,
                       "data": list(invoices)}, indent=2).encode()
    return objects_of(decode_page(body), "/v1/invoices")


class Lines:
    """The lines endpoint: a first page of the given lines per invoice (``has_more`` when
    ``rest`` holds more), then ``rest`` from ``list_pages``, or ``failure`` after it."""

    def __init__(self, first: dict[str, list[str]], rest: dict[str, list[str]],
                 failure: Exception | None = None) -> None:
        self.first, self.rest, self.failure = first, rest, failure
        self.asked: list[tuple[str, dict[str, Any]]] = []

    def get(self, path: str, query: dict[str, Any], account: str | None,
            raw: bool = False) -> dict[str, Any]:
        self.asked.append((path, query))
        parent = path.split("/")[3]
        return {"object": "list", "has_more": parent in self.rest,
                "data": [dict(line(i)) for i in self.first[parent]]}

    def list_pages(self, path: str, params: dict[str, Any], account: str | None, *,
                   starting_after: str, raw: bool = False) -> Iterator[list[dict[str, Any]]]:
        self.asked.append((path, {**params, "starting_after": starting_after}))
        yield [line(i) for i in self.rest[path.split("/")[3]]]
        if self.failure is not None:
            raise self.failure


@pytest.fixture
def pool() -> Iterator[Pool]:
    pool = Pool(2)
    yield pool
    pool.close()


def scan(api: Lines, pool: Pool, starts: dict[str, int]) -> FamilyScan:
    workers = SimpleNamespace(pool=pool, pace=Pace(NoLimits(), 2), budget=Budget(10**6),
                              concurrency=Concurrency())
    return FamilyScan(api, INVOICES, starts, NOW, 86_400, Stamper(NOW),  # type: ignore[arg-type]
                      scheduler=workers)


def by_member(out: list[tuple[str, list[Any]]]) -> dict[str, list[Any]]:
    got: dict[str, list[Any]] = {}
    for member, items in out:
        got.setdefault(member, []).extend(items)
    return got


def test_each_parents_children_then_the_parents_come_out_in_order_with_their_stamps(
        pool: Pool) -> None:
    api = Lines({"in_2": ["il_2b"]}, {"in_2": ["il_2c"]})
    page = listed(invoice("in_3", 300, ["il_3a", "il_3b"]),
                  invoice("in_2", 200, ["il_2a"], more=True), invoice("in_1", 100, []))
    older = listed(invoice("in_0", 10, ["il_0a"]))
    sent = [bytes(p.json()) for p in page]  # type: ignore[union-attr]
    out = list(scan(api, pool, {"invoices": 50, "invoice_line_items": 0})._families(
        [page, WindowEnd(0, 400), older, WindowEnd(400, 800)]))
    got = by_member(out)
    assert [(r["id"], r["invoice_id"], r["is_deleted"], r["updated"])
            for r in got["invoice_line_items"]] == [
        ("il_3a", "in_3", False, NOW), ("il_3b", "in_3", False, NOW),
        ("il_2a", "in_2", False, NOW), ("il_2b", "in_2", False, NOW),
        ("il_2c", "in_2", False, NOW), ("il_0a", "in_0", False, NOW)]
    # in_0 was created before the invoices' start: its lines go out, it does not
    assert [(r["id"], r["is_deleted"], r["updated"]) for r in got["invoices"]] == [
        ("in_3", False, NOW), ("in_2", False, NOW), ("in_1", False, NOW)]
    assert [r["id"] if isinstance(r, dict | RawRecord) else r for r in got[""]] == [
        "in_3", "in_2", "in_1", WindowEnd(0, 400), "in_0", WindowEnd(400, 800)]
    # every record of a window before its end
    first_end = out.index(("", [WindowEnd(0, 400)]))
    assert {m for m, _ in out[:first_end]} == {"invoice_line_items", "invoices", ""}
    assert all(r["id"] == "il_0a" for m, items in out[first_end:] if m == "invoice_line_items"
               for r in items)
    # the lines are copies: an invoice's record keeps its embedded lines as Stripe sent them
    assert all(bytes(r.json()).startswith(s[:-1])
               for r, s in zip(got["invoices"], sent, strict=True))
    assert [[set(kid) for kid in r["lines"]["data"]] for r in got["invoices"]] == [
        [{"id", "object", "amount"}] * 2, [{"id", "object", "amount"}], []]
    assert api.asked == [("/v1/invoices/in_2/lines", {"limit": 100, "starting_after": "il_2a"}),
                         ("/v1/invoices/in_2/lines", {"starting_after": "il_2b"})]


def test_the_children_read_before_a_failure_go_out_and_their_parent_does_not(
        pool: Pool) -> None:
    api = Lines({"in_1": ["il_1b"]}, {"in_1": ["il_1c"]}, failure=RuntimeError("boom"))
    page = listed(invoice("in_2", 200, ["il_2a"]), invoice("in_1", 100, ["il_1a"], more=True),
                  invoice("in_0", 50, ["il_0a"]))
    out: list[tuple[str, list[Any]]] = []
    with pytest.raises(RuntimeError, match="boom"):
        out.extend(scan(api, pool, {"invoices": 0, "invoice_line_items": 0})._families(
            [page, WindowEnd(0, 400)]))
    got = by_member(out)
    assert [r["id"] for r in got["invoice_line_items"]] == ["il_2a", "il_1a", "il_1b", "il_1c"]
    assert [r["invoice_id"] for r in got["invoice_line_items"]] == ["in_2", "in_1", "in_1",
                                                                    "in_1"]
    assert [r["id"] for r in got["invoices"]] == ["in_2"]
    assert [r["id"] for r in got[""]] == ["in_2"]


def test_a_page_of_parents_goes_out_in_one_list_per_member(pool: Pool) -> None:
    page = listed(*(invoice(f"in_{i}", 1000 - i, [f"il_{i}"]) for i in range(150)))
    out = list(scan(Lines({}, {}), pool, {"invoices": 0, "invoice_line_items": 0})._families(
        [page, WindowEnd(0, 2000)]))
    assert [(m, len(items)) for m, items in out] == [
        ("invoice_line_items", 100), ("invoices", 100), ("", 100),
        ("invoice_line_items", 50), ("invoices", 50), ("", 50), ("", 1)]


def test_a_complete_embedded_list_is_the_child_list_and_an_incomplete_one_is_not() -> None:
    whole, more = listed(invoice("in_1", 1, ["il_1", "il_2"]),
                         invoice("in_2", 1, ["il_3"], more=True))
    kids = embedded_list(LINES, whole)
    assert kids is not None and kids.rest is None
    assert [o["id"] for o in kids.first] == ["il_1", "il_2"]
    assert embedded_list(LINES, more) is None
    assert embedded_list(LINES, {"id": "in_3", "object": "invoice"}) is None  # not embedded


def test_a_filtered_child_keeps_only_its_objects_of_the_embedded_list() -> None:
    banks = BY_NAME["bank_accounts"]
    customer = {"id": "cus_1", "object": "customer", "sources": {
        "object": "list", "has_more": False, "url": "/v1/customers/cus_1/sources",
        "data": [{"id": "card_1", "object": "card"}, {"id": "ba_1", "object": "bank_account"}]}}
    kids = embedded_list(banks, customer)
    assert kids == ChildList([{"id": "ba_1", "object": "bank_account"}])


@pytest.mark.parametrize(("obj", "expected"), [
    ({"id": "ch_1", "created": 1680000000}, 1680000000),
    ({"id": "ii_1", "date": 1680000001}, 1680000001),  # invoice items: ``date``
    ({"id": "x_1", "created": 0, "date": 5}, 5),
    ({"id": "x_2", "created": 0}, 0),
    ({"id": "plink_1"}, None),  # no creation time: in every range
])
def test_the_creation_time_of_an_object(obj: dict[str, Any], expected: int | None) -> None:
    assert creation(obj) == expected
    assert created_since(obj, 1, 2) is (expected is None or 1 <= expected < 2)
    assert created_since(obj, 0) is True


def test_the_children_of_a_deleted_parent_are_stamped_deleted_and_copies_leave_theirs(
) -> None:
    items = BY_NAME["subscription_items"]
    canceled = {"id": "sub_1", "object": "subscription", "status": "canceled"}
    kids = [{"id": "si_1", "object": "subscription_item"}]
    stamp = Stamper(NOW)
    assert stamp.all(items, kids, canceled) == [
        {"id": "si_1", "object": "subscription_item", "updated": NOW, "is_deleted": True,
         "subscription_id": "sub_1"}]
    assert kids == [{"id": "si_1", "object": "subscription_item"}]  # copies
    out: list[Obj] = [{"id": "before"}]
    stamp.into(out, items, kids, {"id": "sub_2", "status": "active"})
    assert out == [{"id": "before"}, {"id": "si_1", "object": "subscription_item",
                                      "updated": NOW, "is_deleted": False,
                                      "subscription_id": "sub_2"}]
    assert out[1] is kids[0]  # the caller's own: stamped as they are
    subs = stamp.all(BY_NAME["subscriptions"], [canceled, {"id": "sub_3", "updated": 7}], None)
    assert [(s["is_deleted"], s["updated"]) for s in subs] == [(True, NOW), (False, 7)]
    payouts = stamp.all(BY_NAME["balance_transactions"], [{"id": "txn_1", "created": 3}], None)
    assert msgspec.json.encode(payouts) == b'[{"id":"txn_1","created":3}]'
