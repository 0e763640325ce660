"""The end of the process: the heap frozen before the interpreter exits, however main ends,
with exit handlers run and output flushed as before."""

from __future__ import annotations

import json
import subprocess
import sys

# main() run in a child whose first exit handler (so the last to run) reports how many objects
# the collector was told to leave alone, and that singer-sdk's own handlers ran before it
CHILD = """
import atexit, gc, os, sys
atexit.register(lambda: os.write(2, b"FROZEN %d\\n" % gc.get_freeze_count()))
from tap_stripe.tap import main
main()
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True,
                          timeout=120, check=False)


def frozen(stderr: str) -> int:
    return int(next(line for line in stderr.splitlines() if line.startswith("FROZEN")).split()[1])


def test_a_finished_command_freezes_the_heap_and_flushes_its_output() -> None:
    result = run("--about", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "tap-stripe"
    assert frozen(result.stderr) > 10_000


def test_a_failed_command_freezes_it_too_and_keeps_its_one_line() -> None:
    result = run("--config", "/nonexistent/config.json")
    assert result.returncode == 1
    assert "/nonexistent/config.json" in result.stderr
    assert "Traceback" not in result.stderr
    assert frozen(result.stderr) > 10_000
