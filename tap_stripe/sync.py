"""The sync loop: the checks before a sync (catalog, permissions, Stripe's clock), the run's
plan, then every selected (stream, account) in the plan's order, written as Singer messages.

The loop owns what singer-sdk's ``Tap.sync_all`` and ``Stream.sync`` would do, through their
public members only: SCHEMA and ACTIVATE_VERSION from each stream map's ``stream_alias``,
``transformed_schema`` and ``transformed_key_properties``; a stream's records from its
``items`` (see ``streams``), a list at a time; bookmarks in the state dict singer-sdk loaded
(``get_context_state``); STATE through the tap's ``state_writer`` (which skips a STATE equal to
the last). The records of a stream that passes its records through go to the writer's
``write_records`` as read, a list in one call; any other goes through the selection mask and
each map's ``transform``, as singer-sdk would. The messages are those singer-sdk's own loop wrote
(``tests/e2e/test_messages.py``), including singer-sdk's ``starting_replication_value``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from singer_sdk import Stream
from singer_sdk.mapper import RemoveRecordTransform
from singer_sdk.singerlib import (
    ActivateVersionMessage,
    RecordMessage,
    SchemaMessage,
    StateMessage,
)

from tap_stripe import bookmarks, shutdown
from tap_stripe.ahead import cut, key_of
from tap_stripe.api import endpoint_of
from tap_stripe.channels import PassCancelledError
from tap_stripe.errors import SettingsError, StreamsNotReadableError, StripeAccessError
from tap_stripe.families import list_params, windows
from tap_stripe.lengths import listing_requests, listing_seconds
from tap_stripe.listing import WHOLE_RANGE_WINDOWS
from tap_stripe.pages import Obj
from tap_stripe.permissions import (
    EVENTS_PATH,
    FirstPage,
    PermissionCheck,
    Probe,
    Reads,
    check_permissions,
)
from tap_stripe.plan import Plan, StreamInput, family_of, family_starts, plan_stream, reads
from tap_stripe.raw import plain
from tap_stripe.registry import BY_NAME
from tap_stripe.shutdown import StopRequested
from tap_stripe.streams import Bookmark, StripeStream
from tap_stripe.writer import BufferedWriter

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context
    from singer_sdk.singerlib import SelectionMask

    from tap_stripe.pool import Pace
    from tap_stripe.run import Run
    from tap_stripe.settings import Settings

LOGGER = logging.getLogger("tap-stripe")
# With connected accounts every STATE message holds every account's bookmarks: one at most
# this often (and at the end of the run).
STATE_SECONDS = 5.0
# singer-sdk's bookmark fields of one sync, dropped when a context's sync ends.
SYNC_MARKERS = ("replication_key_signpost", "starting_replication_value", "progress_markers")


def check_catalog(catalog: Mapping[str, Any] | None) -> None:
    """Refuse a catalog that selects streams this tap does not have."""
    unknown = sorted(sid for sid, entry in (catalog or {}).items()
                     if sid not in BY_NAME and entry.metadata.root.selected is not False)
    if unknown:
        msg = (f"The catalog selects stream(s) tap-stripe does not have: "
               f"{', '.join(unknown)}. Run tap-stripe --discover for the current list and "
               "rebuild the catalog from it.")
        raise SettingsError(msg)


def pop_deselected(record: dict[str, Any], mask: SelectionMask,
                   breadcrumb: tuple[str, ...] = ()) -> None:
    """Remove the properties of ``record`` (and of its objects) the catalog deselects."""
    for name in list(record):
        crumb = (*breadcrumb, "properties", name)
        if not mask[crumb]:
            del record[name]
        elif isinstance(record[name], dict):
            pop_deselected(record[name], mask, crumb)


def read_of(stream: str, plan: Plan) -> Reads:
    """What ``stream`` reads by ``plan``: its list, its events, or both."""
    return Reads(stream, plan.list_from is not None, plan.events_from is not None)


def set_bookmarks(state: dict[str, Any], replication_key: str | None,
                  fields: dict[str, int | None]) -> bool:
    """Set bookmark ``fields`` of a context's ``state`` in order (None removes one), with the
    stream's replication key; whether there were any (a stream read whole has none, and its
    state is left as it is)."""
    if not fields:
        return False
    state["replication_key"] = replication_key
    for key, value in fields.items():
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value
    return True


def first_pages(plans: Mapping[str, Plan], settings: Settings, pace: Pace,
                now: int) -> dict[str, FirstPage]:
    """The lists whose probe asks the first page their listing is expected to ask (see
    ``ahead``), by the expected ``plans`` of the selected streams: each parent list read from
    the earliest start of its family's streams, with the family's parameters, and /v1/events
    from the earliest change the events hub reads.

    A list its listing will cut before its first answer (read from ``start_date`` over fewer
    than ``WHOLE_RANGE_WINDOWS`` windows, by this machine's clock ``now``; see
    ``listing.WindowLister``) is asked in as many parts as ``idle_parts`` gives it, cut as
    the listing will cut it (``ahead.cut``), the newest part with no upper bound: the first
    round trip then asks what the listing would ask one round trip later."""
    pages: dict[str, FirstPage] = {}
    roots = dict.fromkeys(family_of(name) for name, plan in plans.items()
                          if plan.list_from is not None)
    grids: dict[str, list[tuple[int, int]]] = {}
    for root in roots:
        parent, starts = BY_NAME[root], family_starts(root, plans)
        if parent.created_filter and not parent.connect_only:
            start = min(starts.values())
            pages[parent.path] = FirstPage(list_params(parent, starts), start, raw=True)
            grid = windows(start, now, settings.slice_seconds)
            if start == settings.start and 0 < len(grid) < WHOLE_RANGE_WINDOWS:
                grids[parent.path] = grid
    # the first round trip's requests: /v1/events, the key's own account, a probe per list
    asked = 1 + (not settings.account_id) + len(roots)
    for path, most in idle_parts(pace, list(grids), asked).items():
        count = most  # a window too short for its share still gets a part: fewer elsewhere
        while len(bounds := cut(grids[path], count)) > most and count > 1:
            count -= 1
        if 2 <= len(bounds) <= most:
            parts = tuple((gte, lt if i else None)
                          for i, (gte, lt) in enumerate(reversed(bounds)))
            pages[path] = replace(pages[path], parts=parts)
    changes = [p.changes_from for p in plans.values() if p.changes_from is not None]
    if changes:
        pages[EVENTS_PATH] = FirstPage({}, min(changes))
    return pages


def idle_parts(pace: Pace, paths: list[str], asked: int) -> dict[str, int]:
    """The parts each list of ``paths`` may be asked in by the run's first round trip, which
    makes ``asked`` requests anyway (/v1/events, the key's own account, a probe per list):
    what the pace wants in flight before any answer (the rates allowed x a first guess of the
    latency, ``pool.FIRST_LATENCY``) on the account, less ``asked``, shared among ``paths``,
    each list's further parts, up to its endpoint's; none where that leaves fewer than two
    further requests a list."""
    parts = {}
    for path in paths:
        endpoint, account = pace.targets(endpoint_of(path))
        extra = (account - asked) // len(paths)
        if extra >= 2:
            parts[path] = min(endpoint, 1 + extra)
    return parts


class SyncLoop:
    """One sync of ``tap``'s streams over ``run``."""

    def __init__(self, tap: Tap, run: Run) -> None:
        self.tap = tap
        self.run = run
        self.skipped: list[Probe] = []
        self._states: dict[tuple[str, str | None], dict[str, Any]] = {}
        self._dirty: set[str] = set()  # streams whose bookmarks changed since their STATE
        self._state_written = 0.0

    @property
    def streams(self) -> list[StripeStream]:
        """The tap's streams, in singer-sdk's order."""
        return cast("list[StripeStream]", list(self.tap.streams.values()))

    # -- before the sync ----------------------------------------------------------------------

    def prepare(self) -> None:
        """The checks before the sync and the plan: the catalog names only streams of the tap,
        Stripe's clock (the first answer tells it), no bookmark ahead of it, the plan, then the
        permission probe of what each stream reads (a run that only follows events needs
        /v1/events alone); the streams the key may not read are deselected. The clock, the
        key's own account and the probes the run is expected to need (by this machine's clock)
        go out together on the run's workers; a probe the plan adds is asked after it. The
        older parts of the lists asked in parts (see ``ahead``) go out with them, and the plan
        does not wait for them; those of a list the run does not read are waited for here."""
        run = self.run
        check_catalog(self.tap.input_catalog)
        selected = [s for s in self.streams if s.selected]
        expected = self.expected_plans(selected)
        pages = first_pages(expected, run.settings, run.scheduler.pace, int(time.time()))
        checker = PermissionCheck(run.api, run.scheduler, pages=pages)
        run.ask_own_account()  # before the parts asked ahead, which the plan does not wait for
        checker.ask_ahead([read_of(name, plan) for name, plan in expected.items()])
        checker.ask_events()
        run.clock_set(checker.wait_ahead())
        bookmarks.refuse_future(self.tap.state, run.started, {s.name for s in selected})
        switch = bookmarks.connect_switch(self.tap.state, run.settings.connect)
        if switch:
            LOGGER.warning("%s", switch)
        plan = run.make_plan(self.inputs(selected))
        asked = [read_of(s.name, plan.first(s.name) or self.first_plan(s, {}, run.started))
                 for s in selected]  # a stream that reads no account: as on a first sync
        try:
            self.skipped = check_permissions(checker, asked, run.settings.on_permission_error)
        except StreamsNotReadableError:
            run.api.ahead.settle(lambda _: False)
            raise
        for probe in self.skipped:
            self.tap.streams[probe.stream].selected = False
        run.plan = plan.without({probe.stream for probe in self.skipped})
        run.populated = checker.populated()
        listed = {BY_NAME[family_of(name)].path
                  for (name, _), p in run.plan.plans.items() if p.list_from is not None}
        run.api.ahead.settle(listed.__contains__)

    def expected_plans(self, selected: list[StripeStream]) -> dict[str, Plan]:
        """What the selected streams are expected to read, before Stripe's clock is known
        (none with connected accounts: the accounts read come first). Only whether a bookmark
        is past the events' retention depends on that clock: each stream is planned at its
        bookmark's own time, so one kept current by events reads them alone (after a longer
        pause the plan adds its list's probe)."""
        if self.run.settings.connect:
            return {}
        expected = {}
        for stream in selected:
            state = stream.get_context_state(None)
            bookmark = state.get("replication_key_value")
            now = bookmark if isinstance(bookmark, int) else int(time.time())
            expected[stream.name] = self.first_plan(stream, state, now)
        return expected

    def first_plan(self, stream: StripeStream, state: Mapping[str, Any], now: int) -> Plan:
        """The plan of ``stream`` from ``state`` at ``now``."""
        return plan_stream(stream.sdef, stream.replication_method == "FULL_TABLE", state,
                           self.run.settings, now)

    def inputs(self, selected: list[StripeStream]) -> list[StreamInput]:
        """What the plan needs of the selected streams: each row, whether it is read in full,
        and the bookmarks of each account it reads, in the order it reads them."""
        run = self.run
        connect = run.settings.connect
        own = run.own_account if connect else None
        return [StreamInput(s.sdef, s.replication_method == "FULL_TABLE",
                            {a: self.state_of(s, a) for a in run.accounts
                             if reads(s.sdef, a, connect, own)})
                for s in selected]

    # -- the sync -----------------------------------------------------------------------------

    def sync_all(self) -> None:
        """The sync: stream after stream, the longest listings last (``RunPlan.longest_last``),
        or with connected accounts account after account in the plan's order (each stream's
        SCHEMA once, before its first account) and the last STATE written at the end."""
        tap = self.tap
        for state in tap.state.get("bookmarks", {}).values():  # a prior run's markers
            state.pop("progress_markers", None)
            for partition in state.get("partitions", []):
                partition.pop("progress_markers", None)
        self.prepare()
        if tap.state:
            tap.state_writer.write_state(tap.state)
        if not self.run.settings.connect:
            for stream in self.streams:
                if not stream.selected:
                    tap.logger.info("Skipping deselected stream '%s'.", stream.name)
            self.run.plan = self.run.plan.longest_last(self.listing_seconds())
            for name, _ in self.run.plan.order:
                stream = cast("StripeStream", tap.streams[name])
                stream.log("Beginning sync of '%s' in %s mode", stream.name,
                           stream.replication_method.lower())
                self.begin(stream)
                try:
                    self.sync_context(stream, self.run.own_account)
                except Exception:
                    stream.log("An unhandled error occurred while syncing '%s'", stream.name,
                               level=logging.ERROR)
                    raise
                self.finalize(stream)
            for stream in self.streams:
                stream.log_sync_costs()
            return
        for stream in self.streams:
            if not stream.selected:
                tap.logger.info("Skipping deselected stream '%s'.", stream.name)
        begun: set[str] = set()
        for name, account in self.run.plan.order:
            stream = cast("StripeStream", tap.streams[name])
            if name not in begun:
                begun.add(name)
                stream.logger.info("Beginning sync of '%s' in %s mode, account by account",
                                   name, stream.replication_method.lower())
                self.begin(stream)
            self.sync_context(stream, account)
        for stream in self.streams:
            self.finalize(stream)
            stream.log_sync_costs()
        tap.write_message(StateMessage(value=tap.state))

    def listing_seconds(self) -> dict[str, int]:
        """The whole seconds each selected stream's family listing is expected to take on the
        key's own account, at its endpoint's rate, by the first page its probe asked ahead
        (see ``lengths``); a stream with no listing this run is left out."""
        run = self.run
        api = run.api
        plans = run.plan.in_account(run.own_account)
        seconds: dict[str, int] = {}
        for root in dict.fromkeys(family_of(name) for name, plan in plans.items()
                                  if plan.list_from is not None):
            parent, starts = BY_NAME[root], family_starts(root, plans)
            ahead = api.ahead.peek(key_of(parent.path, None, list_params(parent, starts), True))
            _, rate = api.limiter.rates(endpoint_of(parent.path))
            time = listing_seconds(listing_requests(ahead, parent.path, min(starts.values())), rate)
            seconds.update(dict.fromkeys(starts, time))
        return seconds

    def begin(self, stream: StripeStream) -> None:
        """The stream's SCHEMA for each of its maps, and ACTIVATE_VERSION when it is read in
        full and the settings ask for it."""
        bookmark = [stream.replication_key] if stream.replication_key else None
        maps = [m for m in stream.stream_maps if not isinstance(m, RemoveRecordTransform)]
        for stream_map in maps:
            self.tap.write_message(SchemaMessage(
                stream_map.stream_alias, stream_map.transformed_schema,
                stream_map.transformed_key_properties, bookmark))
        version = self.version(stream)
        if version is not None:
            for stream_map in maps:
                self.tap.write_message(ActivateVersionMessage(stream=stream_map.stream_alias,
                                                              version=version))

    def version(self, stream: StripeStream) -> int | None:
        """The table version of a stream read in full with ``emit_activate_version_messages``
        (the tap's start, in seconds), else None."""
        if (stream.replication_method == "FULL_TABLE"
                and stream.emit_activate_version_messages):
            return self.tap.initialized_at // 1000
        return None

    def sync_context(self, stream: StripeStream, account: str | None) -> None:
        """Write ``stream``'s records and bookmarks in ``account``."""
        context = self.context_of(account)
        state = self.state_of(stream, account)
        tap = self.tap
        writer = tap.message_writer
        version = self.version(stream)
        alias = stream.stream_maps[0].stream_alias
        raw = stream.passes_through and isinstance(writer, BufferedWriter)
        # singer-sdk's post_process hook, when a subclass has one, sees the plain dict
        hooked = type(stream).post_process is not Stream.post_process
        every = stream.STATE_MSG_FREQUENCY
        counter, timer = stream.get_record_counter(), stream.get_sync_timer()
        with counter, timer:
            counter.with_context(context or {})
            timer.with_context(context or {})
            self.mark_start(stream, state)
            n = 0
            for page in self.walk(stream, account, state, self.write_state):
                self.emitted(stream.name, page, account)
                records: list[Any] = page
                if hooked:
                    records = [r for r in (stream.post_process(plain(item), context)
                                           for item in page) if r is not None]
                begin = 0
                while begin < len(records):  # a STATE after every ``every`` records
                    upto = min(len(records), begin + every - n % every)
                    chunk = records[begin:upto] if begin or upto < len(records) else records
                    if raw:
                        cast("BufferedWriter", writer).write_records(
                            alias, chunk, version, dt.datetime.now(dt.timezone.utc))
                    else:
                        for record in chunk:
                            self.write_mapped(stream, plain(record), version)
                    self._dirty.add(stream.name)
                    n += len(chunk)
                    if n % every == 0:
                        self.write_state(stream)
                    counter.increment(len(chunk))
                    begin = upto
            self.end(stream, state)
        self.write_state(stream)

    def write_mapped(self, stream: StripeStream, record: dict[str, Any],
                     version: int | None) -> None:
        """The RECORDs of ``record`` through the catalog's selection and each stream map."""
        pop_deselected(record, stream.mask)
        for stream_map in stream.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                self.tap.write_message(RecordMessage(
                    stream=stream_map.stream_alias, record=mapped, version=version,
                    time_extracted=dt.datetime.now(dt.timezone.utc)))

    def walk(self, stream: StripeStream, account: str | None, state: dict[str, Any],
             moved: Callable[[StripeStream], None] | None = None) -> Iterator[list[Obj]]:
        """``stream``'s records in ``account``, a list at a time, each tagged with the
        account (the caller notes them, ``emitted``); each bookmark move set in ``state``
        (then ``moved``, the tap's own loop writing a STATE when due) and its checkpoint
        counted."""
        run = self.run
        for entry in self.items(stream, account):
            shutdown.check()  # a safe point: between two lists of records or checkpoints
            if isinstance(entry, Bookmark):
                if set_bookmarks(state, stream.replication_key, entry.fields):
                    self._dirty.add(stream.name)
                    if moved is not None:
                        moved(stream)
                if entry.checkpoint is not None:
                    run.progress.checkpoint(stream.name, account, entry.checkpoint)
                continue
            for record in entry:
                record["stripe_account"] = account
            yield entry

    def emitted(self, stream: str, records: list[Obj], account: str | None) -> None:
        """``records`` of ``stream`` in ``account`` go out: noted for ``found``, counted."""
        self.run.found.note(stream, records, account)
        self.run.progress.record(stream, len(records))

    def items(self, stream: StripeStream,
              account: str | None) -> Iterator[list[Obj] | Bookmark]:
        """``stream``'s records (a list at a time) and bookmark moves in ``account``. The
        first read starts every pass of the run in the background; a failure stops them all
        and flushes the records written so far before it propagates; a connected account that
        refuses access is skipped or stops the run (``on_permission_error``)."""
        run = self.run
        try:
            run.prefetch()
            if account in run.refused:
                return
            yield from stream.items(run.source(stream.name, account))
        except (GeneratorExit, StopRequested):  # a record limit (others go on) or a signal
            raise
        except StripeAccessError as exc:
            if run.header(account) is None or exc.status not in (401, 403):
                self.stop()
                raise
            self.refused(account, exc)
        except PassCancelledError:
            if account in run.refused:  # its passes were stopped when it refused
                return
            self.stop()
            raise
        except BaseException:
            self.stop()
            raise

    def refused(self, account: str | None, exc: StripeAccessError) -> None:
        """A connected account refused access: skip it (``on_permission_error=skip``) or stop
        the run with an error that names it."""
        reason = str(exc)
        run = self.run
        if run.settings.on_permission_error != "skip":
            self.stop()
            msg = (f"Connected account {account} refused access: {reason} Remove it from "
                   "connected_accounts, or set on_permission_error=skip to sync the other "
                   "accounts.")
            raise StripeAccessError(msg, status=exc.status, permission=exc.permission) from None
        if account not in run.refused:
            LOGGER.warning("Connected account %s refused access, skipped "
                           "(on_permission_error=skip); its bookmarks are kept: %s",
                           account, reason)
        run.refuse(str(account), reason)

    def stop(self) -> None:
        """Stop every pass and flush the records written so far (the run is failing)."""
        self.run.close()
        self.flush()

    def flush(self) -> None:
        """Write out the records the writer holds."""
        writer = self.tap.message_writer
        if isinstance(writer, BufferedWriter):
            writer.flush()

    # -- bookmarks ----------------------------------------------------------------------------

    def context_of(self, account: str | None) -> Context | None:
        """singer-sdk's context of ``account``: ``{"stripe_account": id}`` with connected
        accounts (their bookmarks are partitions of the state), else None."""
        return {"stripe_account": account} if self.run.settings.connect else None

    def state_of(self, stream: StripeStream, account: str | None) -> dict[str, Any]:
        """The bookmarks of ``stream`` in ``account``: singer-sdk's own dict in the tap state,
        looked up once (singer-sdk scans the list of partitions on every lookup)."""
        key = (stream.name, account)
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = stream.get_context_state(self.context_of(account))
        return state

    def mark_start(self, stream: StripeStream, state: dict[str, Any]) -> None:
        """singer-sdk's ``starting_replication_value``: the bookmark (or ``start_date``) a
        context's sync of an incremental stream starts from, kept until the context ends."""
        if stream.replication_method == "FULL_TABLE":
            return
        value = None
        key_value = state.get("replication_key_value")
        if key_value and stream.replication_key == state.get("replication_key"):
            value = key_value
        start_date = self.tap.config.get("start_date")
        if start_date:
            value = stream.compare_start_date(value, start_date) if value else start_date
        stream.logger.info("Starting incremental sync of '%s' with bookmark value: %s",
                           stream.name, value)
        state["starting_replication_value"] = value

    def end(self, stream: StripeStream, state: dict[str, Any]) -> None:
        """A context's sync ended: drop singer-sdk's markers of the sync."""
        for marker in SYNC_MARKERS:
            state.pop(marker, None)
        self._dirty.add(stream.name)

    def finalize(self, stream: StripeStream) -> None:
        """The stream's sync ended: its contexts' markers dropped, a STATE when due."""
        if not stream.selected:
            return
        for (name, _), state in list(self._states.items()):
            if name == stream.name:
                self.end(stream, state)
        self.write_state(stream)
        # Its records may follow its last STATE (a stream read whole keeps no bookmark, and
        # singer-sdk skips an unchanged STATE): out before the next stream's.
        self.flush()

    def write_state(self, stream: StripeStream) -> None:
        """A STATE message if ``stream``'s bookmarks changed since its last one: at every
        checkpoint without connected accounts; with them, at most every ``STATE_SECONDS``."""
        if self.run.settings.connect:
            now = time.monotonic()
            if now - self._state_written < STATE_SECONDS:
                return
            self._state_written = now
        if stream.name in self._dirty:
            self._dirty.discard(stream.name)
            self.tap.state_writer.write_state(self.tap.state)

    # -- singer-sdk's own sync of a stream ------------------------------------------------------

    def records(self, stream: StripeStream, context: Context | None) -> Iterator[dict[str, Any]]:
        """The records of ``stream`` in ``context`` when singer-sdk syncs it itself (its dry
        run): the run planned without a permission probe, bookmarks kept in the state,
        singer-sdk writing the messages."""
        run = self.run
        if not run.planned:
            run.make_plan(self.inputs([s for s in self.streams if s.selected]))
        account = context["stripe_account"] if context else run.own_account
        for page in self.walk(stream, account, self.state_of(stream, account)):
            for record in page:  # one by one: singer-sdk may stop at a record limit
                self.emitted(stream.name, [record], account)
                yield plain(record)
        # singer-sdk writes no STATE after a stream read whole (unchanged): its records out now
        self.flush()
