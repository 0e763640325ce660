"""First pages asked ahead (``ahead``, ``listing.fit_ahead``): which ranges a list's first page,
asked with no upper bound at a known time, answers, and a listing taking it instead of asking."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections import Counter
from concurrent.futures import Future
from typing import Any

from tap_stripe.ahead import AheadPage, AskedAhead, cut, key_of
from tap_stripe.limiter import RateLimiter, global_rate_for_key
from tap_stripe.listing import Listing, WindowEnd, WindowLister, fit_ahead
from tap_stripe.permissions import FirstPage
from tap_stripe.plan import plan_stream
from tap_stripe.pool import SEQUENTIAL, Budget, Concurrency, Pace, Pool
from tap_stripe.registry import BY_NAME
from tap_stripe.settings import Settings
from tap_stripe.sync import first_pages
from tests.unit.test_concurrency import (
    DAY,
    NOW,
    START,
    NoLimits,
    PageServer,
    flat,
    listed,
)

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


# -- a list asked in parts in the first round trip -------------------------------------------------


def test_a_part_answers_the_ranges_within_it_up_to_its_bound() -> None:
    # [100, 160) asked when Stripe's clock read 300: every object of the part is in the page
    ahead = AheadPage(100, page([150, 120], more=False), date=300, lt=160)
    assert ids(fit(ahead, 100, 160)) == (["obj_150", "obj_120"], False)
    assert ids(fit(ahead, 130, 160)) == (["obj_150"], False)
    assert ids(fit(ahead, 100, 130)) == (["obj_120"], False)
    # a range reaching past the part's bound: objects from 160 on were not asked
    assert fit(ahead, 100, 200) is None
    assert fit(ahead, 90, 160) is None  # nor from before its start
    # a reader that passes on nothing from 160 on may take it for a longer range
    assert ids(fit(ahead, 100, 200, until=160)) == (["obj_150", "obj_120"], False)


def test_a_part_bounded_after_stripes_time_answers_up_to_that_time() -> None:
    # asked for [100, 160) at 140: objects created in [140, 160) may come after the page
    ahead = AheadPage(100, page([130], more=False), date=140, lt=160)
    assert fit(ahead, 100, 160) is None
    assert ids(fit(ahead, 100, 140)) == (["obj_130"], False)


def test_a_part_with_more_answers_the_ranges_it_reaches_into() -> None:
    ahead = AheadPage(100, page([159, 140, 130], more=True), date=300, lt=160)
    assert ids(fit(ahead, 100, 160)) == (["obj_159", "obj_140", "obj_130"], True)
    assert ids(fit(ahead, 135, 160)) == (["obj_159", "obj_140"], False)
    assert fit(ahead, 100, 130) is None  # older than the page's last object
    # objects from its own bound on: not a page Stripe sends for the part
    assert fit(AheadPage(100, page([160, 150], more=False), 300, lt=160), 100, 160) is None


def test_windows_are_cut_by_their_share_of_the_range() -> None:
    # 740 days from the start date in windows of 365 days, in 19 parts: the first window's 365
    # days hold 365 * 19 / 740 = 9.37 of them (9 parts of 40.6 days), the first two 18.74 (19,
    # so 10 parts of 36.5 days in the second), the last 10 days none: one all the same
    days = [(0, 365 * DAY), (365 * DAY, 730 * DAY), (730 * DAY, 740 * DAY)]
    parts = cut(days, 19)
    assert [(lt - gte) // DAY for gte, lt in parts] == [40] * 9 + [36] * 10 + [10]
    assert parts[0][0] == 0 and parts[-1][1] == 740 * DAY
    assert all(a[1] == b[0] for a, b in itertools.pairwise(parts))  # no gap, no overlap
    # 1,071 days (three windows) in 11 parts: 3.75 (4), 7.50 (7: 3 more), 11 (4 more)
    days = [(0, 365 * DAY), (365 * DAY, 730 * DAY), (730 * DAY, 1071 * DAY)]
    counts = Counter(next(i for i, (g, lt) in enumerate(days) if g <= a < lt)
                     for a, _ in cut(days, 11))
    assert counts == {0: 4, 1: 3, 2: 4}


def test_the_store_keeps_every_part_and_gives_each_once() -> None:
    store = AskedAhead()
    key = key_of(PATH, None, {}, True)
    store.keep(key, AheadPage(160, page([190], more=False), 300))
    store.keep(key, AheadPage(100, page([150], more=False), 300, lt=160))
    assert store.bounds(key) == [100, 160]
    assert ids(store.take(key, lambda a: fit(a, 100, 160))) == (["obj_150"], False)
    assert store.take(key, lambda a: fit(a, 100, 160)) is None  # a part's page: taken
    assert ids(store.take(key, lambda a: fit(a, 160, 200))) == (["obj_190"], False)
    assert ids(store.take(key, lambda a: fit(a, 170, 200))) == (["obj_190"], False)  # whole


def ask_in_parts(server: PageServer, parts: list[tuple[int, int | None]], date: int) -> None:
    """What the permission probe does for a list cut before its first answer: each part's
    first page (the newest with no upper bound), kept."""
    for gte, lt in parts:
        created = {"gte": gte} if lt is None else {"gte": gte, "lt": lt}
        answer = server.get(PATH, {"limit": 100, "created": created}, None)
        server.ahead.keep(key_of(PATH, None, {}, False), AheadPage(gte, answer, date, lt))


def cut_listed(server: PageServer, spans: list[tuple[int, int]],
               ) -> list[list[str] | tuple[int, int]]:
    """What a listing read from the start date and cut before its first answer yields."""
    pool = Pool(Concurrency().workers)
    lister = WindowLister(server, Listing(PATH, {}), spans,  # type: ignore[arg-type]
                          submit=pool.submit, pace=Pace(NoLimits(), Concurrency().workers),
                          budget=Budget(10**6), stop=threading.Event(), cut_first=True)
    try:
        return [(e.gte, e.lt) if isinstance(e, WindowEnd) else [o["id"] for o in e]
                for e in lister]
    finally:
        pool.close()


SPANS = [(START, START + 2 * DAY), (START + 2 * DAY, NOW)]
# parts newest first, as the probe asks them: the first window in two, the second in three
PARTS: list[tuple[int, int | None]] = [
    (START + 3 * DAY, None), (START + 2 * DAY + DAY // 2, START + 3 * DAY),
    (START + 2 * DAY, START + 2 * DAY + DAY // 2), (START + DAY, START + 2 * DAY),
    (START, START + DAY)]


def test_a_listing_cut_along_the_parts_asked_takes_their_pages() -> None:
    # 1,000 objects, one every 5 minutes: two or three pages a part
    created = [START + 300 * i for i in range(1000)]
    server = PageServer(created)
    ask_in_parts(server, PARTS, NOW)
    got = flat(cut_listed(server, SPANS))
    assert got == flat(listed(PageServer(created), SPANS, SEQUENTIAL))
    listing = server.queries[len(PARTS):]
    parts = [(gte, NOW if lt is None else lt) for gte, lt in PARTS]
    # no part's first page asked again: each part goes on after its page (or is split)
    firsts = [q for q in listing if "starting_after" not in q]
    assert listing and not [q for q in firsts if (q["created"]["gte"], q["created"]["lt"])
                            in parts]
    # [START + DAY, START + 2 * DAY) holds objects 288 to 575: its page asked ahead ends at
    # 476, and the part goes on after it; [START + 2.5 * DAY, START + 3 * DAY): 720 to 863, 764
    assert {q["created"]["lt"] for q in listing if q.get("starting_after") in (
        "obj_00476", "obj_00764")} == {START + 2 * DAY, START + 3 * DAY}
    # none across a part's bound
    assert all(any(gte <= q["created"]["gte"] < q["created"]["lt"] <= lt for gte, lt in parts)
               for q in listing)


def test_a_small_list_asked_in_parts_costs_its_parts_alone() -> None:
    created = [START + 10, START + DAY + 10, START + 2 * DAY + 10, START + 3 * DAY + 10]
    server = PageServer(created)
    ask_in_parts(server, PARTS, NOW)
    got = flat(cut_listed(server, SPANS))
    assert got == ["obj_00001", "obj_00000", SPANS[0], "obj_00003", "obj_00002", SPANS[1]]
    assert len(server.queries) == len(PARTS)


def first_round(names: list[str], key: str) -> dict[str, FirstPage]:
    """The first pages a first sync of ``names`` from 740 days back asks (three windows of
    the default ``slice_range``, 365 days), with ``key``'s rates."""
    now = dt.datetime.now(dt.timezone.utc)
    start = (now - dt.timedelta(days=740)).strftime("%Y-%m-%dT%H:%M:%SZ")
    settings = Settings.from_config({"client_secret": key, "start_date": start}, now)
    plans = {name: plan_stream(BY_NAME[name], False, {}, settings, int(now.timestamp()))
             for name in names}
    pace = Pace(RateLimiter(global_rate_for_key(key)), Concurrency().workers)
    return first_pages(plans, settings, pace, int(now.timestamp()))


