"""What the tap should load from an emulator: its ground truth in the shape of the tap's streams.

The emulator names tap streams itself (``Emulator.objects("bank_accounts")``), so this module
only decides which streams to check and which fields to compare.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tap_stripe.registry import BY_NAME, STREAMS, StreamDef

if TYPE_CHECKING:
    from tests.emulator import Emulator

DAY = 86_400
SELECTED: tuple[StreamDef, ...] = tuple(s for s in STREAMS if s.selected_by_default)
"""The streams a run without a catalog (or with meltano.yml's selection) syncs."""

SAMPLE_FIELDS = ("object", "created", "livemode", "amount", "amount_refunded", "currency",
                 "status", "customer", "invoice", "subscription", "charge", "email", "quantity")
"""Top-level fields compared between loaded rows and the emulator, wherever a stream has them."""


def tap_config(emulator: Emulator) -> dict[str, Any]:
    """Tap settings that read everything the emulator holds (its history is two years)."""
    start = dt.datetime.fromtimestamp(emulator.now - 800 * DAY, dt.timezone.utc)
    return {"client_secret": emulator.secret_key, "api_base": emulator.base_url,
            "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ")}


@dataclass(frozen=True)
class Expected:
    """The objects one stream must hold: by id, plus each child's parent id."""

    stream: StreamDef
    objects: dict[str, dict[str, Any]]
    parents: dict[str, str]
    gone_parents: frozenset[str] = frozenset()
    """Parents whose own state says deleted (a canceled subscription)."""

    def sample(self, object_id: str) -> dict[str, Any]:
        """The compared fields of one object (``SAMPLE_FIELDS`` it has, and its parent id)."""
        obj = self.objects[object_id]
        values = {f: obj[f] for f in SAMPLE_FIELDS if f in obj}
        if self.stream.parent_id_field:
            values[self.stream.parent_id_field] = self.parents[object_id]
        return values

    def stamps_ok(self, record: dict[str, Any], started: int, finished: int) -> bool:
        """Whether a first-fill record has the tap's ``updated``/``is_deleted`` right.

        ``updated`` is the object's own (Stripe sends one on products), else the time the run
        started; ``is_deleted`` is true only for an object (or the child of a parent) whose
        state says deleted, as a canceled subscription. Streams synced by ``created`` have
        neither.
        """
        if self.stream.cursor != "updated":
            return True
        own = self.objects[record["id"]].get("updated")
        stamp = record.get("updated")
        timely = stamp == own if own is not None else \
            isinstance(stamp, int) and started <= stamp <= finished
        obj = self.objects[record["id"]]
        gone = self.stream.shows_deleted(obj) or self.parents.get(record["id"]) in \
            self.gone_parents
        return timely and record.get("is_deleted") is gone


def expected(emulator: Emulator, stream: StreamDef) -> Expected:
    """The emulator's live objects of ``stream`` and (for children) their parents."""
    objects = {o["id"]: o for o in emulator.objects(stream.name, included=True)}
    parents = emulator.parents(stream.name) if stream.parent_id_field else {}
    parent = BY_NAME.get(stream.parent or "")
    gone = frozenset(p["id"] for p in emulator.objects(parent.name)
                     if parent.shows_deleted(p)) if parent else frozenset()
    return Expected(stream, objects, parents, gone)


def expected_all(emulator: Emulator) -> dict[str, Expected]:
    """``expected`` for every selected stream."""
    return {s.name: expected(emulator, s) for s in SELECTED}
