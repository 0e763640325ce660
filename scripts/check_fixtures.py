"""Development check: do the packaged stream schemas cover Stripe's official example objects?

Usage: ``python scripts/check_fixtures.py FIXTURES_JSON`` where FIXTURES_JSON is Stripe's
``openapi/fixtures3.json`` (``{"resources": {<object name>: <example object>}}``).

For every registry stream and each of its object names this checks that every key of the example
object (recursively) is declared in the stream's schema, and that the example validates against
the schema (JSON Schema Draft 7). Known differences are listed in EXPECTED with a reason; the
script exits 1 when it finds anything else. Keys below an opaque object (where the generator
stops recursing) cannot be checked and are only counted.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from tap_stripe.registry import STREAMS
from tap_stripe.schemas import load_schema

# (object name, kind, path) -> why the example differs from what the API returns to the tap.
# Paths are dotted; "[]" stands for any list index.
EXPANDED = "the example holds an expanded object where an un-expanded API response has an id"
EXPECTED: dict[tuple[str, str, str], str] = {
    ("invoice", "missing", "subscription"):
        "stale example key: removed from the invoice in API 2025-03-31.basil (null here)",
    ("charge", "invalid", "transfer_data.destination"): EXPANDED,
    ("payment_intent", "invalid", "transfer_data.destination"): EXPANDED,
    ("subscription", "invalid", "transfer_data.destination"): EXPANDED,
    ("quote", "invalid", "transfer_data.destination"): EXPANDED,
    ("subscription_schedule", "invalid", "default_settings.transfer_data.destination"): EXPANDED,
    ("subscription_schedule", "invalid", "phases[].transfer_data.destination"): EXPANDED,
    ("subscription_schedule", "invalid", "phases[].items[].plan"): EXPANDED,
    ("charge", "missing", "refunds"):
        "includable (\"not included by default\"), read as the stream refunds; the example "
        "embeds it",
    ("billing.alert", "invalid", "usage_threshold.meter"): EXPANDED,
    ("billing.credit_grant", "invalid", "customer"): EXPANDED,
    ("payment_link", "invalid", "transfer_data.destination"): EXPANDED,
    ("treasury.outbound_payment", "invalid", "returned_details.transaction"): EXPANDED,
    ("treasury.outbound_transfer", "invalid", "returned_details.transaction"): EXPANDED,
}

# Object names of registry streams that Stripe's example objects do not hold (newer than them).
NO_EXAMPLE: dict[str, str] = dict.fromkeys(
    ("apps.install", "billing.feedback_option", "product_catalog.trial_offer", "tax.location",
     "three_d_secure.authentication"),
    "no example object in Stripe's fixtures3.json (newer than it)")


@dataclass
class Report:
    """What checking the examples found."""

    streams: int = 0
    keys_checked: int = 0
    keys_under_opaque: int = 0
    problems: dict[tuple[str, str, str], str] = field(default_factory=dict)
    without_example: list[str] = field(default_factory=list)


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type", [])
    return kind if isinstance(kind, list) else [kind]


def check_keys(value: Any, schema: dict[str, Any], path: str, found: Report, obj: str) -> None:
    """Count the keys of ``value`` declared in ``schema``; record the undeclared ones."""
    if isinstance(value, list) and "items" in schema:
        for item in value:
            check_keys(item, schema["items"], f"{path}[]", found, obj)
        return
    if not isinstance(value, dict) or "object" not in _types(schema):
        return  # scalars, and type mismatches (left to validation)
    extra = schema.get("additionalProperties")
    properties = schema.get("properties")
    for key, item in value.items():
        child = f"{path}.{key}" if path else key
        if properties is not None and key in properties:
            found.keys_checked += 1
            check_keys(item, properties[key], child, found, obj)
        elif isinstance(extra, dict):  # a map such as metadata: keys are data, not fields
            check_keys(item, extra, child, found, obj)
        elif properties is None:
            found.keys_under_opaque += 1 + count_keys(item)
        else:
            found.keys_checked += 1
            found.problems[(obj, "missing", child)] = "key not in the schema"


def count_keys(value: Any) -> int:
    """Number of object keys in ``value`` at every depth."""
    if isinstance(value, dict):
        return sum(1 + count_keys(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_keys(v) for v in value)
    return 0


def check(fixtures: dict[str, Any]) -> Report:
    """Check every registry stream's schema against the example of each of its object names."""
    found = Report()
    for stream in STREAMS:
        schema = load_schema(stream.name)
        validator = Draft7Validator(schema)
        found.streams += 1
        for obj in stream.object_names:
            if obj not in fixtures:
                found.without_example.append(obj)
                continue
            example = fixtures[obj]
            check_keys(example, schema, "", found, obj)
            for error in validator.iter_errors(example):
                path = "".join("[]" if isinstance(p, int) else f".{p}" for p in error.path)
                found.problems[(obj, "invalid", path.lstrip("."))] = error.message[:160]
    return found


def main(argv: list[str] | None = None) -> int:
    """Print a summary; exit 1 on unexpected differences."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fixtures", type=Path, help="Stripe's openapi fixtures3.json")
    args = parser.parse_args(argv)
    fixtures = json.loads(args.fixtures.read_text(encoding="utf-8"))["resources"]
    found = check(fixtures)
    unexpected = {k: v for k, v in found.problems.items() if k not in EXPECTED}
    expected = {k: EXPECTED[k] for k in found.problems if k in EXPECTED}
    unseen = sorted(k for k in EXPECTED if k not in found.problems)
    missing = [k for k in found.problems if k[1] == "missing"]
    invalid = [k for k in found.problems if k[1] == "invalid"]
    print(f"streams checked: {found.streams}")
    print(f"keys checked: {found.keys_checked} "
          f"(+{found.keys_under_opaque} below opaque objects, not checkable)")
    print(f"missing keys: {len(missing)}; validation errors: {len(invalid)}")
    stray = sorted(set(found.without_example) - NO_EXAMPLE.keys())
    for obj in sorted(set(found.without_example)):
        print(f"  {'UNEXPECTED' if obj in stray else 'expected'}  no example: {obj}")
    for (obj, kind, path), reason in sorted(expected.items()):
        print(f"  expected  {kind:8} {obj}: {path}: {reason}")
    for (obj, kind, path), detail in sorted(unexpected.items()):
        print(f"  UNEXPECTED {kind:7} {obj}: {path}: {detail}")
    for obj, kind, path in unseen:
        print(f"  listed but not seen: {kind} {obj}: {path}")
    return 1 if unexpected or stray else 0


if __name__ == "__main__":
    sys.exit(main())
