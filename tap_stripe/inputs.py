"""The files given on the command line (config, state, catalog): read and checked for their
shape, with one line that says what is wrong and how to fix it instead of a traceback."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from tap_stripe.errors import SettingsError


@dataclass(frozen=True)
class ConfigInput:
    """The ``--config`` value as singer-sdk's command line callbacks read it: the settings of
    the files, and whether environment variables are read too (``--config ENV``)."""

    config: dict[str, Any] = field(default_factory=dict)
    parse_env: bool = False


_CONFIG_FIX = "pass a JSON object of settings (see tap-stripe --about)"


def _fix(what: str, *, shape: bool = False) -> str:
    """How to fix a ``what`` file that cannot be read (``shape``: that is read but is not a
    ``what``)."""
    if what == "config":
        return _CONFIG_FIX
    return f"pass a Singer {what} file" if shape else f"fix it or pass another --{what} file"


def config_file(path: str) -> dict[str, Any]:
    """The settings in the JSON file at ``path`` (numbers with a fraction as Decimal, as
    singer-sdk reads them)."""
    file = Path(path)
    if not file.exists():
        msg = f"The config file {path} does not exist; {_CONFIG_FIX}."
        raise SettingsError(msg)
    if file.is_dir():
        msg = f"The config file {path} is a directory, not a file; {_CONFIG_FIX}."
        raise SettingsError(msg)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        msg = f"The config file {path} cannot be read ({reason}); {_CONFIG_FIX}."
        raise SettingsError(msg) from None
    return json_object(text, "config", path)


_MISSING_FIX = {
    "state": "on a first run leave out --state; save the last STATE message a run writes and "
             "pass that file to the next run",
    "catalog": "write one with tap-stripe --config CONFIG --discover > catalog.json, or leave "
               "out --catalog to read every stream",
}


def named_file(path: str | None, what: str) -> dict[str, Any] | None:
    """The JSON object in the state or catalog file at ``path`` (None when not given)."""
    if path is None:
        return None
    file = Path(path)
    if not file.exists():
        msg = f"The {what} file {path} does not exist; {_MISSING_FIX[what]}."
        raise SettingsError(msg)
    if file.is_dir():
        msg = f"The {what} file {path} is a directory, not a file; {_fix(what)}."
        raise SettingsError(msg)
    try:
        with file.open(encoding="utf-8") as opened:
            return json_file(opened, what)
    except OSError as exc:
        msg = f"The {what} file {path} cannot be read ({exc.strerror}); {_fix(what)}."
        raise SettingsError(msg) from None


def json_file(file: IO[str] | None, what: str) -> dict[str, Any] | None:
    """The JSON object in an open state or catalog file (None when not given)."""
    if file is None:
        return None
    try:
        text = file.read()
    except UnicodeDecodeError:
        msg = f"The {what} file {file.name} is not UTF-8 text; {_fix(what)}."
        raise SettingsError(msg) from None
    value = json_object(text, what, getattr(file, "name", ""))
    if what == "catalog":
        _check_catalog(value, file.name)
    return value


def json_object(text: str, what: str, name: str) -> dict[str, Any]:
    """The JSON object ``text`` holds; SettingsError naming the problem when it holds none."""
    if not text.strip():
        msg = f"The {what} file {name} is empty; {_fix(what)}."
        raise SettingsError(msg)
    try:
        value = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        msg = (f"The {what} file {name} is not valid JSON ({exc.msg}, line {exc.lineno} "
               f"column {exc.colno}); {_fix(what)}.")
        raise SettingsError(msg) from None
    if not isinstance(value, dict):
        msg = (f"The {what} file {name} holds a JSON {_json_type(value)}, not an object; "
               f"{_fix(what, shape=True)}.")
        raise SettingsError(msg)
    return value


def _check_catalog(catalog: dict[str, Any], name: str) -> None:
    """A Singer catalog: ``{"streams": [{"tap_stream_id": ..., "schema": {...},
    "metadata": [{"breadcrumb": [...], "metadata": {...}}]}]}``."""
    streams = catalog.get("streams")
    problem = None
    if not isinstance(streams, list):
        problem = f'"streams" is a JSON {_json_type(streams)}, not a list'
    else:
        for n, entry in enumerate(streams):
            problem = _entry_problem(entry)
            if problem:
                problem = f"stream {n} {problem}"
                break
    if problem:
        msg = (f"The catalog file {name} is not a Singer catalog: {problem}; run tap-stripe "
               "--discover for a catalog to start from.")
        raise SettingsError(msg)


def _entry_problem(entry: Any) -> str | None:
    """What is wrong with one catalog entry (None: nothing)."""
    if not isinstance(entry, dict):
        return f"is a JSON {_json_type(entry)}, not an object"
    if not isinstance(entry.get("tap_stream_id"), str):
        return 'has no "tap_stream_id" text'
    if not isinstance(entry.get("schema", {}), dict):
        return f'({entry["tap_stream_id"]}) has a "schema" that is not an object'
    metadata = entry.get("metadata", [])
    if not isinstance(metadata, list) or not all(
            isinstance(m, dict) and isinstance(m.get("breadcrumb", []), list)
            and isinstance(m.get("metadata", {}), dict) for m in metadata):
        return (f'({entry["tap_stream_id"]}) has "metadata" that is not a list of '
                '{"breadcrumb": [...], "metadata": {...}}')
    return None


def _json_type(value: Any) -> str:
    """The JSON name of a decoded value's type."""
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")
