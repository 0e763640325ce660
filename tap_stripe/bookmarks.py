"""The state a run starts from, checked before it is used: a whole STATE message unwrapped,
bookmarks that are not unix seconds converted when unambiguous (else refused), bookmarks ahead
of Stripe's clock refused, and a word when Connect was switched on or off since the state was
written.

Bookmarks (``replication_key_value``, ``created_cursor``, ``backfill_started``) are unix seconds,
per stream and, with Connect, per account (singer-sdk's ``partitions``). A bookmark the tap cannot
use would otherwise be ignored, and the stream silently re-synced from ``start_date``.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from dateutil import parser as dateparser

from tap_stripe.errors import SettingsError

LOGGER = logging.getLogger("tap-stripe")
FIELDS = ("replication_key_value", "created_cursor", "backfill_started")
# Stripe's clock is read from the Date header of its answers, to the second, plus the time
# elapsed on this machine since: a bookmark this little ahead is clock noise, not the future.
CLOCK_MARGIN = 300
_DIGITS = re.compile(r"^\s*\d+\s*$")
_FIX = ("remove that stream's bookmark from the state to re-sync it from start_date, or set it "
        "to unix seconds")


def unwrap(state: dict[str, Any]) -> dict[str, Any]:
    """The state itself when given a whole Singer STATE message (``{"type": "STATE",
    "value": {...}}``), with a note; else ``state``."""
    if state.get("type") == "STATE" and isinstance(state.get("value"), dict):
        LOGGER.info("The state given is a whole STATE message: its value is used.")
        return dict(state["value"])
    return state


def _entries(state: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, bookmarks) of every stream and every account partition in ``state``."""
    for stream, entry in (state.get("bookmarks") or {}).items():
        yield stream, entry
        partitions = entry.get("partitions")
        for part in partitions if isinstance(partitions, list) else ():
            if isinstance(part, dict):
                account = (part.get("context") or {}).get("stripe_account")
                yield f"{stream} (account {account})", part


def _seconds(value: Any) -> int | None:
    """Unix seconds of an unambiguous bookmark that is not an int: a number (its fraction
    dropped), a text of digits, or an ISO 8601 time with a time zone; None otherwise."""
    if isinstance(value, (float, Decimal)) and math.isfinite(value):
        return math.floor(value)
    if isinstance(value, str) and _DIGITS.match(value):
        return int(value)
    if isinstance(value, str):
        try:
            parsed = dateparser.isoparse(value.strip())
        except (ValueError, OverflowError):
            return None
        return math.floor(parsed.timestamp()) if parsed.tzinfo is not None else None
    return None


def normalize(state: dict[str, Any]) -> None:
    """Turn unambiguous bookmarks into unix seconds in place (one warning lists them); raise
    SettingsError naming the first bookmark that is not a time."""
    converted: list[str] = []
    for label, entry in _entries(state):
        for name in FIELDS:
            value = entry.get(name)
            if value is None or (isinstance(value, int) and not isinstance(value, bool)):
                continue
            seconds = None if isinstance(value, bool) else _seconds(value)
            if seconds is None:
                hint = " (an ISO time needs a time zone, e.g. Z)" if isinstance(value, str) \
                    and value[:4].isdigit() else ""
                msg = (f"The state's bookmark {label}.{name} is {value!r}, not a time in unix "
                       f"seconds{hint}; {_FIX}.")
                raise SettingsError(msg)
            entry[name] = seconds
            converted.append(f"{label}.{name} {value!r} -> {seconds}")
    if converted:
        LOGGER.warning("Converted %d state bookmark(s) that were not unix seconds: %s%s.",
                       len(converted), "; ".join(converted[:3]),
                       f" and {len(converted) - 3} more" if len(converted) > 3 else "")


def refuse_future(state: Mapping[str, Any], now: int, streams: set[str]) -> None:
    """Raise SettingsError when a bookmark of one of ``streams`` lies ahead of Stripe's clock
    ``now`` (by more than ``CLOCK_MARGIN``): a run would read nothing for it and keep it,
    missing every change up to that time."""
    for label, entry in _entries(state):
        if label.partition(" ")[0] not in streams:
            continue
        for name in FIELDS:
            value = entry.get(name)
            if isinstance(value, int) and value > now + CLOCK_MARGIN:
                msg = (f"The state's bookmark {label}.{name} is {_iso(value)}, in the future by "
                       f"Stripe's clock (now {_iso(now)}): a run would read nothing for it and "
                       f"keep it. Check that the state belongs to this account and is in unix "
                       f"seconds (not milliseconds); {_FIX}.")
                raise SettingsError(msg)


def connect_switch(state: Mapping[str, Any], connect: bool) -> str | None:
    """The warning for a state written with Connect on read with it off, or the reverse
    (None when the state matches)."""
    bookmarks = state.get("bookmarks") or {}
    # A stream that has both kinds was read both ways already: this run is no switch.
    per_account = sorted(s for s, e in bookmarks.items() if e.get("partitions")
                         and not any(e.get(f) is not None for f in FIELDS))
    single = sorted(s for s, e in bookmarks.items() if not e.get("partitions")
                    and any(e.get(f) is not None for f in FIELDS))
    if connect and single:
        return (f"The state holds bookmarks of a run without connected accounts ({len(single)} "
                "stream(s), e.g. " + single[0] + "): with connected_accounts/account_shard set, "
                "each account has its own bookmarks, so every account, the platform included, "
                "is read from start_date this run; the old bookmarks stay in the state unused.")
    if not connect and per_account:
        return (f"The state holds per-account bookmarks of a run with connected accounts "
                f"({len(per_account)} stream(s), e.g. {per_account[0]}): without "
                "connected_accounts/account_shard they are not used, and the key's own account "
                "is read from start_date this run; set connected_accounts again to continue "
                "from them.")
    return None


def _iso(seconds: int) -> str:
    try:
        return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(seconds)
