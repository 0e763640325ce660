"""Regenerate the README's generated tables from the code (``--check``: only verify).

The settings table is ``tap-stripe --about --format markdown``'s; the streams table is the
stream registry; the endpoints without a stream are ``tap_stripe.exclusions``; the behaviour
table (what Stripe's lists hide) is ``tap_stripe.behaviour``.
Each sits between ``<!-- name:start -->`` and ``<!-- name:end -->`` markers.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import stripe

from scripts.endpoints import list_endpoints, normal
from tap_stripe.behaviour import BEHAVIOUR, PAGE_SIZE_SOURCE, Behaviour
from tap_stripe.exclusions import EXCLUDED
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
    if sdef.cursor == "full":
        return "no flag: a deleted object is no longer listed"
    if sdef.delete_events:
        return "yes (`" + "`, `".join(sdef.delete_events) + "`)"
    parent = BY_NAME.get(sdef.parent or "")
    if parent is not None and parent.delete_events:
        return f"with its parent ({parent.name})"
    return "no (Stripe does not delete them)"


def _kept_current(sdef: StreamDef) -> str:
    """How a stream's records follow the changes in Stripe."""
    if sdef.cursor == "full":
        return "read whole on every run"
    if sdef.cursor == "created":
        return "new objects by `created` (they do not change)"
    own = "its events" if sdef.update_events else ""
    parent_def = BY_NAME.get(sdef.parent or "")
    parent = f"its parent's events ({sdef.parent})" if parent_def is not None and (
        parent_def.update_events) else ""
    return " and ".join(p for p in (own, parent) if p) or "events"


def streams_table() -> str:
    """One row per stream: endpoint, parent, cursor, how it is kept current, how deletes are
    captured, whether a run without a catalog reads it."""
    rows = ["| Stream | Stripe endpoint | Parent | Cursor | Kept current by | Deletes captured | "
            "Selected by default |",
            "|:--|:--|:--|:--|:--|:--|:--|"]
    for sdef in sorted(STREAMS, key=lambda s: s.name):
        endpoint = sdef.path.replace("{parent_id}", "{id}")
        query = dict(sdef.params)
        if sdef.parent_filter:
            query[sdef.parent_filter] = "{id}"
        query.update({param: f"{{{field}}}" for param, field in sdef.parent_params.items()})
        if query:
            endpoint += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        cursor = {"created": "created", "full": "none (full read)"}.get(sdef.cursor,
                                                                       sdef.key)
        selected = "yes" if sdef.selected_by_default else "no"
        rows.append(f"| {sdef.name} | {_endpoints(sdef, endpoint)} | {sdef.parent or ''} | "
                    f"{cursor} | {_kept_current(sdef)} | {_deletes(sdef)} | {selected} |")
    return "\n".join(rows)


def excluded_table() -> str:
    """The coverage of the stripe package's list endpoints, and the ones without a stream with
    the reason (``tap_stripe.exclusions``)."""
    endpoints = list_endpoints()
    v1 = [p for p in endpoints if p.startswith("/v1/")]
    streamed = {normal(s.path) for s in STREAMS} & set(v1)
    skipped = [p for p in EXCLUDED if p.startswith("/v1/")]
    lines = [f"The installed stripe package ({stripe.VERSION}) has {len(endpoints)} list "
             f"endpoints: {len(v1)} of the v1 API, of which {len(streamed)} are streamed "
             f"({100 * len(streamed) // len(v1)}%) and {len(skipped)} have no stream, and "
             f"{len(endpoints) - len(v1)} of the v2 API, which have none. Without a stream:",
             "", "| Endpoint | Why there is no stream |", "|:--|:--|"]
    lines += [f"| `{path}` | {reason} |" for path, reason in EXCLUDED.items()
              if path.startswith("/v1/")]
    v2 = [p for p in EXCLUDED if p.startswith("/v2/")]
    if v2:
        lines.append("| " + ", ".join(f"`{p}`" for p in v2) + f" | {EXCLUDED[v2[0]]} |")
    return "\n".join(lines)


def _endpoints(sdef: StreamDef, endpoint: str) -> str:
    """The stream's list endpoint, with the further requests that read what it hides."""
    base = endpoint.split("?")[0]
    cells = [f"`{endpoint}`"]
    cells += [f"`{base}?" + "&".join(f"{k}={v}" for k, v in variant.items()) + "`"
              for variant in sdef.variants]
    if sdef.clock_param:
        value = "{clock}" if sdef.clock_param == "test_clock" else "{customer on a clock}"
        cells.append(f"`{base}?{sdef.clock_param}={value}` (test mode)")
    if sdef.found_in:
        named = " and ".join(source for source, _ in sdef.found_in)
        cells.append(f"`{sdef.retrieve_path}` (ids named by the run's {named})")
    text = ", ".join(cells)
    if sdef.parent_match:
        wanted = ", ".join(f"`{k}: {str(v).lower()}`" for k, v in sdef.parent_match.items())
        text += (f" for {sdef.parent} with {wanted} only (Stripe has no such list for the "
                 "others)")
    return text


def behaviour_table() -> str:
    """One row per endpoint the tap reads: what its plain list hides and how the tap reads
    it, required parameters, restricted filters, includable fields, page size, events; then
    the source of each fact."""
    rows = ["| Endpoint | Streams | Left out by default: how the tap reads them | Required | "
            "Restricted filters | Includable fields | Page | Events |",
            "|:--|:--|:--|:--|:--|:--|:--|:--|"]
    sources = [f"- Page size: {PAGE_SIZE_SOURCE}"]
    for row in BEHAVIOUR.values():
        rows.append("| " + " | ".join(_behaviour_cells(row)) + " |")
        sources += [f"- `{row.path}` {h.what}: {h.source}" for h in row.hidden]
        sources += [f"- `{row.path}` `{r.param}`: {r.source}" for r in row.required]
        sources += [f"- `{row.path}` `{r.param}=`: {r.source}" for r in row.restrictions]
        sources += [f"- `{row.path}` `{i.field}`: {i.source}" for i in row.includable]
    return "\n".join([*rows, "", "Sources:", "", *sources])


def _no_events(sdef: StreamDef) -> str:
    """How a stream without events of its own is kept current, for the behaviour table."""
    if sdef.parent:
        return f"with its parent's ({sdef.parent})"
    if sdef.cursor == "full":
        return "none (read whole on every run)"
    return "none (only grows: listed by created)"


def _behaviour_cells(row: Behaviour) -> list[str]:
    hidden = "; ".join(f"{h.what}: {h.how}" for h in row.hidden)
    required = ", ".join(f"`{r.param}`" for r in row.required)
    restricted = "; ".join(
        f"`{r.param}=` only for {r.parent} with `{r.field}: {str(r.value).lower()}` "
        f"(else {r.status} `{r.code}`): {r.how}" for r in row.restrictions)
    includable = ", ".join(f"`{i.field}` ({i.how})" for i in row.includable)
    events = ", ".join(f"`{e}`" for e in row.events) or "; ".join(dict.fromkeys(
        _no_events(s) for s in row.streams))
    streams = ", ".join(s.name for s in row.streams)
    return [f"`{row.path}`", streams, hidden or "nothing", required, restricted, includable,
            str(row.page_size), events]


def render(text: str) -> str:
    """``text`` with both generated tables replaced by their current content."""
    for name, table in (("settings", settings_table()), ("streams", streams_table()),
                        ("excluded", excluded_table()), ("behaviour", behaviour_table())):
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
