"""A store loaded from the tap's output, and its check against the emulator's ground truth.

``Store`` keeps every record of every run, one per primary key: the newest ``updated`` wins
(ties and streams synced by ``created``: the later record). ``check`` compares rows, from a
``Store`` or read back from PostgreSQL, with the emulator's current objects of each stream:

* every live object has a row equal to it, field by field, with its includable fields expanded,
  apart from the fields the tap adds (``is_deleted``, ``updated`` where Stripe's object has
  none, the parent id, the parent's ``updated`` on checkout line items), and those are right;
* every object Stripe reports deleted (``Emulator.removed``: stubs, canceled subscriptions)
  that the store holds is flagged ``is_deleted``; so is every child of such a parent that
  Stripe still shows (``Emulator.shown_after_removal``: all items of a canceled subscription,
  the lines a deleted invoice's payload embeds); the other children of a deleted parent carry
  its id and are not flagged (Stripe gives no way to learn them);
* no row is left of an object that never existed; events older than Stripe's 30-day retention
  stay in the store after the emulator has forgotten them.

Event payloads and list renderings are the same objects here: the emulator writes events in the
tap's pinned API version, and a payload is the object as it was at the event, which is its
current state as long as every change came with an event (``tests.e2e.churn`` makes sure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.e2e.shape import Shape, shape

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tests.emulator import Emulator
    from tests.singer import Output

Obj = dict[str, Any]
Rows = dict[str, dict[str, Obj]]
"""stream -> id -> row"""
RETENTION = 30 * 86_400
SHOWN = 240


@dataclass
class Store:
    """All records loaded so far, deduplicated by primary key (see the module docstring).

    ``older`` lists records that arrived after a newer version of their object (stream, id,
    their ``updated``, the one held): a target that keeps the last record would end stale.
    """

    rows: Rows = field(default_factory=dict)
    older: list[tuple[str, str, int, int]] = field(default_factory=list)

    def load(self, output: Output) -> None:
        """Add the records of one run."""
        for stream, records in output.records.items():
            table = self.rows.setdefault(stream, {})
            for record in records:
                held = table.get(record["id"])
                # rows without the tap's change time (streams synced by ``created``): last wins
                if (held is None or "updated" not in record
                        or record["updated"] >= held["updated"]):
                    table[record["id"]] = record
                else:
                    self.older.append((stream, record["id"], record["updated"],
                                       held["updated"]))


def removed_ids(emulator: Emulator, stream: Shape, account: str | None = None) -> set[str]:
    """Ids of ``stream`` a store must flag as deleted: what Stripe reports deleted, and the
    children of a removed parent that Stripe still shows (events are never deleted)."""
    if stream.collection == "events":
        return set()
    shown = emulator.shown_after_removal(stream.name, account) if stream.parent_kind else {}
    return set(emulator.removed(stream.name, account)) | {i for i, s in shown.items() if s}


def differences(row: Obj, obj: Obj, stream: Shape, parent: str | None,
                account: str) -> dict[str, Any]:
    """Fields whose value in ``row`` is not Stripe's (row value, Stripe's value); columns the
    object lacks must be empty unless the tap adds them; ``stripe_account`` is ``account``."""
    found = {k: (row.get(k), v) for k, v in obj.items() if row.get(k) != v}
    if row.get("stripe_account") != account:
        found["stripe_account"] = (row.get("stripe_account"), account)
    extra = row.keys() - obj.keys() - stream.added
    found |= {k: (row[k], None) for k in extra if row[k] is not None and not k.startswith("_sdc")}
    if stream.parent_id_field and row.get(stream.parent_id_field) != parent:
        found[stream.parent_id_field] = (row.get(stream.parent_id_field), parent)
    return found


def check(rows: Rows, emulator: Emulator, streams: Iterable[str], account: str | None = None,
          connect: bool = False) -> list[str]:
    """Every way ``rows`` differ from the emulator's current state of ``account`` (default:
    the platform) (empty: they equal it). With ``connect`` (a run reading connected accounts)
    the records of objects a connected account owns belong to that account."""
    problems: list[str] = []
    for name in streams:
        problems += _check_stream(rows.get(name, {}), emulator, shape(name), account, connect)
    return problems


def owner_of(stream: Shape, obj: Obj, platform: str, connect: bool) -> str:
    """The ``stripe_account`` a record of ``obj`` carries when read on ``platform``."""
    if not (connect and stream.account_owned):
        return platform
    return str(obj["id"] if obj["object"] == "account" else obj["account"])


def _check_stream(table: dict[str, Obj], emulator: Emulator, stream: Shape,
                  account: str | None, connect: bool) -> list[str]:
    name = stream.name
    truth = {o["id"]: o for o in emulator.objects(name, account, included=True)}
    parents = emulator.parents(name, account) if stream.parent_kind else {}
    gone = removed_ids(emulator, stream, account)
    # a stream whose rows carry the deleted flag: every row says true or false
    flagged = any("is_deleted" in row for row in table.values())
    owner = account or emulator.platform_account
    problems = []
    for object_id, obj in truth.items():
        row = table.get(object_id)
        if row is None:
            problems.append(f"{name} {object_id}: missing")
            continue
        if (flagged or object_id in gone) and row.get("is_deleted") is not (object_id in gone):
            problems.append(f"{name} {object_id}: is_deleted is {row.get('is_deleted')}")
        wrong = differences(row, obj, stream, parents.get(object_id),
                            owner_of(stream, obj, owner, connect))
        if wrong:
            problems.append(f"{name} {object_id}: stale {_short(wrong)}")
    forgotten = emulator.now - RETENTION
    for object_id in table.keys() - truth.keys():
        row = table[object_id]
        if object_id in gone:
            if row.get("is_deleted") is not True:
                problems.append(f"{name} {object_id}: deleted but is_deleted is "
                                f"{row.get('is_deleted')}")
        elif not (name == "events" and row["created"] <= forgotten):
            problems.append(f"{name} {object_id}: no such object")
    return problems


def _short(wrong: dict[str, Any]) -> str:
    """The differing fields, nested ones down to the first differing leaves."""
    parts = [f"{path}: {got!r} != {want!r}" for key, (got, want) in sorted(wrong.items())
             for path, got, want in _leaves(key, got, want)]
    text = "; ".join(parts)
    return text if len(text) <= SHOWN else text[:SHOWN] + "..."


def _leaves(path: str, got: Any, want: Any) -> list[tuple[str, Any, Any]]:
    """Where ``got`` and ``want`` differ: (path, value, expected) of the first few leaves."""
    if isinstance(got, dict) and isinstance(want, dict):
        keys = sorted(k for k in got.keys() | want.keys() if got.get(k) != want.get(k))
        return [leaf for k in keys[:3] for leaf in _leaves(f"{path}.{k}", got.get(k),
                                                            want.get(k))]
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        index = next(i for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b)
        return _leaves(f"{path}[{index}]", got[index], want[index])
    return [(path, got, want)]
