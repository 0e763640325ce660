"""The connectors compared, as data: how each is installed, configured, given its catalog and
started against the emulator."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Throwaway virtualenvs of the other connectors: outside the checkout, reused between runs.
VENVS = Path(tempfile.gettempdir()) / "tap-stripe-bench-venvs"
START_DATE = "2015-01-01T00:00:00Z"


@dataclass(frozen=True)
class Connector:
    """One Stripe connector.

    Attributes:
        name: Name in the results.
        requirement: What pip installs into its throwaway virtualenv (None: this project).
        launcher: Script of this folder that points it at the emulator (None: a setting does);
            for this project, one that runs it (``thread_cpu.py``).
        protocol: ``singer`` or ``airbyte`` (how config, catalog and messages look).
    """

    name: str
    requirement: str | None = None
    launcher: str | None = None
    protocol: str = "singer"

    @property
    def python(self) -> Path:
        """The interpreter that runs it."""
        if self.requirement is None:
            return Path(sys.executable)
        return VENVS / self.name / "bin" / "python"

    def install(self) -> str | None:
        """Create its virtualenv if needed; the reason when that fails, else None."""
        if self.requirement is None or self.python.exists():
            return None
        home = VENVS / self.name
        venv.create(home, with_pip=True)
        done = subprocess.run([str(self.python), "-m", "pip", "install", "-q", self.requirement],
                              capture_output=True, text=True, check=False)
        if done.returncode:
            return f"pip install {self.requirement} failed: {done.stderr.strip()[-300:]}"
        return None

    def argv(self, base_url: str, *args: str) -> list[str]:
        """The command line that runs it with ``args``."""
        if self.requirement is None and self.launcher is None:
            return [str(self.python), "-c", "from tap_stripe.tap import main; main()", *args]
        if self.requirement is None:
            return [str(self.python), str(HERE / self.launcher), *args]
        return [str(self.python), str(HERE / str(self.launcher)), base_url, *args]

    def config(self, base_url: str, key: str, account: str,
               start_date: str = START_DATE) -> dict[str, Any]:
        """Settings for a first sync from ``start_date``."""
        if self.requirement is None:
            return {"client_secret": key, "api_base": base_url, "start_date": start_date}
        return {"client_secret": key, "account_id": account, "start_date": start_date}

    def catalog(self, work: Path, base_url: str, config_path: Path,
                streams: list[str]) -> dict[str, Any]:
        """Its catalog with only ``streams`` selected."""
        if self.requirement is None:
            sys.path.insert(0, str(ROOT))
            from tests.singer import catalog_for
            return catalog_for(streams)
        mode = "discover" if self.protocol == "airbyte" else "--discover"
        found = subprocess.run(self.argv(base_url, mode, "--config", str(config_path)),
                               capture_output=True, text=True, check=True, cwd=work)
        if self.protocol == "airbyte":
            message = next(json.loads(line) for line in found.stdout.splitlines()
                           if line.startswith("{") and '"CATALOG"' in line)
            return {"streams": [_configured(s) for s in message["catalog"]["streams"]
                                if s["name"] in streams]}
        catalog = json.loads(found.stdout)
        for entry in catalog["streams"]:
            for meta in entry["metadata"]:
                if meta["breadcrumb"] == []:
                    meta["metadata"]["selected"] = entry["tap_stream_id"] in streams
        return dict(catalog)

    def sync_args(self, config_path: Path, catalog_path: Path,
                  state_path: Path | None = None) -> list[str]:
        """Arguments of a sync."""
        args = ["read"] if self.protocol == "airbyte" else []
        args += ["--config", str(config_path), "--catalog", str(catalog_path)]
        if state_path is not None:
            args += ["--state", str(state_path)]
        return args


def _configured(stream: dict[str, Any]) -> dict[str, Any]:
    modes = stream.get("supported_sync_modes") or ["full_refresh"]
    mode = "incremental" if "incremental" in modes else "full_refresh"
    return {"stream": stream, "sync_mode": mode, "destination_sync_mode": "append"}


OURS = Connector("tap-stripe (this project)")
# The same, reporting the CPU of each kind of its threads (``thread_cpu.py``).
OURS_BY_THREAD = Connector(OURS.name, launcher="thread_cpu.py")
SINGER_IO = Connector("singer-io", "tap-stripe==3.3.0", "launch_singer_io.py")
AIRBYTE = Connector("airbyte", "airbyte-source-stripe==5.14.1", "launch_airbyte.py",
                    protocol="airbyte")
CONNECTORS = (OURS, SINGER_IO, AIRBYTE)
