"""The packaged JSON Schema of every stream, written by ``python -m tap_stripe.schema_gen``."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any


@functools.cache
def load_schema(stream_name: str) -> dict[str, Any]:
    """The JSON Schema of stream ``stream_name``.

    Cached: every call returns the same dict, which callers must not mutate.

    Raises:
        LookupError: no schema file is packaged for that stream.
    """
    resource = resources.files(__name__) / f"{stream_name}.json"
    if not resource.is_file():
        raise LookupError(f"no schema packaged for stream {stream_name!r}")
    schema: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return schema
