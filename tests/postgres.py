"""A throwaway PostgreSQL server for the end-to-end tests: find it, start it, query it, stop it.

The server runs from a fresh temporary directory on a free loopback port with trust
authentication. ``initdb`` refuses to run as root, so under root every server program runs as
the ``postgres`` user (through ``runuser``) in a directory owned by that user.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
USER = "postgres"
DATABASE = "postgres"
_SERVER_OPTIONS = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=50")


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: on PATH, else Debian's versioned folder."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    return max(found, key=_version, default=None)


def _version(bin_dir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in bin_dir.parent.name.split(".") if part.isdigit())


def free_port() -> int:
    """A TCP port on the loopback address that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """One PostgreSQL server in ``root``; ``start()`` it, ``query()`` it, ``stop()`` it."""

    bin_dir: Path
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tap-stripe-pg-")))
    port: int = field(default_factory=free_port)
    running: bool = False

    @property
    def _as_postgres(self) -> list[str]:
        return ["runuser", "-u", USER, "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [*self._as_postgres, *args]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n"
                               f"{done.stdout}{done.stderr}{self._log_tail()}")
        return done

    def _log_tail(self) -> str:
        log = self.root / "log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else ""

    def start(self) -> None:
        """Create the cluster and start the server; wait until it accepts connections."""
        if os.geteuid() == 0:
            account = pwd.getpwnam(USER)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        data = str(self.root / "data")
        self._run(str(self.bin_dir / "initdb"), "-D", data, "-A", "trust", "-U", USER,
                  "--no-sync", "-E", "UTF8", "--locale=C")
        options = f"-p {self.port} -k {self.root} -c listen_addresses={HOST} {_SERVER_OPTIONS}"
        self._run(str(self.bin_dir / "pg_ctl"), "-D", data, "-o", options,
                  "-l", str(self.root / "log"), "-w", "-t", "60", "start")
        self.running = True

    def stop(self) -> None:
        """Stop the server (if started) and delete its directory."""
        try:
            if self.running:
                self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data"),
                          "-m", "immediate", "-w", "stop")
                self.running = False
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def psql(self, sql: str) -> str:
        """Run ``sql`` with psql and return its unaligned output."""
        cmd = [str(self.bin_dir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
               "-h", HOST, "-p", str(self.port), "-U", USER, "-d", DATABASE, "-c", sql]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"psql failed on {sql!r}: {done.stderr.strip()}")
        return done.stdout

    def query(self, sql: str) -> list[dict[str, Any]]:
        """Rows of the SELECT ``sql`` as dicts (values decoded from JSON)."""
        out = self.psql(f"SELECT coalesce(json_agg(q), '[]'::json) FROM ({sql}) AS q")
        rows: list[dict[str, Any]] = json.loads(out)
        return rows

    def tables(self, schema: str) -> set[str]:
        """Names of the tables in ``schema``."""
        rows = self.query("SELECT table_name FROM information_schema.tables "
                          f"WHERE table_schema = '{schema}'")
        return {r["table_name"] for r in rows}

    def target_env(self, prefix: str = "TARGET_POSTGRES_") -> dict[str, str]:
        """Environment variables that point a Meltano target-postgres at this server."""
        values = {"HOST": HOST, "PORT": str(self.port), "USER": USER, "PASSWORD": USER,
                  "DATABASE": DATABASE}
        return {prefix + key: value for key, value in values.items()}
