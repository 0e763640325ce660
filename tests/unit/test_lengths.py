"""How long a listing is expected to take (``lengths``), from its first page asked ahead:
estimates worked by hand."""

from __future__ import annotations

from typing import Any

from tap_stripe.ahead import AheadPage
from tap_stripe.lengths import listing_requests, listing_seconds

PATH = "/v1/charges"
DAY = 86_400
NOW = 1_790_000_000


def page(created: list[int], *, more: bool) -> dict[str, Any]:
    """A list page of objects created at ``created`` (newest first)."""
    return {"object": "list", "url": PATH, "has_more": more,
            "data": [{"id": f"ch_{n}", "created": c} for n, c in enumerate(created)]}


def test_a_listing_without_a_first_page_or_with_all_of_it_in_one() -> None:
    assert listing_requests(None, PATH) == 0.0  # nothing to go by
    ahead = AheadPage(NOW - 700 * DAY, page([NOW - DAY, NOW - 600 * DAY], more=False), NOW)
    assert listing_requests(ahead, PATH) == 1.0  # the page holds the whole list
    assert listing_requests(AheadPage(NOW - DAY, page([], more=False), NOW), PATH) == 1.0


def test_a_longer_listing_at_its_first_pages_density() -> None:
    # 100 objects over the last 10 days, a range of 700 days: 7,000 objects, 70 pages
    created = [NOW - 10 * DAY + DAY * n // 10 for n in range(99, -1, -1)]
    assert created[-1] == NOW - 10 * DAY
    ahead = AheadPage(NOW - 700 * DAY, page(created, more=True), NOW)
    assert listing_requests(ahead, PATH) == 70.0
    assert listing_seconds(70.0, 25.0) == 3  # 2.8 s at 25 requests a second
    # half a page's objects over the whole range, though the page says more: one request
    # at least
    short = AheadPage(created[49], page(created[:50], more=True), NOW)
    assert listing_requests(short, PATH) == 1.0


def test_a_listing_asked_in_parts_at_its_newest_parts_density() -> None:
    # The newest part [now - 10 days, no bound) holds 50 objects, all of it (no more): 5 a
    # day; the list from 700 days back then holds 3,500 objects, 35 pages.
    created = [NOW - DAY * n // 5 - 1 for n in range(50)]
    newest = AheadPage(NOW - 10 * DAY, page(created, more=False), NOW)
    assert listing_requests(newest, PATH, NOW - 700 * DAY) == 35.0
    # The newest part says more after 100 objects over its last 2 days: 50 a day, 35,000
    # objects over 700 days, 350 pages.
    created = [NOW - 2 * DAY + 2 * DAY * n // 100 for n in range(99, -1, -1)]
    busy = AheadPage(NOW - 10 * DAY, page(created, more=True), NOW)
    assert listing_requests(busy, PATH, NOW - 700 * DAY) == 350.0


def test_listings_a_few_requests_apart_tie() -> None:
    assert listing_seconds(1.0, 25.0) == 0
    assert listing_seconds(12.0, 25.0) == 0
    assert listing_seconds(20.0, 25.0) == 1
    assert listing_seconds(30.0, 25.0) == 1
    assert listing_seconds(40.0, 20.0) == 2  # /v1/files: 20 a second
