"""Objects no list shows, found by id in other streams' records (closed reviews).

``GET /v1/reviews`` lists open reviews only; a closed one is read by id, from the ``review``
field of the charges and payment intents the same run emits (registry ``found_in``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from tap_stripe.errors import StripeAccessError
from tap_stripe.listing import created_of, ordered
from tap_stripe.pages import Obj

if TYPE_CHECKING:
    from tap_stripe.api import StripeApi
    from tap_stripe.registry import StreamDef


class Found:
    """Ids named by the records of a run, per target stream and account, less those the
    target stream emitted itself. Records are noted as they are emitted, on one thread."""

    def __init__(self, streams: Iterable[StreamDef]) -> None:
        self._fields: dict[str, list[tuple[str, str]]] = {}  # source -> (target, field)
        self._targets: set[str] = set()
        for target in streams:
            for source, name in target.found_in:
                self._fields.setdefault(source, []).append((target.name, name))
                self._targets.add(target.name)
        self._named: dict[tuple[str, str | None], dict[str, None]] = {}
        self._emitted: dict[tuple[str, str | None], set[str]] = {}

    def note(self, stream: str, records: list[Obj], account: str | None) -> None:
        """Take note of the records emitted by ``stream`` for ``account`` (nothing to do for a
        stream that names no object read by id and is not read by id itself)."""
        fields = [(self._named.setdefault((target, account), {}), name)
                  for target, name in self._fields.get(stream, ())]
        for record in records if fields else ():
            for named, name in fields:
                value = record.get(name)
                if isinstance(value, dict):
                    value = value.get("id")
                if isinstance(value, str):
                    named[value] = None
        if stream in self._targets:
            self._emitted.setdefault((stream, account), set()).update(
                str(record.get("id")) for record in records)

    def missing(self, stream: str, account: str | None) -> list[str]:
        """Ids of ``stream`` named by other records of ``account`` but not emitted by it."""
        seen = self._emitted.get((stream, account), set())
        return [i for i in self._named.get((stream, account), {}) if i not in seen]


def read_by_id(api: StripeApi, sdef: StreamDef, ids: Iterable[str], header: str | None,
               start: int, end: int, *, at_once: int) -> Iterator[Obj]:
    """The objects ``ids`` of ``sdef`` created in ``[start, end)``, in the order of ``ids``,
    read ``at_once`` at a time on threads of their own, gone when this ends (gone objects
    skipped)."""

    def read(object_id: str) -> Obj | None:
        try:
            return api.get(str(sdef.retrieve_path).format(id=object_id), None, header)
        except StripeAccessError as exc:
            if exc.status != 404:
                raise
            return None

    with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="tap-stripe-found") as pool:
        for _, obj in ordered(pool.submit, read, ids, ahead=at_once, remote=lambda _: True,
                              stop=threading.Event()):
            if obj is not None and not obj.get("deleted") and start <= created_of(obj) < end:
                yield obj
