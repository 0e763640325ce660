"""Command line: serve the emulator until SIGTERM/SIGINT.

    python -m tests.emulator --port 12111 --seed 1 --scale 1000 --rate-limit test \\
        --latency-ms 20 --faults "500=0.01,reset=0.01" --connected-accounts 3

When ready it prints one JSON line: ``{"base_url": ..., "secret_key": ..., ...}``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import TYPE_CHECKING

from tests.emulator.emulator import Emulator
from tests.emulator.faults import parse as parse_faults
from tests.emulator.limits import MODES
from tests.emulator.world import DEFAULT_API_VERSION

if TYPE_CHECKING:
    from types import FrameType


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The parsed command line."""
    parser = argparse.ArgumentParser(prog="python -m tests.emulator",
                                     description="Serve a Stripe v1 API emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=int, default=1000,
                        help="customers of the platform (about 33 objects each)")
    parser.add_argument("--rate-limit", choices=MODES, default="off")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    parser.add_argument("--faults", default="", help='e.g. "500=0.01,reset=0.01,stall=0.001"')
    parser.add_argument("--fault-seed", type=int, default=0)
    parser.add_argument("--stall-seconds", type=float, default=30.0)
    parser.add_argument("--connected-accounts", type=int, default=2)
    parser.add_argument("--connected-scale", type=int, default=10)
    parser.add_argument("--key", default=None, help="the platform's secret key")
    parser.add_argument("--clock", type=int, default=None,
                        help="start time (unix seconds, frozen until moved); default: now")
    parser.add_argument("--api-version", default=DEFAULT_API_VERSION)
    parser.add_argument("--cache-size", type=int, default=50_000,
                        help="serialised objects kept in the LRU cache (a fifth as many built)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run until a stop signal; returns the exit status."""
    args = arguments(argv)
    emulator = Emulator(
        seed=args.seed, scale=args.scale, rate_limit=args.rate_limit,
        latency_ms=args.latency_ms, jitter_ms=args.jitter_ms, faults=parse_faults(args.faults),
        fault_seed=args.fault_seed, stall_seconds=args.stall_seconds, key=args.key,
        connected_accounts=args.connected_accounts, connected_scale=args.connected_scale,
        clock=args.clock, api_version=args.api_version, host=args.host, port=args.port,
        cache_size=args.cache_size)
    stop = threading.Event()

    def on_signal(number: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emulator.start()
    print(json.dumps({"base_url": emulator.base_url, "secret_key": emulator.secret_key,
                      "platform_account": emulator.platform_account,
                      "objects": emulator.count(), "accounts": emulator.accounts()}),
          flush=True)
    stop.wait()
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
