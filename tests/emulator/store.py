"""One account's objects as the API serves them: generated data plus run-time changes.

The generated data (``Dataset``) is never modified. Objects created, changed or deleted through
the control API live in a small per-collection ``Overlay``; reads merge the two. Objects are
rendered with their embedded child lists filled in (first 10 children, ``has_more``,
``total_count``) and serialised once into a shared LRU cache keyed by a version that every
change of the object or of its children bumps.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.emulator import catalog, objects, paging
from tests.emulator.encoding import dumps
from tests.emulator.errors import ControlError
from tests.emulator.eventlog import EventLog
from tests.emulator.ids import mix, salt

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.emulator.dataset import Dataset
    from tests.emulator.world import World

Obj = dict[str, Any]
EMBEDDED_LIMIT = 10
_PRISTINE = -1
_IMMUTABLE = frozenset({"id", "object", "created", "livemode"})

_CHILDREN: dict[str, list[catalog.Collection]] = {}
for _coll in catalog.COLLECTIONS:
    if _coll.is_child:
        _CHILDREN.setdefault(_coll.parent, []).append(_coll)


@dataclass
class Overlay:
    """Run-time changes of one collection of one account."""

    objects: dict[str, Obj] = field(default_factory=dict)
    created: dict[str, paging.Key] = field(default_factory=dict)
    order: list[paging.Item] = field(default_factory=list)
    """Every object created at run time, children included."""
    children: dict[str, list[paging.Item]] = field(default_factory=dict)
    """Per parent (or payout): the children created at run time."""
    parent_of: dict[str, str] = field(default_factory=dict)
    deleted: dict[str, Obj] = field(default_factory=dict)
    deleted_children: Counter[str] = field(default_factory=Counter)
    version: Counter[str] = field(default_factory=Counter)
    serial: int = 0


class AccountStore:
    """The objects of one account: lookups, lists, rendering and changes."""

    def __init__(self, world: World, account: str, dataset: Dataset) -> None:
        self.world = world
        self.account = account
        self.dataset = dataset
        self.is_platform = dataset.shape.platform
        self.overlays = {c.name: Overlay() for c in catalog.COLLECTIONS}
        self._where: dict[str, str] = {}
        self.events = EventLog(self)

    # -- lookups -----------------------------------------------------------------------------

    def locate(self, object_id: str) -> str | None:
        """The collection holding ``object_id`` (deleted objects included), or None."""
        found = self._where.get(object_id)
        if found is not None:
            return found
        ref = self.dataset.find(object_id)
        return ref[0] if ref else None

    def exists(self, name: str, object_id: str) -> bool:
        """Whether ``object_id`` is a live (not deleted) object of collection ``name``."""
        overlay = self.overlays[name]
        if object_id in overlay.deleted:
            return False
        return object_id in overlay.created or self.dataset.index(name, object_id) is not None

    def key(self, name: str, object_id: str) -> paging.Key | None:
        """The ordering key of a live object (None when missing or deleted)."""
        overlay = self.overlays[name]
        if object_id in overlay.deleted:
            return None
        if object_id in overlay.created:
            return overlay.created[object_id]
        index = self.dataset.index(name, object_id)
        return None if index is None else (self.dataset.created(name, index), 0, index)

    def parent_id(self, name: str, object_id: str) -> str | None:
        """The id of the parent (or owning payout) of a child object."""
        coll = catalog.BY_NAME[name]
        overlay = self.overlays[name]
        if object_id in overlay.parent_of:
            return overlay.parent_of[object_id]
        index = self.dataset.index(name, object_id)
        if index is None:
            return None
        if coll.is_child:
            return self.dataset.id(coll.parent, self.dataset.parent_index(name, index))
        if name == "balance_transactions":
            payout = self.dataset.payout_of(index)
            return None if payout is None else self.dataset.id("payouts", payout)
        return None

    # -- views -------------------------------------------------------------------------------

    def sources(self, name: str, owner: str | None = None, *,
                pristine: bool = False) -> list[paging.Source]:
        """The ordered sources of a list: all of ``name``, or the children of ``owner``."""
        dataset = self.dataset
        low, high = 0, dataset.counts[name]
        if owner is not None:
            low, high = self._owned_range(name, owner)
        sources: list[paging.Source] = [paging.IndexRange(
            low, high, 0, lambda i: dataset.created(name, i), lambda i: dataset.id(name, i))]
        if not pristine:
            overlay = self.overlays[name]
            created = overlay.order if owner is None else overlay.children.get(owner, [])
            sources.append(paging.SortedItems(created))
        return sources

    def _owned_range(self, name: str, owner: str) -> tuple[int, int]:
        coll = catalog.BY_NAME[name]
        owner_coll = coll.parent or "payouts"
        index = self.dataset.index(owner_coll, owner)
        if index is None or owner in self.overlays[owner_coll].created:
            return (0, 0)
        if coll.is_child:
            return self.dataset.block(name, index)
        return self.dataset.payout_window(index)

    def live(self, name: str) -> Callable[[str], bool]:
        """A predicate: the id is not deleted."""
        deleted = self.overlays[name].deleted
        return lambda object_id: object_id not in deleted

    def count_children(self, name: str, owner: str) -> int:
        """Live children of ``owner`` in child collection ``name``."""
        low, high = self._owned_range(name, owner)
        overlay = self.overlays[name]
        return (high - low + len(overlay.children.get(owner, []))
                - overlay.deleted_children[owner])

    # -- rendering ---------------------------------------------------------------------------

    def base(self, name: str, object_id: str, *, pristine: bool = False) -> Obj:
        """The object's own fields (no embedded children filled); do not modify."""
        if not pristine:
            changed = self.overlays[name].objects.get(object_id)
            if changed is not None:
                return changed
        index = self.dataset.index(name, object_id)
        if index is None:
            raise KeyError(object_id)
        key = (self.account, name, index)
        built = self.world.built.get(key)
        if built is None:
            built = self.world.built.put(key, self.dataset.build(name, index))
        return built

    def render(self, name: str, object_id: str, *, pristine: bool = False) -> Obj:
        """The object as retrieved: own fields plus embedded child lists (a fresh top level)."""
        result = dict(self.base(name, object_id, pristine=pristine))
        for child in _CHILDREN.get(name, ()):
            if child.embedded and not child.includable and child.embedded in result:
                result[child.embedded] = self.child_list(child.name, object_id,
                                                         pristine=pristine)
        return result

    def encoded(self, name: str, object_id: str, *, pristine: bool = False) -> bytes:
        """``render`` as JSON bytes, cached until the object or its children change."""
        version = _PRISTINE if pristine else self.overlays[name].version[object_id]
        key = (self.account, name, object_id, version)
        found = self.world.encoded.get(key)
        if found is None:
            found = self.world.encoded.put(key, dumps(self.render(name, object_id,
                                                                  pristine=pristine)))
        return found

    def stub(self, name: str, object_id: str) -> Obj | None:
        """Stripe's ``{"id", "object", "deleted": true}`` for a deleted object, if deleted."""
        return self.overlays[name].deleted.get(object_id)

    def child_url(self, name: str, owner: str) -> str:
        """The ``url`` of the child list of ``owner``."""
        coll = catalog.BY_NAME[name]
        if coll.parent_param:
            return f"{coll.path}?{coll.parent_param}={owner}"
        return f"{catalog.BY_NAME[coll.parent].path}/{owner}/{coll.path}"

    def child_list(self, name: str, owner: str, *, pristine: bool = False) -> Obj:
        """The embedded list object of ``owner``'s children (first 10)."""
        walk = paging.walk(self.sources(name, owner, pristine=pristine), descending=True,
                           cursor=None)
        keep = (lambda _: True) if pristine else self.live(name)
        ids, more = paging.take(walk, EMBEDDED_LIMIT, keep)
        total = (self._pristine_count(name, owner) if pristine
                 else self.count_children(name, owner))
        return {"object": "list",
                "data": [self.render(name, i, pristine=pristine) for i in ids],
                "has_more": more, "total_count": total, "url": self.child_url(name, owner)}

    def _pristine_count(self, name: str, owner: str) -> int:
        low, high = self._owned_range(name, owner)
        return high - low

    # -- changes (control API) ---------------------------------------------------------------

    def create(self, name: str, kind: str, fields: Obj, links: dict[str, str | None],
               owner: str | None) -> Obj:
        """Create an object now (``fields`` override the built ones); records its event.

        ``owner`` is the parent of a child object, or the payout of a balance transaction.
        """
        coll = catalog.BY_NAME[name]
        if kind not in coll.kinds:
            raise ControlError(f"collection {name} holds {', '.join(coll.kinds)}, not {kind}")
        overlay = self.overlays[name]
        overlay.serial += 1
        serial = overlay.serial
        object_id = self.dataset.new_id(name, kind, serial)
        moment = int(fields.get("created", self.world.clock.now()))
        all_links = dict(links)
        if owner is not None:
            for link in coll.links:
                if link.mode == "parent":
                    all_links.setdefault(link.key, owner)
            if name == "balance_transactions":
                all_links["payout"] = owner
        rng = random.Random(mix(salt(self.world.seed, self.account, name, "created"), serial))
        built = objects.build(kind, id=object_id, created=moment, rng=rng, links=all_links,
                              livemode=self.dataset.shape.livemode)
        if "updated" in built:  # Stripe's `updated` (products): the last change, now
            built["updated"] = moment
        obj = _merged(built, fields)
        key = (moment, 1, self.dataset.counts[name] + serial)
        overlay.objects[object_id] = obj
        overlay.created[object_id] = key
        self._where[object_id] = name
        paging.insert(overlay.order, (key, object_id))
        if owner is not None:
            overlay.parent_of[object_id] = owner
            paging.insert(overlay.children.setdefault(owner, []), (key, object_id))
        self._touch(name, object_id)
        self._record(name, object_id, coll.events.created, None)
        return self.render(name, object_id)

    def update(self, name: str, object_id: str, fields: Obj, event_type: str | None) -> Obj:
        """Change top-level fields; records ``<type>.updated`` (or the event of the new
        status, ``Events.by_status``) with ``previous_attributes``."""
        if not self.exists(name, object_id):
            raise ControlError(f"no live object {object_id} in {name}")
        frozen = _IMMUTABLE & fields.keys()
        if frozen:
            raise ControlError(f"fields cannot be changed: {sorted(frozen)}")
        old = self.base(name, object_id)
        new = _merged(old, fields)
        if "updated" in old and "updated" not in fields and new != old:
            new["updated"] = self.world.clock.now()  # Stripe's `updated` (products)
        previous = _previous(old, new)
        if not previous:
            return self.render(name, object_id)
        self.overlays[name].objects[object_id] = new
        self._touch(name, object_id)
        self._record(name, object_id,
                     event_type or catalog.BY_NAME[name].events.of_update(previous, new),
                     previous)
        return self.render(name, object_id)

    def delete(self, name: str, object_id: str) -> Obj:
        """Delete as Stripe does: a deleted stub, or cancellation for subscriptions."""
        coll = catalog.BY_NAME[name]
        if not self.exists(name, object_id):
            raise ControlError(f"no live object {object_id} in {name}")
        current = self.base(name, object_id)
        if coll.deletion == "cancel":
            now = self.world.clock.now()
            changes = {"status": "canceled", "canceled_at": now, "ended_at": now,
                       "cancel_at": None, "cancel_at_period_end": False}
            self.overlays[name].objects[object_id] = _merged(current, changes)
            self._touch(name, object_id)
            self._record(name, object_id, coll.events.deleted, None)
            return self.render(name, object_id)
        if coll.deletion != "stub":
            raise ControlError(f"Stripe cannot delete {current.get('object')} objects")
        if name == "customers":
            # "Also immediately cancels any active subscriptions on the customer." (Stripe API
            # reference, Delete a customer)
            self._cancel_subscriptions_of(object_id)
        if name == "invoices" and current.get("status") != "draft":
            raise ControlError("Stripe deletes draft invoices only; this one is "
                               f"{current.get('status')}")
        self._record(name, object_id, coll.events.deleted, None)
        overlay = self.overlays[name]
        stub = {"id": object_id, "object": current.get("object"), "deleted": True}
        overlay.deleted[object_id] = stub
        owner = self.parent_id(name, object_id) if coll.is_child else None
        if owner is not None:
            overlay.deleted_children[owner] += 1
        self._touch(name, object_id)
        return stub

    def _cancel_subscriptions_of(self, customer: str) -> None:
        live = self.live("subscriptions")
        owned = [i for _, i in paging.walk(self.sources("subscriptions"), descending=True,
                                          cursor=None)
                 if live(i) and self.base("subscriptions", i).get("customer") == customer
                 and self.base("subscriptions", i).get("status") != "canceled"]
        for subscription in owned:
            self.delete("subscriptions", subscription)

    def _touch(self, name: str, object_id: str) -> None:
        self.overlays[name].version[object_id] += 1
        coll = catalog.BY_NAME[name]
        if coll.is_child:
            owner = self.parent_id(name, object_id)
            if owner is not None:
                self.overlays[coll.parent].version[owner] += 1

    def _record(self, name: str, object_id: str, event_type: str | None,
                previous: Obj | None) -> None:
        if event_type is None:
            return
        target, account = self.world.event_home(self, name, object_id)
        if target is not None:
            target.events.record(event_type, self.encoded(name, object_id), previous, account)


def _merged(current: Obj, fields: Obj) -> Obj:
    """``current`` with ``fields`` applied; ``metadata`` merges key by key like Stripe's."""
    result = dict(current)
    for name, value in fields.items():
        if name == "metadata" and isinstance(value, dict):
            merged = {**(current.get("metadata") or {}), **value}
            result[name] = {k: v for k, v in merged.items() if v not in ("", None)}
        else:
            result[name] = value
    return result


def _previous(old: Obj, new: Obj) -> Obj:
    """Stripe's ``previous_attributes``: old values of changed fields (changed keys of maps)."""
    previous: Obj = {}
    for name, value in new.items():
        before = old.get(name)
        if before == value:
            continue
        if isinstance(before, dict) and isinstance(value, dict):
            previous[name] = {k: before.get(k) for k in before.keys() | value.keys()
                              if before.get(k) != value.get(k)}
        else:
            previous[name] = before
    return previous
