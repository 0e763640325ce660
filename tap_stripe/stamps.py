"""The few fields the tap adds to Stripe's objects, all declared in the schemas."""

from __future__ import annotations

from tap_stripe.pages import Obj
from tap_stripe.registry import BY_NAME, StreamDef


def mark_change(record: Obj, when: int, deleted: bool) -> Obj:
    """Set ``updated`` (unless Stripe's own, as on products) and ``is_deleted``."""
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
        record = record.copy()
        if sdef.cursor == "updated":
            parent_def = BY_NAME.get(sdef.parent or "")
            mark_change(record, self.updated, sdef.shows_deleted(record) or (
                parent is not None and parent_def is not None and parent_def.shows_deleted(parent)))
        if sdef.parent_id_field and parent is not None:
            record[sdef.parent_id_field] = parent["id"]
        if sdef.replication_key and sdef.replication_key not in record:
            record[sdef.replication_key] = self.updated
        return record
