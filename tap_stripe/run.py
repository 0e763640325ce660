"""What one run of the tap shares between its streams: settings, the API, the accounts read,
the run's plan, and the shared passes (family scans, Events hubs) built from it, with the
scheduler that fetches them ahead of the streams; ``source`` hands each (stream, account) its
plan and channels. Nothing here calls the streams or the sync loop."""

from __future__ import annotations

import datetime as dt
import logging
import zlib
from dataclasses import replace
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from tap_stripe.api import StripeApi
from tap_stripe.channels import Source
from tap_stripe.clocks import TestClocks, test_mode
from tap_stripe.errors import StripeAccessError
from tap_stripe.events import EventsHub
from tap_stripe.families import FamilyScan
from tap_stripe.found import Found, read_by_id
from tap_stripe.plan import RunPlan, family_starts, plan_run
from tap_stripe.pool import Concurrency
from tap_stripe.progress import PROGRESS_SECONDS, Progress
from tap_stripe.registry import BY_NAME, StreamDef
from tap_stripe.scheduler import Scheduler
from tap_stripe.settings import Settings
from tap_stripe.stamps import Stamper

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from concurrent.futures import Future

    from tap_stripe.channels import Item
    from tap_stripe.passes import SharedPass
    from tap_stripe.plan import StreamInput

LOGGER = logging.getLogger("tap-stripe")
# Passes at a time when accounts are read: many small ones, on different endpoints.
CONNECT_PASSES = 16
# Objects no list shows (closed reviews) read by id at once.
BY_ID_AT_ONCE = 8


def in_shard(account: str | None, shard: tuple[int, int] | None) -> bool:
    """Whether ``account`` falls in shard ``(i, n)``: a stable hash of its id, modulo n."""
    if shard is None:
        return True
    index, count = shard
    return zlib.crc32((account or "").encode()) % count == index


