"""The built wheel, as a user gets it: built from the checkout's files, installed (not editable)
with its dependencies into a fresh virtual environment, then ``--about``, ``--discover`` and a
sync against the emulator's command line (``python -m tests.emulator``).

A module or schema left out of the package fails here, though the editable install used by the
other tests would still find it in the checkout.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
# pyproject's distribution name and the version written in tap_stripe/__init__.py (read as text:
# tomllib is not in Python 3.10).
NAME = re.findall(r'^name = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)[0]
VERSION = re.findall(r'^__version__ = "(.+)"$',
                     (ROOT / "tap_stripe" / "__init__.py").read_text(), re.MULTILINE)[0]
# Streams whose rows the sync is checked on, against the emulator's own objects.
CHECKED = ("customers", "products", "prices")


@dataclass(frozen=True)
class Installed:
    """The wheel file and the fresh environment it is installed in."""

    wheel: Path
    venv: Path
    work: Path

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``tap-stripe ARGS`` of the fresh environment, run outside the checkout."""
        return subprocess.run([str(self.venv / "bin" / "tap-stripe"), *args], cwd=self.work,
                              capture_output=True, text=True, timeout=timeout, check=False)


def _source_tree(dest: Path) -> Path:
    """A copy of the files a clone of the checkout holds (tracked, plus new files not ignored),
    so nothing built or installed in the checkout reaches the wheel."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.fail("test_wheel builds from the git checkout's files; run it in a git checkout")
    base = tmp_path_factory.mktemp("wheel")
    tree = _source_tree(base / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                    str(base / "dist"), str(tree)], check=True, timeout=300)
    wheel = next((base / "dist").glob("*.whl"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    str(wheel)], check=True, timeout=600)
    work = base / "work"
    work.mkdir()
    yield Installed(wheel, venv, work)


def test_wheel_holds_every_module_and_schema(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tap_stripe").rglob("*.py")}
    schemas = {p.relative_to(ROOT).as_posix()
               for p in (ROOT / "tap_stripe" / "schemas").glob("*.json")}
    assert len(schemas) > 40
    assert modules - names == set()
    assert schemas - names == set()
    dist_info = f"{NAME.replace('-', '_')}-{VERSION}.dist-info"
    assert f"{dist_info}/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(installed.wheel).read(f"{dist_info}/METADATA").decode()
    assert f"Name: {NAME}\n" in metadata
    assert f"Version: {VERSION}\n" in metadata
    assert "License-Expression: Apache-2.0" in metadata


def test_installed_tap_is_not_the_checkout(installed: Installed) -> None:
    where = subprocess.run([str(installed.venv / "bin" / "python"), "-c",
                            "import tap_stripe; print(tap_stripe.__file__)"],
                           cwd=installed.work, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(installed.venv)


def test_about_and_discover(installed: Installed) -> None:
    about = installed.run("--about", "--format=json")
    assert about.returncode == 0, about.stderr
    info = json.loads(about.stdout)
    assert (info["name"], info["version"]) == ("tap-stripe", VERSION)
    assert info["settings"]["properties"]["client_secret"]["secret"] is True

    discover = installed.run("--discover")
    assert discover.returncode == 0, discover.stderr
    streams = {s["tap_stream_id"]: s for s in json.loads(discover.stdout)["streams"]}
    packaged = {p.stem for p in (ROOT / "tap_stripe" / "schemas").glob("*.json")}
    assert set(streams) == packaged
    assert "email" in streams["customers"]["schema"]["properties"]


def _emulator_objects(base_url: str, kind: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base_url}/_emulator/objects?kind={kind}") as answer:
        return dict(json.load(answer))


def test_sync_against_the_emulator_command(installed: Installed) -> None:
    emulator = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--port", "0", "--seed", "5", "--scale", "3",
         "--connected-accounts", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert emulator.stdout is not None
        ready = json.loads(emulator.stdout.readline())
        config = installed.work / "config.json"
        config.write_text(json.dumps({"client_secret": ready["secret_key"],
                                      "api_base": ready["base_url"],
                                      "start_date": "2015-01-01T00:00:00Z"}))
        synced = installed.run("--config", str(config), timeout=300)
        truth = {kind: _emulator_objects(ready["base_url"], kind) for kind in CHECKED}
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)
    assert synced.returncode == 0, synced.stderr[-3000:]
    messages = [json.loads(line) for line in synced.stdout.splitlines()]
    for kind in CHECKED:
        rows = [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == kind]
        expected = {o["id"] for o in truth[kind]["objects"]} - set(truth[kind]["deleted"])
        assert expected, kind
        assert {r["id"] for r in rows if not r.get("is_deleted")} == expected, kind
    assert messages[-1]["type"] == "STATE"
    assert set(messages[-1]["value"]["bookmarks"]) >= set(CHECKED)
