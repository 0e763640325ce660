"""The few fields the tap adds to Stripe's objects, all declared in the schemas."""

from __future__ import annotations

from collections.abc import Iterable

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


class Stamper:
    """Adds ``updated``/``is_deleted`` and parent ids to records read from list endpoints.

    ``updated`` of a listed object is the time the run started: the object was read after that
    moment, so it reflects every change made before it. Objects that carry Stripe's own
    ``updated`` (products) keep it: it is the exact time of their last change. Records are
    copies: a child taken from its parent's embedded list leaves the parent untouched.
    """

    def __init__(self, updated: int) -> None:
        self.updated = updated

    def __call__(self, sdef: StreamDef, record: Obj, parent: Obj | None) -> Obj:
        """A copy of ``record`` with the added fields of stream ``sdef``."""
        return self.all(sdef, [record], parent)[0]

    def all(self, sdef: StreamDef, records: Iterable[Obj], parent: Obj | None, *,
            own: bool = False) -> list[Obj]:
        """``records`` of stream ``sdef`` (all of ``parent``, when given) with its added
        fields: copies, or the records themselves when they are the caller's own (``own``:
        nothing else holds them). What depends on the stream and the parent alone is worked
        out once for all of them."""
        updated = self.updated
        by_events = sdef.cursor == "updated"
        parent_gone = False
        if by_events and parent is not None:
            parent_def = BY_NAME.get(sdef.parent or "")
            parent_gone = parent_def is not None and parent_def.shows_deleted(parent)
        id_field = sdef.parent_id_field if parent is not None else None
        parent_id = parent["id"] if id_field and parent is not None else None
        key: str | None = sdef.replication_key
        if by_events and key == "updated":  # ``mark_change`` has set it
            key = None
        stamped = []
        for original in records:
            record = original if own else original.copy()
            if by_events:
                mark_change(record, updated, sdef.shows_deleted(record) or parent_gone)
            if id_field:
                record[id_field] = parent_id
            if key and key not in record:
                record[key] = updated
            stamped.append(record)
        return stamped
