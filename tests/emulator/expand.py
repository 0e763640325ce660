"""``expand[]``: checking paths against Stripe's expandable fields and expanding ids.

On lists every path starts with ``data.`` (``expand[]=data`` alone is accepted and changes
nothing); at most 4 levels, ``data`` included. An id is replaced by the object it names (a
deleted object expands to its deleted stub). Fields that exist only when expanded are added:
child lists (``customer.sources``, ``checkout.session.line_items``) and values made on request
(``price.tiers``, ``customer.tax_ids``, see ``tests.emulator.included``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.emulator import catalog, errors, included

if TYPE_CHECKING:
    from tests.emulator.store import AccountStore

MAX_DEPTH = 4
Obj = dict[str, Any]


def paths(raw: list[str], kinds: tuple[str, ...], *, listing: bool) -> list[list[str]]:
    """Checked expansion paths as segment lists (the ``data.`` prefix of lists removed)."""
    result = []
    for path in raw:
        segments = path.split(".")
        if listing:
            if segments[0] != "data":
                raise errors.cannot_expand(path, hint=f"data.{path}")
            segments = segments[1:]
            if not segments:
                continue
        if len(path.split(".")) > MAX_DEPTH:
            raise errors.StripeError(400, "You cannot expand more than 4 levels of a property. "
                                     f"Property: {path}")
        _check(segments, set(kinds), path)
        result.append(segments)
    return result


def _check(segments: list[str], kinds: set[str], path: str) -> None:
    for position, segment in enumerate(segments):
        includable = {catalog.INCLUDABLE.get(k, {}).get(segment) for k in kinds} - {None}
        if includable:
            if "" in includable:
                raise errors.unsupported(f"expanding '{path}'")
            if position + 1 < len(segments):
                raise errors.unsupported(f"expanding inside '{path}'")
            return
        targets: set[str] = set()
        known = False
        for kind in kinds:
            fields = catalog.EXPANDABLE.get(kind, {})
            if segment in fields:
                known = True
                targets.update(fields[segment])
        if not known:
            raise errors.cannot_expand(path)
        if not targets and position + 1 < len(segments):
            raise errors.unsupported(f"expanding inside '{path}'")
        kinds = targets


def apply(store: AccountStore, obj: Obj, expansions: list[list[str]]) -> Obj:
    """A copy of ``obj`` with ``expansions`` applied (``obj`` itself is left unchanged)."""
    result = dict(obj)
    grouped: dict[str, list[list[str]]] = {}
    for segments in expansions:
        grouped.setdefault(segments[0], []).append(segments[1:])
    for name, rests in grouped.items():
        deeper = [rest for rest in rests if rest]
        child = catalog.INCLUDABLE.get(str(obj.get("object")), {}).get(name)
        if child == catalog.MADE:
            result[name] = included.value(obj, name)
            continue
        if child:
            result[name] = store.child_list(child, str(obj["id"]))
            continue
        result[name] = _expand_value(store, result.get(name), deeper)
    return result


def _expand_value(store: AccountStore, value: Any, deeper: list[list[str]]) -> Any:
    if isinstance(value, list):
        return [_expand_value(store, item, deeper) for item in value]
    if isinstance(value, str):
        found = store.world.resolve(store, value)
        if found is None:
            return value
        value = found
    if isinstance(value, dict) and deeper and not value.get("deleted"):
        return apply(store, value, deeper)
    return value
