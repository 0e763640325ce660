"""The control API under ``/_emulator``: the ``Emulator`` methods over HTTP, JSON in and out.

=======  =====================================  ============================================
method   path                                   body / query -> answer
=======  =====================================  ============================================
GET      /_emulator/health                      -> base_url, secret_key, platform_account ...
GET      /_emulator/config                      -> rate_limit, latency, faults, api_version
POST     /_emulator/config                      {rate_limit, latency_ms, jitter_ms, faults,
                                                fault_seed, stall_seconds, api_version}
GET      /_emulator/clock                       -> {now}
POST     /_emulator/clock                       {advance: seconds} or {set: unix} -> {now}
GET      /_emulator/objects?kind=K&account=A    -> {objects, deleted, parents}
POST     /_emulator/objects                     {kind, fields, links, parent, account} -> obj
POST     /_emulator/objects/{id}                {fields, event_type, account} -> object
DELETE   /_emulator/objects/{id}?account=A      -> deleted stub (or canceled subscription)
GET      /_emulator/events?account=A            -> {events} (visible now, newest first)
GET      /_emulator/accounts                    -> {accounts}
POST     /_emulator/accounts                    {scale, fields} -> account
DELETE   /_emulator/accounts/{id}               -> deleted stub
GET      /_emulator/keys                        -> {keys}
POST     /_emulator/keys                        {key, permissions}
DELETE   /_emulator/keys/{key}
GET      /_emulator/requests?since=N            -> {requests}
DELETE   /_emulator/requests                    forget the log and counters
GET      /_emulator/stats                       -> counters per status and fault
=======  =====================================  ============================================

Refused calls answer 400 ``{"error": "..."}``; unknown paths 404.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from tests.emulator.encoding import dumps
from tests.emulator.errors import ControlError

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.emulator.emulator import Emulator

_PREFIX = "/_emulator/"


class Control:
    """Routes control requests to an ``Emulator``."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def handle(self, method: str, path: str, query_string: str,
               body: bytes) -> tuple[int, bytes]:
        """Answer one control request: (status, JSON bytes)."""
        parts = path[len(_PREFIX):].strip("/").split("/") if path.startswith(_PREFIX) else []
        args = {k: v[-1] for k, v in parse_qs(query_string).items()}
        try:
            data = json.loads(body) if body else {}
            if not isinstance(data, dict):
                raise ControlError("the body must be a JSON object")
            handler = self._route(method, parts, args, data)
            if handler is None:
                return 404, dumps({"error": f"no control endpoint {method} {path}"})
            return 200, dumps(handler())
        except (ControlError, ValueError, KeyError, TypeError) as error:
            return 400, dumps({"error": str(error)})

    def _route(self, method: str, parts: list[str], args: dict[str, str],
               data: dict[str, Any]) -> Callable[[], Any] | None:
        emu = self.emulator
        head = parts[0] if parts else ""
        rest = "/".join(parts[1:])
        account = data.get("account") or args.get("account")
        table: dict[tuple[str, str, bool], Callable[[], Any]] = {
            ("GET", "health", False): emu.health,
            ("GET", "config", False): emu.config,
            ("POST", "config", False): lambda: emu.configure(**data),
            ("GET", "clock", False): lambda: {"now": emu.now},
            ("POST", "clock", False): lambda: {"now": self._clock(data)},
            ("GET", "objects", False): lambda: self._objects(args["kind"], account),
            ("POST", "objects", False): lambda: emu.create(
                data["kind"], data.get("fields"), parent=data.get("parent"),
                links=data.get("links"), account=account),
            ("POST", "objects", True): lambda: emu.update(
                rest, data.get("fields") or {}, account=account,
                event_type=data.get("event_type")),
            ("DELETE", "objects", True): lambda: emu.delete(rest, account=account),
            ("GET", "events", False): lambda: {"events": emu.events(account)},
            ("GET", "accounts", False): lambda: {"accounts": emu.accounts()},
            ("POST", "accounts", False): lambda: emu.add_account(
                scale=data.get("scale"), fields=data.get("fields")),
            ("DELETE", "accounts", True): lambda: emu.revoke_account(rest),
            ("GET", "keys", False): lambda: {"keys": emu.keys()},
            ("POST", "keys", False): lambda: emu.add_key(data["key"], data.get("permissions")),
            ("DELETE", "keys", True): lambda: emu.remove_key(rest),
            ("GET", "requests", False): lambda: {
                "requests": emu.requests(int(args.get("since", 0)))},
            ("DELETE", "requests", False): emu.clear_log,
            ("GET", "stats", False): emu.counters,
        }
        return table.get((method, head, bool(rest)))

    def _clock(self, data: dict[str, Any]) -> int:
        if "advance" in data:
            return self.emulator.advance(int(data["advance"]))
        if "set" in data:
            return self.emulator.set_time(int(data["set"]))
        raise ControlError("give 'advance' (seconds) or 'set' (unix time)")

    def _objects(self, kind: str, account: str | None) -> dict[str, Any]:
        emu = self.emulator
        if kind == "events":  # a stream name like the others (README): events are never
            # deleted and have no parent
            return {"objects": emu.objects(kind, account), "deleted": [], "parents": {}}
        return {"objects": emu.objects(kind, account), "deleted": emu.deleted(kind, account),
                "parents": emu.parents(kind, account)}
