"""The emulator's one object builder: ``build()`` for every Stripe object kind.

Each kind is a row of a table (``kinds_common.Kind``: id prefix, the function of its own
fields, whether it has ``created``/``livemode``): ``kinds_billing.TABLE`` (billing, catalog,
customers, checkout), ``kinds_payments.TABLE`` (payments, money movement, Connect, Issuing)
and ``kinds_generic.TABLE`` (every other endpoint, from stripe-python's annotations). Ids are
``f"{ID_PREFIX[kind]}_{...}"``; the caller picks them and passes them in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.emulator import kinds_billing, kinds_generic, kinds_payments
from tests.emulator.kinds_common import Ctx

if TYPE_CHECKING:
    import random
    from collections.abc import Mapping

    from tests.emulator.kinds_common import Kind, Obj


def _merge(*tables: Mapping[str, Kind]) -> dict[str, Kind]:
    merged: dict[str, Kind] = {}
    for table in tables:
        clash = merged.keys() & table.keys()
        if clash:
            raise ValueError(f"object kinds built twice: {sorted(clash)}")
        merged.update(table)
    return merged


_TABLE = _merge(kinds_billing.TABLE, kinds_payments.TABLE, kinds_generic.TABLE)

KINDS: tuple[str, ...] = tuple(sorted(_TABLE))
"""Every Stripe object name (``object`` field value) that ``build`` can produce."""

ID_PREFIX: dict[str, str] = {kind: spec.prefix for kind, spec in _TABLE.items()}
"""Object kind -> id prefix, e.g. ``"customer": "cus"``, ``"line_item": "il"``."""


def build_in(kind: str, ctx: Ctx) -> Obj:
    """The object of ``kind`` for the build context ``ctx`` (also how objects are embedded)."""
    spec = _TABLE[kind]
    return spec.whole(kind, ctx, spec.body(ctx))


def build(
    kind: str,
    *,
    id: str,  # noqa: A002
    created: int,
    rng: random.Random,
    links: Mapping[str, str | None],
    livemode: bool = False,
) -> Obj:
    """A complete Stripe object of ``kind`` as the API returns it (API 2026-10-28.endive).

    Args:
        kind: Stripe object name, one of ``KINDS`` (e.g. ``"invoice"``, ``"checkout.session"``).
        id: The object's id (``ID_PREFIX[kind]`` + ``_`` + anything).
        created: Unix seconds; other timestamps of the object are consistent with it.
        rng: The only source of randomness: the same seed gives the same object.
        links: Ids of related objects keyed by Stripe field/object name (``"customer"``,
            ``"subscription"``, ``"price"``...); a missing key means no such relation.
        livemode: Value of ``livemode``.

    Raises:
        KeyError: ``kind`` is not buildable.
    """
    if kind not in _TABLE:
        raise KeyError(f"no builder for Stripe object kind {kind!r}")
    return build_in(kind, Ctx(id, created, rng, links, livemode, build_in))
