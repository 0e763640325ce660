"""The ``/v1`` endpoints, derived from the catalog: path templates and what each one does."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.emulator import catalog


@dataclass(frozen=True)
class Route:
    """One endpoint: a path template (``/v1/customers/{id}``) and its action."""

    template: str
    action: str
    collection: str = ""

    @property
    def pattern(self) -> re.Pattern[str]:
        """The template as a regular expression with named groups."""
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template) + "$")


def _routes() -> list[Route]:
    found = [Route("/v1/events", "events"), Route("/v1/events/{id}", "event"),
             Route("/v1/account", "account")]
    for coll in catalog.COLLECTIONS:
        if coll.parent and not coll.parent_param:
            base = f"{catalog.BY_NAME[coll.parent].path}/{{parent}}/{coll.path}"
        else:
            base = coll.path
        found.append(Route(base, "list", coll.name))
        if coll.retrieve:
            found.append(Route(base + "/{id}", "retrieve", coll.name))
        if coll.retrieve_path:
            found.append(Route(coll.retrieve_path + "/{id}", "retrieve", coll.name))
    return found


ROUTES: tuple[Route, ...] = tuple(_routes())

SAME_RETRIEVE: dict[str, frozenset[str]] = {
    coll.name: frozenset(c.name for c in catalog.COLLECTIONS
                         if c.retrieve_path and c.retrieve_path == coll.retrieve_path)
    for coll in catalog.COLLECTIONS if coll.retrieve_path}
"""Collection -> the collections retrieved by id at the same path (``/v1/payment_methods/{id}``
serves customers' payment methods and Treasury ones alike)."""
_COMPILED = [(route, route.pattern) for route in ROUTES]


def match(path: str) -> tuple[Route, dict[str, str]] | None:
    """The route serving ``path`` and its path parameters, or None."""
    for route, pattern in _COMPILED:
        found = pattern.match(path)
        if found:
            return route, found.groupdict()
    return None
