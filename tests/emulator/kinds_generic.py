"""The kinds the generic builder makes: one per catalog row that names a stripe-python class.

Such a row (``catalog.Collection.stripe_class``) is all an endpoint needs: its objects come from
``generic.template`` (the class's annotations), their head fields (``created``, ``livemode``)
from whether the class has them, their id prefix from ``generic.PREFIXES``. Templates and head
fields are read on first use, so importing the emulator reads no stripe class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.emulator import catalog, generic
from tests.emulator.kinds_common import Kind

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.emulator.kinds_common import Ctx, Obj


@dataclass(frozen=True)
class GenericKind(Kind):
    """A kind built from the stripe-python class ``dotted``."""

    dotted: str = ""

    def heads(self) -> tuple[bool, bool]:
        """Whether the class has ``created`` and ``livemode`` fields."""
        return generic.head_fields(self.dotted)


def _kind(coll: catalog.Collection) -> GenericKind:
    name = coll.kinds[0]
    leave_out = frozenset(catalog.INCLUDABLE.get(name, {}))
    read: list[Callable[[Ctx], Obj]] = []  # the template, once read

    def body(ctx: Ctx) -> Obj:
        if not read:
            read.append(generic.template(coll.stripe_class, leave_out, coll.fill))
        return read[0](ctx)

    # every served kind has its own prefix (KeyError here: add it to generic.PREFIXES)
    return GenericKind(generic.PREFIXES[name], body, dotted=coll.stripe_class)


TABLE: dict[str, Kind] = {c.kinds[0]: _kind(c) for c in catalog.COLLECTIONS if c.stripe_class}
"""Stripe object name -> its generic kind."""
