"""Small shared helpers for the emulator's Stripe object builders.

Everything random draws from the ``random.Random`` passed in, so a seed always gives the same
object. The builder modules (billing and payments kinds) import these; the names are stable.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import random
    from collections.abc import Mapping, Sequence

T = TypeVar("T")

Obj = dict[str, Any]
"""A Stripe object (or nested object) as plain JSON-ready data."""

Builder = Callable[..., Obj]
"""Builders take ``id``, ``created``, ``rng``, ``links``, ``livemode`` keywords."""

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


@dataclass(frozen=True)
class Ctx:
    """The arguments of one build call, with helpers to read links."""

    id: str
    created: int
    rng: random.Random
    links: Mapping[str, str | None]
    livemode: bool = False

    def link(self, key: str) -> str | None:
        """The linked id for ``key``, or None (the field is null)."""
        return self.links.get(key)

    def ref(self, key: str, prefix: str) -> str:
        """The linked id for ``key``, or a made-up ``prefix_...`` id for never-null fields."""
        return self.links.get(key) or child_id(self.rng, prefix)

    def later(self, low: int = 60, high: int = 7 * DAY) -> int:
        """A timestamp between ``low`` and ``high`` seconds after ``created``."""
        return later(self.rng, self.created, low, high)


def registrar(
    builders: dict[str, Builder], prefixes: dict[str, str]
) -> Callable[[str, str], Callable[[Callable[[Ctx], Obj]], Callable[[Ctx], Obj]]]:
    """A decorator factory registering ``fn(ctx)`` builders as keyword builders.

    ``@kind("customer", "cus")`` stores the id prefix and a builder with the facade signature
    ``(*, id, created, rng, links, livemode=False)``.
    """

    def kind(name: str, prefix: str) -> Callable[[Callable[[Ctx], Obj]], Callable[[Ctx], Obj]]:
        def register(fn: Callable[[Ctx], Obj]) -> Callable[[Ctx], Obj]:
            def build(
                *,
                id: str,  # noqa: A002
                created: int,
                rng: random.Random,
                links: Mapping[str, str | None],
                livemode: bool = False,
            ) -> Obj:
                return fn(Ctx(id, created, rng, links, livemode))

            build.__doc__ = fn.__doc__
            builders[name] = build
            prefixes[name] = prefix
            return fn

        return register

    return kind
