"""First pages asked ahead of their listing.

A run's permission probe of a list it is expected to read asks that list's first page: the
listing's own parameters, ``created[gte]`` its start and no upper bound, since the end of the
run's windows (Stripe's clock) is not known before the first answers. A list the listing will
cut before its first answer (see ``listing.WindowLister``) may be asked in parts instead, cut
as the listing will cut it (``cut``): the probe asks the newest part (no upper bound), and
the older parts' first pages go out right after it, in the same first round trip rather than
one round trip later; the run does not wait for them (``expect``). Each page is kept here
with Stripe's time when it answered (its ``Date`` header, whole seconds, so at or before that
moment); the listing cuts along the parts asked for it and takes their pages (as they come)
instead of asking for them again, which saves a request per part on a small or incremental
run.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

Key = tuple[str, str | None, str, bool]
T = TypeVar("T")


def key_of(path: str, account: str | None, params: Mapping[str, Any], raw: bool) -> Key:
    """A list's key: its path, account, parameters other than ``limit`` and ``created``, and
    whether its objects are kept as bytes."""
    fixed = {k: v for k, v in params.items() if k not in ("limit", "created")}
    return path, account, repr(sorted(fixed.items())), raw


def cut(windows: Sequence[tuple[int, int]], parts: int) -> list[tuple[int, int]]:
    """``windows`` (oldest first) cut in ``parts`` parts in all (more only where a window
    would get none: one at least each), each window by its share of the range (rounded where
    the range up to its end would fall), oldest first."""
    total = sum(lt - gte for gte, lt in windows)
    cuts: list[tuple[int, int]] = []
    before = 0  # seconds of the range before the window
    for gte, lt in windows:
        span = lt - gte
        share = round(parts * (before + span) / total) - round(parts * before / total)
        count = max(1, min(span, share))
        before += span
        bounds = [gte + span * i // count for i in range(count + 1)]
        cuts += list(itertools.pairwise(bounds))
    return cuts


@dataclass(frozen=True)
class AheadPage:
    """A list's first page in ``[gte, lt)`` (``lt`` None: no upper bound), asked when
    Stripe's clock read ``date``."""

    gte: int
    page: dict[str, Any]
    date: int
    lt: int | None = None


class AskedAhead:
    """The pages asked ahead, by list (one the list has no use for stays until the run ends:
    a page at most per part asked)."""

    def __init__(self) -> None:
        self._pages: dict[Key, list[AheadPage]] = {}
        self._coming: dict[Key, dict[int, Future[Any]]] = {}  # by the part's start
        self._lock = threading.Lock()

    def keep(self, key: Key, page: AheadPage) -> None:
        """Keep ``page`` for the listing of ``key``."""
        with self._lock:
            self._pages.setdefault(key, []).append(page)

    def expect(self, key: Key, gte: int, asked: Future[Any]) -> None:
        """The page of a part from ``gte`` on is being asked for the listing of ``key``: kept
        when ``asked`` is done (if Stripe answered it with a list)."""
        with self._lock:
            self._coming.setdefault(key, {})[gte] = asked

    def coming(self, key: Key, gte: int) -> Future[Any] | None:
        """The request of the part from ``gte`` on asked for ``key``, done or not (once)."""
        with self._lock:
            return self._coming.get(key, {}).pop(gte, None)

    def settle(self, read: Callable[[str], bool]) -> None:
        """Wait for the parts still being asked for the lists whose path the run does not
        ``read`` (refused, or left out of the plan), and forget them: none outlives the run."""
        with self._lock:
            gone = [key for key in self._coming if not read(key[0])]
            asked = [future for key in gone for future in self._coming.pop(key).values()]
        for future in asked:
            if not future.cancelled():
                future.exception()  # waits; a refusal or failure is of no use to anyone

    def bounds(self, key: Key) -> list[int]:
        """Where the parts asked for ``key`` start and end, in order."""
        with self._lock:
            pages = self._pages.get(key, [])
            starts = self._coming.get(key, {})
            return sorted({b for p in pages for b in (p.gte, p.lt) if b is not None} | {
                *starts})

    def peek(self, key: Key) -> AheadPage | None:
        """The newest page kept for ``key`` (the one with no upper bound: the probe's), if
        any, left kept (what the run expects of a listing before it starts; see
        ``lengths``)."""
        with self._lock:
            return next((p for p in self._pages.get(key, []) if p.lt is None), None)

    def take(self, key: Key, fit: Callable[[AheadPage], T | None]) -> T | None:
        """``fit`` of the first page kept for ``key`` that ``fit`` finds of use, if any. A page
        that holds the whole list from its start (no more, no upper bound) stays for the
        list's other ranges; any other is no longer kept once used (the range it starts goes
        on from it; a part's page is the first page of the one range cut along it)."""
        with self._lock:
            pages = self._pages.get(key, [])
            for page in pages:
                used = fit(page)
                if used is None:
                    continue
                if page.page.get("has_more") or page.lt is not None:
                    pages.remove(page)
                return used
        return None
