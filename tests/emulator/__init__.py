"""A Stripe v1 API emulator for tests, benchmarks and demos (stdlib only; see README.md).

    from tests.emulator import Emulator

    with Emulator(seed=1, scale=200, clock=1_790_000_000) as emu:
        client = stripe.StripeClient(emu.secret_key, base_addresses={"api": emu.base_url})
        emu.create("customer", {"email": "a@example.com"})      # + customer.created event
        emu.update("cus_...", {"name": "Ann"})                  # + customer.updated event
        emu.advance(31 * 86_400)                                # older events vanish

It never imports the tap: it is the tap's independent judge of Stripe's behaviour.
"""

from __future__ import annotations

from tests.emulator.emulator import Emulator

__all__ = ["Emulator"]
