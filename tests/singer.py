"""Run the tap in-process and read back its Singer messages (shared by the test suites)."""

from __future__ import annotations

import functools
import io
import json
from collections import defaultdict
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from typing import Any

from tap_stripe.tap import TapStripe


@dataclass
class Output:
    """The Singer messages of one run, split by type."""

    messages: list[dict[str, Any]]
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    schemas: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    states: list[dict[str, Any]] = field(default_factory=list)
    error: Exception | None = None

    @classmethod
    def parse(cls, text: str) -> Output:
        """Split stdout of a run into records per stream, SCHEMA counts and STATE values."""
        out = cls([json.loads(line) for line in text.splitlines() if line.strip()])
        for msg in out.messages:
            if msg["type"] == "RECORD":
                out.records[msg["stream"]].append(msg["record"])
            elif msg["type"] == "SCHEMA":
                out.schemas[msg["stream"]] += 1
            elif msg["type"] == "STATE":
                out.states.append(msg["value"])
        return out

    @property
    def state(self) -> dict[str, Any]:
        """The last STATE value."""
        return self.states[-1]

    def ids(self, stream: str) -> list[str]:
        """Record ids of ``stream`` in emitted order."""
        return [r["id"] for r in self.records[stream]]


@functools.cache
def _discovered() -> str:
    """The discovered catalog as JSON, made once per process (110 streams' schemas take
    singer-sdk about half a second to turn into a catalog)."""
    return json.dumps(TapStripe(config={}, validate_config=False).catalog_dict)


def catalog_for(streams: list[str] | None, *, full_table: bool = False,
                lean: bool = False) -> dict[str, Any]:
    """The discovered catalog with only ``streams`` selected (when None: those a run without
    a catalog reads, the streams selected by default).

    With ``lean`` a stream not selected keeps its entry, deselected, but with an empty schema
    and its top-level metadata only: a run reads nothing else of it, and singer-sdk's work on
    a catalog grows with its schemas (the tap starts in about 0.3 s with every schema of the
    110 streams, 0.1 s with three selected and the rest lean)."""
    catalog: dict[str, Any] = json.loads(_discovered())
    for entry in catalog["streams"]:
        top = next(m for m in entry["metadata"] if m["breadcrumb"] == [])
        chosen = (top["metadata"]["selected-by-default"] if streams is None
                  else entry["tap_stream_id"] in streams)
        if full_table:
            entry["replication_method"] = "FULL_TABLE"
        top["metadata"]["selected"] = chosen
        if lean and not chosen:
            entry["schema"] = {"type": "object", "properties": {}}
            entry["metadata"] = [top]
    return catalog


def run_tap(config: dict[str, Any], streams: list[str] | None = None,
            state: dict[str, Any] | None = None, *, full_table: bool = False,
            allow_error: bool = False) -> Output:
    """Sync ``streams`` in-process with ``config`` and ``state``; return the parsed output.

    With ``allow_error`` a failing run returns what it wrote so far, with ``error`` set.
    """
    raw = io.BytesIO()
    text = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    tap = TapStripe(config=config, catalog=catalog_for(streams, full_table=full_table, lean=True),
                    state=state)
    error = None
    with redirect_stdout(text):
        try:
            tap.sync_all()
        except Exception as exc:
            if not allow_error:
                raise
            error = exc
    text.flush()
    out = Output.parse(raw.getvalue().decode())
    out.error = error
    return out


def run_tap_lines(config: dict[str, Any], catalog: dict[str, Any],
                  state: dict[str, Any] | None = None) -> list[str]:
    """Sync in-process with ``config``, ``catalog`` and ``state``; every line written."""
    raw = io.BytesIO()
    text = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    tap = TapStripe(config=config, catalog=catalog, state=state)
    with redirect_stdout(text):
        tap.sync_all()
    text.flush()
    return raw.getvalue().decode().splitlines()
