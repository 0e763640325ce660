"""What a run reads, as plain data computed once before the sync: for every selected stream and
account, what is listed and from when, and from when its events are taken; and the order the
(stream, account) pairs are synced and their passes fetched in (the longest listings
written last and started first, see ``RunPlan.longest_last``).

Made from the settings, the state the run starts with and Stripe's clock; nothing here talks to
Stripe or to singer-sdk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tap_stripe.registry import BY_NAME, StreamDef, children_of
from tap_stripe.settings import Settings

DAY = 86400
# Stripe keeps events 30 days; a bookmark older than this cannot be caught up through events.
EVENT_HORIZON = 29 * DAY
# The bookmark fields a context has once it has been synced.
_BOOKMARKS = ("replication_key_value", "created_cursor", "backfill_started")

Account = str | None
State = Mapping[str, Any]


@dataclass(frozen=True)
class Plan:
    """What a stream reads this run in one account.

    Attributes:
        list_from: Start of the `created` listing (None: no listing this run).
        events_from: Start of the events this stream takes (None: not event-driven this run).
        backfill_started: When the listing that fills an event-driven stream began.
        deletes_from: Deletes from this time on are taken from events too (a refill after a
            pause longer than Stripe's event retention: the list no longer shows objects
            deleted during the pause, the events of the last 29 days do).
    """

    list_from: int | None
    events_from: int | None = None
    backfill_started: int | None = None
    deletes_from: int | None = None

    @property
    def changes_from(self) -> int | None:
        """Where the events hub reads this stream's events from: its changes, or its deletes
        when they start earlier (None: not event-driven this run)."""
        if self.events_from is None:
            return None
        return min(self.events_from, self.deletes_from or self.events_from)


@dataclass(frozen=True)
class StreamInput:
    """A selected stream as the plan needs it: its row, whether it is read in full
    (``FULL_TABLE``), and the bookmarks of each account it reads, in the order it reads them."""

    sdef: StreamDef
    full_table: bool
    states: Mapping[Account, State]


def plan_stream(sdef: StreamDef, full_table: bool, state: State, settings: Settings,
                now: int) -> Plan:
    """The plan of one stream in one account, from its bookmarks and Stripe's time ``now``."""
    if full_table:
        return Plan(list_from=settings.start)
    if sdef.cursor == "created":
        lookback = max(settings.lookback_seconds, sdef.lookback_floor_days * DAY)
        bookmark = state.get("replication_key_value")
        start = bookmark - lookback if isinstance(bookmark, int) else settings.start
        return Plan(list_from=max(settings.start, start))
    horizon = now - EVENT_HORIZON
    bookmark = state.get("replication_key_value")
    if isinstance(bookmark, int) and bookmark >= horizon:
        return Plan(None, events_from=max(horizon, bookmark - settings.lookback_seconds))
    if isinstance(bookmark, int):
        return Plan(settings.start, events_from=now, backfill_started=now,
                    deletes_from=max(horizon, bookmark))
    started, cursor = state.get("backfill_started"), state.get("created_cursor")
    if isinstance(started, int) and started >= horizon and isinstance(cursor, int):
        return Plan(cursor, events_from=started, backfill_started=started)
    return Plan(settings.start, events_from=now, backfill_started=now)


def family_starts(root: str, plans: Mapping[str, Plan]) -> dict[str, int]:
    """Where each stream of ``root``'s family (the root and its children) that ``plans`` list
    starts its listing: the members of the family's scan."""
    family = {root, *(c.name for c in children_of(root))}
    return {name: p.list_from for name, p in plans.items()
            if name in family and p.list_from is not None}


def family_of(stream: str) -> str:
    """The root of ``stream``'s family: its parent list's stream, or itself."""
    return BY_NAME[stream].parent or stream


def reads(sdef: StreamDef, account: Account, connect: bool, own_account: Account) -> bool:
    """Whether a stream reads ``account``. With Connect, the Connect-only streams (accounts,
    persons, external accounts) read each connected account: the account and what hangs off it
    are read on the platform, their changes come from that account's events."""
    return not connect or not sdef.connect_only or account != own_account


