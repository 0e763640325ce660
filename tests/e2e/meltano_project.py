"""Run Meltano on this checkout's meltano.yml with a throwaway system database (state, runs).

Plugins are installed into the project's own ``.meltano`` folder, so later test runs (and the
demo) reuse them; only the system database, which holds the pipeline state, is temporary.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MELTANO = Path(sys.executable).parent / "meltano"


class MeltanoError(AssertionError):
    """A Meltano command failed; the message holds its output."""


@dataclass
class Meltano:
    """Meltano commands run in the repository root, with ``env`` added to the environment."""

    home: Path
    env: dict[str, str]

    @classmethod
    def create(cls, home: Path) -> Meltano:
        """A Meltano whose system database lives in ``home``."""
        return cls(home, {
            "MELTANO_DATABASE_URI": f"sqlite:///{home / 'meltano.db'}",
            "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
        })

    def __call__(self, *args: str, env: dict[str, str] | None = None,
                 timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run ``meltano ARGS``; raise MeltanoError with its output when it fails."""
        full_env = {**os.environ, **self.env, **(env or {})}
        done = subprocess.run([str(MELTANO), *args], cwd=ROOT, env=full_env, text=True,
                              capture_output=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise MeltanoError(f"meltano {' '.join(args)} exited {done.returncode}:\n"
                               f"{done.stdout[-4000:]}\n{done.stderr[-8000:]}")
        return done

    def install(self, kind: str, *names: str) -> None:
        """Install (or confirm installed) the plugins ``names`` of ``kind`` (extractor, loader)."""
        self("install", "--plugin-type", kind, *names)

    @staticmethod
    def executable(kind: str, name: str) -> Path:
        """The executable of an installed plugin (``kind`` is ``extractors`` or ``loaders``)."""
        return ROOT / ".meltano" / kind / name / "venv" / "bin" / name
