"""Stripe's error responses, as an exception carrying status, body and extra headers.

Messages follow what Stripe sends (quoted in public bug reports and recorded probes):
``No such customer: 'cus_x'``, ``Received unknown parameter: foo``, ``Invalid integer: abc``,
``This property cannot be expanded (x).``, the both-cursors message, the ``Invalid API Key
provided`` message with the key masked, the restricted-key and ``Stripe-Account`` refusals.
Stripe omits null attributes of error objects, and so do these bodies.
"""

from __future__ import annotations

import json

_DOC = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """An error response: HTTP ``status`` and Stripe's ``{"error": {...}}`` body."""

    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        """The JSON body Stripe sends."""
        error: dict[str, object] = {}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = _DOC + self.code.replace("_", "-")
        error["message"] = self.message
        if self.param:
            error["param"] = self.param
        error["type"] = self.type
        return {"error": error}

    def payload(self) -> bytes:
        """The body as JSON bytes."""
        return json.dumps(self.body()).encode()


def mask_key(key: str, visible: int = 4) -> str:
    """``key`` as Stripe prints it in errors: first 8 and last ``visible`` characters."""
    if len(key) <= 8 + visible:
        return key[:8] + "*" * max(0, len(key) - 8)
    return key[:8] + "*" * (len(key) - 8 - visible) + key[-visible:]


def no_key() -> StripeError:
    """401: no API key at all."""
    return StripeError(401, "You did not provide an API key. You need to provide your API key "
                       "in the Authorization header, using Bearer auth (e.g. 'Authorization: "
                       "Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication "
                       "for details, or we can help at https://support.stripe.com/.")


def invalid_key(key: str) -> StripeError:
    """401: a key that is not one of the account's keys."""
    return StripeError(401, f"Invalid API Key provided: {mask_key(key)}")


def publishable_key() -> StripeError:
    """401: a publishable key where a secret key is required."""
    return StripeError(401, "This API call cannot be made with a publishable API key. Please use "
                       "a secret API key. You can find a list of your API keys at "
                       "https://dashboard.stripe.com/account/apikeys.",
                       code="secret_key_required")


def missing_permissions(key: str, account: str, permissions: tuple[str, ...]) -> StripeError:
    """403: a restricted key without the permission the endpoint needs."""
    names = ", ".join(f"'{p}'" for p in permissions)
    noun = "permission" if len(permissions) == 1 else "permissions"
    return StripeError(403, f"The provided key '{mask_key(key, 6)}' does not have the required "
                       f"permissions for this endpoint on account '{account}'. Having the "
                       f"{names} {noun} would allow this request to continue.")


def account_invalid(key: str, account: str) -> StripeError:
    """403: ``Stripe-Account`` names an account the key cannot reach."""
    return StripeError(403, f"The provided key '{mask_key(key)}' does not have access to account "
                       f"'{account}' (or that account does not exist). Application access may "
                       "have been revoked.", code="account_invalid")


def not_a_platform() -> StripeError:
    """403: a connected account asked for Connect resources."""
    return StripeError(403, "You cannot access the connected accounts of your platform's "
                       "connected accounts.")


def unrecognized_url(method: str, path: str) -> StripeError:
    """404: no such endpoint."""
    return StripeError(404, f"Unrecognized request URL ({method}: {path}). Please see "
                       "https://stripe.com/docs or we can help at https://support.stripe.com/.")


def no_such(name: str, object_id: str, param: str, status: int = 404) -> StripeError:
    """404 (path id) or 400 (parameter id): the object does not exist."""
    return StripeError(status, f"No such {name}: '{object_id}'", code="resource_missing",
                       param=param)


def unknown_parameter(name: str) -> StripeError:
    """400: a parameter the endpoint does not take."""
    return StripeError(400, f"Received unknown parameter: {name}", code="parameter_unknown",
                       param=name)


def missing_parameter(name: str) -> StripeError:
    """400: a required parameter is absent."""
    return StripeError(400, f"Missing required param: {name}.", code="parameter_missing",
                       param=name)


def missing_one_of(names: tuple[str, ...]) -> StripeError:
    """400: none of the parameters of which one is required was given. Wording: Stripe's answer
    to an unscoped ``/v1/billing/credit_balance_transactions`` ("Must provide customer or
    customer_account.", quoted in PostHog/posthog PR #75723)."""
    return StripeError(400, f"Must provide {' or '.join(names)}.")


def manual_payout_filter() -> StripeError:
    """400: ``payout=`` naming a manual payout (the project's Stripe notes, section 2.3.1;
    ``BalanceTransactionListParams.payout``: "For automatic Stripe payouts only")."""
    return StripeError(400, "Balance transaction history can only be filtered on automatic "
                       "transfers, not manual.",
                       code="balance_transactions_manual_filtering_not_allowed", param="payout")


def invalid(kind: str, name: str, message: str) -> StripeError:
    """400: a parameter of the wrong type (``kind`` is integer, boolean, array ...)."""
    return StripeError(400, message, code=f"parameter_invalid_{kind}", param=name)


def invalid_choice(name: str, choices: tuple[str, ...]) -> StripeError:
    """400: a value outside an enumeration (Stripe sends no code for this one)."""
    listed = ", ".join(choices[:-1]) + f", or {choices[-1]}" if len(choices) > 1 else choices[0]
    return StripeError(400, f"Invalid {name}: must be one of {listed}", param=name)


def both_cursors() -> StripeError:
    """400: ``starting_after`` and ``ending_before`` together."""
    return StripeError(400, "Received both starting_after and ending_before parameters. Please "
                       "pass in only one.")


def cannot_expand(path: str, hint: str | None = None) -> StripeError:
    """400: an ``expand[]`` entry that is not expandable."""
    message = f"This property cannot be expanded ({path})."
    if hint:
        message += f" You may want to try expanding '{hint}' instead."
    return StripeError(400, message)


def unsupported(what: str) -> StripeError:
    """400: valid in Stripe but not emulated (never silently ignored)."""
    return StripeError(400, f"The Stripe emulator does not support {what}.",
                       code="emulator_unsupported")


def rate_limited(reason: str) -> StripeError:
    """429: a rate limiter refused the request."""
    return StripeError(429, "Request rate limit exceeded. Learn more about rate limits here "
                       "https://stripe.com/docs/rate-limits.", code="rate_limit",
                       headers={"Stripe-Rate-Limited-Reason": reason})


def lock_timeout() -> StripeError:
    """429: the object is locked by another request (Stripe asks the client to retry)."""
    return StripeError(429, "This object cannot be accessed right now because another API "
                       "request or Stripe process is currently accessing it. If you see this "
                       "error intermittently, retry the request. If you see this error "
                       "frequently and are making multiple concurrent requests to a single "
                       "object, make your requests serially or at a lower rate. See "
                       "https://stripe.com/docs/rate-limits for more details.",
                       code="lock_timeout", headers={"Stripe-Should-Retry": "true"})


def server_error(status: int) -> StripeError:
    """5xx: Stripe's generic ``api_error``."""
    return StripeError(status, "Sorry, something went wrong. We've already been notified of the "
                       "problem, but if you need any help, you can reach us at "
                       "support.stripe.com/contact.", type_="api_error")


class ControlError(Exception):
    """A refused control-API call (bad kind, unknown id, a change Stripe would not allow)."""
