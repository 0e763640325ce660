"""Generate every stream's JSON Schema from the stripe package's resource type annotations.

``python -m tap_stripe.schema_gen`` writes ``tap_stripe/schemas/<stream>.json`` for each stream
of the registry; ``--check`` writes nothing and exits 1 when a committed file differs from what
the installed stripe version produces. Schemas are never edited by hand.
"""

from __future__ import annotations

import argparse
import ast
import decimal
import functools
import importlib
import inspect
import json
import sys
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, ForwardRef, Literal, Union

import stripe
from stripe import ListObject, StripeObject

from tap_stripe.includable import left_out
from tap_stripe.registry import STREAMS, StreamDef

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

Schema = dict[str, Any]

SCHEMA_DIR = Path(__file__).parent / "schemas"

# Resources (classes with an OBJECT_NAME) that may already be on the stack for another
# embedded resource to stay typed: root -> resource -> resource, deeper ones become opaque.
MAX_RESOURCES_ON_STACK = 2

_SCALARS: dict[type, str] = {str: "string", int: "integer", bool: "boolean", float: "number"}
_OPAQUE: Schema = {"type": "object", "additionalProperties": True}
_NONE = type(None)


@dataclass(frozen=True)
class AddedField:
    """A field the tap adds to the records of some streams.

    Attributes:
        name: The field's name for a stream, or None when the stream does not get it.
        type: JSON Schema type of the value.
        description: What the tap puts there.
    """

    name: Callable[[StreamDef], str | None]
    type: str | list[str]
    description: str

    def schema(self) -> Schema:
        """The field's JSON Schema."""
        return {"type": self.type, "description": self.description}


ADDED_FIELDS: tuple[AddedField, ...] = (
    AddedField(lambda s: "updated" if s.cursor == "updated" else None, "integer",
               "Unix seconds: time of the change this record reflects (added by the tap)."),
    AddedField(lambda s: "is_deleted" if s.cursor == "updated" else None, "boolean",
               "Whether the object was deleted in Stripe (added by the tap)."),
    AddedField(lambda s: s.parent_id_field, "string",
               "Id of the parent object this record was read under (added by the tap)."),
    AddedField(lambda s: s.replication_key or None, "integer",
               "Unix seconds: the parent's `updated` when this was read (added by the tap)."),
    AddedField(lambda s: "stripe_account", ["string", "null"],
               "Id of the Stripe account the object belongs to: the platform's own or a "
               "connected account's (added by the tap; null when the key may not read its "
               "own account)."),
)


def stripe_class(dotted: str) -> type[StripeObject]:
    """The stripe-python class named ``dotted`` under the ``stripe`` package."""
    return typing.cast("type[StripeObject]", functools.reduce(getattr, dotted.split("."), stripe))


