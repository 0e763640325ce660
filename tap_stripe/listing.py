"""Concurrent fetching that keeps Stripe's order: a list endpoint read over `created` windows
in sub-windows split on the fly, and an ordered map for the requests made per object.

Both hand results back in exactly the order a one-request-at-a-time reader would, so records
and checkpoints come out the same; only the waiting overlaps.
"""

from __future__ import annotations

import functools
import itertools
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from tap_stripe.ahead import AheadPage, cut, key_of
from tap_stripe.api import PAGE_SIZE, StripeApi, endpoint_of
from tap_stripe.channels import PassCancelledError
from tap_stripe.pages import Cursors, Obj, objects_of
from tap_stripe.pool import Budget, Flight, Pace
from tap_stripe.raw import nested_items

T = TypeVar("T")
R = TypeVar("R")
# A sub-window that looks like it holds at least SPLIT_PAGES more pages is cut in parts of at
# most about PART_PAGES: the sub-windows read next stay short, so none holds the others back
# long (a longer one holds its followers' pages in memory while it pages on alone), and a
# small listing is not cut at all (each part costs a request for its last, partial page).
SPLIT_PAGES = 4
PART_PAGES = 2
POLL_SECONDS = 0.2
# In a long listing's last seconds (what it expects to ask still fits in LAST_ROUNDS rounds of
# the requests the pace wants in flight on its endpoint, and it has read more than that), a
# sub-window about to be asked is first cut in parts expected to hold at most LAST_FILL of a
# page each: each is then answered by one request, and the parts go out together rather than
# one page a round trip after another, so the endpoint's last seconds stay busy instead of
# waiting on a few sub-windows' last pages.
LAST_ROUNDS = 2.0
LAST_FILL = 0.8
# A listing the pace or the budget holds back looks again this often for a free place.
RECHECK_SECONDS = 0.05
# The next window's first request goes out when the previous window has answered, or when its
# first request has waited this long (empty windows then cost no round trip each).
SPECULATE_SECONDS = 0.02
# A range of this many windows or more is first asked in one request (see WindowLister).
WHOLE_RANGE_WINDOWS = 4


def created_of(obj: Obj) -> int:
    """When ``obj`` was created: ``created``, or ``date`` for the few objects (invoice items)
    that carry their creation time under that name."""
    return int(obj.get("created") or obj.get("date") or 0)


def creation(obj: Obj) -> int | None:
    """``created_of(obj)``; None when ``obj`` has no creation time (payment links, terminal
    locations...: their list takes no ``created`` filter), which puts it in every range."""
    created = obj.get("created")
    if created:
        return int(created)
    date = obj.get("date")
    if created is None and date is None:
        return None
    return int(date or 0)


def created_since(obj: Obj, start: int, end: int | None = None) -> bool:
    """Whether ``obj`` was created in ``[start, end)`` (objects without a creation time are in
    every range, see ``creation``)."""
    created = creation(obj)
    return created is None or (start <= created and (end is None or created < end))


class Submit(Protocol):
    """Runs a call on a worker thread (``Pool.submit``)."""

    def __call__(self, fn: Callable[..., T], /, *args: Any) -> Future[T]: ...


@dataclass(frozen=True)
class WindowEnd:
    """Marks the end of the window ``[gte, lt)`` in a listing."""

    gte: int
    lt: int


@dataclass
class _Segment:
    """A sub-window being listed: ``[gte, lt)``, continued after ``cursor``."""

    window: WindowEnd
    gte: int
    lt: int
    cursor: str | None = None
    requested: bool = False
    in_flight: bool = False
    tried_ahead: bool = False  # looked for its first page among the pages asked ahead
    held: bool = False  # an older window asked with the others in one request (``_hold``)
    done: bool = False
    error: BaseException | None = None
    flight: Flight | None = None
    reserved: int = 0  # objects counted in the budget for the page asked for
    seen: int = 0
    newest: int = 0
    reached: int | None = None  # the oldest `created` read so far
    cursors: Cursors | None = None
    pages: deque[tuple[int, list[Obj]]] = field(default_factory=deque)  # (weight, page)


