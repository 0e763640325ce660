"""The family scan: a parent list read once, over `created` windows, for the parent stream and
all its child streams (embedded-first child lists). The requests themselves are ``listing``'s."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import wait
from typing import Any, NamedTuple

from tap_stripe.api import PAGE_SIZE, StripeApi
from tap_stripe.channels import Checkpoint, Item, PassCancelledError
from tap_stripe.errors import StripeAccessError
from tap_stripe.includable import expanded
from tap_stripe.listing import (
    POLL_SECONDS,
    Listing,
    WindowEnd,
    WindowLister,
    created_since,
    creation,
    interleaved,
    ordered,
)
from tap_stripe.pages import Obj, objects_of
from tap_stripe.passes import SharedPass
from tap_stripe.pool import Workers
from tap_stripe.registry import StreamDef, children_of
from tap_stripe.stamps import Stamper

LOGGER = logging.getLogger("tap-stripe.fetch")


def family_children(parent: StreamDef, starts: Mapping[str, int]) -> list[StreamDef]:
    """The child streams of ``parent`` read by a family scan whose members start at
    ``starts``."""
    return [c for c in children_of(parent.name) if c.name in starts]


def list_params(parent: StreamDef, starts: Mapping[str, int]) -> dict[str, Any]:
    """The parameters of ``parent``'s list read for the family members of ``starts``: the
    registry's, and ``expand`` for the includable fields of the parent and the embedded first
    pages of the children read."""
    params: dict[str, Any] = dict(parent.params)
    expand = [f"data.{name}" for name in expanded(parent.path)]
    expand += [c.parent_expand for c in family_children(parent, starts) if c.parent_expand]
    if expand:
        params["expand"] = expand
    return params


def windows(start: int, end: int, size: int) -> list[tuple[int, int]]:
    """Half-open ``[gte, lt)`` windows of ``size`` seconds covering ``[start, end)``, oldest
    first."""
    bounds = [*range(start, end, size), end]
    return [(lo, hi) for lo, hi in itertools.pairwise(bounds) if lo < hi]


class ChildList(NamedTuple):
    """One parent's children in one child stream: those at hand, and where the rest continue
    (path, parameters, cursor) when the list goes on."""

    first: list[Obj]
    rest: tuple[str, dict[str, Any], str] | None = None

    def records(self, api: StripeApi, child: StreamDef, account: str | None) -> Iterator[Obj]:
        """Every child (copies: the parent's embedded list stays untouched), then the remaining
        pages, one at a time. A parent gone meanwhile (404, or ``resource_missing`` for the
        parent a filter names) has no more children to read."""
        yield from (o.copy() for o in self.first)
        if self.rest is not None:
            path, params, cursor = self.rest
            try:
                for page in api.list_pages(path, params, account, starting_after=cursor,
                                           raw=True):
                    yield from _kept(child, page)
            except StripeAccessError as exc:
                if exc.gone:
                    return
                if exc.status != 400:
                    raise
                refused(child, params.get(child.parent_filter or "") or path, exc)


def refused(child: StreamDef, parent_id: str, exc: StripeAccessError) -> None:
    """A child list Stripe refused (400) for one parent: a warning, and the run goes on
    without those children."""
    LOGGER.warning("Skipped the %s of %s: Stripe refused the list: %s", child.name, parent_id,
                   exc)


def needs_request(child: StreamDef, parent: Obj) -> bool:
    """Whether ``parent``'s ``child`` list needs the child endpoint (not complete embedded)."""
    embedded = parent.get(child.embedded) if child.embedded else None
    return not isinstance(embedded, dict) or bool(embedded.get("has_more"))


def embedded_list(child: StreamDef, parent: Obj) -> ChildList | None:
    """``parent``'s ``child`` list when ``parent`` embeds all of it; None when it needs the
    child endpoint."""
    embedded = parent.get(child.embedded) if child.embedded else None
    if not isinstance(embedded, dict) or embedded.get("has_more"):
        return None
    # the first page of the child endpoint
    return ChildList(_kept(child, objects_of(embedded, child.path.format(parent_id=parent["id"]))))


def child_list(api: StripeApi, child: StreamDef, parent: Obj, account: str | None) -> ChildList:
    """The embedded first page of ``parent``'s children and, when there are more, the first
    page of the child endpoint (a filtered child list is re-read from its start)."""
    whole = embedded_list(child, parent)
    if whole is not None:
        return whole
    embedded = parent.get(child.embedded) if child.embedded else None
    got: list[Obj] = []
    query: dict[str, Any] = {"limit": PAGE_SIZE, **child.params, **child.query_of(parent)}
    path = child.path.format(parent_id=parent["id"])
    if isinstance(embedded, dict):
        items = objects_of(embedded, path)  # the first page of the child endpoint
        if not child.object_filter and items:
            got = list(items)
            query["starting_after"] = items[-1]["id"]
    try:
        page = api.get(path, query, account, raw=True)
    except StripeAccessError as exc:
        if exc.status != 400:
            raise
        refused(child, parent["id"], exc)
        return ChildList(got)
    data = objects_of(page, path)
    got += _kept(child, data)
    if not data or not page.get("has_more"):
        return ChildList(got)
    params = {k: v for k, v in query.items() if k not in ("limit", "starting_after")}
    return ChildList(got, (path, params, data[-1]["id"]))


def remaining(child: StreamDef, parent: Obj, after: str) -> tuple[str, dict[str, Any], str]:
    """Where ``parent``'s ``child`` list continues after the child ``after`` (the ``rest`` of a
    ``ChildList``)."""
    params: dict[str, Any] = {**child.params, **child.query_of(parent)}
    return child.path.format(parent_id=parent["id"]), params, after


def _kept(sdef: StreamDef, objs: list[Obj]) -> list[Obj]:
    """The objects of ``objs`` that are ``sdef``'s (``objs`` itself when it filters none)."""
    if not sdef.object_filter:
        return objs
    return [o for o in objs if o.get("object") in sdef.object_names]


class FamilyScan(SharedPass):
    """One pass over a parent stream's windows that serves the parent and its selected children,
    so the parent list is requested once per run however many of the family are selected.

    Pages of the parent list come from a ``WindowLister``; the child lists of parents whose
    embedded list is incomplete are fetched on workers, ahead of the parent being emitted.
    """

    def __init__(self, api: StripeApi, parent: StreamDef, starts: dict[str, int], end: int,
                 slice_seconds: int, stamp: Stamper, account: str | None = None, *,
                 scheduler: Workers, only: str | None = None, cut_first: bool = False,
                 hidden: Callable[[], list[dict[str, str]]] | None = None) -> None:
        super().__init__(list(starts), scheduler)
        self.api = api
        self.parent = parent
        self.starts = starts
        self.end = end
        self.slice_seconds = slice_seconds
        self.stamp = stamp
        self.account = account
        self.only = only  # read this one parent by id instead of listing them all
        self.cut_first = cut_first  # the plain list's windows cut before its first answer
        # parameter sets (beyond the registry's) that list what a plain list hides
        self.hidden = hidden
        self.children = family_children(parent, starts)

    def produce(self) -> Iterator[tuple[str, list[Item]]]:
        """Every member's records and checkpoints, window by window: a page of parents at a
        time when no child stream is read, else parent by parent (its children first)."""
        parent = self.parent
        start = min(self.starts.values())
        params = list_params(parent, self.starts)
        entries: Iterable[list[Obj] | WindowEnd]
        if self.only is not None:
            entries = (unit if isinstance(unit, WindowEnd) else [unit]
                       for unit in self._one(params, start))
        else:
            # The look-ahead budget counts the objects that become records: a list embedded
            # in a record (an expansion, the list of a child stream not read) stays part of
            # that record's bytes, and is not counted object by object.
            nested = tuple(c.embedded for c in self.children if c.embedded)
            extra = [*parent.variants, *self._hidden_variants()]
            listers = [WindowLister(
                self.api,
                Listing(parent.path, {**params, **variant}, parent.created_filter,
                        self.account, nested, sparse=bool(variant), raw=True),
                self._grid(), submit=self.pool.submit, pace=self.pace, budget=self.budget,
                stop=self.stop, cut_first=self.cut_first and not variant)
                for variant in [{}, *extra]]
            entries = interleaved(listers)
        read = done = 0  # parents listed, windows finished: the summary at the end
        for member, items in (self._families(entries) if self.children
                              else self._parents(entries)):
            if member:
                yield member, items
                continue
            end = items[0]
            if isinstance(end, WindowEnd):  # a window ended
                done += 1
                LOGGER.debug("Read %s created in [%d, %d)", parent.name, end.gte, end.lt)
                for name, member_start in self.starts.items():
                    if end.lt > member_start:
                        yield name, [Checkpoint(end.lt)]
            else:  # parents listed
                read += len(items)
        LOGGER.info("Listed %d %s created in [%d, %d) in %d window(s)%s.", read, parent.name,
                    start, self.end, done, f" on {self.account}" if self.account else "")

    def _parents(self, entries: Iterable[list[Obj] | WindowEnd],
                 ) -> Iterator[tuple[str, list[Any]]]:
        """The parent stream alone: each page's records (those created from its start), then
        ("", the page) to count it; ("", [window end]) at each window's end."""
        parent, stamp = self.parent, self.stamp
        parent_start = self.starts[parent.name]
        for entry in entries:
            if isinstance(entry, WindowEnd):
                yield "", [entry]
                continue
            records = stamp.all(parent, [unit for unit in entry
                                         if created_since(unit, parent_start)], None, own=True)
            if records:
                yield parent.name, records
            yield "", entry

    def _families(self, entries: Iterable[list[Obj] | WindowEnd],
                  ) -> Iterator[tuple[str, list[Any]]]:
        """Parent by parent, its children's records in each child stream, then its own record
        (when created from its start), gathered over up to a page of parents (each member's
        records in order) and given with ("", those parents) to count them; ("", [window end])
        at each window's end. The child lists to read are read ahead on workers; the records
        read before a failure still go out."""
        parent, stamp, api, account = self.parent, self.stamp, self.api, self.account
        parent_start = self.starts.get(parent.name)
        stripped = [c.embedded for c in self.children if c.parent_expand and c.embedded]
        kids_of: dict[str, list[Obj]] = {c.name: [] for c in self.children}
        parents: list[Obj] = []  # the parent stream's records, stamped when they go out
        listed: list[Obj] = []
        try:
            for (unit, created, _), kids in ordered(
                    self.pool.submit, self._child_lists, self._planned(entries),
                    ahead=self.concurrency.objects_ahead, remote=_remote, stop=self.stop):
                if isinstance(unit, WindowEnd):
                    yield from self._gathered(kids_of, parents, listed)
                    yield "", [unit]
                    continue
                for child, kid_list in kids:
                    records: list[Obj] = []  # the list's copies, or pages read now
                    try:
                        records.extend(kid_list.records(api, child, account))
                    finally:  # those read before a failure still go out
                        stamp.into(kids_of[child.name], child, records, unit)
                listed.append(unit)
                if parent_start is not None and (created is None or created >= parent_start):
                    for name in stripped:
                        unit.pop(name, None)
                    parents.append(unit)
                if len(listed) >= PAGE_SIZE:
                    yield from self._gathered(kids_of, parents, listed)
        except GeneratorExit:
            raise
        except BaseException:
            yield from self._gathered(kids_of, parents, listed)
            raise
        yield from self._gathered(kids_of, parents, listed)

    def _gathered(self, kids_of: dict[str, list[Obj]], parents: list[Obj], listed: list[Obj],
                  ) -> Iterator[tuple[str, list[Any]]]:
        """The records gathered by ``_families`` (each child stream's, then the parents',
        stamped), then ("", the parents listed); the lists emptied for the next ones."""
        for name, records in kids_of.items():
            if records:
                yield name, records[:]
                records.clear()
        if parents:
            yield self.parent.name, self.stamp.all(self.parent, parents, None, own=True)
            parents.clear()
        if listed:
            yield "", listed[:]
            listed.clear()

    def _planned(self, entries: Iterable[list[Obj] | WindowEnd],
                 ) -> Iterator[tuple[Obj | WindowEnd, int | None, list[_Wanted]]]:
        """Each parent listed with its creation time (``creation``) and, for each child stream
        that takes its children, the stream and its list when the parent embeds all of it
        (else None: read on a worker, see ``_child_lists``); each window's end with none."""
        children = [(c, self.starts[c.name]) for c in self.children]
        for entry in entries:
            if isinstance(entry, WindowEnd):
                yield entry, None, []
                continue
            for unit in entry:
                created = creation(unit)
                yield unit, created, [
                    (c, embedded_list(c, unit)) for c, start in children
                    if (created is None or created >= start) and c.takes_parent(unit)]

    def _grid(self) -> list[tuple[int, int]]:
        """The `created` windows of the listing (one over the whole range when the list
        takes no ``created`` filter)."""
        start = min(self.starts.values())
        size = self.slice_seconds if self.parent.created_filter else max(self.end - start, 1)
        return windows(start, self.end, size)

    def window_ends(self, name: str) -> list[int]:
        """Ends of the windows after which member ``name`` gets a checkpoint."""
        return [] if self.only is not None else [
            lt for _, lt in self._grid() if lt > self.starts[name]]

    def _hidden_variants(self) -> list[dict[str, str]]:
        """The run's extra parameter sets for this list (test clocks), asked on a worker like
        every request of the pass, so that it waits its turn behind earlier passes'."""
        if self.hidden is None:
            return []
        future = self.pool.submit(self.hidden)
        while not wait([future], timeout=POLL_SECONDS).done:
            if self.stop.is_set():
                raise PassCancelledError
        return future.result()

    def _one(self, params: dict[str, Any], start: int) -> Iterator[Obj | WindowEnd]:
        """The parent ``only`` (if it still exists and was created in the range), then the
        end of the range. Its list expansions apply to the object itself (no ``data.``)."""
        one = {k: v for k, v in params.items() if k != "expand"}
        if params.get("expand"):
            one["expand"] = [path.removeprefix("data.") for path in params["expand"]]
        try:
            obj = self.api.get(f"{self.parent.path}/{self.only}", one, self.account)
        except StripeAccessError as exc:
            if exc.status != 404:
                raise
        else:
            if created_since(obj, start, self.end) and not obj.get("deleted"):
                yield obj
        yield WindowEnd(start, self.end)

    def _child_lists(self, entry: tuple[Obj | WindowEnd, int | None, list[_Wanted]],
                     ) -> list[tuple[StreamDef, ChildList]]:
        """The child lists of a parent of ``_planned``: those it embeds whole, the others
        read."""
        unit, _, wanted = entry
        if isinstance(unit, WindowEnd):
            return []
        return [(c, kids if kids is not None else child_list(self.api, c, unit, self.account))
                for c, kids in wanted]


# A child stream whose children a parent has, with its list when the parent embeds all of it.
_Wanted = tuple[StreamDef, ChildList | None]


def _remote(entry: tuple[Obj | WindowEnd, int | None, list[_Wanted]]) -> bool:
    """Whether a parent of ``_planned`` has a child list to read from Stripe."""
    return any(kids is None for _, kids in entry[2])
