"""Injected latency and faults, drawn from a seeded generator so runs are reproducible.

Faults (at most one per request, each with its own rate): ``500``/``502``/``503`` (Stripe
``api_error`` bodies), ``lock_timeout`` (429 with ``Stripe-Should-Retry: true``), ``reset``
(the connection is reset without an answer), ``stall`` (the answer is held back for
``stall_seconds``), ``truncate`` (fewer body bytes than ``Content-Length`` says, then the
connection closes) and ``html`` (a proxy's HTML error page instead of JSON).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

KINDS = ("500", "502", "503", "lock_timeout", "reset", "stall", "truncate", "html")
_ALIASES = {"429": "lock_timeout", "lock": "lock_timeout", "timeout": "stall"}


def parse(text: str) -> dict[str, float]:
    """``"500=0.01,reset=0.02"`` as ``{"500": 0.01, "reset": 0.02}``."""
    rates: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        rates[name.strip()] = float(value)
    return checked(rates)


def checked(rates: dict[str, float]) -> dict[str, float]:
    """Fault rates with names checked (aliases resolved) and a total of at most 1."""
    result: dict[str, float] = {}
    for name, rate in rates.items():
        kind = _ALIASES.get(name, name)
        if kind not in KINDS:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(KINDS)}")
        if not 0.0 <= float(rate) <= 1.0:
            raise ValueError(f"fault rate of {name} must be between 0 and 1")
        result[kind] = result.get(kind, 0.0) + float(rate)
    if sum(result.values()) > 1.0:
        raise ValueError("fault rates add up to more than 1")
    return result


@dataclass
class FaultPlan:
    """What to inject: per-fault rates, latency and how long a stall lasts."""

    rates: dict[str, float] = field(default_factory=dict)
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    stall_seconds: float = 30.0
    seed: int = 0


class Faults:
    """Draws the fault and delay of each request from the plan."""

    def __init__(self, plan: FaultPlan) -> None:
        self._lock = threading.Lock()
        self.plan = plan
        self._rng = random.Random(plan.seed)

    def configure(self, plan: FaultPlan) -> None:
        """Replace the plan; the generator restarts from the plan's seed."""
        with self._lock:
            self.plan = plan
            self._rng = random.Random(plan.seed)

    def draw(self) -> tuple[str | None, float]:
        """This request's fault (or None) and its delay in seconds."""
        with self._lock:
            plan = self.plan
            delay = plan.latency_ms
            if plan.jitter_ms:
                delay += self._rng.uniform(-plan.jitter_ms, plan.jitter_ms)
            roll = self._rng.random() if plan.rates else 1.0
            for kind in KINDS:
                rate = plan.rates.get(kind, 0.0)
                if roll < rate:
                    return kind, max(delay, 0.0) / 1000.0
                roll -= rate
            return None, max(delay, 0.0) / 1000.0
