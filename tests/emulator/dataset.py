"""The generated (initial) data of one account, computed on demand, never stored.

Every collection of ``catalog.COLLECTIONS`` holds ``count`` objects numbered oldest first. An
object's id, ``created``, kind, parent and links are pure functions of (seed, account,
collection, index), and ``created`` never decreases with the index, so ``created`` filters and
cursors are binary searches. Children of one parent are a contiguous index range (its *block*),
placed between the parent's creation and the next parent's, so child collections are ordered by
``created`` too. Only small per-collection arrays (children per parent) are kept in memory.
"""

from __future__ import annotations

import bisect
import math
import random
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.emulator import catalog, objects
from tests.emulator.ids import IdCodec, mix, salt, unit

if TYPE_CHECKING:
    from collections.abc import Callable

DAY = 86_400
HISTORY = 730 * DAY
RECENT = 30 * DAY
_GROWTH = 0.6
_RECENT_SHARE = 0.05
_BIG_CHILDREN = (11, 25)
_LONG_ID_PREFIXES = frozenset({"pi", "ch", "pm", "re", "txn", "seti", "setatt", "iauth", "ipi",
                               "cs", "po", "tr", "py", "dp", "issfr", "card", "ba"})
_REF_CACHE = 50_000
_OWNERS = "financial_connections_account_owners"
_NAMED = tuple(c.name for c in catalog.COLLECTIONS if c.names)

Ref = tuple[str, int]
"""A generated object: (collection name, index)."""


@dataclass(frozen=True)
class Shape:
    """What a data set holds: its seed, size, owner and time anchor."""

    seed: int
    account: str
    scale: int
    anchor: int
    livemode: bool = False
    platform: bool = True
    connected_accounts: int = 0


class _Counts(dict[str, int]):
    """Objects per collection: top-level counts set up front, a child collection's counted
    from its blocks on first use (a data set of a million objects starts without walking
    every parent of every child collection)."""

    def __init__(self, blocks: Callable[[str], array[int]]) -> None:
        super().__init__()
        self._blocks = blocks

    def __missing__(self, name: str) -> int:
        if name not in catalog.BY_NAME:
            raise KeyError(name)
        count = self[name] = self._blocks(name)[-1]
        return count

    def get(self, name: str, default: int = 0) -> int:  # type: ignore[override]
        """The count of ``name`` (computed if need be), or ``default`` for no collection."""
        return self[name] if name in catalog.BY_NAME else default


