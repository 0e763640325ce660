"""What the tap should load from an emulator: its ground truth in the shape of the tap's streams.

The emulator names tap streams itself (``Emulator.objects("bank_accounts")``), and says which
objects Stripe reports deleted (``Emulator.removed``, ``Emulator.shown_after_removal``); the
tap's registry only says which streams a run syncs (their names).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tap_stripe.registry import STREAMS, StreamDef
from tests.e2e.mirror import removed_ids
from tests.e2e.shape import Shape, shape

if TYPE_CHECKING:
    from tests.emulator import Emulator

DAY = 86_400
SELECTED: tuple[StreamDef, ...] = tuple(s for s in STREAMS if s.selected_by_default)
"""The streams a run without a catalog (or with meltano.yml's selection) syncs."""

SAMPLE_FIELDS = ("object", "created", "livemode", "amount", "amount_refunded", "currency",
                 "status", "customer", "invoice", "subscription", "charge", "email", "quantity")
"""Top-level fields compared between loaded rows and the emulator, wherever a stream has them."""


def tap_config(emulator: Emulator, *, live_rate: bool = False) -> dict[str, Any]:
    """Tap settings that read everything the emulator holds (its history is two years).

    With ``live_rate`` the account's requests go at live mode's 100 per second instead of the
    25 a test key gets by default (each endpoint stays at 25/s): the emulator limits no rate
    unless it is asked to, so a test of what a run delivers, not of how it paces, need not
    wait for test mode's rate."""
    start = dt.datetime.fromtimestamp(emulator.now - 800 * DAY, dt.timezone.utc)
    rate = {"max_requests_per_second": 100} if live_rate else {}
    return {"client_secret": emulator.secret_key, "api_base": emulator.base_url,
            "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"), **rate}


@dataclass(frozen=True)
class Expected:
    """The objects one stream must hold: by id, each child's parent id, and the ids whose rows
    must say ``is_deleted``."""

    stream: Shape
    objects: dict[str, dict[str, Any]]
    parents: dict[str, str]
    removed: frozenset[str] = frozenset()
    """Objects Stripe reports deleted (a canceled subscription) and children of such a parent
    that Stripe still shows (the items of a canceled subscription)."""

    def sample(self, object_id: str) -> dict[str, Any]:
        """The compared fields of one object (``SAMPLE_FIELDS`` it has, and its parent id)."""
        obj = self.objects[object_id]
        values = {f: obj[f] for f in SAMPLE_FIELDS if f in obj}
        if self.stream.parent_id_field:
            values[self.stream.parent_id_field] = self.parents[object_id]
        return values

    def stamps_ok(self, record: dict[str, Any], started: int, finished: int) -> bool:
        """Whether a first-fill record has the tap's ``updated``/``is_deleted`` right.

        A record with the deleted flag (a stream kept current through events) says
        ``is_deleted`` true exactly for the ``removed`` objects, and its ``updated`` is the
        object's own (Stripe sends one on products), else the time the run started. A record
        without the flag (a stream synced by ``created``) is of an object that is not removed
        and carries no ``updated`` but Stripe's own.
        """
        own = self.objects[record["id"]].get("updated")
        stamp = record.get("updated")
        gone = record["id"] in self.removed
        if record.get("is_deleted") is None:
            return not gone and stamp == own
        timely = stamp == own if own is not None else \
            isinstance(stamp, int) and started <= stamp <= finished
        return timely and record["is_deleted"] is gone


def expected(emulator: Emulator, stream: StreamDef) -> Expected:
    """The emulator's live objects of ``stream`` (includable fields expanded) and, for children,
    their parents."""
    form = shape(stream.name)
    objects = {o["id"]: o for o in emulator.objects(stream.name, included=True)}
    parents = emulator.parents(stream.name) if form.parent_kind else {}
    return Expected(form, objects, parents, frozenset(removed_ids(emulator, form)))


def expected_all(emulator: Emulator) -> dict[str, Expected]:
    """``expected`` for every selected stream."""
    return {s.name: expected(emulator, s) for s in SELECTED}
