"""The `ocrbill` command line (spec §4): each command calls the functions the Prefect flows call."""

from __future__ import annotations

import json
import re
import sys
import tempfile
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from .paths import default_warehouse

app = typer.Typer(
    help=(
        "ocrbill: OCR API call logs in, exact monthly bills out.\n\n"
        "Typical night: `ocrbill ingest logs/`, `ocrbill events events.jsonl`, "
        "`ocrbill bill --month 2026-10`, then read warehouse/exports/2026-10/."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # help paragraphs rewrap; `code` stays as written
)
err = Console(stderr=True)

WarehouseOpt = Annotated[
    Path,
    typer.Option(
        "--warehouse",
        help="Warehouse folder (default: $OCRBILL_WAREHOUSE, else ./warehouse).",
        default_factory=default_warehouse,
        show_default=False,
    ),
]


def _fail(exc: BaseException) -> None:
    """Exit non-zero with a one-line reason (spec §4)."""
    message = _printable(" ".join(str(exc).split())) or type(exc).__name__
    # soft_wrap: one line however long (the console would fold it at the terminal width)
    err.print(f"ocrbill: error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _existing_warehouse(warehouse: Path) -> Path:
    """The warehouse a reading command needs: a mistyped --warehouse must not bill an empty one."""
    if not warehouse.is_dir():
        _fail(FileNotFoundError(f"no warehouse at {warehouse}: ingest call logs first, or give --warehouse"))
    return warehouse


def _month(month: str | None) -> str | None:
    """A billing month as YYYY-MM, else a one-line failure."""
    from .rate import RatingError, check_month

    try:
        return None if month is None else check_month(month)
    except RatingError as exc:
        _fail(exc)


def _progress(message: str) -> None:
    """Progress goes to stderr so that stdout stays machine-readable (a path is text, not markup)."""
    err.print(Text(f"… {_printable(message)}", style="dim"), highlight=False)


def _printable(value: str) -> str:
    """`value` with its control characters (escape sequences, line breaks, bidi overrides, …)
    shown as `\\xNN` / `\\uNNNN`, so that data printed to a terminal cannot drive it."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", value)


# C0 and C1 controls (line breaks and tabs too: a value must not fake a line) and the bidi
# controls that reorder what is shown
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@app.command()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Call-log files or folders (read recursively): .jsonl, .ndjson or .csv, each optionally .gz; "
                       "a file named here may also be .json (JSON Lines)."),
    ],
    warehouse: WarehouseOpt,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts (per run and per file) as one JSON object.")] = False,
) -> None:
    """Ingest call logs (spec §1.1) exactly once.

    Accepted calls go to the warehouse's `calls` table; a record seen before is a duplicate (a
    conflict when its content differs) and a bad record is quarantined with its reason, file and
    line: see them with `ocrbill sql "select * from quarantine"`. Every run prints
    read = accepted + duplicates + quarantined. A file already ingested (same bytes) writes
    nothing. Files in a folder with other extensions are skipped and listed; a file that cannot
    be read at all (a cut gzip) is listed too, the others go ahead, and the exit status is 1."""
    from .ingest import ingest_paths, unreadable_files_error

    try:
        result = ingest_paths(warehouse, paths, progress=None if as_json else _progress)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a one-line reason
        _fail(exc)
    counts = result.as_dict()
    if as_json:
        typer.echo(json.dumps(counts, ensure_ascii=False, sort_keys=False))
    else:
        typer.echo(
            f"read {result.read}, accepted {result.accepted}, duplicates {result.duplicates} "
            f"(conflicts {result.conflicts}), quarantined {result.quarantined}"
        )
    if result.unreadable_files:  # the other files were ingested; this run still failed
        _fail(unreadable_files_error(result.unreadable_files))


@app.command()
def events(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Account-event JSON Lines files or folders (read recursively): .jsonl or .ndjson, "
                       "each optionally .gz; a file named here may also be .json."),
    ],
    warehouse: WarehouseOpt,
) -> None:
    """Load account events (spec §1.2): one JSON object per line, discriminated by `type`.

    Types: pack_purchase, pack_refund, postpaid, contract_price, qps_purchase, activation,
    account, top_up, suspension. Accepted events go to the `events` view, rejected ones to
    `events_rejected` with their reason and line. A file already loaded (same bytes) writes
    nothing."""
    from .events import load_events

    try:
        result = load_events(warehouse, paths, progress=_progress)
    except Exception as exc:  # noqa: BLE001
        _fail(exc)
    typer.echo(
        f"read {result.read}, accepted {result.accepted}, duplicates {result.duplicates}, "
        f"rejected {result.rejected}"
    )
    for reason, count in sorted(result.rejected_by_reason.items()):
        typer.echo(f"  rejected {reason}: {count}")


@app.command()
def bill(
    warehouse: WarehouseOpt,
    month: Annotated[str, typer.Option("--month", help="Billing month, YYYY-MM (Asia/Shanghai).")],
) -> None:
    """Rate a month and write the warehouse's exports/YYYY-MM/ folder.

    bill_lines, bill_summary, pack_balances, alerts and focus, each as .csv and .parquet, and
    run_report.json (counts, flagged lines, denied refunds, anomalies). Re-running on the same
    inputs writes byte-identical files."""
    from .export import bill_month

    _existing_warehouse(warehouse)
    try:
        result = bill_month(warehouse, month, progress=_progress)
    except Exception as exc:  # noqa: BLE001
        _fail(exc)
    typer.echo(
        f"{result.month}: {result.accounts} accounts, {result.lines} bill lines, "
        f"total {result.total_amount} CNY -> {result.export_dir}"
    )


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="One SELECT over the views: calls, quarantine, duplicates, conflicts, ingest_batches, events, events_rejected, packs, suspensions, bill_lines, usage, bill_summary, pack_balances, alerts, focus, ref_*.")],
    warehouse: WarehouseOpt,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (every value whole) instead of a table (which a narrow terminal truncates).")] = False,
) -> None:
    """Read-only SQL over the warehouse (one SELECT; no file outside the warehouse).

    Column names that are SQL keywords need double quotes: select "at" from events."""
    _print_query(_existing_warehouse(warehouse), query, [], as_csv)


def _print_query(warehouse: Path, query: str, params: list, as_csv: bool) -> None:
    """Run a read-only query over the warehouse and print it as a table or spreadsheet-safe CSV."""
    from .catalog import open_read_only, run_read_only
    from .export import spreadsheet_safe
    from .warehouse import Warehouse

    try:
        with tempfile.TemporaryDirectory(prefix="ocrbill-sql-") as temp_dir:
            con = open_read_only(Warehouse(warehouse), Path(temp_dir))
            try:
                result = run_read_only(con, query, params)
                columns = [d[0] for d in result.description]
                rows = result.fetchall()
            finally:
                con.close()
    except Exception as exc:  # noqa: BLE001
        _fail(exc)
    if as_csv:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[spreadsheet_safe(_cell(v)) for v in row] for row in rows])
        return
    # cells are Text, not markup: a value like `[/x]` is data to show, and control characters are
    # escaped (a logged id could hold a terminal escape sequence)
    table = Table(*(Column(header=Text(_printable(c))) for c in columns))
    for row in rows:
        table.add_row(*(Text("" if v is None else _printable(str(_cell(v)))) for v in row))
    Console().print(table)


def _cell(value: Any) -> Any:
    """An instant as the CSV exports write it (ISO 8601, `Z` when it is UTC-aware, the fraction
    of a second only when there is one); any other value as it is."""
    if not isinstance(value, datetime):
        return value
    suffix = ""
    if value.tzinfo is not None:
        value, suffix = value.astimezone(timezone.utc).replace(tzinfo=None), "Z"
    fraction = value.microsecond
    spec = "seconds" if fraction == 0 else "milliseconds" if fraction % 1000 == 0 else "microseconds"
    return value.isoformat(timespec=spec) + suffix


@app.command()
def alerts(
    warehouse: WarehouseOpt,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this account (owner_uin).")] = None,
    month: Annotated[str | None, typer.Option("--month", help="Only this billing month, YYYY-MM.")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
) -> None:
    """Balance alerts (R22) of the billed months: `low` below 20 %, `exhausted` at 0."""
    month = _month(month)
    _existing_warehouse(warehouse)
    query = (
        "SELECT billing_month, owner_uin, billing_item, pack_id, kind, triggered_at, request_id "
        "FROM alerts WHERE (? IS NULL OR owner_uin = ?) AND (? IS NULL OR billing_month = ?) "
        "ORDER BY billing_month, owner_uin, billing_item, pack_id, kind"
    )
    _print_query(warehouse, query, [owner, owner, month, month], as_csv)


# What each bill-line flag tells the reader of a bill (spec R10, R11, R25).
FLAG_MEANINGS = {
    "unpriced": "no price in the international price book, amount 0 (the seed has no "
    "international prices, R11: fill reference/intl_prices.csv); listed in run_report.json",
    "needs_contract_price": "postpaid units in a 联系商务 tier without a contract price for the account, amount 0 (R10)",
    "contract_price": "postpaid units priced at the account's contract price (R10)",
    "postpaid_not_enabled": "units went postpaid while postpaid mode was off: billed, to review (R25)",
}


def flag_counts(summary_rows: list[dict[str, str]]) -> dict[str, int]:
    """How many accounts carry each flag, in flag order."""
    counts: dict[str, int] = {}
    for row in summary_rows:
        for flag in filter(None, row["flags"].split(";")):
            counts[flag] = counts.get(flag, 0) + 1
    return dict(sorted(counts.items()))


@app.command()
def demo(warehouse: WarehouseOpt) -> None:
    """Generate realistic sample logs into the warehouse's demo_logs/ folder, ingest them, load
    their events and bill 2026-10 into its exports/2026-10/ folder."""
    from .events import load_events
    from .export import bill_month
    from .ingest import ingest_paths
    from .samples import write_sample_logs

    try:
        sample = write_sample_logs(warehouse / "demo_logs", month="2026-10")
        ingested = ingest_paths(warehouse, [sample["calls_file"]], progress=_progress)
        loaded = load_events(warehouse, [sample["events_file"]], progress=_progress)
        result = bill_month(warehouse, "2026-10", progress=_progress)
    except Exception as exc:  # noqa: BLE001
        _fail(exc)
    typer.echo(
        f"ingested: read {ingested.read}, accepted {ingested.accepted}, duplicates {ingested.duplicates} "
        f"(conflicts {ingested.conflicts}), quarantined {ingested.quarantined}; events accepted {loaded.accepted}"
    )
    # usage settles on day 1 of the next month (amount_due); packs and QPS were paid at purchase
    table = Table("owner_uin", "usage (due)", "packs + QPS (paid)", "total CNY", "flags", title="Bill 2026-10 (top 10)")
    for row in result.summary_rows[:10]:
        paid = Decimal(row["pack_purchase_amount"]) + Decimal(row["pack_refund_amount"]) + Decimal(row["qps_pack_amount"])
        table.add_row(Text(_printable(row["owner_uin"])), row["amount_due"], str(paid), row["total_amount"], row["flags"])
    Console().print(table)
    typer.echo(f"{result.accounts} accounts, total {result.total_amount} CNY -> {result.export_dir}")
    for flag, accounts in flag_counts(result.summary_rows).items():
        noun = "account" if accounts == 1 else "accounts"
        typer.echo(f"  {flag} ({accounts} {noun}): {FLAG_MEANINGS.get(flag, 'see docs/decisions.md')}")


@app.command()
def serve(
    warehouse: WarehouseOpt,
    landing: Annotated[Path, typer.Option("--landing", help="Folder where new call logs (and events/) land.")] = Path("landing"),
    cron: Annotated[str, typer.Option("--cron", help="Schedule of the nightly flow (Asia/Shanghai).")] = "0 2 * * *",
) -> None:
    """Serve the Prefect `nightly` flow on a cron schedule (uses $PREFECT_API_URL, else a local server).

    Each run ingests the new call logs under --landing (events from its events/ folder), then
    bills the open month and, on days 1-3 (Asia/Shanghai), the month that just closed."""
    from prefect import serve as prefect_serve

    from .pipeline import nightly_deployment

    prefect_serve(nightly_deployment(warehouse, landing, cron))


def main() -> None:
    """Entry point of `ocrbill` and `python -m ocrbill`: a usage error is one line too (spec §4)."""
    try:
        from typer._click import exceptions as click_errors  # typer >= 0.2x carries its own click
    except ImportError:  # pragma: no cover - an older typer on the installed click
        from click import exceptions as click_errors

    try:
        code = app(standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:
        exc.show()  # `ocrbill` alone prints the help
        code = 0
    except click_errors.UsageError as exc:
        hint = f" (see ocrbill {exc.ctx.info_name} --help)" if exc.ctx is not None and exc.ctx.parent else " (see ocrbill --help)"
        err.print(f"ocrbill: error: {' '.join(exc.format_message().split())}{hint}", markup=False, highlight=False, soft_wrap=True)
        code = 2
    except typer.Abort:
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