FIVE = ["balance_transactions", "charges", "customers", "invoices", "payment_intents"]


def test_the_first_round_trip_asks_each_list_in_the_parts_it_leaves_idle() -> None:
    # live: 100 requests/s less /v1/events, /v1/account and the five probes leave 93, 18 more
    # a list: 19 parts each (at most the endpoint's 25), the newest with no upper bound
    pages = first_round(FIVE, "sk_live_" + "x" * 24)
    for name in FIVE:
        page = pages[BY_NAME[name].path]
        assert len(page.parts) == 19
        assert page.parts[0][1] is None and page.parts[-1][0] == page.gte
        assert all(older[1] == newer[0] for newer, older in itertools.pairwise(page.parts))
    # test mode, 25 requests/s for the account: 18 left, 3 more a list: at most 4 parts. Cut
    # in 4 the windows take 2, 2 and one for the last 10 days all the same (5); cut in 3,
    # 1, 2 and 1: 4
    test_mode = first_round(FIVE, "sk_test_" + "x" * 24)
    assert {len(test_mode[BY_NAME[n].path].parts) for n in FIVE} == {4}
    # customers alone: 97 left, at most the endpoint's 25
    assert len(first_round(["customers"], "sk_live_" + "x" * 24)["/v1/customers"].parts) == 25


