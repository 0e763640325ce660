"""The only place that talks HTTP: the official stripe client's raw-JSON path, the shared rate
limiter, retries with backoff, and Stripe errors turned into messages a user can act on."""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import stripe

from tap_stripe import __version__
from tap_stripe.errors import StripeAccessError, StripeUnavailableError
from tap_stripe.limiter import RateLimiter, global_rate_for_key
from tap_stripe.settings import Settings

LOGGER = logging.getLogger("tap-stripe.api")
PAGE_SIZE = 100
_ID_SEGMENT = re.compile(r"/(?:[a-z]+_[A-Za-z0-9_]+)(?=/|$)")


def endpoint_of(path: str) -> str:
    """The rate-limit endpoint of a request path: ids replaced by ``{id}``."""
    return _ID_SEGMENT.sub("/{id}", path)


def _permission_named(message: str) -> str | None:
    match = re.search(r"'(rak_[a-z_]+)'", message)
    return match.group(1) if match else None


class StripeApi:
    """GET requests against Stripe's v1 API returning plain dicts, thread-safe."""

    def __init__(
        self,
        settings: Settings,
        *,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        stripe.enable_telemetry = False
        stripe.set_app_info("tap-stripe", version=__version__)
        logging.getLogger("stripe").setLevel(logging.WARNING)
        self.settings = settings
        self.limiter = limiter or RateLimiter(global_rate_for_key(settings.client_secret))
        self._sleep = sleep
        self._client = stripe.StripeClient(
            settings.client_secret,
            base_addresses={"api": settings.api_base},
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=settings.request_timeout),
        )
        self._lock = threading.Lock()
        self.requests = 0
        self.retries = 0

    def get(self, path: str, params: Mapping[str, Any] | None = None,
            account: str | None = None) -> dict[str, Any]:
        """One GET with the limiter and retries; returns the parsed JSON body."""
        endpoint = endpoint_of(path)
        options = {"stripe_account": account or self.settings.account_id}
        attempt = 0
        while True:
            self.limiter.acquire(endpoint)
            with self._lock:
                self.requests += 1
            try:
                response = self._client.raw_request("get", path, **dict(params or {}), **options)
            except stripe.StripeError as exc:
                reason = self._transient_reason(exc, endpoint)
                if reason is None:
                    raise self._fatal(exc, path) from None
                if attempt >= self.settings.max_retries:
                    msg = (f"Stripe request GET {path} still failed after "
                           f"{attempt} retries: {reason}.")
                    if isinstance(exc, stripe.APIConnectionError):
                        msg += f" Check that api_base {self.settings.api_base} is reachable."
                    raise StripeUnavailableError(msg) from None
                delay = self._backoff(attempt)
                LOGGER.warning("Retrying GET %s in %.1fs (retry %d of %d): %s", path, delay,
                               attempt + 1, self.settings.max_retries, reason)
                with self._lock:
                    self.retries += 1
                self._sleep(delay)
                attempt += 1
                continue
            data = response.data
            if not isinstance(data, dict):
                raise StripeAccessError(
                    f"GET {path} answered with JSON that is not an object; check api_base "
                    f"{self.settings.api_base}.")
            return data

    def list_pages(self, path: str, params: Mapping[str, Any] | None = None,
                   account: str | None = None,
                   starting_after: str | None = None) -> Iterator[list[dict[str, Any]]]:
        """Every page of a list endpoint, newest first, 100 objects a page."""
        query = {"limit": PAGE_SIZE, **(params or {})}
        if starting_after:
            query["starting_after"] = starting_after
        while True:
            page = self.get(path, query, account)
            data = page.get("data") or []
            if data:
                yield data
            if not page.get("has_more") or not data:
                return
            query["starting_after"] = data[-1]["id"]

    def _transient_reason(self, exc: stripe.StripeError, endpoint: str) -> str | None:
        """Why a failed request may be retried, or None when retrying cannot help."""
        status = exc.http_status
        headers = exc.headers or {}
        should_retry = headers.get("stripe-should-retry")
        if should_retry == "false":
            return None
        if isinstance(exc, stripe.RateLimitError) or status == 429:
            code = (exc.error.code if exc.error else None) or "rate_limit"
            reason = headers.get("stripe-rate-limited-reason")
            if code != "lock_timeout":
                self.limiter.slow_down(endpoint, reason)
            return f"429 {code}" + (f" ({reason})" if reason else "")
        if isinstance(exc, stripe.APIConnectionError):
            return f"connection failed ({str(exc.user_message or exc).splitlines()[0][:120]})"
        if should_retry == "true":
            return f"HTTP {status} with Stripe-Should-Retry"
        if status is not None and (status >= 500 or status == 409):
            return f"HTTP {status}"
        return None

    def _fatal(self, exc: stripe.StripeError, path: str) -> Exception:
        status = exc.http_status
        message = (exc.user_message or str(exc) or "").strip().splitlines()[0][:300]
        if isinstance(exc, stripe.AuthenticationError) or status == 401:
            return StripeAccessError(
                f"Stripe rejected the API key (401): {message} Check client_secret.",
                status=401)
        if isinstance(exc, stripe.PermissionError) or status == 403:
            return StripeAccessError(
                f"The API key may not read GET {path} (403): {message}",
                status=403, permission=_permission_named(message))
        if isinstance(exc, stripe.APIError) and "Invalid response body" in str(exc):
            return StripeAccessError(
                f"GET {path} answered with something that is not JSON (HTTP {status}); "
                f"check that api_base {self.settings.api_base} is Stripe's API.", status=status)
        return StripeAccessError(f"GET {path} failed (HTTP {status}): {message}", status=status)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter, 0.5 s doubling up to 30 s."""
        ceiling = min(30.0, 0.5 * 2**attempt)
        return ceiling / 2 + random.uniform(0, ceiling / 2)