@functools.cache
def _type_checking_imports(module: str) -> dict[str, tuple[str, str]]:
    """Names imported under ``if TYPE_CHECKING:`` in ``module``: name -> (module, attribute)."""
    names: dict[str, tuple[str, str]] = {}
    tree = ast.parse(inspect.getsource(importlib.import_module(module)))
    for node in tree.body:
        test = node.test if isinstance(node, ast.If) else None
        if not (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"):
            continue
        for stmt in typing.cast("ast.If", node).body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module:
                for alias in stmt.names:
                    names[alias.asname or alias.name] = (stmt.module, alias.name)
    return names


def _resolve(annotation: Any, module: str) -> Any:
    """The annotation with a forward reference replaced by the class it names in ``module``."""
    if isinstance(annotation, str):
        annotation = ForwardRef(annotation)
    if not isinstance(annotation, ForwardRef):
        return annotation
    name = annotation.__forward_arg__
    imported = _type_checking_imports(module).get(name)
    if imported:
        return getattr(importlib.import_module(imported[0]), imported[1])
    return getattr(importlib.import_module(module), name)


def _is_resource(cls: type) -> bool:
    return bool(getattr(cls, "OBJECT_NAME", None))


def _is_object_class(tp: Any) -> bool:
    return inspect.isclass(tp) and issubclass(tp, StripeObject)


def nullable(schema: Schema) -> Schema:
    """``schema`` that also accepts null."""
    kind = schema.get("type")
    if kind is None:
        return schema
    kinds = kind if isinstance(kind, list) else [kind]
    return schema if "null" in kinds else {**schema, "type": [*kinds, "null"]}


def _union_types(a: Any, b: Any) -> str | list[str]:
    kinds = [*(a if isinstance(a, list) else [a])]
    kinds += [k for k in (b if isinstance(b, list) else [b]) if k not in kinds]
    kinds.sort(key=lambda k: k == "null")
    return kinds[0] if len(kinds) == 1 else kinds


def merge(a: Schema, b: Schema) -> Schema:
    """One schema (no anyOf) accepting what ``a`` or ``b`` accepts, as far as targets care."""
    if a == b:
        return a
    if not a or not b:
        return {}
    merged = {**a, **b, "type": _union_types(a["type"], b["type"])}
    if a.get("format") != b.get("format"):
        merged.pop("format", None)
    if "properties" in a and "properties" in b:
        properties = dict(a["properties"])
        for key, value in b["properties"].items():
            properties[key] = merge(properties[key], value) if key in properties else value
        merged["properties"] = properties
    if "items" in a and "items" in b:
        merged["items"] = merge(a["items"], b["items"])
    extra_a, extra_b = a.get("additionalProperties"), b.get("additionalProperties")
    if isinstance(extra_a, dict) and isinstance(extra_b, dict):
        merged["additionalProperties"] = merge(extra_a, extra_b)
    elif extra_a is True or extra_b is True:
        merged["additionalProperties"] = True
    return merged


def _merged_object(variants: Sequence[Schema]) -> Schema:
    """One object schema for a polymorphic union: every variant's properties, all nullable."""
    merged = functools.reduce(merge, variants)
    if "properties" in merged:
        merged["properties"] = {k: nullable(v) for k, v in merged["properties"].items()}
    return merged


def list_object(items: Schema) -> Schema:
    """Schema of an embedded Stripe list (``ListObject``) whose ``data`` holds ``items``."""
    return {
        "type": "object",
        "additionalProperties": True,
        "properties": {
            "object": {"type": "string"},
            "url": {"type": "string"},
            "has_more": {"type": "boolean"},
            "total_count": {"type": ["integer", "null"]},
            "data": {"type": "array", "items": items},
        },
    }


def object_schema(cls: type[StripeObject], stack: tuple[type, ...] = ()) -> Schema:
    """The schema of a StripeObject class, or an opaque object where recursion stops.

    ``stack`` holds the classes being expanded around this one (outermost first).
    """
    if _stops_recursion(cls, stack):
        return dict(_OPAQUE)
    inner = (*stack, cls)
    remap: dict[str, str] = getattr(cls, "_field_remappings", {})
    properties: Schema = {}
    for owner in cls.__mro__:
        if not _is_object_class(owner):
            continue
        for name, annotation in inspect.get_annotations(owner).items():
            key = remap.get(name, name)
            if name.startswith("_") or key in properties:
                continue
            if typing.get_origin(annotation) is ClassVar:
                continue
            properties[key] = field_schema(annotation, owner.__module__, inner)
    return {"type": "object", "additionalProperties": True, "properties": properties}


def _stops_recursion(cls: type, stack: tuple[type, ...]) -> bool:
    """Cycle, too many resources already expanded, or a resource inside an inner class."""
    if cls in stack:
        return True
    if not _is_resource(cls) or not stack:
        return False
    resources_on_stack = sum(_is_resource(c) for c in stack)
    return resources_on_stack > MAX_RESOURCES_ON_STACK or not _is_resource(stack[-1])


def field_schema(annotation: Any, module: str, stack: tuple[type, ...]) -> Schema:
    """The schema of one field annotation written in ``module``."""
    tp = _resolve(annotation, module)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    if tp is decimal.Decimal:
        return {"type": "string", "format": "decimal"}
    if origin is Literal:
        kinds = {_SCALARS[type(value)] for value in args}
        if len(kinds) == 1:
            return {"type": kinds.pop()}
    if origin is Union:
        return _union_schema(args, module, stack)
    if origin is list:
        return {"type": "array", "items": field_schema(args[0], module, stack)}
    if inspect.isclass(origin) and issubclass(origin, ListObject):
        return list_object(field_schema(args[0], module, stack))
    if inspect.isclass(origin) and issubclass(origin, StripeObject):
        # A generic StripeObject other than a list: stripe-python's UntypedStripeObject[T],
        # a dict of T (metadata and the like).
        values = True if args[0] is Any else field_schema(args[0], module, stack)
        return {"type": "object", "additionalProperties": values}
    if _is_object_class(tp):
        return object_schema(tp, stack)
    raise TypeError(f"no JSON Schema rule for annotation {tp!r} in {module}")


def _union_schema(args: tuple[Any, ...], module: str, stack: tuple[type, ...]) -> Schema:
    members = [_resolve(a, module) for a in args if a is not _NONE]
    if len(members) == 1:
        schema = field_schema(members[0], module, stack)
    elif str in members:  # ExpandableField (an id, as the tap does not expand) or an open enum
        schema = {"type": "string"}
    elif all(_is_object_class(m) for m in members):
        schema = _merged_object([object_schema(m, stack) for m in members])
    else:
        raise TypeError(f"no JSON Schema rule for Union{members!r} in {module}")
    return nullable(schema) if _NONE in args else schema


def build_schema(stream: StreamDef) -> Schema:
    """The JSON Schema of ``stream``'s records: the Stripe object, less the includable fields
    its records never carry (``includable.left_out``), plus the fields the tap adds."""
    cls = stripe_class(stream.stripe_class)
    schema = object_schema(cls)
    properties = schema["properties"]
    for dotted in left_out(stream.path):
        *outer, leaf = dotted.split(".")
        holder = properties
        for step in outer:
            holder = holder[step]["properties"]
        del holder[leaf]
    for added in ADDED_FIELDS:
        name = added.name(stream)
        if name is None:
            continue
        if name in properties and properties[name]["type"] not in (added.type, [added.type]):
            raise ValueError(f"{stream.name}: added field {name!r} clashes with a Stripe field")
        properties[name] = added.schema()
    if stream.key and stream.key not in properties:
        raise ValueError(f"{stream.name}: replication key {stream.key!r} is not in the schema")
    return schema


def render(schema: Schema) -> str:
    """The stable file text of a schema: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def schema_path(directory: Path, stream_name: str) -> Path:
    """Where the schema file of ``stream_name`` lives in ``directory``."""
    return directory / f"{stream_name}.json"


def orphan_files(directory: Path) -> list[Path]:
    """Schema files in ``directory`` that belong to no registry stream."""
    names = {stream.name for stream in STREAMS}
    return sorted(p for p in directory.glob("*.json") if p.stem not in names)


def stale_streams(directory: Path) -> list[str]:
    """Names of streams whose schema file is missing or differs from the generator output."""
    stale = []
    for stream in STREAMS:
        path = schema_path(directory, stream.name)
        if not path.is_file() or path.read_text(encoding="utf-8") != render(build_schema(stream)):
            stale.append(stream.name)
    return stale


def write_all(directory: Path) -> int:
    """Write the schema file of every registry stream and delete orphans; return files written."""
    for path in orphan_files(directory):
        path.unlink()
    for stream in STREAMS:
        schema_path(directory, stream.name).write_text(render(build_schema(stream)),
                                                       encoding="utf-8")
    return len(STREAMS)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tap_stripe.schema_gen", description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 listing the schema files that are out of date")
    args = parser.parse_args(argv)
    if not args.check:
        print(f"wrote {write_all(SCHEMA_DIR)} schemas to {SCHEMA_DIR}")
        return 0
    problems = [f"{name}.json: differs from the generator output"
                for name in stale_streams(SCHEMA_DIR)]
    problems += [f"{path.name}: belongs to no registry stream" for path in orphan_files(SCHEMA_DIR)]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("run `python -m tap_stripe.schema_gen` to regenerate", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
