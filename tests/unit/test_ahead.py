"""First pages asked ahead (``ahead``, ``listing.fit_ahead``): which ranges a list's first page,
asked with no upper bound at a known time, answers, and a listing taking it instead of asking."""

from __future__ import annotations

from typing import Any

from tap_stripe.ahead import AheadPage, AskedAhead, key_of
from tap_stripe.listing import fit_ahead
from tap_stripe.pool import SEQUENTIAL, Concurrency
from tests.unit.test_concurrency import DAY, NOW, START, PageServer, flat, listed

PATH = "/v1/things"


def page(created: list[int], *, more: bool) -> dict[str, Any]:
    """A list page of objects created at ``created`` (newest first)."""
    return {"object": "list", "url": PATH, "has_more": more,
            "data": [{"id": f"obj_{c}", "created": c} for c in created]}


def fit(ahead: AheadPage, gte: int, lt: int, until: int | None = None) -> dict[str, Any] | None:
    return fit_ahead(ahead, path=PATH, gte=gte, lt=lt, until=lt if until is None else until)


def ids(answer: dict[str, Any] | None) -> tuple[list[str], bool] | None:
    return None if answer is None else ([o["id"] for o in answer["data"]], answer["has_more"])


def test_a_page_with_no_more_answers_every_range_it_spans() -> None:
    ahead = AheadPage(100, page([190, 150, 120], more=False), date=200)
    assert ids(fit(ahead, 100, 160)) == (["obj_150", "obj_120"], False)
    assert ids(fit(ahead, 160, 200)) == (["obj_190"], False)
    assert ids(fit(ahead, 130, 140)) == ([], False)  # nothing was created in it


def test_a_page_with_more_answers_the_ranges_it_reaches_into() -> None:
    ahead = AheadPage(100, page([190, 170, 150], more=True), date=200)
    # the range's newest objects, then it goes on after the page's last object
    assert ids(fit(ahead, 100, 200)) == (["obj_190", "obj_170", "obj_150"], True)
    assert ids(fit(ahead, 100, 180)) == (["obj_170", "obj_150"], True)
    # from after its last object on, the page holds the whole range
    assert ids(fit(ahead, 160, 200)) == (["obj_190", "obj_170"], False)
    # a range older than its last object: the page holds none of it, nor where it starts
    assert fit(ahead, 100, 150) is None
    assert fit(ahead, 100, 120) is None


def test_a_page_answers_nothing_past_its_time_or_before_its_start() -> None:
    ahead = AheadPage(100, page([190], more=False), date=180)
    # objects created from 180 on may have come after the page was asked
    assert fit(ahead, 100, 190) is None
    assert ids(fit(ahead, 100, 180)) == ([], False)
    # a reader that passes on nothing from 180 on (the events hub's newest window) may take it
    assert ids(fit(ahead, 100, 200, until=180)) == (["obj_190"], False)
    assert fit(ahead, 50, 180) is None  # the page starts at 100
    # objects from before the page's own start: not a page Stripe sends, left to the listing
    assert fit(AheadPage(100, page([190, 90], more=False), date=200), 100, 200) is None
    assert fit(AheadPage(100, page([], more=True), date=200), 100, 200) is None


def test_the_store_keeps_a_whole_list_and_gives_a_partial_one_once() -> None:
    store = AskedAhead()
    whole, part = key_of(PATH, None, {"expand": ["data.x"]}, True), key_of(PATH, None, {}, True)
    store.keep(whole, AheadPage(100, page([150], more=False), 200))
    store.keep(part, AheadPage(100, page([190, 150], more=True), 200))
    assert ids(store.take(whole, lambda a: fit(a, 100, 160))) == (["obj_150"], False)
    assert ids(store.take(whole, lambda a: fit(a, 160, 200))) == ([], False)
    assert store.take(part, lambda a: fit(a, 100, 140)) is None  # of no use: still kept
    assert ids(store.take(part, lambda a: fit(a, 100, 200))) == (["obj_190", "obj_150"], True)
    assert store.take(part, lambda a: fit(a, 100, 200)) is None  # taken
    # keys: the list's parameters other than limit and created, its account, raw or not
    assert key_of(PATH, None, {"limit": 100, "created": {"gte": 5}, "expand": ["data.x"]},
                  True) == whole
    assert key_of(PATH, "acct_1", {}, True) != part
    assert key_of(PATH, None, {}, False) != part


def ask_ahead(server: PageServer, gte: int, date: int) -> None:
    """What the permission probe does: the list's first page from ``gte``, kept."""
    answer = server.get(PATH, {"limit": 100, "created": {"gte": gte}}, None)
    server.ahead.keep(key_of(PATH, None, {}, False), AheadPage(gte, answer, date))


def test_a_listing_takes_its_first_page_from_the_page_asked_ahead() -> None:
    # 1,500 objects over three windows; the page asked ahead holds the newest window's first
    created = [START + i * 100 for i in range(1200)] + [START + 2 * DAY + i for i in range(300)]
    spans = [(START, START + DAY), (START + DAY, START + 2 * DAY), (START + 2 * DAY, NOW)]
    server = PageServer(created)
    ask_ahead(server, START, NOW)
    got = flat(listed(server, spans, Concurrency()))
    assert got == flat(listed(PageServer(created), spans, SEQUENTIAL))
    asked = server.queries[1:]
    # the newest window's first request is not made: its page is the one asked ahead, and
    # the window goes on after that page's last object (its rest split in parts)
    assert {"gte": START + 2 * DAY, "lt": NOW} not in [q["created"] for q in asked]
    assert [q for q in asked if q.get("starting_after") == "obj_01400"]


def test_a_small_list_is_read_from_the_page_asked_ahead_alone() -> None:
    created = [START + 10, START + DAY + 10, START + 2 * DAY + 10]
    spans = [(START, START + DAY), (START + DAY, START + 2 * DAY), (START + 2 * DAY, NOW)]
    server = PageServer(created)
    ask_ahead(server, START, NOW)
    got = flat(listed(server, spans, Concurrency()))
    assert got == flat(listed(PageServer(created), spans, SEQUENTIAL))
    assert got == ["obj_00000", spans[0], "obj_00001", spans[1], "obj_00002", spans[2]]
    assert len(server.queries) == 1


def test_a_page_asked_before_a_window_ends_is_not_taken_for_it() -> None:
    created = [START + 10, START + DAY + 10, START + 2 * DAY + 10]
    spans = [(START, START + DAY), (START + DAY, START + 2 * DAY), (START + 2 * DAY, NOW)]
    server = PageServer(created)
    ask_ahead(server, START, START + 2 * DAY)  # Stripe's time then: the last window is to come
    got = flat(listed(server, spans, Concurrency()))
    assert got == flat(listed(PageServer(created), spans, SEQUENTIAL))
    assert got == ["obj_00000", spans[0], "obj_00001", spans[1], "obj_00002", spans[2]]
    assert [q["created"] for q in server.queries[1:]] == [{"gte": START + 2 * DAY, "lt": NOW}]
