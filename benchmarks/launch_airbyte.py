"""Starts Airbyte's source-stripe (installed in a throwaway virtualenv) against another API base.

    <venv>/bin/python launch_airbyte.py http://127.0.0.1:PORT read --config ... --catalog ...

The connector is a declarative manifest whose one requester has ``url_base:
https://api.stripe.com/v1``; the manifest is rewritten as it is loaded, before the source is
built. Two expansions of fields that exist only in the API version the connector pins
(2022-11-15) are dropped: the emulator serves the current version only and refuses them with a
400, which the connector would ignore silently, losing the whole stream. Nothing else is
touched.
"""

from __future__ import annotations

import sys
from typing import Any

from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource

BASE = sys.argv.pop(1)
REFUSED = {'"data.refunds"': "", ', "data.total_tax_amounts.tax_rate"': ""}
_load = YamlDeclarativeSource._read_and_parse_yaml_file


def _without_refused(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_refused(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_without_refused(v) for v in node]
    if isinstance(node, str):
        for old, new in REFUSED.items():
            node = node.replace(old, new)
    return node


def _pointed(self: YamlDeclarativeSource, path: str) -> Any:
    manifest = _without_refused(_load(self, path))
    manifest["definitions"]["base_requester"]["url_base"] = BASE + "/v1"
    return manifest


YamlDeclarativeSource._read_and_parse_yaml_file = _pointed  # type: ignore[method-assign]

from source_stripe.run import run  # noqa: E402 (after the manifest hook is in place)

run()
