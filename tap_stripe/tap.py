"""The tap: settings, the stream list from the registry, the checks before a sync, and the
command line entry point."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import TYPE_CHECKING, Any, ClassVar, cast

import click
from singer_sdk import Tap
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers.capabilities import PluginCapabilities, TapCapabilities
from singer_sdk.singerlib import StateMessage
from singer_sdk.tap_base import CliTestOptionValue

from tap_stripe import bookmarks, shutdown
from tap_stripe.errors import SettingsError, TapStripeError, redact
from tap_stripe.inputs import ConfigInput, config_file, named_file
from tap_stripe.permissions import (
    PermissionCheck,
    Probe,
    Reads,
    check_permissions,
    skipped_summary,
)
from tap_stripe.plan import plan_stream
from tap_stripe.registry import BY_NAME, STREAMS
from tap_stripe.run import Run
from tap_stripe.settings import CONFIG_SCHEMA, Settings
from tap_stripe.shutdown import StopRequested
from tap_stripe.streams import StripeStream
from tap_stripe.writer import BufferedWriter

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType

    from singer_sdk.helpers.capabilities import CapabilitiesEnum

LOGGER = logging.getLogger("tap-stripe")
# After a stop signal, how long the passes get to end (a request in flight is not waited for).
STOP_WAIT_SECONDS = 1.0


class TapStripe(Tap):
    """Singer tap for Stripe: every object of an account, incrementally, with deletes."""

    name = "tap-stripe"
    package_name = "tap-stripe-complete"  # the distribution name (see pyproject.toml)
    config_jsonschema = CONFIG_SCHEMA
    message_writer_class = BufferedWriter
    capabilities: ClassVar[list[CapabilitiesEnum]] = [
        TapCapabilities.CATALOG,
        TapCapabilities.DISCOVER,
        TapCapabilities.STATE,
        TapCapabilities.TEST,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
    ]

    def discover_streams(self) -> list[StripeStream]:
        """One stream per registry row, sharing one Run (and the streams the run skips)."""
        self._run = Run(self.config, lambda: [s.plan_input() for s in self._stripe_streams()
                                              if s.selected])
        self.skipped: list[Probe] = []
        return [StripeStream(self, sdef, self._run) for sdef in STREAMS]

    def _stripe_streams(self) -> list[StripeStream]:
        return cast("list[StripeStream]", list(self.streams.values()))

    # -- input checks: one clear line for each kind of bad input ----------------------------

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """Check the settings with the tap's own rules first (one message with a fix), then
        against the JSON Schema (its errors joined into one line)."""
        if not raise_errors:
            return super()._validate_config(raise_errors=False)
        Settings.from_config(self.config, dt.datetime.now(dt.timezone.utc))
        try:
            return super()._validate_config(raise_errors=True)
        except ConfigValidationError as exc:
            msg = redact("Invalid settings: " + "; ".join(exc.errors) + ".",
                         self.config.get("client_secret"))
            raise SettingsError(msg) from None

    def load_state(self, state: dict[str, Any]) -> None:
        """Refuse a state that is not ``{"bookmarks": {stream: {...}}}`` with a fix; take the
        value of a whole STATE message, and bookmarks in unix seconds (see ``bookmarks``)."""
        state = bookmarks.unwrap(state) if isinstance(state, dict) else state
        marks = state.get("bookmarks", {}) if isinstance(state, dict) else None
        if not isinstance(marks, dict) or not all(isinstance(v, dict) for v in marks.values()):
            msg = ('The state is not a Singer state of the form {"bookmarks": {"<stream>": '
                   '{...}}}; pass the last STATE message\'s value, or no state to start afresh.')
            raise SettingsError(msg)
        bookmarks.normalize(state)
        super().load_state(state)

    def _check_catalog(self) -> None:
        """Refuse a catalog that selects streams this tap does not have."""
        catalog = self.input_catalog
        unknown = sorted(sid for sid, entry in (catalog or {}).items()
                         if sid not in BY_NAME and entry.metadata.root.selected is not False)
        if unknown:
            msg = (f"The catalog selects stream(s) tap-stripe does not have: "
                   f"{', '.join(unknown)}. Run tap-stripe --discover for the current list and "
                   "rebuild the catalog from it.")
            raise SettingsError(msg)

    # -- the checks before a sync ------------------------------------------------------------

    def _set_compatible_replication_methods(self) -> None:
        """singer-sdk's ``sync_all`` (final) calls this before it writes anything: the tap
        checks its catalog here and probes what this run will read for each stream (a run
        that only follows events needs /v1/events alone)."""
        super()._set_compatible_replication_methods()
        self._check_catalog()
        # The first answer tells Stripe's time, which plans (list or events) depend on.
        checker = PermissionCheck(self._run.api)
        checker.ask_events()
        self._run.clock_set()
        bookmarks.refuse_future(self.state, self._run.started,
                                {s.name for s in self._stripe_streams() if s.selected})
        switch = bookmarks.connect_switch(self.state, self._run.settings.connect)
        if switch:
            LOGGER.warning("%s", switch)
        selected = [s for s in self._stripe_streams() if s.selected]
        plan = self._run.make_plan()
        reads = []
        for s in selected:  # a stream that reads no account is probed as on a first sync
            first = plan.first(s.name) or plan_stream(
                s.sdef, s.replication_method == "FULL_TABLE", {}, self._run.settings,
                self._run.started)
            reads.append(Reads(s.name, first.list_from is not None,
                               first.events_from is not None))
        self.skipped = self.check_permissions(reads, checker=checker)
        for probe in self.skipped:
            self.streams[probe.stream].selected = False
        self._run.plan = plan.without({probe.stream for probe in self.skipped})

    def sync_all(self) -> None:  # type: ignore[misc]
        """The sync (see ``_sync_all``); stopped by SIGTERM or Ctrl-C at a safe point, it ends
        the passes, writes the current STATE as the last line and raises ``StopRequested``."""
        try:
            shutdown.check()
            self._sync_all()
        except BaseException as exc:
            signum = shutdown.requested()
            if signum is None:
                raise
            self._stopped(signum)
            if isinstance(exc, StopRequested):
                raise
            raise StopRequested(signum) from None  # a pass cut short by the stop

    def _sync_all(self) -> None:
        """singer-sdk's sync, stream after stream; with connected accounts, account after
        account in the run plan's order (each stream's SCHEMA once, before its first
        account), and the last STATE written at the end."""
        self._stripe_streams()  # the run exists once the streams do
        if not self._run.settings.connect:
            super().sync_all()
            # The last stream's records may follow the last STATE (a stream read whole keeps
            # no bookmark, and singer-sdk skips an unchanged STATE): write them out now.
            writer = self.message_writer
            if isinstance(writer, BufferedWriter):
                writer.flush()
            return
        self._reset_state_progress_markers()
        self._set_compatible_replication_methods()
        if self.state:
            self._state_writer.write_state(self.state)
        for stream in self._stripe_streams():
            if not stream.selected:
                LOGGER.info("Skipping deselected stream '%s'.", stream.name)
        streams = cast("dict[str, StripeStream]", self.streams)
        for name, account in self._run.plan.order:
            stream = streams[name]
            stream.sync_context(stream.context_for(account))
        for stream in self._stripe_streams():
            stream.finalize_state_progress_markers()
            stream.log_sync_costs()
        self.write_message(StateMessage(value=self.state))

    def _stopped(self, signum: int) -> None:
        """Stop the passes (without waiting long for a request in flight) and write the
        current STATE as the last line, even when an identical one came before a later SCHEMA
        (singer-sdk skips unchanged ones)."""
        if "_run" in self.__dict__:
            self._run.close(timeout=STOP_WAIT_SECONDS)
        self.write_message(StateMessage(value=self.state))  # written and flushed at once
        LOGGER.info("Stopped by signal %d; the last STATE written resumes the sync.", signum)

    def check_permissions(self, reads: list[Reads] | None = None,
                          show: Callable[[str], None] | None = None,
                          checker: PermissionCheck | None = None) -> list[Probe]:
        """Probe what is read for each selected stream (by default: its list endpoint, and
        ``/v1/events`` if events keep it current); the unreadable streams, to skip, or
        StreamsNotReadableError (see ``on_permission_error``). ``show`` gets the table."""
        if reads is None:
            reads = [Reads(s.name, events=s.replication_method == "INCREMENTAL"
                           and s.sdef.cursor != "created")
                     for s in self._stripe_streams() if s.selected]
        return check_permissions(self._run.api, reads, self._run.settings.on_permission_error,
                                 show=show, checker=checker)

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """On SIGTERM or Ctrl-C: only note the signal (see ``shutdown``); the run stops at its
        next safe point and exits with 128 + the signal number."""
        shutdown.note(signum, frame)

    def log_run_end(self) -> None:
        """The end-of-run summary: a table per stream, requests and retries, and the skipped
        streams again."""
        self._stripe_streams()  # the run exists once the streams do
        api = self._run.api
        self._run.progress.log_summary()
        if api.requests:
            LOGGER.info("%s", api.summary())
        if self.skipped:
            LOGGER.warning("%s", skipped_summary(self.skipped))
        partly = self._run.read_in_part()
        if partly:
            LOGGER.warning("Stream(s) read in part: the API key may not make some of their "
                           "requests (on_permission_error=skip): %s.",
                           ", ".join(f"{name} ({why})" for name, why in sorted(partly.items())))

    # -- command line ------------------------------------------------------------------------

    @classmethod
    def invoke(  # type: ignore[override]
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: ConfigInput | None = None,
        state: str | None = None,
        catalog: str | None = None,
    ) -> None:
        """A sync from the command line: singer-sdk's, except that a state or catalog file
        that is not what it should be gets one line, and the run ends with ``log_run_end``
        (also after a failure or a SIGTERM)."""
        super(Tap, cls).invoke(about=about, about_format=about_format)  # --about
        cls.print_version(print_fn=cls.logger.info)
        config = config or ConfigInput()
        tap = cls(config=config.config, parse_env_config=config.parse_env,
                  state=named_file(state, "state"), catalog=named_file(catalog, "catalog"))
        try:
            tap.sync_all()
        finally:
            tap.log_run_end()

    @classmethod
    def get_singer_command(cls) -> click.Command:
        """singer-sdk's command, with ``--state`` and ``--catalog`` taken as paths: a file
        that is missing gets one line from ``invoke`` (click's own check exits 2)."""
        command = super().get_singer_command()
        for param in command.params:
            if param.name in ("state", "catalog"):
                param.type = click.Path()
        return command

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option,  # type: ignore[override]
                  value: tuple[str, ...]) -> ConfigInput:
        """``--config`` (files, or ENV): each file read with one line when it is missing, a
        directory, empty, not JSON or not a JSON object; later files override earlier ones."""
        config: dict[str, Any] = {}
        for path in value:
            if path != "ENV":
                config |= config_file(path)
        return ConfigInput(config=config, parse_env="ENV" in value)

    @classmethod
    def cb_test(cls, ctx: click.Context, param: click.Option, value: str) -> None:
        """``--test``: probe each selected stream with one request and print the table
        (``--test=schema`` keeps singer-sdk's behaviour)."""
        if value != CliTestOptionValue.All.value:
            super().cb_test(ctx, param, value)
            return
        config: ConfigInput = ctx.params.get("config") or ConfigInput()
        tap = cls(config=config.config, parse_env_config=config.parse_env)
        tap.check_permissions(show=click.echo)  # every list endpoint, and /v1/events
        ctx.exit()


def main() -> None:
    """Console entry point: user errors end in one line and exit code 1, never a traceback; a
    run stopped by SIGTERM or Ctrl-C exits with 128 + the signal number."""
    try:
        TapStripe.cli()
    except StopRequested as stop:
        sys.exit(stop.exit_code)
    except TapStripeError as exc:
        LOGGER.error("%s", redact(str(exc)))
        sys.exit(1)
    except SystemExit as done:
        signum = shutdown.requested()
        if signum is None or done.code not in (0, None):
            raise
        LOGGER.info("Stopped by signal %d after the sync's last safe point.", signum)
        sys.exit(StopRequested(signum).exit_code)
