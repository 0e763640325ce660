"""Deterministic hashing and reversible Stripe-looking ids.

Generated objects are never stored: an object is its position ``index`` in a collection, and its
id is ``prefix_`` plus a keyed, reversible scrambling of that index in base 62. Decoding an id
gives the index back without any lookup table, so a million objects cost no memory.
"""

from __future__ import annotations

import hashlib

_MASK64 = (1 << 64) - 1
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DIGIT = {c: i for i, c in enumerate(_ALPHABET)}
_WIDTH = 14
_SPACE = 62**_WIDTH
_HALF = 62 ** (_WIDTH // 2)
_ROUNDS = 3


def salt(*parts: object) -> int:
    """A 64-bit key derived from ``parts`` (seed, account, collection ...)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def mix(key: int, value: int) -> int:
    """A well-spread 64-bit hash of ``value`` under ``key`` (splitmix64 finaliser)."""
    z = (key ^ (value * 0x9E3779B97F4A7C15)) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def unit(key: int, value: int) -> float:
    """A deterministic float in [0, 1) for ``value`` under ``key``."""
    return mix(key, value) / 2.0**64


def _encode(number: int) -> str:
    chars = []
    for _ in range(_WIDTH):
        number, digit = divmod(number, 62)
        chars.append(_ALPHABET[digit])
    return "".join(chars)


def _rotate(number: int) -> int:
    """Swap the high and low 7 base-62 digits of ``number`` (its own inverse)."""
    high, low = divmod(number, _HALF)
    return low * _HALF + high


def _decode(text: str) -> int | None:
    number = 0
    for char in reversed(text):
        digit = _DIGIT.get(char)
        if digit is None:
            return None
        number = number * 62 + digit
    return number


class IdCodec:
    """Turns indexes of one collection into ids and back, keyed by ``key``."""

    def __init__(self, key: int, tail_length: int = _WIDTH) -> None:
        self._rounds: list[tuple[int, int, int]] = []
        for round_no in range(_ROUNDS):
            factor = (mix(key, 2 * round_no + 1) % _SPACE) | 1
            while factor % 31 == 0:
                factor += 2
            self._rounds.append((factor, mix(key, 2 * round_no + 2) % _SPACE,
                                 pow(factor, -1, _SPACE)))
        self._pad_key = mix(key, 99)
        self._tail = max(tail_length, _WIDTH)

    def tail(self, index: int) -> str:
        """The id tail (without prefix) of ``index``."""
        number = index
        for factor, offset, _ in self._rounds:
            number = _rotate((number * factor + offset) % _SPACE)
        return _encode(number) + self._padding(index, self._tail - _WIDTH)

    def index(self, tail: str) -> int | None:
        """The index whose tail is ``tail`` (any 14-digit tail has one: check the range)."""
        if len(tail) != self._tail:
            return None
        number = _decode(tail[:_WIDTH])
        if number is None:
            return None
        for _, offset, inverse in reversed(self._rounds):
            number = ((_rotate(number) - offset) * inverse) % _SPACE
        return number if self._padding(number, self._tail - _WIDTH) == tail[_WIDTH:] else None

    def _padding(self, index: int, length: int) -> str:
        return random_token(self._pad_key, index, length) if length else ""


def random_token(key: int, counter: int, length: int = 14) -> str:
    """A deterministic random-looking token (request ids, idempotency keys)."""
    chars: list[str] = []
    value = mix(key, counter)
    while len(chars) < length:
        value, digit = divmod(value, 62)
        chars.append(_ALPHABET[digit])
        if value < 62:
            value = mix(key, value ^ (counter + len(chars) * 7919))
    return "".join(chars)
