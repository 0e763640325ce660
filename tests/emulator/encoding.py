"""Compact JSON encoding shared by everything that writes response bodies."""

from __future__ import annotations

import json


def dumps(value: object) -> bytes:
    """``value`` as compact JSON bytes."""
    return json.dumps(value, separators=(",", ":")).encode()
