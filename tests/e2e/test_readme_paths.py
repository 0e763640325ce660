"""The README's "Use" paths, run as written: the emulator without a Stripe account, plain Singer
into target-jsonl (a first run, a change, the next run with the kept state), and Meltano into
PostgreSQL.

The blocks marked ``<!-- readme-test: NAME -->`` are joined into one bash script in the order a
user follows them and run literally, with the project's virtual environment first on PATH (the
README's ``source .venv/bin/activate``). The emulator and plain-Singer blocks run in a fresh
folder (``PYTHONPATH`` names the checkout, so ``python -m tests.emulator`` works as it does in
the checkout, and their files stay out of it); the Meltano blocks run in the checkout, where
``meltano.yml`` is, reusing the plugins installed there, with a throwaway system database (so
a fresh Meltano state). What the test supplies, the
way the README tells the user to set it: a free port instead of the README's 12111 (the only
change to a block), and ``TARGET_POSTGRES_HOST``/``_PORT`` of the PostgreSQL it started, set
after the README's settings block. A few lines of its own, marked ``# (test)``, keep the
emulator's ground truth and the first run's files for the checks.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import serve_postgres
from tests.e2e.meltano_project import Meltano
from tests.postgres import PostgresServer, free_port

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BLOCK = re.compile(r"<!-- readme-test: ([\w-]+) -->\n```bash\n(.*?)```", re.S)
README_PORT = "12111"
KEY = "sk_test_emulator"  # the key the README gives the emulator
ORDER = ["emulator-start", "singer-install", "singer-first-run", "emulator-change",
         "singer-next-run", "meltano-postgres-settings", "meltano-postgres-run",
         "emulator-stop"]


def readme_blocks() -> dict[str, str]:
    """The README's marked shell blocks by name."""
    return dict(BLOCK.findall(README.read_text(encoding="utf-8")))


def _truth(kind: str, file: str) -> str:
    """A test line keeping the emulator's objects of ``kind`` (its control API) in ``file``."""
    return (f'curl -sf "$TAP_STRIPE_API_BASE/_emulator/objects?kind={kind}" > "$WALK/{file}"'
            "  # (test)")


def script(blocks: dict[str, str], port: int, postgres_port: int) -> str:
    """The README's blocks in a user's order, with the test's few additions."""
    assert README_PORT in blocks["emulator-start"]
    extra = {
        "singer-first-run": [_truth("customers", "customers-first.json"),
                             "cp -r output output-first && cp state.json state-first.json"
                             "  # (test)"],
        "meltano-postgres-settings": [
            f"export TARGET_POSTGRES_HOST=127.0.0.1 TARGET_POSTGRES_PORT={postgres_port}"
            "  # (test)",
            f'cd "{ROOT}"  # (test) Meltano runs in the checkout'],
        "meltano-postgres-run": [_truth("customers", "customers-last.json"),
                                 _truth("events", "events-last.json")],
    }
    lines = ["set -euo pipefail", 'WALK="$PWD"  # (test)']
    for name in ORDER:
        text = blocks[name]
        if name == "emulator-start":
            text = text.replace(README_PORT, str(port))
        lines += [f"echo '### {name}'", text, *extra.get(name, [])]
    return "\n".join(lines) + "\n"


