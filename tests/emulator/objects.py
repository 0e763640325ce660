"""Facade of the emulator's Stripe object builders: one ``build()`` for every object kind.

The builders live in ``kinds_billing`` (billing, catalog, customers, checkout) and
``kinds_payments`` (payments, money movement, Connect, Issuing); this module merges them.
Ids are ``f"{ID_PREFIX[kind]}_{...}"``; the caller picks them and passes them in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.emulator import kinds_billing, kinds_payments

if TYPE_CHECKING:
    import random
    from collections.abc import Mapping

    from tests.emulator.kinds_common import Builder, Obj


def _merge(*tables: Mapping[str, Builder]) -> dict[str, Builder]:
    merged: dict[str, Builder] = {}
    for table in tables:
        clash = merged.keys() & table.keys()
        if clash:
            raise ValueError(f"object kinds built twice: {sorted(clash)}")
        merged.update(table)
    return merged


_BUILDERS = _merge(kinds_billing.BUILDERS, kinds_payments.BUILDERS)

KINDS: tuple[str, ...] = tuple(sorted(_BUILDERS))
"""Every Stripe object name (``object`` field value) that ``build`` can produce."""

ID_PREFIX: dict[str, str] = {**kinds_billing.ID_PREFIX, **kinds_payments.ID_PREFIX}
"""Object kind -> id prefix, e.g. ``"customer": "cus"``, ``"line_item": "il"``."""


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
    try:
        builder = _BUILDERS[kind]
    except KeyError:
        raise KeyError(f"no builder for Stripe object kind {kind!r}") from None
    return builder(id=id, created=created, rng=rng, links=links, livemode=livemode)