@dataclass(frozen=True)
class Listing:
    """What to list: a path, its fixed parameters, whether it filters on ``created``, the
    fields of its objects that embed a list of children (counted in the look-ahead budget),
    whether it is expected to hold few objects (``sparse``: the whole range is asked first
    however few windows it has), whether its objects are kept as Stripe's bytes (``raw``:
    they become records as they are; events are read in full), and from when on its reader
    passes nothing on (``settled``: the events hub's newest window reaches past the run's end
    only to count the events it holds back; None: the windows' end)."""

    path: str
    params: Mapping[str, Any]
    created_filter: bool = True
    account: str | None = None
    nested: tuple[str, ...] = ()
    sparse: bool = False
    raw: bool = False
    settled: int | None = None


class WindowLister:
    """The pages of one listing over consecutive windows: within a window newest first, each
    window's pages followed by its ``WindowEnd``, windows oldest first.

    A sub-window whose page says ``has_more`` and whose remaining span looks like it holds
    ``SPLIT_PAGES`` pages or more (judged from how many objects the span read so far held) is
    cut in equal parts of what remains, of at most about ``PART_PAGES`` pages each and at most
    as many as the pace wants in flight on the endpoint, so the endpoint has enough sub-windows
    to keep that many in flight whatever the windows' size: the newest part continues after the
    cursor, the older ones wait their turn. In a long listing's last seconds a sub-window
    about to be asked is cut again, in parts of less than a page each (see ``LAST_ROUNDS``), so
    that the last requests go out together. The sub-windows are fetched in the order they are
    read, several at once. The next window's first page is requested once the previous window
    has answered, or its first request has waited ``SPECULATE_SECONDS``. A range of
    ``WHOLE_RANGE_WINDOWS`` windows or more (two or more when the listing is ``sparse``) is
    first asked in one request: when that page holds everything, the windows are cut from it (a
    small account's first sync from an early start date costs one request, not one per year);
    when it does not, the windows newer than its last object get all of theirs from it, that
    object's window takes its part as its first page, and the older windows are asked in one
    request again, by the same rule (see ``_spread``), while the newer windows are fetched. A
    request goes out while the run's ``pace`` allows one more in flight on the endpoint and,
    unless it is for one of the sub-windows read next (as many as the pace wants in flight),
    while the run's ``budget`` of buffered objects (pages asked for counted as full) is not
    spent; the oldest sub-window may always fetch, so the listing never stalls. Endpoints
    without a ``created`` filter are read in one pass, newest first, until objects older than
    the window start.

    With ``cut_first`` (a listing known to hold objects, read from the start date) over fewer
    than ``WHOLE_RANGE_WINDOWS`` windows, nothing waits for a first answer: the range is cut
    at once in as many parts as the pace wants in flight on the endpoint (each window in parts
    by its share of the range, one at least, so an empty part costs one request), all of them
    asked together, each split further once its first page tells the density. A listing whose
    first pages the run's first round trip asked in parts (see ``ahead``) is cut along exactly
    those parts, and takes their pages instead of asking. (A longer range
    is asked whole first, as above: a small account's stays one request.)
    """

    def __init__(self, api: StripeApi, listing: Listing, windows: list[tuple[int, int]], *,
                 submit: Submit, pace: Pace, budget: Budget, stop: threading.Event,
                 cut_first: bool = False) -> None:
        self.api = api
        self.listing = listing
        self.endpoint = endpoint_of(listing.path)
        self.submit = submit
        self.pace = pace
        self.budget = budget
        self.stop = stop
        self._segments = [_Segment(WindowEnd(gte, lt), gte, lt) for gte, lt in windows]
        # answers by sub-window (None: its first page asked ahead came, see ``_came``)
        self._answers: queue.SimpleQueue[tuple[_Segment, Future[Obj] | None]] = (
            queue.SimpleQueue())
        self._page_weight = PAGE_SIZE  # budget units of a full page, as the last page weighed
        self._opened: dict[WindowEnd, float] = {}  # when each window's first request went out
        self._heard: set[WindowEnd] = set()  # windows that answered at least once
        self._wake: float | None = None  # when the next window may go out speculatively
        self._range: _Segment | None = None  # the held windows' range (see ``_hold``)
        self._alone = 0  # older windows asked alone next to the held ones (see ``_spread``)
        self._objects = 0  # objects read, over
        self._covered = 0  # ... this many seconds of `created` read through
        shape = (listing.created_filter and pace.most >= 2 and not listing.sparse
                 and 0 < len(windows) < WHOLE_RANGE_WINDOWS)
        self._bounds = self._asked_bounds(windows[0][0]) if shape else []
        self._cut_first = shape and (cut_first or bool(self._bounds))

    def __iter__(self) -> Iterator[list[Obj] | WindowEnd]:
        """Pages and window ends in order (see the class docstring)."""
        try:
            yield from self._pages()
        finally:
            self.pace.work(self, self.endpoint, 0)

    def _pages(self) -> Iterator[list[Obj] | WindowEnd]:
        segments = self._segments
        at_least = 2 if self.listing.sparse else WHOLE_RANGE_WINDOWS
        if self._cut_first:
            self._cut_ahead()
            segments = self._segments
        elif len(segments) >= at_least and self.listing.created_filter:
            # One request over the whole range first: when one page holds all of it (a small
            # or quiet account), each window's objects are taken from it, in the same order
            # and with the same window ends, and the empty windows cost no request.
            whole = (self._ahead(segments[0].gte, segments[-1].lt)
                     or self._fetch(segments[0].gte, segments[-1].lt, None))
            if not whole.get("has_more"):
                data = objects_of(whole, self.listing.path)
                for seg in segments:
                    kept = [o for o in data if created_since(o, seg.gte, seg.lt)]
                    if kept:
                        yield kept
                    yield seg.window
                return
            self._hold(segments)
            self._spread(whole)
        self._pump()
        while segments:
            self._collect(wait=False)
            head = segments[0]
            if head.pages:
                weight, page = head.pages.popleft()
                self.budget.give(weight)
                yield page
            elif head.error is not None:
                raise head.error
            elif head.done:
                segments.pop(0)
                if not segments or segments[0].window is not head.window:
                    yield head.window
            else:
                self._collect(wait=True)
            self._pump()

    def _hold(self, held: list[_Segment]) -> None:
        """Ask the windows ``held`` (the oldest ones, none known yet) in one request, over
        the range from the first's start to the last's end (``_pump`` sends it)."""
        for seg in held:
            seg.held = True
        self._range = _Segment(held[0].window, held[0].gte, held[-1].lt)

    def _ranged(self, rng: _Segment, future: Future[Obj]) -> None:
        """Take in the answer of the held windows' request (see ``_spread``); a failure is
        raised in order, at the oldest of them."""
        self._land(rng, future)
        try:
            page = future.result()
        except BaseException as exc:
            self._range = None
            next(seg for seg in self._segments if seg.held).error = exc
            return
        self._spread(page)

    def _spread(self, page: Obj) -> None:
        """Cut the first page of the held windows' range into theirs (see ``_hold``).

        Newest first, it holds every object of the range created from its last one on (all
        of the range when it says no more): each window newer than that object's gets all of
        its objects from it, the window of that object gets its own first page (its part of
        the page, which says more: it goes on after that object), and the older windows are
        held again, asked in one request. As the held requests keep finding windows with
        objects, the newest of the older windows are asked alone beside them, one more each
        time than twice the time before (0, 1, 3, 7...): windows with objects then open that
        many at a time, not one a round trip, while an empty window asked alone costs its
        request. A page that says more after nothing, or after objects newer than the range
        (not pages Stripe sends), leaves each window to be asked alone."""
        self._range = None
        held = [seg for seg in self._segments if seg.held]
        data = objects_of(page, self.listing.path)
        more = bool(page.get("has_more"))
        last = created_of(data[-1]) if data and more else None
        for seg in held:
            seg.held = False
        older = [seg for seg in held if last is not None and seg.lt <= last]
        if more and (not data or len(older) == len(held)):
            return
        held_too = max(0, len(older) - self._alone)
        if held_too:
            self._hold(older[:held_too])
        self._alone = 2 * self._alone + 1
        for seg in held[len(older):]:
            kept = [o for o in data if seg.gte <= created_of(o) < seg.lt]
            self._opened.setdefault(seg.window, time.monotonic())
            seg.requested = True
            self._arrive(seg, _in_hand({**page, "data": kept,
                                        "has_more": last is not None and seg.gte <= last}))

    def _cut_ahead(self) -> None:
        """Cut every window in parts, newest first: along the parts the listing's first pages
        were asked in ahead (see ``ahead``), else in as many in all as the pace wants in
        flight on the endpoint, each window's by its share of the range (one at least)."""
        windows = [(seg.gte, seg.lt) for seg in self._segments]
        if self._bounds:
            parts = [part for gte, lt in windows for part in itertools.pairwise(
                [gte, *(b for b in self._bounds if gte < b < lt), lt])]
        else:
            parts = cut(windows, self.pace.targets(self.endpoint)[0])
        self._segments = [_Segment(seg.window, gte, lt) for seg in self._segments
                          for gte, lt in reversed(parts) if seg.gte <= gte < seg.lt]

    def _asked_bounds(self, start: int) -> list[int]:
        """The bounds of the parts this listing's first pages were asked in ahead, when they
        were asked in parts from ``start`` on (else none)."""
        listing = self.listing
        bounds = self.api.ahead.bounds(
            key_of(listing.path, listing.account, listing.params, listing.raw))
        return bounds if len(bounds) >= 2 and bounds[0] == start else []

    def _ahead(self, gte: int, lt: int) -> dict[str, Any] | None:
        """The first page of ``[gte, lt)`` out of the page the permission probe asked ahead
        for this listing, when it holds it (see ``fit_ahead``)."""
        listing = self.listing
        if not listing.created_filter:
            return None
        until = lt if listing.settled is None else min(lt, listing.settled)
        return self.api.ahead.take(
            key_of(listing.path, listing.account, listing.params, listing.raw),
            functools.partial(fit_ahead, path=listing.path, gte=gte, lt=lt, until=until))

    def _coming(self, gte: int) -> Future[Any] | None:
        """The request of the first page of the part from ``gte`` on, asked ahead for this
        listing by the run's first round trip (see ``ahead``), if any."""
        listing = self.listing
        if not listing.created_filter:
            return None
        return self.api.ahead.coming(
            key_of(listing.path, listing.account, listing.params, listing.raw), gte)

    def _came(self, seg: _Segment, _: Future[Any]) -> None:
        self._answers.put((seg, None))

    def _fetch(self, gte: int, lt: int, cursor: str | None) -> Obj:
        listing = self.listing
        query: dict[str, Any] = {"limit": PAGE_SIZE, **listing.params}
        if listing.created_filter:
            query["created"] = {"gte": gte, "lt": lt}
        if cursor:
            query["starting_after"] = cursor
        return self.api.get(listing.path, query, listing.account, raw=listing.raw)

    def _pump(self) -> None:
        """Request the next page of every sub-window that may fetch, oldest first."""
        segments = self._segments
        self._wake = None
        self.pace.work(self, self.endpoint, self._requests_left())
        # The sub-windows read next, as many as the pace wants in flight, fetch whatever the
        # budget says: their pages are handed on next, which is what frees the budget.
        next_up, _ = self.pace.targets(self.endpoint)
        rng = self._range
        if rng is not None and not rng.in_flight:
            # the oldest windows: may always fetch, like the oldest sub-window
            next_up -= 1
            for seg in segments:
                if seg.held:
                    self._opened.setdefault(seg.window, time.monotonic())
            self._send(rng)
        for index, seg in enumerate(segments):
            if seg.error is not None:
                return
            if seg.done or seg.held:
                continue
            next_up -= 1
            if seg.in_flight:
                continue
            if (index and not seg.requested and seg.window not in self._opened
                    and not self._cut_first):
                before = segments[index - 1].window
                opened = self._opened.get(before)
                if opened is None:
                    return
                if before not in self._heard:
                    ready = opened + SPECULATE_SECONDS
                    if time.monotonic() < ready:
                        self._wake = ready
                        return
            ahead = coming = None
            if not (seg.requested or seg.tried_ahead):
                seg.tried_ahead = True
                ahead = self._ahead(seg.gte, seg.lt)
                coming = None if ahead is not None else self._coming(seg.gte)
            if ahead is not None or coming is not None:  # its first page is in hand or
                self._opened.setdefault(seg.window, time.monotonic())  # asked: no request
                seg.requested = seg.in_flight = True
                if ahead is not None:
                    self._answers.put((seg, _in_hand(ahead)))
                elif coming is not None:
                    coming.add_done_callback(functools.partial(self._came, seg))
                continue
            if index and not ((next_up >= 0 or self.budget.available)
                              and self.pace.allows(self.endpoint)):
                self._wake = time.monotonic() + RECHECK_SECONDS
                return
            self._opened.setdefault(seg.window, time.monotonic())
            self._cut_last(seg)
            self._send(seg)

    def _send(self, seg: _Segment) -> None:
        """Request ``seg``'s next page through the pace, a full page counted in the budget."""
        seg.flight, future = self.pace.send(self.submit, self.endpoint, self._fetch,
                                            seg.gte, seg.lt, seg.cursor)
        seg.requested = seg.in_flight = True
        seg.reserved = self._page_weight
        self.budget.take(seg.reserved)
        future.add_done_callback(functools.partial(self._answered, seg))

    def _land(self, seg: _Segment, future: Future[Obj]) -> None:
        """``seg``'s request answered: its budget given back, the pace told."""
        seg.in_flight = False
        self.budget.give(seg.reserved)
        seg.reserved = 0
        if seg.flight is not None:
            self.pace.land(seg.flight,
                           observed=not future.cancelled() and future.exception() is None)

    def _requests_left(self) -> float:
        """Requests this listing expects to make still: each unfinished sub-window's pages
        at the density read so far (one each before any answer, at least one each)."""
        density = self._objects / self._covered if self._covered else None
        left = 0.0
        for seg in self._segments:
            if seg.done or seg.error is not None:
                continue
            span = (seg.lt if seg.reached is None else seg.reached) - seg.gte
            left += 1.0 if density is None else max(1.0, density * span / PAGE_SIZE)
        return left

    def _answered(self, seg: _Segment, future: Future[Obj]) -> None:
        self._answers.put((seg, future))

    def _collect(self, *, wait: bool) -> None:
        """Take in the answers that arrived; if ``wait``, wait for one (or until a window may
        go out speculatively)."""
        while True:
            timeout = POLL_SECONDS
            if self._wake is not None:
                timeout = max(0.0, min(timeout, self._wake - time.monotonic()))
            try:
                seg, future = self._answers.get(timeout=timeout) if wait else (
                    self._answers.get_nowait())
            except queue.Empty:
                if self.stop.is_set():
                    raise PassCancelledError from None
                if wait and (self._wake is None or time.monotonic() < self._wake):
                    continue
                return
            wait = False
            if seg is self._range and future is not None:
                self._ranged(seg, future)
            else:
                self._arrive(seg, future)

    def _arrive(self, seg: _Segment, future: Future[Obj] | None) -> None:
        if future is None:  # the first page asked ahead came: taken, or asked again
            ahead = self._ahead(seg.gte, seg.lt)
            if ahead is None:  # refused, or not of use: the listing's own request answers
                seg.requested = seg.in_flight = False
                return
            future = _in_hand(ahead)
        self._land(seg, future)
        try:
            page = future.result()
            data = objects_of(page, self.listing.path)
            if data and page.get("has_more"):
                if seg.cursors is None:
                    seg.cursors = Cursors(self.listing.path)
                seg.cursors.follow(data[-1]["id"])
        except BaseException as exc:  # raised in order, when the listing reaches this page
            seg.error = exc
            return
        self._heard.add(seg.window)
        kept = data
        before_start = False
        if not self.listing.created_filter:
            kept = [o for o in data if created_since(o, seg.gte, seg.lt)]
            before_start = bool(data) and not created_since(data[-1], seg.gte)
        if kept:
            weight = _weight(kept, self.listing.nested)
            seg.pages.append((weight, kept))
            self.budget.take(weight)
            self._page_weight = max(1, round(weight * PAGE_SIZE / len(kept)))
        if self.listing.created_filter:
            top = seg.lt if seg.reached is None else seg.reached
            bottom = created_of(data[-1]) if data and page.get("has_more") else seg.gte
            self._objects += len(data)
            self._covered += max(0, top - bottom)
            seg.reached = bottom
        if not data or not page.get("has_more") or before_start:
            seg.done = True
            return
        if not seg.seen:
            seg.newest = created_of(data[0])
        seg.seen += len(data)
        seg.cursor = data[-1]["id"]
        if self.listing.created_filter:
            self._maybe_split(seg, created_of(data[-1]))

    def _maybe_split(self, seg: _Segment, oldest: int) -> None:
        """Cut what remains of ``seg`` (created in ``[gte, oldest]``) in equal parts of at most
        about ``PART_PAGES`` pages if it holds ``SPLIT_PAGES`` or more, at most as many as the
        pace wants in flight on the endpoint; and, while the unfinished sub-windows are fewer
        than that (the listing's end, each read page after page), in parts of about a page
        into the places they leave idle."""
        span = oldest - seg.gte
        if self.pace.most < 2 or span < 2:  # one request at a time gains nothing by it
            return
        expected = seg.seen * span / max(1, seg.newest - oldest + 1)
        wanted, _ = self.pace.targets(self.endpoint)
        idle = wanted - sum(1 for s in self._segments if not s.done)
        parts = 1
        if expected >= SPLIT_PAGES * PAGE_SIZE:
            parts = min(int(expected // (PART_PAGES * PAGE_SIZE)) + 1, wanted)
        if idle > 0:
            parts = max(parts, min(int(expected // PAGE_SIZE) + 1, idle + 1))
        self._cut(seg, oldest, parts)

    def _cut_last(self, seg: _Segment) -> None:
        """In the last seconds of a long listing (see ``LAST_ROUNDS``: one that has read at
        least as many pages as they hold; a small one is not cut for them), cut ``seg``, about
        to be asked, in parts expected to hold at most ``LAST_FILL`` of a page each, at the density
        the listing read so far: what remains of it when it has a cursor (created up to the
        oldest object read), all of it otherwise. Its newest part stays ``seg``."""
        if not self.listing.created_filter or self.pace.most < 2 or not self._covered:
            return
        wanted, _ = self.pace.targets(self.endpoint)
        rounds = LAST_ROUNDS * wanted
        if self._objects < rounds * PAGE_SIZE or self._requests_left() > rounds:
            return
        top = seg.lt if seg.reached is None else seg.reached
        expected = self._objects * (top - seg.gte) / self._covered
        self._cut(seg, top, math.ceil(expected / (LAST_FILL * PAGE_SIZE)))

    def _cut(self, seg: _Segment, top: int, parts: int) -> None:
        """Cut ``[seg.gte, top)`` in ``parts`` equal parts (at most one a second): ``seg``
        keeps the newest (and anything from ``top`` on), the older ones follow it."""
        span = top - seg.gte
        parts = min(parts, span)
        if parts < 2:
            return
        cuts = [seg.gte + span * i // parts for i in range(parts)]
        seg.gte = cuts[-1]
        at = self._segments.index(seg) + 1
        self._segments[at:at] = [_Segment(seg.window, cuts[i - 1], cuts[i])
                                 for i in range(parts - 1, 0, -1)]


def _in_hand(page: Obj) -> Future[Obj]:
    """The answer of a request not made: ``page``, already at hand."""
    done: Future[Obj] = Future()
    done.set_result(page)
    return done


def fit_ahead(ahead: AheadPage, *, path: str, gte: int, lt: int,
              until: int) -> dict[str, Any] | None:
    """The first page of ``[gte, lt)`` out of a page asked ahead for ``[ahead.gte, ahead.lt)``
    (no upper bound when ``ahead.lt`` is None) when Stripe's clock read ``ahead.date``; None
    when it is not that page.

    Newest first, such a page holds every object created in its part before ``ahead.date``
    from its last object on (from ``ahead.gte`` on when it says no more): all of them before
    ``top``, the earlier of ``ahead.lt`` and ``ahead.date``. It holds all that the range's
    reader passes on (objects created in ``[gte, until)``) when ``ahead.gte <= gte`` and
    ``until <= top``. Filtered to the range, it is then the range's first page if it reaches
    into the range: all of the range when its last object is older than ``gte`` (or it has no
    more), else the range goes on after its last object. A page holding objects outside its
    own part is not one Stripe sends: it is left for the listing to ask (and judge) itself.
    """
    top = ahead.date if ahead.lt is None else min(ahead.lt, ahead.date)
    if until > top or gte < ahead.gte:
        return None
    page = ahead.page
    data = objects_of(page, path)
    if data and (created_of(data[-1]) < ahead.gte
                 or (ahead.lt is not None and created_of(data[0]) >= ahead.lt)):
        return None
    more = bool(page.get("has_more"))
    if more and not data:  # more after nothing: where would it go on?
        return None
    last = created_of(data[-1]) if more else None
    if last is not None and last >= lt:
        return None
    kept = [o for o in data if gte <= created_of(o) < lt]
    return {**page, "data": kept, "has_more": last is not None and last >= gte}


def interleaved(listings: Iterable[Iterable[list[Obj] | WindowEnd]],
                ) -> Iterator[list[Obj] | WindowEnd]:
    """Several listings over the same windows as one: each window's pages of every listing in
    turn, then that window's end once."""
    entries = [iter(listing) for listing in listings]
    while True:
        end: WindowEnd | None = None
        for listing in entries:
            end = None
            for entry in listing:
                if isinstance(entry, WindowEnd):
                    end = entry
                    break
                yield entry
        if end is None:
            return
        yield end


def _weight(page: list[Obj], nested: tuple[str, ...]) -> int:
    """Objects in ``page``, the children of its ``nested`` lists included."""
    return len(page) + nested_items(page, nested) if nested else len(page)


def ordered(submit: Submit, fn: Callable[[T], R], items: Iterable[T], *, ahead: int,
            remote: Callable[[T], bool], stop: threading.Event) -> Iterator[tuple[T, R]]:
    """``(item, fn(item))`` in the order of ``items``; calls for which ``remote(item)`` holds
    run on workers, up to ``ahead`` items beyond the one being handed out, others inline."""
    pending: deque[tuple[T, Future[R] | None, R | None]] = deque()
    source = iter(items)
    while True:
        try:
            item = next(source)
        except StopIteration:
            break
        except BaseException:  # what came before the failure still comes out first
            while pending:
                yield _settle(pending.popleft(), stop)
            raise
        if remote(item):
            pending.append((item, submit(fn, item), None))
        else:
            pending.append((item, None, fn(item)))
        while pending and (len(pending) > ahead or _ready(pending[0][1])):
            yield _settle(pending.popleft(), stop)
    while pending:
        yield _settle(pending.popleft(), stop)


def _ready(future: Future[Any] | None) -> bool:
    return future is None or future.done()


def _settle(entry: tuple[T, Future[R] | None, R | None],
            stop: threading.Event) -> tuple[T, R]:
    item, future, value = entry
    if future is None:
        return item, value  # type: ignore[return-value]
    while not wait([future], timeout=POLL_SECONDS).done:
        if stop.is_set():
            raise PassCancelledError
    return item, future.result()
