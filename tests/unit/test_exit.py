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
atexit.register(lambda: os.write(2, b"YOUNG %d\\n" % gc.get_threshold()[0]))
from tap_stripe.tap import main
main()
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True,
                          timeout=120, check=False)


def frozen(stderr: str, word: str = "FROZEN") -> int:
    return int(next(line for line in stderr.splitlines() if line.startswith(word)).split()[1])


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


def test_the_tap_s_own_process_collects_young_objects_less_often_than_python_s_default() -> None:
    # Python's default threshold of the youngest generation is 700 (gc.get_threshold docs)
    result = run("--about", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert frozen(result.stderr, "YOUNG") >= 10 * 700
