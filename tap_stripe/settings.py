"""The tap's settings: their JSON Schema (for --about and Meltano) and their parsed form."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
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
        "Leave empty to read the key's own account. Not with connected_accounts.",
    ),
    th.Property(
        "connected_accounts",
        th.CustomType({"type": ["string", "array", "null"], "items": {"type": "string"}}),
        title="Connected accounts",
        description="Stripe Connect: also read connected accounts, each with its own "
        "Stripe-Account header and its own bookmarks. Empty: only the key's own account. "
        "\"all\": the platform and every account listed by /v1/accounts. A list of acct_... ids "
        "(or one comma-separated text): the platform and those. Records carry stripe_account.",
    ),
    th.Property(
        "account_shard",
        th.StringType,
        title="Account shard",
        description="i/n (e.g. 0/4): take only share i of n of the accounts (platform and "
        "connected), chosen by a stable hash of the account id, so that n tap processes with "
        "separate state split a platform between them.",
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
        th.IntegerType(minimum=0),
        default=0,
        title="Lookback window (days)",
        description="Re-read this many days before the bookmark on every incremental run.",
    ),
    th.Property(
        "slice_range",
        th.IntegerType(minimum=1),
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
        th.IntegerType(minimum=0),
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
        th.IntegerType(minimum=0),
        default=8,
        title="Maximum retries",
        description="How many times a request that failed for a transient reason (429, 5xx, "
        "timeout, reset connection) is retried before the run fails.",
    ),
    th.Property(
        "request_timeout",
        th.NumberType(exclusive_minimum=0),
        default=60,
        title="Request timeout (seconds)",
        description="Seconds one Stripe request may take in all (connecting, the headers and "
                    "the whole body) before it is retried.",
    ),
    th.Property(
        "max_requests_per_second",
        th.NumberType(exclusive_minimum=0),
        title="Maximum requests per second",
        description="Ceiling on the tap's request rate for the whole account. Default: Stripe's "
        "limit for the key's mode (100/s live, 25/s test). Each endpoint is also kept under "
        "Stripe's 25/s (20/s for files). Lower it to leave room for other API users.",
    ),
    th.Property(
        "on_permission_error",
        th.StringType,
        default="fail",
        allowed_values=["fail", "skip"],
        title="On permission error",
        description="Before a sync, what each selected stream will read is probed with one "
        "cheap request. fail: stop with a table of the streams the key cannot read and the "
        "permissions Stripe names; skip: sync the others, warn once per unreadable stream and "
        "list them again at the end of the run. A request refused during the sync (a re-read "
        "by id, a child list) ends the run with fail; with skip the record comes from its "
        "event's copy or is left out, with one warning per stream.",
    ),
).to_dict()


def _value(config: Mapping[str, Any], name: str) -> Any:
    """The configured value of setting ``name``, or its declared default."""
    value = config.get(name)
    return CONFIG_SCHEMA["properties"][name].get("default") if value is None else value


def _number_setting(config: Mapping[str, Any], name: str) -> float | None:
    """A numeric setting checked against the bounds its schema declares (None: unset)."""
    spec = CONFIG_SCHEMA["properties"][name]
    value = _value(config, name)
    if value is None:
        return None
    whole = "integer" in spec["type"]
    strict = "exclusiveMinimum" in spec
    low = spec["exclusiveMinimum"] if strict else spec["minimum"]
    # Config files are read with JSON numbers as Decimal.
    if (isinstance(value, bool) or not isinstance(value, (int,) if whole else (int, float, Decimal))
            or value < low or (strict and value == low)):
        kind = "a whole number" if whole else "a number"
        msg = f"Setting {name} must be {kind} {'>' if strict else '>='} {low}, got {value}."
        raise SettingsError(msg)
    return int(value) if whole else float(value)


def _int_setting(config: Mapping[str, Any], name: str) -> int:
    return int(_number_setting(config, name) or 0)


def _choice(config: Mapping[str, Any], name: str) -> str:
    choices = CONFIG_SCHEMA["properties"][name]["enum"]
    value = _value(config, name)
    if value not in choices:
        msg = f"Setting {name} must be one of {', '.join(choices)}, got {value!r}."
        raise SettingsError(msg)
    return str(value)


# What a Stripe key is made of: "(sk|rk)_live_" then letters and digits, in the pattern Stripe gave
# GitLab's secret detection (gitlab-org/gitlab#458019: "(?i)(sk|rk)_live_[0-9a-z]{10,128}").
_KEY_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_")


def _secret_key(config: Mapping[str, Any]) -> str:
    """The API key, refused with a fix when missing, empty or publishable (never echoed)."""
    key = config.get("client_secret")
    if not isinstance(key, str) or not key.strip():
        msg = ("Setting client_secret is missing, empty or not text; set it to your Stripe "
               "secret key (sk_live_... or sk_test_...) or a restricted key (rk_...), e.g. "
               "with TAP_STRIPE_CLIENT_SECRET.")
        raise SettingsError(msg)
    key = key.strip()
    odd = next((n for n, char in enumerate(key) if char not in _KEY_CHARACTERS), None)
    if odd is not None:
        msg = (f"Setting client_secret holds a character no Stripe key has (U+{ord(key[odd]):04X} "
               f"at position {odd + 1}): Stripe keys are letters, digits and underscores. Copy "
               "the key again from the Stripe Dashboard, without invisible characters.")
        raise SettingsError(msg)
    if key.startswith("pk_"):
        msg = ("Setting client_secret holds a publishable key (pk_...), which cannot read "
               "data; use a secret key (sk_...) or a restricted key (rk_...).")
        raise SettingsError(msg)
    return key


def _connected_accounts(config: Mapping[str, Any]) -> tuple[str, ...] | str | None:
    """``"all"``, a tuple of account ids, or None (only the key's own account)."""
    value = config.get("connected_accounts")
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]  # TAP_STRIPE_CONNECTED_ACCOUNTS=all: singer-sdk parses it as ["all"]
    if isinstance(value, str):
        if value.strip().lower() == "all":
            return "all"
        value = [part for part in value.split(",") if part.strip()]
    if not value:
        return None
    ids = [str(v).strip() for v in value] if isinstance(value, (list, tuple)) else None
    bad = [v for v in ids or [] if not v.startswith("acct_") or len(v) < 6]
    if ids is None or bad:
        msg = (f"Setting connected_accounts must be \"all\" or a list of account ids "
               f"(acct_...), got {bad[0] if bad else value!r}.")
        raise SettingsError(msg)
    return tuple(dict.fromkeys(ids))