def test_the_default_streams_leave_too_little_to_ask_in_parts() -> None:
    # the 51 streams selected by default list 36 parents (34 with a created filter): 100 less
    # the 38 requests of the first round trip leave 62, fewer than two more a list
    names = [s.name for s in BY_NAME.values() if s.selected_by_default]
    pages = first_round(names, "sk_live_" + "x" * 24)
    assert len(names) == 51 and len(pages) == 34
    assert not [path for path, page in pages.items() if page.parts]


def test_a_listing_takes_the_parts_as_they_come_and_asks_what_did_not() -> None:
    # the probe's page (the newest part) in hand, the older parts still being asked when the
    # listing starts; one of them comes with no page (refused, say)
    created = [START + 300 * i for i in range(1000)]
    server = PageServer(created)
    ask_in_parts(server, PARTS[:1], NOW)
    asked: dict[tuple[int, int | None], Future[None]] = {}
    for part in PARTS[1:]:
        asked[part] = Future()
        server.ahead.expect(key_of(PATH, None, {}, False), part[0], asked[part])
    refused = PARTS[2]

    def answer() -> None:
        time.sleep(0.05)
        for part, future in asked.items():
            if part != refused:
                ask_in_parts(server, [part], NOW)
            future.set_result(None)

    threading.Thread(target=answer).start()
    got = flat(cut_listed(server, SPANS))
    assert got == flat(listed(PageServer(created), SPANS, SEQUENTIAL))
    # each part's first page asked once: by the probe, or by the listing for the one that
    # came with none
    firsts = Counter((q["created"]["gte"], q["created"].get("lt")) for q in server.queries
                     if "starting_after" not in q)
    assert all(firsts[part] == 1 for part in PARTS)
    assert server.queries.index({"limit": 100, "created": {"gte": refused[0],
                                                           "lt": refused[1]}}) >= len(PARTS) - 1
