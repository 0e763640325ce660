"""Regenerate the README's settings and streams tables from the code (``--check``: only verify).

The settings table is ``tap-stripe --about --format markdown``'s; the streams table is the
stream registry. Both sit between ``<!-- name:start -->`` and ``<!-- name:end -->`` markers.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from tap_stripe.registry import BY_NAME, STREAMS, StreamDef

README = Path(__file__).resolve().parent.parent / "README.md"


def settings_table() -> str:
    """The settings table of ``--about --format markdown``, without SDK built-ins."""
    about = subprocess.run(
        [sys.executable, "-c", "from tap_stripe.tap import main; main()", "--about", "--format",
         "markdown"], capture_output=True, text=True, check=True).stdout
    table = about[about.index("| Setting"):]
    rows = [line for line in table.splitlines() if line.startswith("|")]
    builtin = ("stream_maps", "stream_map_config", "faker_config", "flattening_")
    return "\n".join(r for r in rows if not r.split("|")[1].strip().startswith(builtin))


def _deletes(sdef: StreamDef) -> str:
    if sdef.delete_events:
        return "yes (`" + "`, `".join(sdef.delete_events) + "`)"
    parent = BY_NAME.get(sdef.parent or "")
    if parent is not None and parent.delete_events:
        return f"with its parent ({parent.name})"
    return "no (Stripe does not delete them)"


def streams_table() -> str:
    """One row per stream: endpoint, parent, cursor and how deletes are captured."""
    rows = ["| Stream | Stripe endpoint | Parent | Cursor | Deletes captured |",
            "|:--|:--|:--|:--|:--|"]
    for sdef in sorted(STREAMS, key=lambda s: s.name):
        endpoint = sdef.path.replace("{parent_id}", "{id}")
        query = dict(sdef.params)
        if sdef.parent_filter:
            query[sdef.parent_filter] = "{id}"
        if query:
            endpoint += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        cursor = "created" if sdef.cursor == "created" else f"{sdef.key} (events)"
        rows.append(f"| {sdef.name} | `{endpoint}` | {sdef.parent or ''} | {cursor} | "
                    f"{_deletes(sdef)} |")
    return "\n".join(rows)


def render(text: str) -> str:
    """``text`` with both generated tables replaced by their current content."""
    for name, table in (("settings", settings_table()), ("streams", streams_table())):
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(\n<!-- {name}:end -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- {name}:start --> marker")
        text = pattern.sub(lambda m, t=table: m.group(1) + t + m.group(2), text)
    return text


def main() -> None:
    """Rewrite README.md, or with --check exit 1 when it is stale."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    fresh = render(current)
    if args.check:
        if fresh != current:
            raise SystemExit("README.md tables are stale: run python scripts/render_readme.py")
        return
    README.write_text(fresh, encoding="utf-8")


if __name__ == "__main__":
    main()
