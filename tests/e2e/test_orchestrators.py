"""The orchestrator examples of ``deploy/`` split a platform's accounts: rendered for each index
as the orchestrator renders them, then run against the emulator, n shards read every account
exactly once. The accounts expected are the emulator's (its platform and connected accounts).

- Kubernetes: the Indexed Job's container command, run by ``sh`` with the pod's environment
  (its ``env`` values and the ``JOB_COMPLETION_INDEX`` the control plane sets); ``meltano`` on
  the PATH is a stand-in that records the environment and arguments it gets, which are then
  given to the real ``tap-stripe --config ENV``.
- Meltano: the shard plugins included into a copy of the project's meltano.yml, each plugin's
  config as ``meltano config print <plugin>`` resolves it (inherited settings included), then a sync
  with that config.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.emulator import Emulator
from tests.singer import Output, catalog_for, run_tap

ROOT = Path(__file__).resolve().parents[2]
JOB = ROOT / "deploy" / "kubernetes" / "tap-stripe-shards.yaml"
MELTANO_SHARDS = ROOT / "deploy" / "meltano" / "shards.meltano.yml"
TAP = Path(sys.executable).with_name("tap-stripe")
MELTANO = Path(sys.executable).with_name("meltano")
CLOCK = 1_790_000_000
START = "2020-01-01T00:00:00Z"
# Records meltano's environment and arguments instead of running a pipeline.
STAND_IN = """#!/bin/sh
env | grep '^TAP_STRIPE_' > "$RENDERED.env"
printf '%s\\n' "$@" > "$RENDERED.args"
"""


@pytest.fixture(scope="module")
def emulator() -> Any:
    with Emulator(seed=21, scale=2, connected_accounts=7, connected_scale=2,
                  clock=CLOCK) as emu:
        yield emu


def accounts_read(out: Output) -> set[str]:
    """The accounts whose customers a run emitted."""
    return {r["stripe_account"] for r in out.records["customers"]}


def every_account(emulator: Emulator) -> set[str]:
    """The platform and its connected accounts, each holding customers (so a sync shows it)."""
    accounts = {emulator.platform_account, *emulator.accounts()}
    assert len(accounts) == 8
    assert all(emulator.objects("customers", None if a == emulator.platform_account else a)
               for a in accounts)
    return accounts


def assert_partition(shards: list[set[str]], everyone: set[str]) -> None:
    """Every account in exactly one shard."""
    assert set().union(*shards) == everyone
    assert sum(len(s) for s in shards) == len(everyone), shards
    assert sum(bool(s) for s in shards) >= 2  # the split is real


def render_pod(index: int, work: Path) -> tuple[dict[str, str], list[str]]:
    """The TAP_STRIPE_ environment and meltano arguments pod ``index`` of the Job produces."""
    job = yaml.safe_load(JOB.read_text(encoding="utf-8"))
    container = job["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    env["TAP_STRIPE_CLIENT_SECRET"] = "from-the-secret"  # secretKeyRef: set by Kubernetes
    env["JOB_COMPLETION_INDEX"] = str(index)  # set by the control plane for an Indexed Job
    bin_dir = work / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "meltano").write_text(STAND_IN)
    (bin_dir / "meltano").chmod(0o755)
    rendered = work / f"pod-{index}"
    subprocess.run([*container["command"], *container["args"]], check=True, timeout=30,
                   env={"PATH": f"{bin_dir}:/usr/bin:/bin", "RENDERED": str(rendered), **env})
    pod_env = dict(line.split("=", 1) for line in
                   Path(f"{rendered}.env").read_text().splitlines())
    return pod_env, Path(f"{rendered}.args").read_text().splitlines()


def test_kubernetes_indexed_job(emulator: Emulator, tmp_path: Path) -> None:
    job = yaml.safe_load(JOB.read_text(encoding="utf-8"))
    spec = job["spec"]
    count = spec["completions"]
    assert spec["completionMode"] == "Indexed"
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(catalog_for(["customers"])))
    shards, state_ids = [], []
    for index in range(count):
        pod_env, args = render_pod(index, tmp_path)
        assert pod_env["TAP_STRIPE_ACCOUNT_SHARD"] == f"{index}/{count}"
        assert args[:3] == ["run", "--state-id-suffix", f"shard-{index}"]
        state_ids.append(args[2])
        env = {**os.environ, **pod_env, "TAP_STRIPE_CLIENT_SECRET": emulator.secret_key,
               "TAP_STRIPE_API_BASE": emulator.base_url, "TAP_STRIPE_START_DATE": START}
        done = subprocess.run([str(TAP), "--config", "ENV", "--catalog", str(catalog)],
                              env=env, capture_output=True, text=True, timeout=300,
                              check=False, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
        shards.append(accounts_read(Output.parse(done.stdout)))
    assert len(set(state_ids)) == count  # each shard keeps a state of its own
    assert_partition(shards, every_account(emulator))


def test_meltano_inherited_shards(emulator: Emulator, tmp_path: Path) -> None:
    shards_file = yaml.safe_load(MELTANO_SHARDS.read_text(encoding="utf-8"))
    plugins = shards_file["plugins"]["extractors"]
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    project["include_paths"] = ["./shards.meltano.yml"]
    (tmp_path / "meltano.yml").write_text(yaml.safe_dump(project))
    shutil.copy(MELTANO_SHARDS, tmp_path / "shards.meltano.yml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_STRIPE_")}
    # the key and address as the README tells users to set them: the tap's own variables,
    # which every plugin inheriting from tap-stripe reads too (they share its namespace)
    env |= {"TAP_STRIPE_CLIENT_SECRET": emulator.secret_key,
            "TAP_STRIPE_API_BASE": emulator.base_url, "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
            "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}"}
    shards = []
    for index, plugin in enumerate(plugins):
        assert plugin["inherit_from"] == "tap-stripe"
        done = subprocess.run([str(MELTANO), "config", "--unsafe", "print", plugin["name"]],
                              cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        config = json.loads(done.stdout)
        assert config["account_shard"] == f"{index}/{len(plugins)}"
        assert config["client_secret"] == emulator.secret_key  # inherited from tap-stripe
        out = run_tap({**config, "start_date": START}, ["customers"])
        shards.append(accounts_read(out))
    assert_partition(shards, every_account(emulator))
