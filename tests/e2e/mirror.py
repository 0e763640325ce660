"""A store loaded from the tap's output, and its check against the emulator's ground truth.

``Store`` keeps every record of every run, one per primary key: the newest ``updated`` wins
(ties and streams synced by ``created``: the later record). ``check`` compares rows, from a
``Store`` or read back from PostgreSQL, with the emulator's current objects of each stream:

* every live object has a row equal to it, field by field, apart from the fields the tap adds
  (``is_deleted``, ``updated`` where Stripe's object has none, the parent id, the parent's
  ``updated`` on checkout line items), and those fields are right;
* every deleted object the store holds is flagged ``is_deleted``; so are canceled subscriptions
  and the children of a deleted parent (Stripe's payload of the parent embeds them), which the
  emulator still serves;
* no row is left of an object that never existed; events older than Stripe's 30-day retention
  stay in the store after the emulator has forgotten them.

Event payloads and list renderings are the same objects here: the emulator writes events in the
tap's pinned API version, and a payload is the object as it was at the event, which is its
current state as long as every change came with an event (``tests.e2e.churn`` makes sure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tap_stripe.registry import BY_NAME, StreamDef

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
            by_created = BY_NAME[stream].cursor == "created"
            for record in records:
                held = table.get(record["id"])
                if held is None or by_created or record["updated"] >= held["updated"]:
                    table[record["id"]] = record
                else:
                    self.older.append((stream, record["id"], record["updated"],
                                       held["updated"]))


def added_fields(sdef: StreamDef, obj: Obj) -> set[str]:
    """The fields the tap adds to ``obj``'s record in stream ``sdef``."""
    added = {sdef.parent_id_field or "", sdef.replication_key, "stripe_account"}
    if sdef.cursor == "updated":
        added |= {"is_deleted"} | ({"updated"} - obj.keys())
    return added - {""}


def deleted_ids(emulator: Emulator, sdef: StreamDef, canceled: set[str],
                account: str | None = None) -> set[str]:
    """Ids of ``sdef`` a store must flag as deleted: Stripe's deletes, canceled subscriptions
    and the children of a deleted parent whose payload embeds them."""
    gone = set(emulator.deleted(sdef.name, account)) | (
        canceled if sdef.name == "subscriptions" else set())
    if sdef.parent and sdef.embedded:
        parents_gone = deleted_ids(emulator, BY_NAME[sdef.parent], canceled, account)
        gone |= {i for i, p in emulator.parents(sdef.name, account).items()
                 if p in parents_gone}
    return gone


def differences(row: Obj, obj: Obj, sdef: StreamDef, parent: str | None,
                account: str) -> dict[str, Any]:
    """Fields whose value in ``row`` is not Stripe's (row value, Stripe's value); columns the
    object lacks must be empty unless the tap adds them; ``stripe_account`` is ``account``."""
    found = {k: (row.get(k), v) for k, v in obj.items() if row.get(k) != v}
    if row.get("stripe_account") != account:
        found["stripe_account"] = (row.get("stripe_account"), account)
    extra = row.keys() - obj.keys() - added_fields(sdef, obj)
    found |= {k: (row[k], None) for k in extra if row[k] is not None and not k.startswith("_sdc")}
    if sdef.parent_id_field and row.get(sdef.parent_id_field) != parent:
        found[sdef.parent_id_field] = (row.get(sdef.parent_id_field), parent)
    return found


def check(rows: Rows, emulator: Emulator, streams: Iterable[str],
          canceled: set[str] | None = None, account: str | None = None,
          connect: bool = False) -> list[str]:
    """Every way ``rows`` differ from the emulator's current state of ``account`` (default:
    the platform) (empty: they equal it). With ``connect`` (a run reading connected accounts)
    the Connect-only streams' records belong to the connected account they describe."""
    problems: list[str] = []
    for name in streams:
        problems += _check_stream(rows.get(name, {}), emulator, BY_NAME[name], canceled or set(),
                                  account, connect)
    return problems


def owner_of(sdef: StreamDef, obj: Obj, platform: str, connect: bool) -> str:
    """The ``stripe_account`` a record of ``obj`` carries when read on ``platform``."""
    if not (connect and sdef.connect_only):
        return platform
    return str(obj["id"] if sdef.name == "accounts" else obj["account"])


def _check_stream(table: dict[str, Obj], emulator: Emulator, sdef: StreamDef,
                  canceled: set[str], account: str | None, connect: bool) -> list[str]:
    name = sdef.name
    truth = {o["id"]: o for o in emulator.objects(name, account, included=True)}
    parents = emulator.parents(name, account) if sdef.parent_id_field else {}
    gone = (deleted_ids(emulator, sdef, canceled, account) if sdef.cursor == "updated"
            else set())
    owner = account or emulator.platform_account
    problems = []
    for object_id, obj in truth.items():
        row = table.get(object_id)
        if row is None:
            problems.append(f"{name} {object_id}: missing")
            continue
        if sdef.cursor == "updated" and row.get("is_deleted") is not (object_id in gone):
            problems.append(f"{name} {object_id}: is_deleted is {row.get('is_deleted')}")
        wrong = differences(row, obj, sdef, parents.get(object_id),
                            owner_of(sdef, obj, owner, connect))
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
