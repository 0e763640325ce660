"""The list parameters the tap relies on agree with stripe-python's own ``*ListParams``
TypedDicts (the installed package is a source of the facts): each required parameter of the
behaviour table is required there, each parameter a stream sends is one its list takes, every
required one is sent, and a stream asks for ``created`` windows only where its list takes
``created``."""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache
from typing import Any

from scripts.endpoints import list_endpoints, normal
from tap_stripe.behaviour import BEHAVIOUR
from tap_stripe.registry import STREAMS, StreamDef

_PARAMS = re.compile(r"\b(\w+Params)\b")


@cache
def _list_params() -> dict[str, Any]:
    """List path (path parameters as ``{}``) -> the TypedDict of its parameters: the one the
    ``params`` argument of each v1 service's ``list`` names, imported as its module imports it."""
    found: dict[str, Any] = {}
    for path, dotted in list_endpoints().items():
        if not path.startswith("/v1/"):
            continue
        module_name, service = dotted.rsplit(".", 1)
        module = importlib.import_module(module_name)
        annotation = inspect.signature(getattr(module, service).list).parameters["params"]
        name = _PARAMS.findall(str(annotation.annotation))[-1]
        source = inspect.getsource(module)
        origin = re.search(rf"from (stripe\.params[\w.]*) import \(?\s*{name}\b", source)
        assert origin, (dotted, name)
        found[path] = getattr(importlib.import_module(origin[1]), name)
    return found


def _accepted(path: str) -> tuple[frozenset[str], frozenset[str]]:
    """The required and the optional parameters of the list at ``path``."""
    params = _list_params()[normal(path)]
    return params.__required_keys__, params.__optional_keys__


def test_the_walk_finds_stripes_list_endpoints() -> None:
    params = _list_params()
    assert len(params) > 100
    assert params["/v1/customers"].__name__ == "CustomerListParams"
    assert params["/v1/treasury/transactions"].__module__.endswith(".treasury."
                                                                  "_transaction_list_params")
    assert params["/v1/setup_attempts"].__required_keys__ == {"setup_intent"}


def test_each_required_parameter_of_the_behaviour_table_is_required_in_stripe_python() -> None:
    for row in BEHAVIOUR.values():
        required, _ = _accepted(row.path)
        for rule in row.required:
            assert rule.param in required, (row.path, rule.param)
            assert f"`{rule.param}`" in rule.source or f".{rule.param}`" in rule.source


def _sent(stream: StreamDef) -> set[str]:
    """The parameters every list request of ``stream`` carries."""
    return {*stream.params, *stream.parent_params,
            *((stream.parent_filter,) if stream.parent_filter else ())}


def test_every_parameter_a_stream_sends_is_one_its_list_takes() -> None:
    for stream in STREAMS:
        required, optional = _accepted(stream.path)
        sent = _sent(stream) | {k for v in stream.variants for k in v}
        sent |= {stream.clock_param} if stream.clock_param else set()
        assert sent <= required | optional, (stream.name, sent - required - optional)


def test_every_required_parameter_is_sent() -> None:
    for stream in STREAMS:
        required, _ = _accepted(stream.path)
        assert required <= _sent(stream), (stream.name, required - _sent(stream))


def test_created_windows_only_where_the_list_takes_created() -> None:
    for stream in STREAMS:
        required, optional = _accepted(stream.path)
        if stream.created_filter:
            assert "created" in required | optional, stream.name
