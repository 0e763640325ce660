"""List filters (``status=``, ``customer=``, ``active=`` ...) as predicates on objects.

Each ``catalog.Filter`` kind checks its parameter the way Stripe does (``Invalid boolean``,
``Invalid integer``, ``Invalid <name>: must be one of ...``) and becomes a test of the object's
field. Filters that select a parent (``setup_intent=``, ``subscription=``, ``payout=``) are not
predicates; the list handler turns them into the parent's block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.emulator import errors, query

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.emulator.catalog import Filter

Obj = dict[str, Any]
_ENDED = frozenset({"canceled", "incomplete_expired"})
"""Subscription statuses ``status=ended`` selects (and no ``status`` at all hides: see the
catalog's ``Hidden`` rows)."""


def field_value(obj: Obj, path: str) -> Any:
    """The value at dotted ``path`` of ``obj`` (None when absent)."""
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def as_text(value: Any) -> str:
    """A field value as Stripe's form encoding writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict) and "id" in value:
        return str(value["id"])
    return "" if value is None else str(value)


def predicate(name: str, spec: Filter, raw: Any) -> Callable[[Obj], bool]:
    """The test an object must pass for parameter ``name`` with value ``raw``."""
    path = spec.field or name
    builders: dict[str, Callable[[], Callable[[Obj], bool]]] = {
        "eq": lambda: _equal(path, _text(name, raw)),
        "bool": lambda: _same(path, query.boolean(name, raw)),
        "int": lambda: _same(path, query.integer(name, raw)),
        "isnull": lambda: _null(path, query.boolean(name, raw)),
        "range": lambda: _within(path, *query.time_range(name, raw)),
        "in": lambda: _member(path, set(query.array(name, raw))),
        "dict": lambda: _matching(path, name, raw),
        "subscription_status": lambda: _status(_choice(name, raw, spec.choices)),
        "required": lambda: _equal(path, _choice(name, raw, spec.choices) if spec.choices
                                   else _text(name, raw)),
        "after": lambda: _within(path, query.integer(name, raw) + 1, None),
        "before": lambda: _within(path, None, query.integer(name, raw) - 1),
    }
    if spec.kind not in builders:
        raise errors.unsupported(f"the '{name}' list filter")
    return builders[spec.kind]()


def _text(name: str, raw: Any) -> str:
    value = query.text({name: raw}, name)
    return "" if value is None else value


def _choice(name: str, raw: Any, choices: tuple[str, ...]) -> str:
    value = _text(name, raw)
    if value not in choices:
        raise errors.invalid_choice(name, choices)
    return value


def _equal(path: str, wanted: str) -> Callable[[Obj], bool]:
    return lambda obj: as_text(field_value(obj, path)) == wanted


def _same(path: str, wanted: object) -> Callable[[Obj], bool]:
    return lambda obj: field_value(obj, path) == wanted


def _null(path: str, wanted: bool) -> Callable[[Obj], bool]:
    return lambda obj: (field_value(obj, path) is None) == wanted


def _within(path: str, low: int | None, high: int | None) -> Callable[[Obj], bool]:
    def test(obj: Obj) -> bool:
        value = field_value(obj, path)
        if not isinstance(value, int):
            return False
        return (low is None or value >= low) and (high is None or value <= high)
    return test


def _member(path: str, wanted: set[str]) -> Callable[[Obj], bool]:
    return lambda obj: as_text(field_value(obj, path)) in wanted


def _matching(path: str, name: str, raw: Any) -> Callable[[Obj], bool]:
    if not isinstance(raw, dict):
        raise errors.invalid("object", name, f"Invalid object: {raw}")
    wanted = {key: value for key, value in raw.items() if isinstance(value, str)}
    return lambda obj: all(as_text(field_value(obj, f"{path}.{k}")) == v
                           for k, v in wanted.items())


def _status(wanted: str) -> Callable[[Obj], bool]:
    if wanted == "all":
        return lambda obj: True
    if wanted == "ended":
        return lambda obj: obj.get("status") in _ENDED
    return lambda obj: obj.get("status") == wanted
