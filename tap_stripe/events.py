"""The Events hub: one pass over /v1/events per run, fanned out to every event-driven stream.

Stripe lists events newest first and keeps them 30 days. The hub reads bounded windows, keeps
the newest event per object, replays each window oldest first, and hands every object to the
stream of its type and to the child streams derived from it (invoice -> its lines...). Objects
whose event payload was rendered in another API version are re-read by id so that records from
lists and from events have one shape.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import stripe

from tap_stripe.api import StripeApi
from tap_stripe.errors import StripeAccessError
from tap_stripe.fetch import child_objects, windows
from tap_stripe.registry import STREAMS, StreamDef, children_of
from tap_stripe.spool import Checkpoint, Item, SharedPass

LOGGER = logging.getLogger("tap-stripe.events")
EVENT_WINDOW = 86400
REFETCH_WORKERS = 8
PAYLOAD_MODES = ("auto", "payload", "refetch")


def _routes() -> dict[str, list[StreamDef]]:
    """Event type -> the streams whose objects it carries."""
    table: dict[str, list[StreamDef]] = {}
    for sdef in STREAMS:
        for etype in (*sdef.update_events, *sdef.delete_events):
            table.setdefault(etype, []).append(sdef)
    return table


ROUTES = _routes()


@dataclass
class _Change:
    """The newest event of one object in a window."""

    sdef: StreamDef
    event: dict[str, Any]
    obj: dict[str, Any]

    @property
    def created(self) -> int:
        return int(self.event["created"])

    @property
    def deleted(self) -> bool:
        return self.event["type"] in self.sdef.delete_events


class EventsHub(SharedPass):
    """Reads events from the oldest member bookmark to ``end`` and fans them out."""

    def __init__(self, api: StripeApi, starts: dict[str, int], end: int, mode: str,
                 account: str | None = None) -> None:
        super().__init__(list(starts))
        self.api = api
        self.starts = starts
        self.end = end
        self.mode = mode
        self.account = account

    def produce(self) -> Iterator[tuple[str, Item]]:
        """Each member's records, oldest change first, and a checkpoint after every window."""
        if not self.starts:
            return
        for gte, lt in windows(min(self.starts.values()), self.end, EVENT_WINDOW):
            changes = self._newest_changes(gte, lt)
            self._refetch(changes)
            LOGGER.info("Events in [%d, %d): %d changed objects", gte, lt, len(changes))
            for change in changes:
                yield from self._fan_out(change)
            for member, start in self.starts.items():
                if lt > start:
                    yield member, Checkpoint(lt)

    def _newest_changes(self, gte: int, lt: int) -> list[_Change]:
        """The newest event per (stream, object) in ``[gte, lt)``, oldest first."""
        newest: dict[tuple[str, str], _Change] = {}
        params = {"created": {"gte": gte, "lt": lt}}
        for page in self.api.list_pages("/v1/events", params, self.account):
            for event in page:  # newest first: the first event seen for an object wins
                obj = (event.get("data") or {}).get("object") or {}
                for sdef in ROUTES.get(event.get("type", ""), ()):
                    if sdef.object_filter and obj.get("object") not in sdef.object_names:
                        continue
                    newest.setdefault((sdef.name, obj.get("id", "")), _Change(sdef, event, obj))
        return sorted(newest.values(), key=lambda c: c.created)

    def _needs_refetch(self, change: _Change) -> bool:
        if change.deleted or change.sdef.retrieve_path is None or self.mode == "payload":
            return False
        return self.mode == "refetch" or change.event.get("api_version") != stripe.api_version

    def _refetch(self, changes: list[_Change]) -> None:
        """Re-read by id the objects whose payload has another shape, a few at a time."""
        todo = [c for c in changes if self._needs_refetch(c)]
        if not todo:
            return
        with ThreadPoolExecutor(REFETCH_WORKERS) as pool:
            for change, fresh in zip(todo, pool.map(self._retrieve, todo), strict=True):
                if fresh is not None:
                    change.obj = fresh

    def _retrieve(self, change: _Change) -> dict[str, Any] | None:
        sdef, obj = change.sdef, change.obj
        parent_id = obj.get(sdef.parent_field) if sdef.parent_field else None
        path = str(sdef.retrieve_path).format(id=obj.get("id"), parent_id=parent_id)
        try:
            fresh = self.api.get(path, None, self.account)
        except StripeAccessError as exc:
            if exc.status == 404:
                return None
            raise
        return None if fresh.get("deleted") else fresh

    def _fan_out(self, change: _Change) -> Iterator[tuple[str, Item]]:
        sdef, when = change.sdef, change.created
        if when >= self.starts.get(sdef.name, self.end):
            record = dict(change.obj)
            if sdef.parent_id_field:
                parent_id = record.get(sdef.parent_field or "") or (
                    change.event["data"].get("previous_attributes") or {}).get(
                    sdef.parent_field or "")
                if parent_id:
                    record[sdef.parent_id_field] = parent_id
            yield sdef.name, _stamped(sdef, record, when, change.deleted)
        for child in children_of(sdef.name):
            if when < self.starts.get(child.name, self.end):
                continue
            for rec in self._children(child, change):
                rec[str(child.parent_id_field)] = change.obj["id"]
                if child.replication_key:
                    rec[child.replication_key] = when
                yield child.name, _stamped(child, rec, when, change.deleted)

    def _children(self, child: StreamDef, change: _Change) -> Iterator[dict[str, Any]]:
        if not change.deleted:
            yield from child_objects(self.api, child, change.obj, self.account)
            return
        embedded = change.obj.get(child.embedded or "")
        if isinstance(embedded, dict):  # a deleted parent's own list is gone: flag what it held
            yield from (o for o in embedded.get("data") or []
                        if not child.object_filter or o.get("object") in child.object_names)


def _stamped(sdef: StreamDef, record: dict[str, Any], when: int,
             deleted: bool) -> dict[str, Any]:
    record.setdefault("updated", when)  # products carry Stripe's own `updated`
    record["is_deleted"] = deleted
    return record

