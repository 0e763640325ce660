"""The tap's settings: their JSON Schema (for --about and Meltano) and their parsed form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dateutil import parser as dateparser
from singer_sdk import typing as th

from tap_stripe.errors import SettingsError

DEFAULT_API_BASE = "https://api.stripe.com"
DEFAULT_START_DATE = "2011-01-01T00:00:00Z"

CONFIG_SCHEMA = th.PropertiesList(
    th.Property(
        "client_secret",
        th.StringType(nullable=False),
        required=True,
        secret=True,
        title="Secret key",
        description="Stripe secret key (sk_live_..., sk_test_...) or restricted key (rk_...) "
        "with read access to the streams you select.",
    ),
    th.Property(
        "account_id",
        th.StringType,
        title="Account ID",
        description="Stripe account to read, sent as the Stripe-Account header (acct_...). "
        "Leave empty to read the key's own account.",
    ),
    th.Property(
        "start_date",
        th.DateTimeType,
        default=DEFAULT_START_DATE,
        title="Start date",
        description="ISO 8601 UTC time; objects created before it are not read.",
    ),
    th.Property(
        "lookback_window_days",
        th.IntegerType,
        default=0,
        title="Lookback window (days)",
        description="Re-read this many days before the bookmark on every incremental run.",
    ),
    th.Property(
        "slice_range",
        th.IntegerType,
        default=365,
        title="Slice range (days)",
        description="Size of each `created` window requested from Stripe; a bookmark is "
        "saved after each window, so an interrupted run resumes there.",
    ),
    th.Property(
        "api_base",
        th.StringType,
        default=DEFAULT_API_BASE,
        title="API base address",
        description="Base address of the Stripe API; point it at a proxy, a recorder or the "
        "project's emulator.",
    ),
    th.Property(
        "event_lag_seconds",
        th.IntegerType,
        default=60,
        title="Event lag (seconds)",
        description="Events younger than this are left for the next run (Stripe's event list "
        "is eventually consistent).",
    ),
    th.Property(
        "event_payload",
        th.StringType,
        default="auto",
        allowed_values=["auto", "payload", "refetch"],
        title="Event payload handling",
        description="auto: re-read an object by id when its event was rendered in another API "
        "version than the tap's; payload: always use the event's copy; refetch: always re-read.",
    ),
    th.Property(
        "max_retries",
        th.IntegerType,
        default=8,
        title="Maximum retries",
        description="How many times a request that failed for a transient reason (429, 5xx, "
        "timeout, reset connection) is retried before the run fails.",
    ),
    th.Property(
        "request_timeout",
        th.NumberType,
        default=60,
        title="Request timeout (seconds)",
        description="Seconds to wait for one Stripe response before retrying it.",
    ),
).to_dict()


def _value(config: dict[str, Any], name: str) -> Any:
    """The configured value of setting ``name``, or its declared default."""
    value = config.get(name)
    return CONFIG_SCHEMA["properties"][name].get("default") if value is None else value


def _int_setting(config: dict[str, Any], name: str, minimum: int) -> int:
    value = _value(config, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        msg = f"Setting {name} must be a whole number >= {minimum}, got {value!r}."
        raise SettingsError(msg)
    return value


def _choice(config: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = _value(config, name)
    if value not in choices:
        msg = f"Setting {name} must be one of {', '.join(choices)}, got {value!r}."
        raise SettingsError(msg)
    return str(value)


def parse_start_date(value: str, now: dt.datetime) -> int:
    """Unix seconds of an ISO 8601 start date, which must lie in the past."""
    try:
        parsed = dateparser.isoparse(value)
    except (ValueError, TypeError, OverflowError):
        msg = (f"Setting start_date {value!r} is not an ISO 8601 time; "
               "use e.g. 2024-01-31T00:00:00Z.")
        raise SettingsError(msg) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    if parsed > now:
        msg = f"Setting start_date {value!r} lies in the future; use a past date."
        raise SettingsError(msg)
    return int(parsed.timestamp())


@dataclass(frozen=True)
class Settings:
    """Validated settings used by the API layer and the fetch engine."""

    client_secret: str
    account_id: str | None
    start: int
    lookback_seconds: int
    slice_seconds: int
    api_base: str
    max_retries: int
    request_timeout: float
    event_lag: int
    event_payload: str

    @classmethod
    def from_config(cls, config: dict[str, Any], now: dt.datetime) -> Settings:
        """Parse and check the tap config; raise SettingsError with a fix on bad input."""
        key = (config.get("client_secret") or "").strip()
        if not key:
            msg = "Setting client_secret is empty; set it to your Stripe secret key (sk_...)."
            raise SettingsError(msg)
        if key.startswith("pk_"):
            msg = ("Setting client_secret holds a publishable key (pk_...); "
                   "use a secret key (sk_...) or a restricted key (rk_...).")
            raise SettingsError(msg)
        api_base = str(config.get("api_base") or DEFAULT_API_BASE).rstrip("/")
        if not api_base.startswith(("http://", "https://")):
            msg = f"Setting api_base {api_base!r} is not an http(s) address."
            raise SettingsError(msg)
        timeout = _value(config, "request_timeout")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            msg = f"Setting request_timeout must be a positive number of seconds, got {timeout!r}."
            raise SettingsError(msg)
        return cls(
            client_secret=key,
            account_id=config.get("account_id") or None,
            start=parse_start_date(_value(config, "start_date"), now),
            lookback_seconds=_int_setting(config, "lookback_window_days", 0) * 86400,
            slice_seconds=_int_setting(config, "slice_range", 1) * 86400,
            api_base=api_base,
            max_retries=_int_setting(config, "max_retries", 0),
            request_timeout=float(timeout),
            event_lag=_int_setting(config, "event_lag_seconds", 0),
            event_payload=_choice(config, "event_payload", ("auto", "payload", "refetch")),
        )