class Run:
    """State shared by the streams of one run; built lazily so discovery needs no settings.

    ``concurrency`` sets how much is fetched at once (``SEQUENTIAL``: one request at a time).
    """

    concurrency = Concurrency()
    progress_seconds = PROGRESS_SECONDS  # at most one progress line per stream this often

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = dict(config)
        self._plan: RunPlan | None = None
        self._now = dt.datetime.now(dt.timezone.utc)
        self._families: dict[tuple[str, str | None], FamilyScan] = {}  # (root, account)
        self._hubs: dict[str | None, EventsHub] = {}
        self._prefetched = False
        self._own: Future[dict[str, Any]] | None = None  # /v1/account, asked ahead
        self._earliest: int | None = None  # Stripe's time the first pages asked ahead left
        self.refused: dict[str, str] = {}  # connected accounts that refused access: why
        # list paths whose permission probe found more than it asked for: their listings from
        # the start date are cut before their first page (see ``listing.WindowLister``)
        self.populated: set[str] = set()

    @cached_property
    def settings(self) -> Settings:
        """The validated settings (raises SettingsError on bad input)."""
        return Settings.from_config(self._config, self._now)

    @cached_property
    def api(self) -> StripeApi:
        """The one StripeApi of this run."""
        return StripeApi(self.settings)

    @cached_property
    def progress(self) -> Progress:
        """Progress lines for people, and the table at the end of the run."""
        return Progress(self.api.traffic, self.progress_seconds)

    @cached_property
    def clocks(self) -> TestClocks:
        """The test clocks of the accounts read (test-mode keys only)."""
        return TestClocks(self.api, test_mode(self.settings.client_secret))

    @cached_property
    def found(self) -> Found:
        """Ids of objects no list shows, named by the records this run emits."""
        return Found(self.plan.streams)

    @cached_property
    def started(self) -> int:
        """When this run started, by Stripe's clock (see ``StripeApi.now``), and no later than
        the first pages asked ahead were asked (see ``clock_set``)."""
        now = self.api.now()
        return now if self._earliest is None else min(now, self._earliest)

    @property
    def events_end(self) -> int:
        """Where this run's events end: ``event_lag_seconds`` before its start. The events hub
        and the ``events`` stream both stop there, so a run's tables agree with each other."""
        return self.started - self.settings.event_lag

    def clock_set(self, earliest: int | None = None) -> None:
        """The permission probe has told Stripe's time: the run starts by Stripe's clock, at
        ``earliest`` at the latest (when the first pages its probe asked ahead were asked, so
        that they hold all the run's windows need; see ``ahead``)."""
        self._earliest = earliest
        self.__dict__.pop("started", None)

    def make_plan(self, inputs: Sequence[StreamInput]) -> RunPlan:
        """The run's plan for the selected streams ``inputs`` (made before the sync, once
        Stripe's clock is known), kept as the run's."""
        self._plan = plan_run(inputs, self.accounts, self.settings, self.started)
        return self._plan

    @property
    def planned(self) -> bool:
        """Whether the run has its plan."""
        return self._plan is not None

    @property
    def plan(self) -> RunPlan:
        """The run's plan (see ``make_plan``)."""
        if self._plan is None:
            msg = "The run has no plan yet: make_plan comes first."
            raise RuntimeError(msg)
        return self._plan

    @plan.setter
    def plan(self, plan: RunPlan) -> None:
        self._plan = plan

    def ask_own_account(self) -> None:
        """Ask for the key's own account on a worker now, beside the run's other first
        requests (``own_account`` takes the answer)."""
        if not self.settings.account_id and self._own is None:
            self._own = self.scheduler.pool.submit(self.api.get, "/v1/account")

    @cached_property
    def own_account(self) -> str | None:
        """Id of the account the key reads without a Stripe-Account header (``account_id``
        when set); None when the key may not read ``/v1/account``."""
        if self.settings.account_id:
            return self.settings.account_id
        try:
            own = self.api.get("/v1/account") if self._own is None else self._own.result()
            return str(own.get("id") or "") or None
        except StripeAccessError as exc:
            LOGGER.warning("Could not read the key's own account id (%s); records of the "
                           "platform carry stripe_account null.", exc)
            return None

    @cached_property
    def accounts(self) -> list[str | None]:
        """The accounts this run reads, the platform first: its own account, plus the
        connected accounts of ``connected_accounts``, less those of other shards."""
        settings = self.settings
        own = self.own_account
        if not settings.connect:
            return [own]
        wanted = settings.connected_accounts
        if wanted == "all":
            connected = [str(a["id"]) for page in self.api.list_pages("/v1/accounts")
                         for a in page]
        else:
            connected = list(wanted or ())
        every = list(dict.fromkeys([own, *(a for a in connected if a != own)]))
        chosen = [a for a in every if in_shard(a, settings.account_shard)]
        shard = settings.account_shard
        LOGGER.info("Reading %d account(s): %s%d connected%s.", len(chosen),
                    "the platform and " if own in chosen else "",
                    sum(a != own for a in chosen),
                    f" (shard {shard[0]}/{shard[1]} of {len(every)} accounts)" if shard else "")
        return chosen

    def header(self, account: str | None) -> str | None:
        """The Stripe-Account header that reads ``account`` (None: the key's own)."""
        return None if account == self.own_account else account

    def refuse(self, account: str, reason: str) -> None:
        """``account`` refused access: note why and stop the passes reading it."""
        self.refused.setdefault(account, reason)
        for key, scan in self._families.items():
            if key[1] == account:
                scan.cancel()
        if account in self._hubs:
            self._hubs[account].cancel()

    @cached_property
    def scheduler(self) -> Scheduler:
        """Runs the passes of this run ahead of their streams, on one worker pool."""
        concurrency = self.concurrency
        if self.settings.connect:
            concurrency = replace(concurrency, passes=max(concurrency.passes, CONNECT_PASSES))
        return Scheduler(concurrency, self.api.limiter)

    def prefetch(self) -> None:
        """Start every pass this run needs, in the plan's order of passes (the longest
        listing first; see ``RunPlan.longest_last``), once."""
        if self._prefetched:
            return
        self._prefetched = True
        needed: list[SharedPass] = []
        for name, account in self.plan.fetch_order:
            plan = self.plan.of(name, account)
            if plan.list_from is not None:
                needed.append(self.family_of(BY_NAME[name], account))
            if plan.events_from is not None:
                needed.append(self.hub_for(account))
        self.scheduler.queue(list(dict.fromkeys(needed)))

    def source(self, stream: str, account: str | None) -> Source:
        """What ``stream`` reads in ``account``: its plan and its channels."""
        return Source(self.plan.of(stream, account), partial(self.listed, stream, account),
                      partial(self.found_by_id, stream, account),
                      partial(self.changes, stream, account))

    def listed(self, stream: str, account: str | None) -> Iterator[list[Item]]:
        """``stream``'s listed records and checkpoints in ``account``, from its family's scan
        (started now if the scheduler has not started it yet)."""
        scan = self.family_of(BY_NAME[stream], account)
        self.progress.listing(stream, account, scan)
        return self.shared(scan).items(stream)

    def changes(self, stream: str, account: str | None) -> Iterator[list[Item]]:
        """``stream``'s changes and checkpoints in ``account``, from the account's Events hub
        (started now if the scheduler has not started it yet)."""
        return self.shared(self.hub_for(account)).items(stream)

    def found_by_id(self, stream: str, account: str | None, start: int,
                    ) -> Iterator[list[Item]]:
        """The objects of ``stream`` in ``account`` that no list shows, named by other
        streams' records of this run (closed reviews, in the charges and payment intents
        emitted before), created from ``start`` on."""
        sdef = BY_NAME[stream]
        ids = self.found.missing(stream, account)
        stamp = Stamper(self.started)
        for obj in read_by_id(self.api, sdef, ids, self.header(account), start, self.started,
                              at_once=BY_ID_AT_ONCE):
            yield [stamp(sdef, obj, None)]

    def shared(self, shared: SharedPass) -> SharedPass:
        """``shared``, started now if the scheduler has not started it yet."""
        self.scheduler.need(shared)
        return shared

    def family_of(self, sdef: StreamDef, account: str | None) -> FamilyScan:
        """The listing of ``sdef``'s family (its parent and the parent's children) in
        ``account``. A connected account's Connect-only family (the account itself, its
        persons and external accounts) is read on the platform, for that one account."""
        root = BY_NAME[sdef.parent] if sdef.parent else sdef
        scan = self._families.get((root.name, account))
        if scan is None:
            starts = family_starts(root.name, self.plan.in_account(account))
            only = account if root.connect_only and self.header(account) else None
            header = None if only else self.header(account)
            end = self.events_end if root.name == "events" else self.started
            # the probes ask the key's own account: its listings only
            cut_first = header is None and only is None and root.path in self.populated and min(
                starts.values(), default=None) == self.settings.start
            scan = self._families[(root.name, account)] = FamilyScan(
                self.api, root, starts, end, self.settings.slice_seconds,
                Stamper(self.started), header, scheduler=self.scheduler, only=only,
                cut_first=cut_first,
                hidden=partial(self.clocks.variants, root, header)
                if root.clock_param and self.clocks.enabled else None)
        return scan

    def hub_for(self, account: str | None) -> EventsHub:
        """The one pass over /v1/events of ``account`` in this run."""
        hub = self._hubs.get(account)
        if hub is None:
            plans = {name: p for name, p in self.plan.in_account(account).items()
                     if p.events_from is not None}
            starts = {name: p.changes_from or 0 for name, p in plans.items()}
            changes_from = {name: p.events_from or 0 for name, p in plans.items()}
            hub = self._hubs[account] = EventsHub(
                self.api, starts, self.events_end, self.settings.event_payload,
                self.header(account), scheduler=self.scheduler, changes_from=changes_from,
                skip_refused=self.settings.on_permission_error == "skip",
                lag=self.settings.event_lag)
        return hub

    def read_in_part(self) -> dict[str, str]:
        """Streams some of whose requests the key may not make, left out under
        ``on_permission_error=skip`` (see ``EventsHub``): stream -> permission or reason."""
        return {name: why for hub in self._hubs.values() for name, why in hub.refused.items()}

    def close(self, timeout: float = 10.0) -> None:
        """Stop every pass and worker thread of this run (after a failure or a stop signal),
        waiting at most ``timeout`` seconds in all for their threads to end."""
        if "scheduler" in self.__dict__:
            self.scheduler.close(timeout)
