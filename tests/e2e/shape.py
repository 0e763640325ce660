"""What a tap stream holds, in the emulator's own terms: its collection, its parent, and the
columns the tap documents adding to its rows.

Only the tap's stream *names* come from the tap (which streams to compare); the collection
behind each name, its parent and whether a connected account owns it come from the emulator's
catalog (``tests.emulator.catalog.STREAMS``/``COLLECTIONS``), never from ``tap_stripe``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.emulator import catalog

ADDED = frozenset({"is_deleted", "updated", "stripe_account"})
"""Columns the tap adds to rows (README: the change time, the deleted flag, the account)."""


@dataclass(frozen=True)
class Shape:
    """One tap stream as the emulator sees it.

    Attributes:
        name: The tap's stream name.
        collection: The emulator collection behind it.
        parent_kind: Object kind of the parent its objects are read under ("" when none).
        account_owned: Its objects belong to a connected account although the platform
            serves them (the account itself, its persons and external accounts).
    """

    name: str
    collection: str
    parent_kind: str = ""
    account_owned: bool = False

    @property
    def parent_id_field(self) -> str:
        """The column holding the parent's id (``<parent kind>_id``), or "" without one."""
        return f"{self.parent_kind.replace('.', '_')}_id" if self.parent_kind else ""

    @property
    def added(self) -> frozenset[str]:
        """Columns a row may have that Stripe's object lacks: the tap's own, the parent id and
        the parent's change time (``<parent kind>_updated``)."""
        if not self.parent_kind:
            return ADDED
        return ADDED | {self.parent_id_field, f"{self.parent_kind.replace('.', '_')}_updated"}


def shape(stream: str) -> Shape:
    """The ``Shape`` of tap stream ``stream``."""
    if stream == "events":
        return Shape("events", "events")
    # A stream the catalog does not name is the collection of its own name (the endpoints the
    # emulator serves from one generic row each are named as the tap's streams).
    name, restriction = catalog.STREAMS.get(stream, (stream, ""))
    coll = catalog.BY_NAME[name]
    parent = catalog.BY_NAME[coll.parent].kinds[0] if coll.parent else (
        "payout" if restriction == "in_payout" else "")
    owned = name == "accounts" or name in catalog.CONNECT_CHILDREN
    return Shape(stream, name, parent, owned)
