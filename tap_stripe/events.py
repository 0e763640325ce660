"""The Events hub: one pass over /v1/events per run, fanned out to every event-driven stream.

Stripe lists events newest first and keeps them 30 days. The hub reads bounded windows, keeps
the newest event per object, replays each window oldest first, and hands every object to the
stream of its type and to the child streams derived from it (invoice -> its lines...). Objects
whose event payload was rendered in another API version are re-read by id so that records from
lists and from events have one shape.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import stripe

from tap_stripe.api import StripeApi
from tap_stripe.channels import Checkpoint, Item
from tap_stripe.errors import StripeAccessError, StripeResponseError
from tap_stripe.families import ChildList, child_list, needs_request, remaining, windows
from tap_stripe.includable import expanded
from tap_stripe.listing import Listing, WindowEnd, WindowLister, ordered
from tap_stripe.pages import Obj, objects_of
from tap_stripe.passes import SharedPass
from tap_stripe.pool import Workers
from tap_stripe.registry import BY_NAME, STREAMS, StreamDef, children_of
from tap_stripe.stamps import mark_change

LOGGER = logging.getLogger("tap-stripe.events")
EVENT_WINDOW = 86400
PAYLOAD_MODES = ("auto", "payload", "refetch")


def _routes() -> dict[str, list[StreamDef]]:
    """Event type -> the streams whose objects it carries."""
    table: dict[str, list[StreamDef]] = {}
    for sdef in STREAMS:
        for etype in (*sdef.update_events, *sdef.delete_events):
            table.setdefault(etype, []).append(sdef)
    return table


ROUTES = _routes()


def _iso(seconds: int) -> str:
    """``seconds`` as an ISO 8601 UTC time, for log lines."""
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Change:
    """The newest event of one object in a window."""

    sdef: StreamDef
    event: Obj
    obj: dict[str, Any]
    embedder: bool = False  # a parent re-read because a child in its embedded list changed

    @property
    def created(self) -> int:
        return int(self.event["created"])

    @property
    def deleted(self) -> bool:
        return self.event["type"] in self.sdef.delete_events


class EventsHub(SharedPass):
    """Reads events from the oldest member bookmark to ``end`` and fans them out.

    Event pages come from a ``WindowLister`` (windows fetched ahead, busy ones split); the
    re-reads and child lists of each window's changes run on workers, ahead of the change
    being emitted.
    """

    def __init__(self, api: StripeApi, starts: dict[str, int], end: int, mode: str,
                 account: str | None = None, *, scheduler: Workers,
                 changes_from: dict[str, int] | None = None,
                 skip_refused: bool = False, lag: int = 0) -> None:
        super().__init__(list(starts), scheduler)
        self.api = api
        # ``on_permission_error=skip``: a re-read or child list the key may not read (403) does
        # not end the run. The stream's records then come from their events' payloads (a
        # parent re-read for a changed child, and a child list, are left out), with one warning
        # per stream; that stream's objects are not asked for again this run.
        self.skip_refused = skip_refused
        self.refused: dict[str, str] = {}  # stream -> the permission it lacks, or why
        self._refused_lock = threading.Lock()
        self.starts = starts
        # Before a member's ``changes_from`` only deletes are passed on: the member was just
        # re-read from its list, which holds every other change already.
        self.changes_from = changes_from or {}
        self.end = end
        # ``event_lag_seconds``: events from ``end`` on wait for the next run. The newest window
        # is asked up to the run's start, so the events it holds back are counted from pages
        # it reads anyway (and logged), never passed on.
        self.lag = lag
        self.held: list[int] = []  # ``created`` of each event held back
        self.mode = mode
        self.account = account

    def produce(self) -> Iterator[tuple[str, list[Item]]]:
        """Each member's records, oldest change first, and a checkpoint after every window."""
        if not self.starts:
            return
        limits = self.concurrency
        first = min(self.starts.values())
        spans = windows(first, self.end, EVENT_WINDOW)
        tail = self.end + self.lag + 1  # the run's start, included
        if self.lag > 0 and first < tail:  # the newest window (or one of its own) goes on
            spans = [*spans[:-1], (spans[-1][0] if spans else first, tail)]
        lister = WindowLister(
            self.api, Listing("/v1/events", {}, account=self.account, settled=self.end),
            spans, submit=self.pool.submit, pace=self.pace, budget=self.budget, stop=self.stop)
        changes = 0
        for unit, kids in ordered(self.pool.submit, self._resolve, self._changes(lister),
                                  ahead=limits.objects_ahead, remote=self._remote,
                                  stop=self.stop):
            if isinstance(unit, WindowEnd):
                lt = min(unit.lt, self.end)
                for member, start in self.starts.items():
                    if lt > max(start, self.changes_from.get(member, 0)):
                        yield member, [Checkpoint(lt)]
            else:
                changes += 1
                yield from self._fan_out(unit, kids)
        if first < self.end:
            LOGGER.info("Read events created in [%d, %d)%s: %d changed object(s).", first,
                        self.end, f" on {self.account}" if self.account else "", changes)
        self._log_held()

    def _log_held(self) -> None:
        """One line when events younger than the lag were left for the next run."""
        if not self.held:
            return
        LOGGER.info("Held back %d event(s) created %s to %s%s, younger than event_lag_seconds "
                    "(%d): their changes are read by a run from %s on.", len(self.held),
                    _iso(self.end), _iso(max(self.held)),
                    f" on {self.account}" if self.account else "", self.lag,
                    _iso(max(self.held) + self.lag + 1))

    def _changes(self, lister: WindowLister) -> Iterator[_Change | WindowEnd]:
        """Each window's newest change per (stream, object), oldest first, then its end."""
        newest: dict[tuple[str, str], _Change] = {}
        for entry in lister:
            if isinstance(entry, WindowEnd):
                LOGGER.debug("Events in [%d, %d): %d changed objects", entry.gte,
                             min(entry.lt, self.end), len(newest))
                yield from sorted(newest.values(), key=lambda c: c.created)
                yield entry
                newest = {}
                continue
            for event in entry:  # newest first: the first event seen for an object wins
                if int(event.get("created", 0)) >= self.end:
                    self.held.append(int(event["created"]))
                    continue
                obj: dict[str, Any] = (event.get("data") or {}).get("object") or {}
                routes = ROUTES.get(event.get("type", ""), ())
                if routes and not (isinstance(obj, dict) and isinstance(obj.get("id"), str)):
                    # Event.data.object: "Object containing the API resource relevant to the
                    # event" (stripe-python ``Event.Data.object``); every resource has an id.
                    msg = (f"GET /v1/events answered a malformed list page: event "
                           f"{event['id']} ({event.get('type')}) carries no object with an "
                           "\"id\". Check that api_base is Stripe's API.")
                    raise StripeResponseError(msg)
                for sdef in routes:
                    if sdef.object_filter and obj.get("object") not in sdef.object_names:
                        continue
                    newest.setdefault((sdef.name, obj.get("id", "")), _Change(sdef, event, obj))
                    parent = self._embedder(sdef, obj, event)
                    if parent is not None:
                        newest.setdefault((parent.sdef.name, parent.obj["id"]), parent)

    def _embedder(self, sdef: StreamDef, obj: dict[str, Any],
                  event: Obj) -> _Change | None:
        """When a child that its parent's record embeds changed (an account's external account,
        an application fee's refund), that record holds a stale list: a change that re-reads
        the parent. Lists embedded only on request (``parent_expand``) are not in records."""
        parent = BY_NAME.get(sdef.parent or "")
        parent_id = obj.get(sdef.parent_field or "")
        if (parent is None or not sdef.embedded or sdef.parent_expand
                or not isinstance(parent_id, str)
                or parent.name not in self.starts or parent.retrieve_path is None):
            return None
        return _Change(parent, {"created": event["created"], "type": "", "data": {}},
                       {"id": parent_id}, embedder=True)

    def _needs_refetch(self, change: _Change) -> bool:
        """Whether the event's copy is replaced by the object read by id: its payload has
        another shape (another API version, or ``refetch``), or it lacks the includable fields
        the listed records carry (event payloads are never expanded). ``payload`` mode keeps
        the event's copy: those fields are then absent from the record."""
        if change.embedder:
            return True
        if (change.deleted or change.sdef.retrieve_path is None or self.mode == "payload"
                or change.sdef.name in self.refused):
            return False
        return (self.mode == "refetch" or bool(expanded(change.sdef.path))
                or change.event.get("api_version") != stripe.api_version)

    def _wanted(self, member: str, change: _Change) -> bool:
        """Whether ``member`` takes this change: from its start on, but only deletes before
        its ``changes_from``."""
        if change.created < self.starts.get(member, self.end):
            return False
        return change.created >= self.changes_from.get(member, 0) or (
            change.deleted or change.sdef.shows_deleted(change.obj))

    def _children_wanted(self, change: _Change) -> list[StreamDef]:
        return [c for c in children_of(change.sdef.name)
                if self._wanted(c.name, change) and c.name not in self.refused
                and c.takes_parent(change.obj)]

    def _remote(self, unit: _Change | WindowEnd) -> bool:
        if isinstance(unit, WindowEnd):
            return False
        return self._needs_refetch(unit) or (not unit.deleted and any(
            needs_request(c, unit.obj) for c in self._children_wanted(unit)))

    def _resolve(self, unit: _Change | WindowEnd) -> list[tuple[StreamDef, ChildList]]:
        """Re-read the object if its payload has another shape; then its child lists."""
        if isinstance(unit, WindowEnd):
            return []
        if unit.embedder and unit.sdef.name in self.refused:
            unit.obj = {}
            return []
        if self._needs_refetch(unit):
            fresh = self._retrieve(unit)
            if fresh is not None:
                unit.obj = fresh
            elif unit.embedder:  # the parent is gone: its own delete event tells
                unit.obj = {}
                return []
        return [(c, self._child_list(c, unit)) for c in self._children_wanted(unit)]

    def _header(self, sdef: StreamDef) -> str | None:
        """The Stripe-Account header that reads ``sdef``'s objects: a connected account's own
        objects under it, the Connect-only ones (the account, its persons...) on the
        platform."""
        return None if sdef.connect_only else self.account

    def _retrieve(self, change: _Change) -> dict[str, Any] | None:
        sdef, obj = change.sdef, change.obj
        parent_id = obj.get(sdef.parent_field) if sdef.parent_field else None
        path = str(sdef.retrieve_path).format(id=obj.get("id"), parent_id=parent_id)
        fields = expanded(sdef.path)
        try:
            fresh = self.api.get(path, {"expand": list(fields)} if fields else None,
                                 self._header(sdef))
        except StripeAccessError as exc:
            if exc.status == 404:
                return None
            self._refuse(sdef, exc)
            return None
        return None if fresh.get("deleted") else fresh

    def _refuse(self, sdef: StreamDef, exc: StripeAccessError) -> None:
        """A request of ``sdef``'s was refused: with ``skip_refused`` and a 403, note it (one
        warning per stream), else end the run with the error. From then on none of the
        stream's requests is made (see ``_needs_refetch``, ``_children_wanted``), whichever
        was refused first: the warning says so, the same whatever the order the requests
        answered in."""
        if not self.skip_refused or exc.status != 403:
            raise exc
        with self._refused_lock:
            if sdef.name in self.refused:
                return
            self.refused[sdef.name] = exc.permission or str(exc)
        LOGGER.warning("Stream %s: the API key may not read %s (on_permission_error=skip): "
                       "%s", sdef.name, _refused_reads(sdef), exc.permission or str(exc))

    def _child_list(self, child: StreamDef, change: _Change) -> ChildList:
        if not change.deleted:
            try:
                return child_list(self.api, child, change.obj, self._header(child))
            except StripeAccessError as exc:
                if not exc.gone:
                    self._refuse(child, exc)
                return ChildList([])  # deleted since this event: its delete event follows
        embedded = change.obj.get(child.embedded or "")
        if not isinstance(embedded, dict):
            return ChildList([])
        data = objects_of(embedded, child.path.format(parent_id=change.obj["id"]))
        held = [o for o in data
                if not child.object_filter or o.get("object") in child.object_names]
        if not embedded.get("has_more") or not data or child.object_filter:
            return ChildList(held)
        # The payload embeds the first 10 children. Stripe still lists the children of a
        # canceled subscription (it stays retrievable, its list url included); the rest come
        # from the child endpoint. A parent whose list is gone (a deleted draft invoice: 404)
        # has no more to tell: its other children carry its id, for a join.
        return ChildList(held, remaining(child, change.obj, data[-1]["id"]))

    def _fan_out(self, change: _Change,
                 kids: list[tuple[StreamDef, ChildList]]) -> Iterator[tuple[str, list[Item]]]:
        sdef, when = change.sdef, change.created
        if not change.obj:
            return
        gone = change.deleted or sdef.shows_deleted(change.obj)
        if self._wanted(sdef.name, change):
            record = dict(change.obj)
            if sdef.parent_id_field:
                parent_id = record.get(sdef.parent_field or "") or (
                    change.event["data"].get("previous_attributes") or {}).get(
                    sdef.parent_field or "")
                if parent_id:
                    record[sdef.parent_id_field] = parent_id
            yield sdef.name, [mark_change(record, when, gone)]
        for child, kid_list in kids:
            for rec in kid_list.records(self.api, child, self._header(child)):
                rec[str(child.parent_id_field)] = change.obj["id"]
                if child.replication_key:
                    rec[child.replication_key] = when
                yield child.name, [mark_change(rec, when, gone or child.shows_deleted(rec))]


def _refused_reads(sdef: StreamDef) -> str:
    """What the hub no longer asks for once a request of ``sdef``'s was refused: its objects
    by id (records then come from their events' payloads) and its lists under a changed
    parent (left out)."""
    by_id = (f"its objects by id (GET {sdef.retrieve_path})" if sdef.retrieve_path else "")
    listed = f"the {sdef.name} of a changed {sdef.parent} object" if sdef.parent else ""
    payloads = ("its records come from their events' payloads this run, as Stripe rendered "
                "them (a record re-read only for a changed embedded list is left out)")
    if by_id and listed:
        return f"{by_id} nor {listed}; {payloads}, and those lists are left out"
    if by_id:
        return f"{by_id}; {payloads}"
    return f"{listed}; they are left out this run"
