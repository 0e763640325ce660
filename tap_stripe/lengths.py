"""How long each listing of a run is expected to take, from the first page its permission
probe asked ahead (see ``ahead``): the run writes the longest listings last and starts them
first (see ``plan.RunPlan.longest_last``), so that what other lists fetched meanwhile is
written while the longest is still fetching, not after its last request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_stripe.api import PAGE_SIZE
from tap_stripe.listing import created_of
from tap_stripe.pages import objects_of

if TYPE_CHECKING:
    from tap_stripe.ahead import AheadPage


def listing_requests(ahead: AheadPage | None, path: str, start: int | None = None) -> float:
    """Requests the listing of ``path`` from ``start`` (the page's own start when None) is
    expected to make, from its newest page asked ahead: none without one (nothing to go by),
    else the pages of its range at the page's density (its objects over the seconds of
    ``created`` it covers, up to when Stripe answered: from its last object when it says more,
    else from its own start), one at least, as ``listing.WindowLister`` estimates the requests
    it has left. (A list asked in parts has its newest part's page here, whose start is that
    part's, not the list's.)"""
    if ahead is None:
        return 0.0
    data = objects_of(ahead.page, path)
    if not data:
        return 1.0
    begin = ahead.gte if start is None else start
    more = ahead.page.get("has_more")
    covered = max(1, ahead.date - (created_of(data[-1]) if more else ahead.gte))
    span = max(covered, ahead.date - begin)
    return max(1.0, len(data) * span / covered / PAGE_SIZE)


def listing_seconds(requests: float, rate: float) -> int:
    """Whole seconds ``requests`` take at ``rate`` requests a second: rounded, so that
    listings a few requests apart tie (a second is 25 requests at Stripe's limit per
    endpoint)."""
    return round(requests / rate)
