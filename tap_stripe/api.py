"""The only place that requests Stripe: the official client's ``raw_request`` (on the
transport of ``http``, which decodes successful bodies into plain dicts), the shared rate
limiter, retries with backoff, and Stripe errors turned into messages a user can act on."""

from __future__ import annotations

import email.utils
import functools
import logging
import random
import re
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import stripe

from tap_stripe import __version__, shutdown
from tap_stripe.ahead import AskedAhead
from tap_stripe.client_log import route_client_log
from tap_stripe.errors import StripeAccessError, StripeUnavailableError, redact
from tap_stripe.http import DeadlineClient, raw_pages, take_body
from tap_stripe.limiter import RateLimiter, global_rate_for_key
from tap_stripe.pages import Cursors, objects_of
from tap_stripe.progress import Traffic
from tap_stripe.settings import Settings

LOGGER = logging.getLogger("tap-stripe.api")
PAGE_SIZE = 100
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
# An id segment: prefix_ plus a token with digits or capitals (path words are [a-z_] only).
_ID_SEGMENT = re.compile(r"/(?![a-z_]+(?:/|$))[a-z]+_[A-Za-z0-9_]+(?=/|$)")
_NETWORK_ERROR = re.compile(r"\(Network error: (\w+): (.*)\)\s*$", re.S)
# The OS's words in "[Errno 111] Connection refused" or "ConnectionResetError(104, '...')".
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\"()]+)|Error\(-?\d+, '([^']+)'\)")
_PERMISSION = re.compile(r"'(rak_[a-z0-9_]+)'")
# The resolver's answer for a host name that does not exist (glibc EAI_NONAME, EAI_NODATA;
# macOS; Windows): no retry changes it, so the run ends at once.
_NO_SUCH_HOST = re.compile(r"Name or service not known|No address associated with hostname|"
                           r"nodename nor servname provided|getaddrinfo failed")
# A refused connection before anything has answered is most likely a wrong api_base (nothing
# listens there), not a hiccup: a couple of quick retries (about 1.5 s, room for a server that
# is still starting) instead of max_retries backing off for a minute. Once the server has
# answered, a refused connection (a restart behind a proxy) gets max_retries as before.
FIRST_CONTACT_RETRIES = 2
STRIPE_API_BASE = "https://api.stripe.com"


def endpoint_of(path: str) -> str:
    """The rate-limit endpoint of a request path: ids replaced by ``{id}``."""
    return _ID_SEGMENT.sub("/{id}", path)


def permissions_named(message: str) -> tuple[str, ...]:
    """The restricted-key permissions (``rak_...``) a 403 message names."""
    return tuple(dict.fromkeys(_PERMISSION.findall(message)))


@functools.lru_cache(maxsize=8)
def http_date(value: str) -> float | None:
    """The unix time an HTTP ``Date`` header says (None when it says none). Answers within
    a second share their value: each is parsed once (``email.utils``, a few µs)."""
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def backoff(attempt: int, base: float = BACKOFF_BASE) -> float:
    """Seconds to wait before retry ``attempt + 1``: exponential with jitter.

    The ceiling doubles from ``base`` up to ``BACKOFF_CAP``; the wait is drawn from its upper
    half, so retries of parallel requests spread out but never come back immediately.
    """
    ceiling = min(BACKOFF_CAP, base * 2**attempt)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


