"""API keys: which keys the account has, what each may read, and checking a request's key.

Keys are ``Authorization: Bearer <key>`` or HTTP basic with the key as user name, as Stripe
accepts. Secret keys (``sk_``) read everything; restricted keys (``rk_``) read only the
resources named by their permissions (``rak_customer_read`` ...); publishable keys (``pk_``)
and unknown keys are refused with 401. A key's mode (``_test_``/``_live_``) must match the
emulator's mode.
"""

from __future__ import annotations

import base64
import binascii
import threading
from dataclasses import dataclass

from tests.emulator import errors


@dataclass(frozen=True)
class Principal:
    """The key a request came with and what it may read (None: everything)."""

    key: str
    permissions: frozenset[str] | None


def key_mode(key: str) -> bool:
    """Whether ``key`` is a live-mode key."""
    return "_live_" in key


class Keys:
    """The configured API keys of the platform account."""

    def __init__(self, secret_key: str) -> None:
        self.secret_key = secret_key
        self.livemode = key_mode(secret_key)
        self._lock = threading.Lock()
        self._keys: dict[str, frozenset[str] | None] = {secret_key: None}

    def add(self, key: str, permissions: list[str] | None) -> None:
        """Add a secret key (``permissions`` None) or a restricted key with ``permissions``."""
        if key_mode(key) != self.livemode:
            raise ValueError(f"key {key[:8]}... is not in the emulator's mode")
        if not key.startswith(("sk_", "rk_")):
            raise ValueError("keys must start with sk_ (secret) or rk_ (restricted)")
        if key.startswith("rk_") and permissions is None:
            raise ValueError("a restricted key needs a list of permissions")
        with self._lock:
            self._keys[key] = None if permissions is None else frozenset(permissions)

    def remove(self, key: str) -> None:
        """Revoke ``key`` (the main secret key cannot be removed)."""
        if key == self.secret_key:
            raise ValueError("the main secret key cannot be removed")
        with self._lock:
            self._keys.pop(key, None)

    def listed(self) -> dict[str, list[str] | None]:
        """Every key and its permissions."""
        with self._lock:
            return {k: None if v is None else sorted(v) for k, v in self._keys.items()}

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal of an ``Authorization`` header, or the 401 Stripe sends."""
        key = _key_of(authorization or "")
        if not key:
            raise errors.no_key()
        if key.startswith("pk_"):
            raise errors.publishable_key()
        with self._lock:
            if key not in self._keys:
                raise errors.invalid_key(key)
            return Principal(key, self._keys[key])


def _key_of(authorization: str) -> str:
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[0]
    return ""