def _env(meltano: Meltano) -> dict[str, str]:
    """This environment without any tap or target setting, the venv first on PATH."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TAP_STRIPE_", "TARGET_POSTGRES_", "MELTANO_"))}
    venv = Path(sys.executable).parent
    return {**env, **meltano.env, "PATH": f"{venv}{os.pathsep}{env.get('PATH', '')}",
            "VIRTUAL_ENV": str(venv.parent), "PYTHONPATH": str(ROOT)}


@dataclass(frozen=True)
class Walk:
    """The folder the README's commands ran in, and what they printed."""

    folder: Path
    stdout: str
    seconds: float

    def json(self, name: str) -> Any:
        return json.loads((self.folder / name).read_text())

    def jsonl(self, name: str) -> list[dict[str, Any]]:
        path = self.folder / name
        return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this module's own: the session's is shared with tests that load
    the same schema."""
    yield from serve_postgres()


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer) -> Iterator[Walk]:
    folder = tmp_path_factory.mktemp("readme")
    # a system database of its own: no state left by other tests' runs of the same pipeline
    meltano = Meltano.create(tmp_path_factory.mktemp("readme-meltano"))
    (folder / "walk.sh").write_text(script(readme_blocks(), free_port(), postgres.port))
    started = time.monotonic()
    # Its own session: whatever the script leaves behind (the emulator, if a block fails
    # before the README stops it) is ended with it. Output to a file, which the emulator
    # may hold open after the script ended.
    with (folder / "walk.log").open("w") as log:
        process = subprocess.Popen(["bash", "walk.sh"], cwd=folder, env=_env(meltano),
                                   stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            process.wait(timeout=600)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    out = (folder / "walk.log").read_text(errors="replace")
    assert process.returncode == 0, f"a README command failed:\n{out[-6000:]}"
    yield Walk(folder, out, time.monotonic() - started)


def test_every_path_is_marked_in_the_readme() -> None:
    blocks = readme_blocks()
    assert sorted(blocks) == sorted(ORDER)
    assert f"--key {KEY}" in blocks["emulator-start"]
    assert f"TAP_STRIPE_CLIENT_SECRET={KEY}" in blocks["emulator-start"]
    settings = blocks["meltano-postgres-settings"]
    for name in ("HOST", "PORT", "USER", "PASSWORD", "DATABASE", "DEFAULT_TARGET_SCHEMA"):
        assert f"TARGET_POSTGRES_{name}=" in settings, name


def test_the_emulator_starts_with_the_readme_key(walk: Walk) -> None:
    ready = walk.json("emulator.json")
    assert ready["secret_key"] == KEY
    assert ready["base_url"].startswith("http://127.0.0.1:")
    assert ready["objects"] > 1000


def test_the_first_plain_singer_run_writes_every_customer_and_keeps_the_state(
        walk: Walk) -> None:
    truth = {c["id"]: c for c in walk.json("customers-first.json")["objects"]}
    written = {r["id"]: r for r in walk.jsonl("output-first/customers.jsonl")}
    assert written.keys() == truth.keys()
    assert all(written[i]["email"] == truth[i]["email"] for i in truth)
    state = walk.json("state-first.json")
    assert {"customers", "charges", "events", "invoice_line_items"} <= state["bookmarks"].keys()


def test_the_next_run_with_the_kept_state_brings_only_the_change(walk: Walk) -> None:
    first = walk.jsonl("output-first/customers.jsonl")
    after = walk.jsonl("output/customers.jsonl")
    assert after[:len(first)] == first  # target-jsonl appends
    new = after[len(first):]
    assert [(r["email"], r["name"]) for r in new] == [("ann@example.com", "Ann")]
    truth = {c["id"] for c in walk.json("customers-last.json")["objects"]}
    assert new[0]["id"] in truth - {r["id"] for r in first}
    # the events table got the change's event, and nothing read before again
    first_events = walk.jsonl("output-first/events.jsonl")
    new_events = walk.jsonl("output/events.jsonl")[len(first_events):]
    assert [(e["type"], e["data"]["object"]["id"]) for e in new_events] == [
        ("customer.created", new[0]["id"])]
    # the README's grep printed the new customer's line
    assert any('"ann@example.com"' in line and new[0]["id"] in line
               for line in walk.stdout.splitlines())
    kept = walk.json("state.json")["bookmarks"]
    before = walk.json("state-first.json")["bookmarks"]
    assert kept["events"]["replication_key_value"] > before["events"]["replication_key_value"]


def test_meltano_loads_postgres_with_the_readme_settings(
        walk: Walk, postgres: PostgresServer) -> None:
    truth = {c["id"]: c for c in walk.json("customers-last.json")["objects"]}
    rows = {r["id"]: r for r in postgres.query('SELECT * FROM stripe."customers"')}
    assert rows.keys() == truth.keys()
    ann = [r for r in rows.values() if r["email"] == "ann@example.com"]
    assert [(r["name"], r["is_deleted"]) for r in ann] == [("Ann", False)]
    events = {e["id"] for e in walk.json("events-last.json")["objects"]}
    assert {r["id"] for r in postgres.query('SELECT id FROM stripe."events"')} == events
    # the README's psql command printed the count
    assert re.search(rf"^\s*{len(truth)}\s*$", walk.stdout, re.M), walk.stdout[-2000:]