class StripeApi:
    """GET requests against Stripe's v1 API returning plain dicts, thread-safe.

    ``requests`` counts requests sent, ``retry_reasons`` the retries by reason.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = shutdown.sleep,
    ) -> None:
        stripe.enable_telemetry = False
        stripe.set_app_info("tap-stripe", version=__version__)
        route_client_log()
        self.settings = settings
        self.limiter = limiter or RateLimiter(
            settings.max_requests_per_second or global_rate_for_key(settings.client_secret))
        self._sleep = sleep
        self._client = stripe.StripeClient(
            settings.client_secret,
            base_addresses={"api": settings.api_base},
            max_network_retries=0,
            http_client=DeadlineClient(settings.request_timeout),
        )
        self._lock = threading.Lock()
        self.requests = 0
        self.retry_reasons: Counter[str] = Counter()
        self._sent: Counter[str] = Counter()  # by endpoint
        self._retried: Counter[str] = Counter()
        self._clock_offset: float | None = None
        self._answered = threading.local()  # Stripe's time of this thread's last answer
        self.ahead = AskedAhead()  # first pages the permission probe asked (see ``ahead``)

    @property
    def retries(self) -> int:
        """Requests retried so far."""
        return sum(self.retry_reasons.values())

    def traffic(self) -> Traffic:
        """Requests sent and retried so far by endpoint, and the retried 429s."""
        with self._lock:
            limited = sum(n for kind, n in self.retry_reasons.items() if kind.startswith("429"))
            return Traffic(dict(self._sent), dict(self._retried), limited)

    def summary(self) -> str:
        """The end-of-run count, worded so that no number reads as an HTTP status:
        ``Made 429 requests to Stripe (3 retried: 429 lock_timeout: 2, reset: 1).``"""
        reasons = ", ".join(f"{k}: {n}" for k, n in sorted(self.retry_reasons.items()))
        retried = f"{self.retries} retried: {reasons}" if reasons else "none retried"
        noun = "request" if self.requests == 1 else "requests"
        return f"Made {self.requests} {noun} to Stripe ({retried})."

    def get(self, path: str, params: Mapping[str, Any] | None = None,
            account: str | None = None, *, raw: bool = False) -> dict[str, Any]:
        """One GET with the limiter and retries; returns the parsed JSON body (a list page's
        objects as raw records when ``raw``, see ``raw``)."""
        endpoint = endpoint_of(path)
        stripe_account = account or self.settings.account_id
        attempt = 0
        self._answered.date = None
        while True:
            shutdown.check()  # no new request once a signal asked the run to stop
            self.limiter.acquire(endpoint)
            with self._lock:
                self.requests += 1
                self._sent[endpoint] += 1
            try:
                with raw_pages(raw):
                    headers, data = self._send(path, params, stripe_account)
            except stripe.StripeError as exc:
                self._observe_clock(exc.headers)
                kind, detail = self._transient(exc, endpoint)
                if kind is None:
                    raise self._fatal(exc, path) from None
                reason = kind + (f" ({detail})" if detail else "")
                first = self._first_contact(kind, detail)
                retries = min(self.settings.max_retries, FIRST_CONTACT_RETRIES) if first \
                    else self.settings.max_retries
                if attempt >= retries:
                    raise self._exhausted(path, attempt, reason, exc, first) from None
                delay = backoff(attempt)
                LOGGER.warning("Retrying GET %s in %.1fs (retry %d of %d): %s", path, delay,
                               attempt + 1, retries, reason)
                with self._lock:
                    self.retry_reasons[kind] += 1
                    self._retried[endpoint] += 1
                self._sleep(delay)
                attempt += 1
                continue
            self._observe_clock(headers)
            if not isinstance(data, dict):
                raise StripeAccessError(
                    f"GET {path} answered with JSON that is not an object; check that api_base "
                    f"{self.settings.api_base} is Stripe's API.")
            return data

    def _send(self, path: str, params: Mapping[str, Any] | None,
              stripe_account: str | None) -> tuple[Mapping[str, str], Any]:
        """One GET through the client's ``raw_request``: (headers, decoded JSON body).

        Raises the client's ``StripeError`` for an error status or a body that is not JSON.
        """
        response = self._client.raw_request("get", path, **(params or {}),
                                            stripe_account=stripe_account)
        body = take_body()
        return response.headers, response.data if body is None else body

    def _observe_clock(self, headers: Mapping[str, str] | None) -> None:
        """Note Stripe's time from a response's ``Date`` header."""
        value = (headers or {}).get("date") or (headers or {}).get("Date")
        server = http_date(value) if isinstance(value, str) and value else None
        if server is None:
            return
        self._clock_offset = server - time.time()
        self._answered.date = int(server)

    def answer_date(self) -> int | None:
        """Stripe's time (the ``Date`` header, whole seconds) of the answer to this thread's
        last ``get``; None when it had none."""
        return getattr(self._answered, "date", None)

    @property
    def knows_time(self) -> bool:
        """Whether a response has told Stripe's time yet."""
        return self._clock_offset is not None

    def now(self) -> int:
        """Stripe's current time (unix seconds), from the ``Date`` of its responses (this
        machine's clock before the first response).

        Window ends, the event lag and the 30-day retention are Stripe's times, so they are
        reckoned by Stripe's clock, not this machine's.
        """
        return int(time.time() + (self._clock_offset or 0.0))

    def list_pages(self, path: str, params: Mapping[str, Any] | None = None,
                   account: str | None = None,
                   starting_after: str | None = None, *,
                   raw: bool = False) -> Iterator[list[Any]]:
        """Every page of a list endpoint, newest first, 100 objects a page (malformed pages
        and a list that repeats itself end in StripeResponseError, see ``pages``); objects
        as raw records when ``raw``."""
        query = {"limit": PAGE_SIZE, **(params or {})}
        if starting_after:
            query["starting_after"] = starting_after
        cursors = Cursors(path, starting_after)
        while True:
            page = self.get(path, query, account, raw=raw)
            data = objects_of(page, path)
            more = bool(data) and bool(page.get("has_more"))
            if more:
                query["starting_after"] = cursors.follow(data[-1]["id"])
            if data:
                yield data
            if not more:
                return

    def _transient(self, exc: stripe.StripeError,
                   endpoint: str) -> tuple[str | None, str | None]:
        """(kind, detail) of a failure that retrying may cure; kind None when it cannot.

        ``Stripe-Should-Retry`` decides when Stripe sends it. 429s slow the limiter down
        (except lock timeouts, which are about one object, not the rate); 5xx, 409, timeouts,
        reset connections and bodies cut short are retried.
        """
        status = exc.http_status
        headers = exc.headers or {}
        should_retry = headers.get("stripe-should-retry")
        if should_retry == "false":
            return None, None
        if isinstance(exc, stripe.RateLimitError) or status == 429:
            code = (exc.error.code if exc.error else None) or "rate_limit"
            limited = headers.get("stripe-rate-limited-reason")
            if code != "lock_timeout":
                self.limiter.slow_down(endpoint, limited)
            return f"429 {code}", limited
        if isinstance(exc, stripe.APIConnectionError):
            return self._network_failure(exc)
        if should_retry == "true":
            return f"HTTP {status}", "Stripe-Should-Retry: true"
        if status is not None and (status >= 500 or status == 409):
            return f"HTTP {status}", None
        if _truncated_json(exc):
            return "truncated body", f"HTTP {status}, {len(exc.http_body or '')} bytes"
        return None, None

    def _network_failure(self, exc: stripe.APIConnectionError) -> tuple[str | None, str | None]:
        """A timeout, reset or refused connection (retried); a TLS failure is not."""
        match = _NETWORK_ERROR.search(str(exc))
        name, detail = (match.group(1), match.group(2)) if match else ("network error", str(exc))
        if name == "SSLError" or _NO_SUCH_HOST.search(detail):
            return None, None
        if "Timeout" in name:
            return "timeout", f"{name}, no answer within {self.settings.request_timeout:g}s"
        if name == "ChunkedEncodingError":
            return "truncated body", "the connection closed before the body was complete"
        errno = _ERRNO.search(detail)
        words = (errno.group(1) or errno.group(2)) if errno else detail
        return "connection", f"{name}: {words.strip()[:100]}"

    def _first_contact(self, kind: str, detail: str | None) -> bool:
        """A refused connection (or a resolver that cannot answer) before any response."""
        words = (detail or "").lower()
        return kind == "connection" and not self.knows_time and (
            "refused" in words or "name resolution" in words)

    def _exhausted(self, path: str, attempt: int, reason: str, exc: stripe.StripeError,
                   first_contact: bool) -> StripeUnavailableError:
        msg = f"Stripe request GET {path} still failed after {attempt} retries: {reason}."
        if first_contact:
            times = "once" if attempt == 0 else f"{attempt + 1} times"
            msg = (f"Nothing answers at api_base {self.settings.api_base}: GET {path} "
                   f"failed {times} ({reason}). Check api_base (Stripe's is "
                   f"{STRIPE_API_BASE}; for the emulator, the base_url it printed).")
        elif isinstance(exc, stripe.APIConnectionError):
            msg += (f" Check that api_base {self.settings.api_base} is reachable, or raise "
                    "request_timeout/max_retries.")
        return StripeUnavailableError(redact(msg, self.settings.client_secret))

    def _fatal(self, exc: stripe.StripeError, path: str) -> StripeAccessError:
        """The error that ends the run for a failure retrying cannot cure, key redacted."""
        status = exc.http_status
        message = " ".join(str(exc.user_message or exc).split())[:300]
        base = self.settings.api_base
        permission = None
        if isinstance(exc, stripe.AuthenticationError) or status == 401:
            text = (f"Stripe rejected the API key (401): {message} Check client_secret: it "
                    "must be a current secret (sk_...) or restricted (rk_...) key of the "
                    "account.")
        elif isinstance(exc, stripe.PermissionError) or status == 403:
            permission = ", ".join(permissions_named(message)) or None
            text = f"The API key may not read GET {path} (403): {message}"
        elif isinstance(exc, stripe.APIConnectionError) and (
                unknown := _NO_SUCH_HOST.search(str(exc))):
            host = urllib.parse.urlsplit(base).hostname
            text = (f"The host name {host} of api_base {base} does not resolve "
                    f"({unknown.group(0)}). Check api_base (Stripe's is "
                    f"{STRIPE_API_BASE}; for the emulator, the base_url it printed).")
        elif isinstance(exc, stripe.APIConnectionError):
            text = (f"GET {path} failed: {message} Check the TLS setup between this machine "
                    f"and api_base {base}.")
        elif "Invalid response body" in str(exc):
            text = (f"GET {path} answered HTTP {status} with a body that is not JSON (starting "
                    f"{_body_start(exc)!r}); check that api_base {base} is Stripe's API and "
                    "not a proxy or login page.")
        else:
            text = f"GET {path} failed (HTTP {status}): {message}"
        return StripeAccessError(redact(text, self.settings.client_secret), status=status,
                                 permission=permission, code=exc.code)


def _body(exc: stripe.StripeError) -> str:
    body = exc.http_body
    return body.decode(errors="replace") if isinstance(body, bytes) else str(body or "")


def _body_start(exc: stripe.StripeError) -> str:
    return " ".join(_body(exc).split())[:40]


def _truncated_json(exc: stripe.StripeError) -> bool:
    """A body that starts like JSON but does not parse: the connection closed mid-body."""
    return "Invalid response body" in str(exc) and _body(exc).lstrip().startswith(("{", "["))