class Dataset:
    """The generated objects of one account (see the module docstring)."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.counts = _Counts(self.blocks)
        self.counts.update((c.name, self._top_count(c)) for c in catalog.COLLECTIONS
                           if not c.is_child)
        self._keys = {c.name: salt(shape.seed, shape.account, c.name)
                      for c in catalog.COLLECTIONS}
        self._codecs: dict[tuple[str, str], IdCodec] = {}
        self._prefixes: dict[str, tuple[str, ...]] = {
            c.name: tuple(objects.ID_PREFIX[k] for k in c.kinds) for c in catalog.COLLECTIONS}
        self._blocks: dict[str, array[int]] = {}
        self._refs: dict[Ref, dict[str, Ref | None]] = {}

    # -- sizes and order ---------------------------------------------------------------------

    def _top_count(self, coll: catalog.Collection) -> int:
        shape = self.shape
        if coll.platform_only and (not shape.platform or shape.connected_accounts == 0):
            return 0
        if coll.test_mode_only and shape.livemode:
            return 0
        if coll.names:  # a connected account's own (see catalog.Collection)
            return 0 if shape.platform else len(coll.names)
        if coll.name == "accounts":
            return shape.connected_accounts
        return max(coll.minimum, round(shape.scale * coll.per_scale))

    def total(self) -> int:
        """How many objects the data set holds, all collections together."""
        return sum(self.counts[c.name] for c in catalog.COLLECTIONS)

    def blocks(self, name: str) -> array[int]:
        """Prefix sums of children per parent: parent ``p`` owns ``[b[p], b[p + 1])``."""
        found = self._blocks.get(name)
        if found is None:
            coll = catalog.BY_NAME[name]
            key = self._keys[name]
            sizes = (max(coll.min_per_parent, self._children(key, p, coll.per_parent))
                     for p in range(self.counts[coll.parent]))
            found = array("q", [0])
            running = 0
            for size in sizes:
                running += size
                found.append(running)
            self._blocks[name] = found
        return found

    @staticmethod
    def _children(key: int, parent: int, mean: float) -> int:
        """Children of parent ``parent``: the first has many, the second none, others vary."""
        low, high = _BIG_CHILDREN
        if parent == 0:
            return low + mix(key, 7) % (high - low)
        if parent == 1:
            return 0
        draw = mix(key, parent)
        if draw % 100 == 0:
            return low + (draw >> 8) % (high - low)
        u = unit(key ^ 0x5A5A, parent)
        ratio = mean / (1.0 + mean)
        return int(math.log(1.0 - u) / math.log(ratio)) if ratio > 0 else 0

    def block(self, name: str, parent_index: int) -> tuple[int, int]:
        """The index range of the children of parent ``parent_index`` in child collection."""
        blocks = self.blocks(name)
        if not 0 <= parent_index < len(blocks) - 1:
            return (0, 0)
        return (blocks[parent_index], blocks[parent_index + 1])

    def parent_index(self, name: str, index: int) -> int:
        """The parent (index in the parent collection) of child ``index``."""
        return bisect.bisect_right(self.blocks(name), index) - 1

    def created(self, name: str, index: int) -> int:
        """``created`` of object ``index``; never decreases with ``index``."""
        coll = catalog.BY_NAME[name]
        if coll.is_child:
            return self._child_created(coll, index)
        count = self.counts[name]
        anchor = self.shape.anchor
        recent = max(1, math.ceil(count * _RECENT_SHARE))
        older = count - recent
        u = unit(self._keys[name] ^ 0xC0FFEE, index)
        if index >= older:
            start = anchor - RECENT + 60
            return start + int((RECENT - 120) * (index - older + u) / recent)
        span = HISTORY - RECENT
        return anchor - HISTORY + int(span * ((index + u) / older) ** _GROWTH)

    def _child_created(self, coll: catalog.Collection, index: int) -> int:
        parent = self.parent_index(coll.name, index)
        low, high = self.block(coll.name, parent)
        start = self.created(coll.parent, parent)
        if parent + 1 < self.counts[coll.parent]:
            end = self.created(coll.parent, parent + 1)
        else:
            end = self.shape.anchor
        u = unit(self._keys[coll.name] ^ 0xC0FFEE, index)
        return start + int((end - start) * (index - low + u) / (high - low))

    def count_until(self, name: str, moment: int, low: int = 0, high: int | None = None) -> int:
        """Index of the first object in ``[low, high)`` created after ``moment``."""
        if high is None and low == 0 and not catalog.BY_NAME[name].is_child:
            return self._invert(name, moment)
        top = self.counts[name] if high is None else high
        return bisect.bisect_right(range(top), moment, lo=low,
                                   key=lambda i: self.created(name, i))

    def count_before(self, name: str, moment: int, low: int = 0, high: int | None = None) -> int:
        """Index of the first object in ``[low, high)`` created at or after ``moment``."""
        return self.count_until(name, moment - 1, low, high)

    def _invert(self, name: str, moment: int) -> int:
        """``count_until`` for a whole top-level collection: invert ``created``, then adjust."""
        count = self.counts[name]
        anchor = self.shape.anchor
        recent = max(1, math.ceil(count * _RECENT_SHARE))
        older = count - recent
        recent_start = anchor - RECENT + 60
        if moment >= recent_start:
            guess = older + int((moment - recent_start) * recent / (RECENT - 120))
        else:
            share = max(0.0, (moment - (anchor - HISTORY)) / (HISTORY - RECENT))
            guess = int(older * share ** (1 / _GROWTH))
        index = min(max(guess, 0), count)
        while index > 0 and self.created(name, index - 1) > moment:
            index -= 1
        while index < count and self.created(name, index) <= moment:
            index += 1
        return index

    # -- identity ----------------------------------------------------------------------------

    def kind(self, name: str, index: int) -> str:
        """The Stripe object kind of object ``index`` (collections may mix kinds)."""
        coll = catalog.BY_NAME[name]
        if len(coll.kinds) == 1:
            return coll.kinds[0]
        draw = mix(self._keys[name] ^ 0xB1, index) % sum(coll.weights)
        for kind, weight in zip(coll.kinds, coll.weights, strict=True):
            if draw < weight:
                return kind
            draw -= weight
        return coll.kinds[-1]

    def _codec(self, name: str, prefix: str) -> IdCodec:
        codec = self._codecs.get((name, prefix))
        if codec is None:
            length = 24 if prefix in _LONG_ID_PREFIXES else 14
            codec = IdCodec(self._keys[name], length)
            self._codecs[(name, prefix)] = codec
        return codec

    def id(self, name: str, index: int) -> str:
        """The id of object ``index`` of collection ``name``."""
        names = catalog.BY_NAME[name].names
        if names:
            return names[index]
        prefix = objects.ID_PREFIX[self.kind(name, index)]
        return f"{prefix}_{self._codec(name, prefix).tail(index)}"

    def new_id(self, name: str, kind: str, serial: int) -> str:
        """The id of the ``serial``-th object created at run time in collection ``name``."""
        names = catalog.BY_NAME[name].names
        if names:  # IndexError: every name is taken
            return names[self.counts[name] + serial]
        prefix = objects.ID_PREFIX[kind]
        return f"{prefix}_{self._codec(name, prefix).tail(self.counts[name] + serial)}"

    def index(self, name: str, object_id: str) -> int | None:
        """The index of ``object_id`` in collection ``name``, or None when it is not there."""
        names = catalog.BY_NAME[name].names
        if names:
            index = names.index(object_id) if object_id in names else None
            return index if index is not None and index < self.counts[name] else None
        for prefix in self._prefixes[name]:
            if object_id.startswith(prefix + "_"):
                index = self._codec(name, prefix).index(object_id[len(prefix) + 1:])
                if (index is not None and index < self.counts[name]
                        and objects.ID_PREFIX[self.kind(name, index)] == prefix):
                    return index
        return None

    def find(self, object_id: str) -> Ref | None:
        """The generated object with id ``object_id`` in any collection, or None."""
        for name in _NAMED:
            index = self.index(name, object_id)
            if index is not None:
                return (name, index)
        prefix = object_id.split("_", 1)[0]
        for name, prefixes in self._prefixes.items():
            if prefix in prefixes:
                index = self.index(name, object_id)
                if index is not None:
                    return (name, index)
        return None

    # -- links -------------------------------------------------------------------------------

    def refs(self, name: str, index: int) -> dict[str, Ref | None]:
        """The objects object ``index`` links to, by link key."""
        found = self._refs.get((name, index))
        if found is not None:
            return found
        coll = catalog.BY_NAME[name]
        found = {}
        for number, link in enumerate(coll.links):
            found[link.key] = self._resolve(coll, index, link, number, found)
        if len(self._refs) >= _REF_CACHE:
            self._refs.clear()
        self._refs[(name, index)] = found
        return found

    def _resolve(self, coll: catalog.Collection, index: int, link: catalog.Link, number: int,
                 known: dict[str, Ref | None]) -> Ref | None:
        key = mix(self._keys[coll.name], index * 64 + number)
        if link.null and (key % 10_000) < link.null * 10_000:
            return None
        moment = self.created(coll.name, index)
        resolvers: dict[str, Callable[[], Ref | None]] = {
            "pick": lambda: self._pick(link.target, moment, key),
            "nearest": lambda: self._nearest(link.target, moment),
            "parent": lambda: (coll.parent, self.parent_index(coll.name, index)),
            "via": lambda: self._via(known, link.path, link.target, moment, key),
            "child": lambda: self._child(known, link.path, link.target, key),
            "one_of": lambda: self._one_of(link.choices, moment, key),
            "spread": lambda: self._spread(coll.name, index, link.target),
            "spread_back": lambda: self._spread_back(coll.name, index, link.target),
        }
        return resolvers[link.mode]()

    def _pick(self, target: str, moment: int, key: int) -> Ref | None:
        total = self.counts.get(target, 0)
        if total == 0:
            return None
        older = self.count_until(target, moment) or 1
        return (target, (key >> 16) % older)

    def _nearest(self, target: str, moment: int) -> Ref | None:
        total = self.counts.get(target, 0)
        if total == 0:
            return None
        return (target, min(self.count_before(target, moment), total - 1))

    def _follow(self, known: dict[str, Ref | None], path: tuple[str, ...]) -> Ref | None:
        ref = known.get(path[0])
        for step in path[1:]:
            if ref is None:
                return None
            ref = self.refs(*ref).get(step)
        return ref

    def _via(self, known: dict[str, Ref | None], path: tuple[str, ...], fallback: str,
             moment: int, key: int) -> Ref | None:
        found = self._follow(known, path)
        if found is None and fallback:
            return self._pick(fallback, moment, key)
        return found

    def _child(self, known: dict[str, Ref | None], path: tuple[str, ...], target: str,
               key: int) -> Ref | None:
        owner = self._follow(known, path)
        if owner is None:
            return None
        low, high = self.block(target, owner[1])
        return (target, low + (key >> 16) % (high - low)) if high > low else None

    def _spread(self, name: str, index: int, target: str) -> Ref | None:
        mine, theirs = self.counts[name], self.counts.get(target, 0)
        if theirs < mine:  # not one each: no link
            return None
        return (target, index * theirs // mine)

    def _spread_back(self, name: str, index: int, target: str) -> Ref | None:
        mine, theirs = self.counts[name], self.counts.get(target, 0)
        if not theirs or mine < theirs:
            return None
        other = -(-index * theirs // mine)  # the smallest j with j * mine // theirs >= index
        if other < theirs and other * mine // theirs == index:
            return (target, other)
        return None

    def _one_of(self, choices: tuple[tuple[str, int], ...], moment: int, key: int) -> Ref | None:
        present = [(name, weight) for name, weight in choices if self.counts.get(name, 0)]
        if not present:
            return None
        draw = (key >> 20) % sum(weight for _, weight in present)
        for name, weight in present:
            if draw < weight:
                return self._pick(name, moment, key)
            draw -= weight
        return None

    def links(self, name: str, index: int) -> dict[str, str | None]:
        """The ``links`` argument of ``objects.build`` for object ``index``."""
        result = {key: (self.id(*ref) if ref else None)
                  for key, ref in self.refs(name, index).items()}
        if name == "balance_transactions":
            payout = self.payout_of(index)
            result["payout"] = self.id("payouts", payout) if payout is not None else None
        if name == "payouts":  # not a link: "true" for a manual payout
            result["manual"] = None if self.payout_automatic(index) else "true"
        if name in _NAMED:  # the account they belong to: this data set's
            result["account"] = self.shape.account
        if name == "financial_connections_accounts":
            low, high = self.block(_OWNERS, index)
            result["ownership"] = self.ownership(index) if high > low else None
        if name == _OWNERS:
            result["ownership"] = self.ownership(self.parent_index(name, index))
        return result

    def ownership(self, account: int) -> str:
        """The id of the ownership of Financial Connections account ``account`` (not an object
        of any list: ``fcaowns_`` and the account id's tail, as in Stripe's example owner)."""
        return "fcaowns_" + self.id("financial_connections_accounts", account).split("_", 1)[1]

    # -- payouts and their balance transactions ----------------------------------------------

    def payout_automatic(self, payout: int) -> bool:
        """Whether payout ``payout`` is automatic (Stripe's schedule): about 80%; the newest
        is, the third newest is manual (``automatic: false``)."""
        total = self.counts["payouts"]
        if payout in (total - 1, total - 3):
            return payout == total - 1
        return mix(self._keys["payouts"] ^ 0xA7, payout) % 10 < 8

    def payout_window(self, payout: int) -> tuple[int, int]:
        """The balance transactions (index range) paid out by payout ``payout``: some of
        those created since the previous payout; the newest payout has more than 10, the one
        before it none. A manual payout has none: Stripe ties balance transactions to automatic
        payouts only (``BalanceTransactionListParams.payout``: "For automatic Stripe payouts
        only")."""
        total = self.counts["payouts"]
        high = self.count_until("balance_transactions", self.created("payouts", payout))
        if not self.payout_automatic(payout):
            return (high, high)
        floor = (self.count_until("balance_transactions", self.created("payouts", payout - 1))
                 if payout > 0 else 0)
        low, top = _BIG_CHILDREN
        draw = mix(self._keys["payouts"] ^ 0xD1, payout)
        if payout == total - 1:
            size = low + draw % (top - low)
        elif payout == total - 2 or draw % 10 == 0:
            size = 0
        else:
            size = 1 + (draw >> 8) % 30
        return (max(floor, high - size), high)

    def payout_of(self, transaction: int) -> int | None:
        """The payout that paid out balance transaction ``transaction``, if any."""
        moment = self.created("balance_transactions", transaction)
        payout = self.count_before("payouts", moment)
        if payout >= self.counts["payouts"]:
            return None
        low, high = self.payout_window(payout)
        return payout if low <= transaction < high else None

    # -- objects -----------------------------------------------------------------------------

    def build(self, name: str, index: int) -> dict[str, Any]:
        """The object as generated (before any change made through the control API)."""
        kind = self.kind(name, index)
        rng = random.Random(mix(self._keys[name] ^ 0xABCDEF, index))
        built = objects.build(kind, id=self.id(name, index), created=self.created(name, index),
                              rng=rng, links=self.links(name, index),
                              livemode=self.shape.livemode)
        if "updated" in built:  # generated objects were last changed before the anchor
            built["updated"] = min(built["updated"], self.shape.anchor)
        if name in _NAMED:  # capabilities the account requests (its `capabilities` map):
            # requested ("Whether the capability has been requested."), so not `unrequested`
            built.update(requested=True, requested_at=self.created(name, index),
                         status="pending" if built["status"] == "unrequested"
                         else built["status"])
        return built