def _account_shard(config: Mapping[str, Any]) -> tuple[int, int] | None:
    """``(i, n)`` of an ``i/n`` shard, or None."""
    value = config.get("account_shard")
    if value in (None, ""):
        return None
    index, _, count = str(value).partition("/")
    try:
        shard = int(index), int(count)
    except ValueError:
        shard = (-1, 0)
    if not 0 <= shard[0] < shard[1]:
        msg = (f"Setting account_shard must be i/n with 0 <= i < n (e.g. 0/4), got "
               f"{value!r}.")
        raise SettingsError(msg)
    return shard


def parse_start_date(value: Any, now: dt.datetime) -> int:
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
        msg = (f"Setting start_date {value!r} lies in the future; use a past date such as "
               f"{now.strftime('%Y-01-01T00:00:00Z')}.")
        raise SettingsError(msg)
    return int(parsed.timestamp())


@dataclass(frozen=True)
class Settings:
    """Validated settings used by the API layer and the fetch engine."""

    client_secret: str = field(repr=False)
    account_id: str | None
    start: int
    lookback_seconds: int
    slice_seconds: int
    api_base: str
    max_retries: int
    request_timeout: float
    event_lag: int
    event_payload: str
    max_requests_per_second: float | None
    on_permission_error: str
    connected_accounts: tuple[str, ...] | str | None = None
    account_shard: tuple[int, int] | None = None

    @property
    def connect(self) -> bool:
        """Whether connected accounts are read (each account its own partition)."""
        return self.connected_accounts is not None or self.account_shard is not None

    @classmethod
    def from_config(cls, config: Mapping[str, Any], now: dt.datetime) -> Settings:
        """Parse and check the tap config; raise SettingsError with a fix on bad input."""
        key = _secret_key(config)
        api_base = str(config.get("api_base") or DEFAULT_API_BASE).rstrip("/")
        if not api_base.startswith(("http://", "https://")):
            msg = (f"Setting api_base {api_base!r} is not an http(s) address; use e.g. "
                   f"{DEFAULT_API_BASE}.")
            raise SettingsError(msg)
        rate = _number_setting(config, "max_requests_per_second")
        connected = _connected_accounts(config)
        shard = _account_shard(config)
        if config.get("account_id") and (connected or shard):
            msg = ("Settings account_id and connected_accounts/account_shard exclude each "
                   "other: account_id reads one account as if it were the key's own; to read "
                   "connected accounts, leave account_id empty and list them in "
                   "connected_accounts.")
            raise SettingsError(msg)
        return cls(
            client_secret=key,
            account_id=config.get("account_id") or None,
            start=parse_start_date(_value(config, "start_date"), now),
            lookback_seconds=_int_setting(config, "lookback_window_days") * 86400,
            slice_seconds=_int_setting(config, "slice_range") * 86400,
            api_base=api_base,
            max_retries=_int_setting(config, "max_retries"),
            request_timeout=float(_number_setting(config, "request_timeout") or 0),
            event_lag=_int_setting(config, "event_lag_seconds"),
            event_payload=_choice(config, "event_payload"),
            max_requests_per_second=None if rate is None else float(rate),
            on_permission_error=_choice(config, "on_permission_error"),
            connected_accounts=connected,
            account_shard=shard,
        )
