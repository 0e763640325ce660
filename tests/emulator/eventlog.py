"""An account's events: the ``*.created`` events of its generated objects, plus recorded ones.

Generated objects of the last 30 days have a creation event whose ``data.object`` is the object
as generated; it is computed when asked for, never stored. Changes made through the control API
append a recorded event holding the snapshot of that moment. Only events younger than 30 days by
the emulator clock are served, like Stripe's retention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from tests.emulator import catalog, paging
from tests.emulator.encoding import dumps
from tests.emulator.ids import IdCodec, salt

if TYPE_CHECKING:
    from tests.emulator.store import AccountStore

RETENTION = 30 * 86_400
_RANKS = 128
"""More than there are collections: a generated event's number is ``index * _RANKS + rank``."""
if len(catalog.COLLECTIONS) > _RANKS:
    raise RuntimeError("eventlog._RANKS must exceed the number of catalog collections")
_RECORD_RANK = 1_000
_RECORD_BASE = 1 << 60


@dataclass(frozen=True)
class Record:
    """A recorded event and its serialised body."""

    id: str
    created: int
    type: str
    body: bytes


def _generated_payload(rank: int, index: int) -> tuple[str, int, int]:
    return ("generated", rank, index)


def type_matcher(pattern: str) -> re.Pattern[str]:
    """A matcher for one event type; ``*`` is a wildcard (``invoice.*``)."""
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")


class EventLog:
    """The events of one account (see the module docstring)."""

    def __init__(self, store: AccountStore) -> None:
        self.store = store
        self._codec = IdCodec(salt(store.world.seed, store.account, "events"), 24)
        self._generated_version = store.world.api_version
        self._records: list[paging.Item] = []
        self._by_serial: dict[int, paging.Item] = {}

    # -- sources -----------------------------------------------------------------------------

    def _owner(self, coll: catalog.Collection) -> AccountStore | None:
        """Which store holds the objects of ``coll`` whose events are listed here."""
        store = self.store
        foreign = coll.name in catalog.CONNECT_CHILDREN
        if store.is_platform:
            return None if foreign else store
        return store.world.platform if foreign else store

    def _range(self, coll: catalog.Collection, owner: AccountStore) -> tuple[int, int]:
        if owner is self.store:
            return (0, owner.dataset.counts[coll.name])
        account = owner.dataset.index("accounts", self.store.account)
        return (0, 0) if account is None else owner.dataset.block(coll.name, account)

    def _generated(self) -> list[tuple[int, catalog.Collection, AccountStore, int, int]]:
        found = []
        for rank, coll in enumerate(catalog.COLLECTIONS):
            owner = self._owner(coll)
            if coll.events.created and owner is not None:
                low, high = self._range(coll, owner)
                found.append((rank, coll, owner, low, high))
        return found

    def _window(self, low: int | None, high: int | None) -> tuple[int, int]:
        now = self.store.world.clock.now()
        oldest = now - RETENTION + 1
        return (oldest if low is None else max(low, oldest),
                now if high is None else min(high, now))

    # -- reading -----------------------------------------------------------------------------

    def page(self, types: list[re.Pattern[str]] | None, low: int | None, high: int | None,
             cursor: paging.Key | None, descending: bool, limit: int) -> tuple[list[Any], bool]:
        """A page of event payloads (see ``body``) and whether more follow."""
        low, high = self._window(low, high)

        def wanted(event_type: str) -> bool:
            return types is None or any(t.match(event_type) for t in types)

        sources: list[paging.Source] = []
        for rank, coll, owner, start, end in self._generated():
            if wanted(str(coll.events.created)):
                sources.append(paging.IndexRange(start, end, rank,
                                                 partial(owner.dataset.created, coll.name),
                                                 partial(_generated_payload, rank)))
        sources.append(paging.SortedItems(self._records))
        walk = paging.walk(sources, descending=descending, cursor=cursor, low=low, high=high)
        return paging.take(walk, limit, lambda p: p[0] == "generated" or wanted(p[1].type))

    def key(self, event_id: str) -> paging.Key | None:
        """The ordering key of a visible event, or None."""
        found = self._decode(event_id)
        if found is None:
            return None
        key, _ = found
        low, high = self._window(None, None)
        return key if low <= key[0] <= high else None

    def retrieve(self, event_id: str) -> bytes | None:
        """The event body, if the event exists and is younger than 30 days."""
        found = self._decode(event_id)
        if found is None or self.key(event_id) is None:
            return None
        return self.body(found[1])

    def _decode(self, event_id: str) -> tuple[paging.Key, Any] | None:
        if not event_id.startswith("evt_"):
            return None
        number = self._codec.index(event_id[4:])
        if number is None:
            return None
        if number >= _RECORD_BASE:
            return self._by_serial.get(number - _RECORD_BASE)
        index, rank = divmod(number, _RANKS)
        if rank >= len(catalog.COLLECTIONS):
            return None
        coll = catalog.COLLECTIONS[rank]
        owner = self._owner(coll)
        if not coll.events.created or owner is None:
            return None
        low, high = self._range(coll, owner)
        if not low <= index < high:
            return None
        return ((owner.dataset.created(coll.name, index), rank, index), ("generated", rank, index))

    def body(self, payload: Any) -> bytes:
        """The JSON body of an event payload from ``page``."""
        if payload[0] == "recorded":
            return payload[1].body
        _, rank, index = payload
        coll = catalog.COLLECTIONS[rank]
        owner = self._owner(coll)
        assert owner is not None
        object_id = owner.dataset.id(coll.name, index)
        return self._assemble(self._codec.tail(index * _RANKS + rank),
                              owner.dataset.created(coll.name, index), str(coll.events.created),
                              owner.encoded(coll.name, object_id, pristine=True), None,
                              {"id": None, "idempotency_key": None}, self._generated_version)

    # -- writing -----------------------------------------------------------------------------

    def record(self, event_type: str, snapshot: bytes, previous: dict[str, Any] | None,
               account: str | None) -> str:
        """Append an event about a change made now; returns its id."""
        world = self.store.world
        serial = len(self._by_serial)
        tail = self._codec.tail(_RECORD_BASE + serial)
        created = world.clock.now()
        request = {"id": world.request_id(), "idempotency_key": world.token(36)}
        body = self._assemble(tail, created, event_type, snapshot, previous, request,
                              world.api_version, account)
        record = Record(f"evt_{tail}", created, event_type, body)
        item: paging.Item = ((created, _RECORD_RANK, serial), ("recorded", record))
        self._by_serial[serial] = item
        paging.insert(self._records, item)
        return record.id

    def _assemble(self, tail: str, created: int, event_type: str, snapshot: bytes,
                  previous: dict[str, Any] | None, request: dict[str, Any], version: str,
                  account: str | None = None) -> bytes:
        store = self.store
        head: dict[str, Any] = {"id": f"evt_{tail}", "object": "event"}
        account = account or (None if store.is_platform else store.account)
        if account:
            head["account"] = account
        head["api_version"] = version
        head["created"] = created
        data = b'{"object":' + snapshot
        if previous is not None:
            data += b',"previous_attributes":' + dumps(previous)
        tail_fields = {"livemode": store.dataset.shape.livemode, "pending_webhooks": 0,
                       "request": request, "type": event_type}
        return dumps(head)[:-1] + b',"data":' + data + b"}," + dumps(tail_fields)[1:]
