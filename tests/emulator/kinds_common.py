"""What every kind of the emulator's Stripe objects is built with: ``Kind``, ``Ctx``, helpers.

A kind is a ``Kind`` row (id prefix, the function of its own fields, head fields) of
``kinds_billing.TABLE`` or ``kinds_payments.TABLE``; its function gets one ``Ctx``. Everything
random draws from the context's ``random.Random``, so a seed always gives the same object.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

T = TypeVar("T")

Obj = dict[str, Any]
"""A Stripe object (or nested object) as plain JSON-ready data."""

CURRENCIES: tuple[str, ...] = ("usd", "usd", "usd", "eur", "gbp", "cad")
COUNTRIES: tuple[str, ...] = ("US", "US", "US", "DE", "GB", "FR", "CA")
DAY = 86_400

_FIRST = ("Ava", "Liam", "Mia", "Noah", "Emma", "Lucas", "Sofia", "Jonas", "Chloe", "Omar")
_LAST = ("Smith", "Garcia", "Muller", "Rossi", "Dubois", "Chen", "Okafor", "Novak", "Kim")
_STREETS: dict[str, tuple[str, ...]] = {
    "US": ("Market St", "Main St", "Oak Ave"), "DE": ("Hauptstrasse", "Friedrichstrasse"),
    "GB": ("High St", "Baker St"), "FR": ("Rue de Rivoli", "Avenue Foch"),
    "CA": ("King St W", "Granville St"),
}
_CITIES: dict[str, tuple[tuple[str, str | None, str], ...]] = {
    # country -> (city, state, postal code)
    "US": (("San Francisco", "CA", "94103"), ("Austin", "TX", "73301"),
           ("New York", "NY", "10001")),
    "DE": (("Berlin", None, "10115"), ("Munich", None, "80331")),
    "GB": (("London", None, "EC1A 1BB"), ("Leeds", None, "LS1 4DY")),
    "FR": (("Paris", None, "75001"), ("Lyon", None, "69001")),
    "CA": (("Toronto", "ON", "M5H 2N2"), ("Vancouver", "BC", "V6B 1A1")),
}
_DOMAINS = ("example.com", "example.org", "mail.example.net")
_WORDS = ("plan", "tier", "source", "campaign", "region", "team", "order_ref", "segment")
_CARD_BRANDS: dict[str, str] = {"visa": "4242", "mastercard": "4444", "amex": "8431"}


def pick(rng: random.Random, values: Sequence[T]) -> T:
    """One element of ``values``."""
    return values[rng.randrange(len(values))]


def token(rng: random.Random, length: int = 14) -> str:
    """Random alphanumeric string, like the tail of a Stripe id."""
    alphabet = string.ascii_letters + string.digits
    return "".join(alphabet[rng.randrange(len(alphabet))] for _ in range(length))


def child_id(rng: random.Random, prefix: str) -> str:
    """An id for an embedded object that is not a stored object (e.g. ``"txi_..."``)."""
    return f"{prefix}_{token(rng, 24)}"


def maybe(rng: random.Random, value: T, chance: float = 0.5) -> T | None:
    """``value`` with probability ``chance``, else None."""
    return value if rng.random() < chance else None


def metadata(rng: random.Random) -> dict[str, str]:
    """A metadata map of 0-3 string entries."""
    keys = rng.sample(_WORDS, rng.randrange(4))
    return {k: f"{k}_{rng.randrange(1, 1000)}" for k in sorted(keys)}


def currency(rng: random.Random) -> str:
    """A lowercase ISO currency code."""
    return pick(rng, CURRENCIES)


def country(rng: random.Random) -> str:
    """A two-letter country code."""
    return pick(rng, COUNTRIES)


def amount(rng: random.Random, low: int = 500, high: int = 50_000) -> int:
    """An amount in minor units, rounded to whole currency units half of the time."""
    value = rng.randrange(low, high + 1)
    return value - value % 100 if rng.random() < 0.5 and value >= 100 else value


def later(rng: random.Random, created: int, low: int = 60, high: int = 7 * DAY) -> int:
    """A timestamp between ``low`` and ``high`` seconds after ``created``."""
    return created + rng.randrange(low, high + 1)


def full_name(rng: random.Random) -> str:
    """A plausible person name."""
    return f"{pick(rng, _FIRST)} {pick(rng, _LAST)}"


def email(rng: random.Random, name: str | None = None) -> str:
    """An email address, derived from ``name`` when given."""
    local = (name or full_name(rng)).lower().replace(" ", ".")
    return f"{local}{rng.randrange(1, 100)}@{pick(rng, _DOMAINS)}"


def phone(rng: random.Random) -> str:
    """An E.164 phone number."""
    return f"+1415555{rng.randrange(10_000):04d}"


def address(rng: random.Random, country_code: str | None = None) -> Obj:
    """A Stripe ``address`` object (city, country, line1, line2, postal_code, state)."""
    code = country_code or country(rng)
    city, state, postal = pick(rng, _CITIES.get(code, _CITIES["US"]))
    return {
        "city": city,
        "country": code,
        "line1": f"{rng.randrange(1, 999)} {pick(rng, _STREETS.get(code, _STREETS['US']))}",
        "line2": maybe(rng, f"Suite {rng.randrange(1, 500)}", 0.3),
        "postal_code": postal,
        "state": state,
    }


def billing_details(rng: random.Random, name: str | None = None) -> Obj:
    """A ``billing_details`` object (address, email, name, phone, tax_id)."""
    person = name or full_name(rng)
    return {
        "address": address(rng),
        "email": email(rng, person),
        "name": person,
        "phone": maybe(rng, phone(rng)),
        "tax_id": None,
    }


def shipping(rng: random.Random, name: str | None = None) -> Obj:
    """A ``shipping`` object (address, carrier, name, phone, tracking_number)."""
    shipped = rng.random() < 0.5
    return {
        "address": address(rng),
        "carrier": "UPS" if shipped else None,
        "name": name or full_name(rng),
        "phone": maybe(rng, phone(rng)),
        "tracking_number": f"1Z{rng.randrange(10**15):015d}" if shipped else None,
    }


def card(rng: random.Random) -> Obj:
    """Core card fields shared by payment methods and charges.

    Keys: brand, country, exp_month, exp_year, fingerprint, funding, last4.
    """
    brand = pick(rng, tuple(_CARD_BRANDS))
    return {
        "brand": brand,
        "country": pick(rng, ("US", "US", "GB", "DE")),
        "exp_month": rng.randrange(1, 13),
        "exp_year": 2027 + rng.randrange(6),
        "fingerprint": token(rng, 16),
        "funding": pick(rng, ("credit", "credit", "debit", "prepaid")),
        "last4": _CARD_BRANDS[brand],
    }


def list_stub(url: str) -> Obj:
    """An empty embedded list object; the store fills ``data`` and ``total_count``."""
    return {"object": "list", "data": [], "has_more": False, "total_count": 0, "url": url}


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


Embedder = Callable[[str, "Ctx"], Obj]
"""Builds a whole object of a kind (first argument) in a context: ``objects.build_in``."""


@dataclass(frozen=True)
class Ctx:
    """What one build call knows: the new object's id, time, randomness and links."""

    id: str
    created: int
    rng: random.Random
    links: Mapping[str, str | None]
    livemode: bool
    embedder: Embedder

    def link(self, *keys: str) -> str | None:
        """The first linked id among ``keys``, or None (the field is null)."""
        for key in keys:
            if found := self.links.get(key):
                return found
        return None

    def need(self, prefix: str, *keys: str) -> str:
        """The linked id among ``keys``; a made-up ``prefix_`` id where Stripe never sends null."""
        return self.link(*keys) or child_id(self.rng, prefix)

    def later(self, low: int = 60, high: int = 7 * DAY) -> int:
        """A timestamp between ``low`` and ``high`` seconds after ``created``."""
        return later(self.rng, self.created, low, high)

    def seeded(self, oid: str, links: Mapping[str, str | None], *, seed: str,
               max_age: int = 30 * DAY) -> Ctx:
        """The context of an object embedded whole, seeded from ``seed`` so every copy matches.

        It was created one day to ``max_age`` seconds before this object.
        """
        rng = random.Random(seed)
        return Ctx(oid, self.created - rng.randrange(DAY, max_age), rng, links, self.livemode,
                   self.embedder)

    def embed(self, kind: str, oid: str, links: Mapping[str, str | None], *,
              seed: str | None = None, max_age: int = 30 * DAY) -> Obj:
        """A whole object of ``kind`` embedded in this one (seeded from ``kind:oid`` by default)."""
        sub = self.seeded(oid, links, seed=seed or f"{kind}:{oid}", max_age=max_age)
        return self.embedder(kind, sub)


@dataclass(frozen=True)
class Kind:
    """One buildable kind: its id prefix, its own fields, whether it has ``created``/``livemode``.

    Every kind is built the same way (``objects.build``): ``id``, ``object`` and, where the kind
    has them, ``created`` and ``livemode`` first (as Stripe's API reference examples begin with
    ``id`` and ``object``), then the fields ``body`` returns.
    """

    prefix: str
    body: Callable[[Ctx], Obj]
    created: bool = True
    livemode: bool = True

    def heads(self) -> tuple[bool, bool]:
        """Whether objects of the kind have ``created`` and ``livemode``."""
        return self.created, self.livemode

    def whole(self, name: str, ctx: Ctx, body: Obj) -> Obj:
        """The object of kind ``name`` made of ``body`` and its head fields."""
        created, livemode = self.heads()
        head: Obj = {"id": ctx.id, "object": name}
        if created:
            head["created"] = ctx.created
        if livemode:
            head["livemode"] = ctx.livemode
        return head | body
