"""Stripe's form-encoded parameters: decoding brackets and checking values.

``created[gte]=5&expand[0]=data.sources&types[]=a`` becomes
``{"created": {"gte": "5"}, "expand": ["data.sources"], "types": ["a"]}``. The checks raise the
errors Stripe sends for a wrong type (``Invalid integer: abc``, ``Invalid boolean: x``,
``Invalid array``), an unknown parameter or sub-parameter, and a value out of range.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from tests.emulator import errors

_PART = re.compile(r"\[([^\]]*)\]")
_RANGE_KEYS = ("gt", "gte", "lt", "lte")


def parse(query: str) -> dict[str, Any]:
    """Decode a query string into nested dicts and lists (values stay strings)."""
    tree: dict[str, Any] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        head, _, rest = name.partition("[")
        parts = [head, *_PART.findall("[" + rest)] if rest else [head]
        node: dict[Any, Any] = tree
        for position, part in enumerate(parts):
            last = position == len(parts) - 1
            slot: Any = len(node) if part == "" else int(part) if part.isdigit() else part
            if last:
                node[slot] = value
            else:
                child = node.get(slot)
                if not isinstance(child, dict):
                    child = node[slot] = {}
                node = child
    return _lists(tree)


def _lists(node: Any) -> Any:
    """Turn dicts whose keys are all integers into lists (``a[]``, ``a[0]``)."""
    if not isinstance(node, dict):
        return node
    converted = {k: _lists(v) for k, v in node.items()}
    if converted and all(isinstance(k, int) for k in converted):
        return [converted[k] for k in sorted(converted)]
    return converted


def reject_unknown(params: dict[str, Any], allowed: set[str]) -> None:
    """400 ``parameter_unknown`` for the first parameter not in ``allowed``."""
    for name in params:
        if name not in allowed:
            raise errors.unknown_parameter(name)


def text(params: dict[str, Any], name: str) -> str | None:
    """A string parameter."""
    value = params.get(name)
    if value is None or isinstance(value, str):
        return value
    raise errors.invalid("string", name, f"Invalid string: {_shown(value)}")


def integer(name: str, value: Any) -> int:
    """An integer parameter value."""
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise errors.invalid("integer", name, f"Invalid integer: {_shown(value)}")


def boolean(name: str, value: Any) -> bool:
    """A boolean parameter value (``true``/``false``)."""
    if value in ("true", "false"):
        return value == "true"
    raise errors.invalid("boolean", name, f"Invalid boolean: {_shown(value)}")


def array(name: str, value: Any) -> list[str]:
    """An array-of-strings parameter value."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise errors.invalid("array", name, f"Invalid array: {_shown(value)}")


def limit(params: dict[str, Any]) -> int:
    """``limit``: 10 by default, 1 to 100."""
    if "limit" not in params:
        return 10
    value = integer("limit", params["limit"])
    if value < 1:
        raise errors.invalid("integer", "limit", "This value must be greater than or equal to 1.")
    if value > 100:
        raise errors.invalid("integer", "limit", "This value must be less than or equal to 100.")
    return value


def time_range(name: str, value: Any) -> tuple[int | None, int | None]:
    """An int or ``{gt, gte, lt, lte}`` parameter as an inclusive (low, high) range."""
    if isinstance(value, str):
        exact = integer(name, value)
        return exact, exact
    if not isinstance(value, dict) or not value:
        raise errors.invalid("integer", name, f"Invalid integer: {_shown(value)}")
    low: int | None = None
    high: int | None = None
    for key, raw in value.items():
        if key not in _RANGE_KEYS:
            raise errors.unknown_parameter(f"{name}[{key}]")
        bound = integer(f"{name}[{key}]", raw)
        if key in ("gt", "gte"):
            bound += key == "gt"
            low = bound if low is None else max(low, bound)
        else:
            bound -= key == "lt"
            high = bound if high is None else min(high, bound)
    return low, high


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        value = dict(enumerate(value))
    if isinstance(value, dict):
        return "{" + ",".join(f'"{k}":"{v}"' for k, v in value.items()) + "}"
    return str(value)
