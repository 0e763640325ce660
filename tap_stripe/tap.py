"""The tap: settings, the stream list from the registry, the sync (by ``sync``'s loop), and the
command line entry point."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import signal
import sys
import threading
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, cast

import click
from singer_sdk import Tap
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers.capabilities import PluginCapabilities, TapCapabilities
from singer_sdk.plugin_base import PluginBase
from singer_sdk.singerlib import Catalog, StateMessage
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
from tap_stripe.registry import STREAMS
from tap_stripe.run import Run
from tap_stripe.selection import input_catalog, selected
from tap_stripe.settings import CONFIG_SCHEMA, Settings
from tap_stripe.shutdown import StopRequested
from tap_stripe.streams import StripeStream
from tap_stripe.sync import SyncLoop
from tap_stripe.writer import BufferedWriter

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from singer_sdk.helpers.capabilities import CapabilitiesEnum
    from singer_sdk.helpers.types import Context

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

    def __init__(self, *, config: dict[str, Any] | None = None, parse_env_config: bool = False,
                 validate_config: bool = True, **kwargs: Any) -> None:
        """singer-sdk's tap; bad settings get one line with the fix (``SettingsError``): the
        tap's own rules first, then the JSON Schema's errors joined. A stop signal is only
        noted (see ``shutdown``), in place of singer-sdk's handler. A catalog given as JSON
        is parsed without what the sync never reads of its deselected streams (see
        ``selection.input_catalog``)."""
        if isinstance(kwargs.get("catalog"), dict):
            kwargs["catalog"] = input_catalog(kwargs["catalog"])
        try:
            super().__init__(config=config, parse_env_config=parse_env_config,
                             validate_config=validate_config, **kwargs)
        except ConfigValidationError as exc:
            # singer-sdk sets the settings (env included) before it checks them
            Settings.from_config(self.config, dt.datetime.now(dt.timezone.utc))
            msg = redact("Invalid settings: " + "; ".join(exc.errors) + ".",
                         self.config.get("client_secret"))
            raise SettingsError(msg) from None
        if validate_config:
            Settings.from_config(self.config, dt.datetime.now(dt.timezone.utc))
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, shutdown.note)
            signal.signal(signal.SIGTERM, shutdown.note)

    def setup_mapper(self) -> None:
        """singer-sdk's mapper, with the maps of the streams the catalog selects: singer-sdk
        registers every stream of the catalog, copying each schema (a quarter of a second at
        start-up for a catalog of all the tap's streams), and only selected streams are
        written."""
        PluginBase.setup_mapper(self)
        chosen = Catalog((entry.tap_stream_id, entry) for entry in self.catalog.streams
                         if selected(entry))
        self.mapper.register_raw_streams_from_catalog(chosen)

    def discover_streams(self) -> list[StripeStream]:
        """One stream per registry row; the run they share is made with them."""
        self._run = Run(self.config)
        return [StripeStream(self, sdef, self._records) for sdef in STREAMS]

    @cached_property
    def loop(self) -> SyncLoop:
        """The sync loop of this tap's run."""
        self.streams  # noqa: B018  (the run exists once the streams do)
        return SyncLoop(self, self._run)

    @property
    def skipped(self) -> list[Probe]:
        """The streams the permission probe skipped."""
        return self.loop.skipped

    def _records(self, stream: StripeStream, context: Context | None) -> Iterator[dict[str, Any]]:
        """The records singer-sdk's own ``Stream.sync`` reads (see ``SyncLoop.records``)."""
        return self.loop.records(stream, context)

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

    def sync_all(self) -> None:  # type: ignore[misc]
        """The sync, by the tap's own loop (``SyncLoop``); stopped by SIGTERM or Ctrl-C at a
        safe point, it ends the passes, writes the current STATE as the last line and raises
        ``StopRequested``.

        singer-sdk marks ``Tap.sync_all`` final; replacing it is the tap's one use of a
        private part of singer-sdk in the sync (the other: ``StripeStream._increment_stream_
        state``). No public hook lets a tap sync connected accounts in its own order, write a
        STATE at a safe point on a signal, or write records without singer-sdk's per-record
        copies; ``tests/unit/test_library_hooks.py`` fails if singer-sdk changes it."""
        try:
            shutdown.check()
            self.loop.sync_all()
        except BaseException as exc:
            signum = shutdown.requested()
            if signum is None:
                raise
            self._stopped(signum)
            if isinstance(exc, StopRequested):
                raise
            raise StopRequested(signum) from None  # a pass cut short by the stop

    def _stopped(self, signum: int) -> None:
        """Stop the passes (without waiting long for a request in flight) and write the
        current STATE as the last line, even when an identical one came before a later SCHEMA
        (singer-sdk skips unchanged ones)."""
        if "_run" in self.__dict__:
            self._run.close(timeout=STOP_WAIT_SECONDS)
        self.write_message(StateMessage(value=self.state))  # written and flushed at once
        LOGGER.info("Stopped by signal %d; the last STATE written resumes the sync.", signum)

    def check_permissions(self, show: Callable[[str], None]) -> list[Probe]:
        """Probe each selected stream's list endpoint, and ``/v1/events`` if events keep it
        current; ``show`` gets the table. The unreadable streams, or StreamsNotReadableError
        (see ``on_permission_error``)."""
        self.streams  # noqa: B018  (the run exists once the streams do)
        reads = [Reads(s.name, events=s.replication_method == "INCREMENTAL"
                       and s.sdef.cursor != "created")
                 for s in cast("list[StripeStream]", list(self.streams.values())) if s.selected]
        run = self._run
        try:
            return check_permissions(PermissionCheck(run.api, run.scheduler), reads,
                                     run.settings.on_permission_error, show=show)
        finally:
            run.close()

    def log_run_end(self) -> None:
        """The end-of-run summary: a table per stream, requests and retries, and the skipped
        streams again."""
        self.streams  # noqa: B018  (the run exists once the streams do)
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
    run stopped by SIGTERM or Ctrl-C exits with 128 + the signal number.

    However it ends, what the run leaves in memory is frozen (``gc.freeze``) before the
    interpreter exits: the collector's passes over it at exit took 0.1 s or more of every
    run; exit handlers still run and outputs are flushed as before, only the collector's
    last passes over objects a finished run no longer needs are skipped)."""
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
    finally:
        gc.freeze()
