"""The few fields the tap adds to Stripe's objects, all declared in the schemas."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from tap_stripe.pages import Obj
from tap_stripe.raw import RawRecord
from tap_stripe.registry import BY_NAME, StreamDef


def mark_change(record: Obj, when: int, deleted: bool) -> Obj:
    """Set ``updated`` (unless Stripe's own, as on products) and ``is_deleted``."""
    if isinstance(record, RawRecord):
        record.mark_change(when, deleted)
    else:
        record.setdefault("updated", when)
        record["is_deleted"] = deleted
    return record


class _Plan(NamedTuple):
    """What stamping one stream's records takes, worked out once per stream."""

    by_events: bool  # kept current by events: ``updated`` and ``is_deleted``
    parent: StreamDef | None  # the parent stream, whose deleted parents make deleted children
    id_field: str | None  # ``StreamDef.parent_id_field``
    key: str | None  # the replication key to set when absent (None: ``mark_change`` sets it)


def _plan(sdef: StreamDef) -> _Plan:
    by_events = sdef.cursor == "updated"
    key: str | None = sdef.replication_key
    if by_events and key == "updated":  # ``mark_change`` has set it
        key = None
    return _Plan(by_events, BY_NAME.get(sdef.parent or ""), sdef.parent_id_field, key or None)


class Stamper:
    """Adds ``updated``/``is_deleted`` and parent ids to records read from list endpoints.

    ``updated`` of a listed object is the time the run started: the object was read after that
    moment, so it reflects every change made before it. Objects that carry Stripe's own
    ``updated`` (products) keep it: it is the exact time of their last change. Records are
    copies: a child taken from its parent's embedded list leaves the parent untouched.
    """

    def __init__(self, updated: int) -> None:
        self.updated = updated
        self._plans: dict[str, _Plan] = {}

    def __call__(self, sdef: StreamDef, record: Obj, parent: Obj | None) -> Obj:
        """A copy of ``record`` with the added fields of stream ``sdef``."""
        return self.all(sdef, [record], parent)[0]

    def all(self, sdef: StreamDef, records: Iterable[Obj], parent: Obj | None, *,
            own: bool = False) -> list[Obj]:
        """``records`` of stream ``sdef`` (all of ``parent``, when given) with its added
        fields: copies, or the records themselves when they are the caller's own (``own``:
        nothing else holds them)."""
        stamped: list[Obj] = []
        self.into(stamped, sdef, records if own else [r.copy() for r in records], parent)
        return stamped

    def into(self, out: list[Obj], sdef: StreamDef, records: Iterable[Obj],
             parent: Obj | None) -> None:
        """Add the added fields of stream ``sdef`` to ``records`` (the caller's own, all of
        ``parent`` when given) and append them to ``out``. What depends on the stream and the
        parent alone is worked out once for all of them."""
        plan = self._plans.get(sdef.name)
        if plan is None:
            plan = self._plans[sdef.name] = _plan(sdef)
        by_events, parent_def, id_field, key = plan
        updated = self.updated
        parent_gone = (by_events and parent is not None and parent_def is not None
                       and parent_def.shows_deleted(parent))
        parent_id = parent["id"] if id_field and parent is not None else None
        if parent is None:
            id_field = None
        for record in records:
            if by_events:
                mark_change(record, updated, parent_gone or sdef.shows_deleted(record))
            if id_field:
                record[id_field] = parent_id
            if key and key not in record:
                record[key] = updated
            out.append(record)
