"""The fetch engine: `created` windows, pagination, embedded-first child lists, and the family
scan that reads a parent list once for the parent stream and all its child streams."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from typing import Any

from tap_stripe.api import StripeApi
from tap_stripe.registry import StreamDef, children_of
from tap_stripe.spool import Checkpoint, Item, SharedPass

LOGGER = logging.getLogger("tap-stripe.fetch")


Stamp = Callable[[StreamDef, dict[str, Any], dict[str, Any] | None], dict[str, Any]]


def windows(start: int, end: int, size: int) -> list[tuple[int, int]]:
    """Half-open ``[gte, lt)`` windows of ``size`` seconds covering ``[start, end)``, oldest
    first."""
    bounds = [*range(start, end, size), end]
    return [(lo, hi) for lo, hi in itertools.pairwise(bounds) if lo < hi]


def list_window(api: StripeApi, sdef: StreamDef, gte: int, lt: int, account: str | None,
                expand: list[str]) -> Iterator[dict[str, Any]]:
    """Objects of a top-level list created in ``[gte, lt)``, newest first."""
    params: dict[str, Any] = dict(sdef.params)
    if expand:
        params["expand"] = expand
    if sdef.created_filter:
        params["created"] = {"gte": gte, "lt": lt}
        for page in api.list_pages(sdef.path, params, account):
            yield from page
        return
    for page in api.list_pages(sdef.path, params, account):
        for obj in page:
            created = obj.get(sdef.created_field, 0)
            if created < gte:
                return
            if created < lt:
                yield obj


def child_objects(api: StripeApi, child: StreamDef, parent: dict[str, Any],
                  account: str | None) -> Iterator[dict[str, Any]]:
    """Every child of ``parent``: the embedded first page, then the child endpoint if needed."""
    embedded = parent.get(child.embedded) if child.embedded else None
    starting_after = None
    if isinstance(embedded, dict):
        items = embedded.get("data") or []
        if not embedded.get("has_more"):
            yield from (o for o in items if _wanted(child, o))
            return
        if not child.object_filter and items:
            # Continue after the embedded page; a filtered child list is re-read from its start.
            yield from items
            starting_after = items[-1]["id"]
    path = child.path.format(parent_id=parent["id"])
    params = dict(child.params)
    if child.parent_filter:
        params[child.parent_filter] = parent["id"]
    for page in api.list_pages(path, params, account, starting_after=starting_after):
        yield from (o for o in page if _wanted(child, o))


def _wanted(sdef: StreamDef, obj: dict[str, Any]) -> bool:
    return not sdef.object_filter or obj.get("object") in sdef.object_names


class FamilyScan(SharedPass):
    """One pass over a parent stream's windows that serves the parent and its selected children,
    so the parent list is requested once per run however many of the family are selected."""

    def __init__(self, api: StripeApi, parent: StreamDef, starts: dict[str, int], end: int,
                 slice_seconds: int, stamp: Stamp, account: str | None = None) -> None:
        self.api = api
        self.parent = parent
        self.starts = starts
        self.end = end
        self.slice_seconds = slice_seconds
        self.stamp = stamp
        self.account = account
        self.children = [c for c in children_of(parent.name) if c.name in starts]
        super().__init__(list(starts))

    def produce(self) -> Iterator[tuple[str, Item]]:
        """Every member's records and checkpoints, window by window."""
        start = min(self.starts.values())
        expand = [c.parent_expand for c in self.children if c.parent_expand]
        parent_selected = self.parent.name in self.starts
        size = self.slice_seconds if self.parent.created_filter else max(self.end - start, 1)
        for gte, lt in windows(start, self.end, size):
            LOGGER.info("Reading %s created in [%d, %d)", self.parent.name, gte, lt)
            for obj in list_window(self.api, self.parent, gte, lt, self.account, expand):
                created = obj.get(self.parent.created_field, 0)
                for child in self.children:
                    if created >= self.starts[child.name]:
                        for rec in child_objects(self.api, child, obj, self.account):
                            yield child.name, self.stamp(child, rec, obj)
                if parent_selected and created >= self.starts[self.parent.name]:
                    for child in self.children:
                        if child.parent_expand and child.embedded:
                            obj.pop(child.embedded, None)
                    yield self.parent.name, self.stamp(self.parent, obj, None)
            for member, member_start in self.starts.items():
                if lt > member_start:
                    yield member, Checkpoint(lt)