def is_new(state: State) -> bool:
    """Whether a context has no bookmark yet (its first sync)."""
    return not any(state.get(k) is not None for k in _BOOKMARKS)


@dataclass(frozen=True)
class RunPlan:
    """Every (stream, account) plan of a run, the order the pairs are synced in, the selected
    streams (in singer-sdk's order), and the order the pairs' passes are started in."""

    plans: Mapping[tuple[str, Account], Plan]
    order: Sequence[tuple[str, Account]]
    streams: Sequence[StreamDef]
    fetch_order: Sequence[tuple[str, Account]]

    def of(self, stream: str, account: Account) -> Plan:
        """The plan of ``stream`` in ``account``."""
        return self.plans[(stream, account)]

    def in_account(self, account: Account) -> dict[str, Plan]:
        """The plans of the streams that read ``account``, by stream name."""
        return {s.name: self.plans[(s.name, account)] for s in self.streams
                if (s.name, account) in self.plans}

    def without(self, streams: set[str]) -> RunPlan:
        """This plan less ``streams`` (those the permission check skips)."""
        return RunPlan({k: v for k, v in self.plans.items() if k[0] not in streams},
                       tuple(pair for pair in self.order if pair[0] not in streams),
                       tuple(s for s in self.streams if s.name not in streams),
                       tuple(pair for pair in self.fetch_order if pair[0] not in streams))

    def longest_last(self, seconds: Mapping[str, int]) -> RunPlan:
        """This plan with its pairs synced in ascending order of their stream's ``seconds``
        (the expected time of its family's listing, see ``lengths``; none: 0), ties in this
        plan's order, and their passes started in descending order (the longest first), ties
        in the new sync order. What the other lists fetch is then written while the longest
        still fetches, not after its last request; a run of small lists (all 0) keeps its
        order. The members of a family share its time, so they keep their relative order; a
        family that takes any time stays together (among families of the same time, at its
        first member's place). A stream some of whose objects are read by id when other
        streams' records name them (``found_in``: closed reviews, named by charges and payment
        intents) takes at least their time, so it stays after them."""
        first: dict[str, int] = {}  # each family's first place in the order
        for place, (name, _) in enumerate(self.order):
            first.setdefault(family_of(name), place)
        synced = {name for name, _ in self.order}

        def time_of(name: str) -> int:
            named_by = [time_of(source) for source, _ in BY_NAME[name].found_in
                        if source in synced]
            return max([seconds.get(name, 0), *named_by])

        times = {name: time_of(name) for name in synced}

        def key(pair: tuple[str, Account]) -> tuple[int, int]:
            time = times[pair[0]]
            return time, first[family_of(pair[0])] if time else 0

        order = tuple(sorted(self.order, key=key))
        fetch = tuple(sorted(order, key=lambda pair: -times[pair[0]]))
        return RunPlan(self.plans, order, self.streams, fetch)

    def first(self, stream: str) -> Plan | None:
        """The plan of the first account ``stream`` reads (None: it reads none)."""
        return next((self.plans[(name, acc)] for name, acc in self.order if name == stream),
                    None)


def plan_run(streams: Sequence[StreamInput], accounts: Sequence[Account], settings: Settings,
             now: int) -> RunPlan:
    """The plans of the selected ``streams`` (in singer-sdk's sync order) over ``accounts``
    (the platform first). Without connected accounts the pairs go stream after stream, as
    singer-sdk syncs them. With them, account after account (each account's streams together,
    so that the passes at work read different endpoints and little waits on disk), and the
    accounts that continue from a bookmark before those read for the first time, so that
    backfills of new accounts never hold up the others."""
    plans = {(s.sdef.name, account): plan_stream(s.sdef, s.full_table, state, settings, now)
             for s in streams for account, state in s.states.items()}
    pairs = [(s.sdef.name, account) for s in streams for account in s.states]
    if settings.connect:
        rank = {a: n for n, a in enumerate(accounts)}
        new = {(s.sdef.name, a): is_new(state) for s in streams for a, state in s.states.items()}
        pairs.sort(key=lambda pair: (new[pair], rank[pair[1]]))
    return RunPlan(plans, tuple(pairs), tuple(s.sdef for s in streams), tuple(pairs))
