"""First pages asked ahead of their listing.

A run's permission probe of a list it is expected to read asks that list's first page: the
listing's own parameters, ``created[gte]`` its start and no upper bound, since the end of the
run's windows (Stripe's clock) is not known before the first answers. The page is kept here
with Stripe's time when it answered (its ``Date`` header, whole seconds, so at or before that
moment); the listing takes it instead of asking for its first page again (see
``listing.WindowLister``), which saves a request per list on a small or incremental run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

Key = tuple[str, str | None, str, bool]
T = TypeVar("T")


def key_of(path: str, account: str | None, params: Mapping[str, Any], raw: bool) -> Key:
    """A list's key: its path, account, parameters other than ``limit`` and ``created``, and
    whether its objects are kept as bytes."""
    fixed = {k: v for k, v in params.items() if k not in ("limit", "created")}
    return path, account, repr(sorted(fixed.items())), raw


@dataclass(frozen=True)
class AheadPage:
    """A list's first page from ``gte`` on, asked when Stripe's clock read ``date``."""

    gte: int
    page: dict[str, Any]
    date: int


class AskedAhead:
    """The pages asked ahead, by list (one the list has no use for stays until the run ends:
    a page at most per list)."""

    def __init__(self) -> None:
        self._pages: dict[Key, AheadPage] = {}
        self._lock = threading.Lock()

    def keep(self, key: Key, page: AheadPage) -> None:
        """Keep ``page`` for the listing of ``key``."""
        with self._lock:
            self._pages[key] = page

    def peek(self, key: Key) -> AheadPage | None:
        """The page kept for ``key``, if any, left kept (what the run expects of a listing
        before it starts; see ``lengths``)."""
        with self._lock:
            return self._pages.get(key)

    def take(self, key: Key, fit: Callable[[AheadPage], T | None]) -> T | None:
        """``fit`` of the page kept for ``key``, if any and if ``fit`` finds it of use. A page
        that holds the whole list from its start (no more) stays for the list's other ranges;
        one that does not is no longer kept once used (the range it starts goes on from it)."""
        with self._lock:
            page = self._pages.get(key)
            used = None if page is None else fit(page)
            if used is not None and page is not None and page.page.get("has_more"):
                del self._pages[key]
        return used
