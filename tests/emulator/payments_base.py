"""Shared pieces of the payments builders: the build context and small value helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.emulator.kinds_common import DAY, child_id, later

if TYPE_CHECKING:
    import random
    from collections.abc import Callable, Mapping

    from tests.emulator.kinds_common import Obj

    Embedder = Callable[[str, str, int, Mapping[str, "str | None"], bool], Obj]
    """Builds a whole object to embed: ``(kind, id, created, links, livemode)``."""


@dataclass(frozen=True)
class Ctx:
    """What one build call knows: the new object's id, time, randomness and links."""

    oid: str
    created: int
    rng: random.Random
    links: Mapping[str, str | None]
    livemode: bool
    embedder: Embedder

    def link(self, *keys: str) -> str | None:
        """The first linked id among ``keys``, or None."""
        return next((v for k in keys if (v := self.links.get(k))), None)

    def need(self, prefix: str, *keys: str) -> str:
        """The linked id among ``keys``; a made-up ``prefix_`` id where Stripe never sends null."""
        return self.link(*keys) or child_id(self.rng, prefix)

    def embed(self, kind: str, oid: str, links: Mapping[str, str | None]) -> Obj:
        """A whole object of ``kind`` embedded in this one, seeded from its own id."""
        return self.embedder(kind, oid, self.created, links, self.livemode)


def weighted(rng: random.Random, table: Mapping[str, int]) -> str:
    """A key of ``table`` drawn with the given integer weights."""
    return rng.choices(list(table), weights=list(table.values()))[0]


def nulls(*names: str) -> Obj:
    """Fields that Stripe sends as null for this flow."""
    return dict.fromkeys(names)


def tos_acceptance(rng: random.Random, created: int) -> Obj:
    """A terms-of-service acceptance record (date, ip, user_agent)."""
    return {
        "date": later(rng, created, 60, DAY),
        "ip": f"203.0.113.{rng.randrange(1, 255)}",
        "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15",
    }


def dob(rng: random.Random) -> Obj:
    """A date of birth object (day, month, year)."""
    return {"day": rng.randrange(1, 29), "month": rng.randrange(1, 13),
            "year": rng.randrange(1955, 2003)}
