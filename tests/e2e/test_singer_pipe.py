"""Plain Singer: the real ``tap-stripe`` executable piped into ``target-jsonl``.

Every object of every stream the emulator holds lands in its stream's file exactly once,
children carrying their parent's id. target-jsonl validates every record against the SCHEMA
message the tap sent, so this also checks the records against the tap's own schemas.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.truth import SELECTED, Expected, expected_all, tap_config
from tests.emulator import Emulator

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.e2e.meltano_project import Meltano

TAP = Path(sys.executable).parent / "tap-stripe"


@dataclass(frozen=True)
class Piped:
    """One ``tap | target-jsonl`` run: the emulator's truth, the files, the final STATE."""

    truth: dict[str, Expected]
    folder: Path
    state: dict[str, Any]
    started: int
    finished: int

    def records(self, stream: str) -> list[dict[str, Any]]:
        """The records written for ``stream`` (none when it has no file)."""
        path = self.folder / f"{stream}.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] \
            if path.exists() else []


@pytest.fixture(scope="module")
def piped(tmp_path_factory: pytest.TempPathFactory, meltano: Meltano) -> Iterator[Piped]:
    meltano.install("loader", "target-jsonl")
    work = tmp_path_factory.mktemp("singer")
    with Emulator(seed=11, scale=20) as emulator:
        started = int(time.time())
        folder, state = _pipe(work, emulator, meltano.executable("loaders", "target-jsonl"))
        yield Piped(expected_all(emulator), folder, state, started, int(time.time()))


def _pipe(tmp_path: Path, emulator: Emulator, target: Path) -> tuple[Path, dict[str, Any]]:
    """Run ``tap | target``; return the output folder and the last STATE the target echoed."""
    (tmp_path / "tap.json").write_text(json.dumps(tap_config(emulator, live_rate=True)))
    out = tmp_path / "out"
    (tmp_path / "target.json").write_text(json.dumps(
        {"destination_path": str(out), "do_timestamp_file": False}))
    with (tmp_path / "tap.log").open("w") as tap_log:
        tap = subprocess.Popen([str(TAP), "--config", str(tmp_path / "tap.json")],
                               stdout=subprocess.PIPE, stderr=tap_log)
        assert tap.stdout is not None
        try:
            loaded = subprocess.run([str(target), "--config", str(tmp_path / "target.json")],
                                    stdin=tap.stdout, capture_output=True, text=True,
                                    timeout=300, check=False)
        finally:
            tap.stdout.close()
            tap.wait(timeout=60)
    tap_tail = (tmp_path / "tap.log").read_text()[-3000:]
    assert tap.returncode == 0, f"tap-stripe failed:\n{tap_tail}"
    assert loaded.returncode == 0, f"target-jsonl failed:\n{loaded.stderr[-3000:]}"
    return out, json.loads(loaded.stdout.splitlines()[-1])


def test_tap_into_target_jsonl_writes_every_object_exactly_once(piped: Piped) -> None:
    with_data = [s.name for s in SELECTED if piped.truth[s.name].objects]
    assert len(with_data) >= 40, f"the emulator should fill most streams, got {with_data}"
    problems = {}
    for name in with_data:
        records = piped.records(name)
        ids = Counter(r["id"] for r in records)
        expected_ids = piped.truth[name].objects.keys()
        twice = sorted(i for i, n in ids.items() if n > 1)
        missing = sorted(expected_ids - ids.keys())
        extra = sorted(ids.keys() - expected_ids)
        if twice or missing or extra:
            problems[name] = {"twice": twice[:3], "missing": missing[:3], "extra": extra[:3],
                              "written": len(records), "expected": len(expected_ids)}
    assert not problems, f"streams whose ids differ from the emulator: {problems}"
    assert not [s.name for s in SELECTED if s.name not in with_data and piped.records(s.name)]
    assert piped.state["bookmarks"].keys() >= set(with_data)


def test_records_carry_the_emulator_values_parent_ids_and_update_stamps(piped: Piped) -> None:
    children = {s.name for s in SELECTED if s.parent_id_field and piped.truth[s.name].objects}
    assert {"invoice_line_items", "subscription_items", "bank_accounts"} <= children
    wrong: list[tuple[Any, ...]] = []
    for stream in SELECTED:
        for record in piped.records(stream.name):
            if record["id"] not in piped.truth[stream.name].objects:
                continue  # reported by the id comparison
            sample = piped.truth[stream.name].sample(record["id"])
            got = {f: record.get(f) for f in sample}
            if got != sample:
                wrong.append((stream.name, record["id"], got, sample))
            if not piped.truth[stream.name].stamps_ok(record, piped.started, piped.finished):
                wrong.append((stream.name, record["id"], record.get("updated"),
                              record.get("is_deleted")))
    assert not wrong, f"{len(wrong)} records differ from the emulator, e.g. {wrong[:3]}"
