"""Export a rated month to `<warehouse>/exports/YYYY-MM/` as CSV and Parquet, atomically."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from .catalog import INGEST_COUNTS, MONTH_IN_FOLDER
from .paths import sql_text
from .rate import check_month, rate_month
from .warehouse import Warehouse, write_atomic

EXPORT_TABLES = ("bill_lines", "bill_summary", "pack_balances", "alerts", "focus")

# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = "^[=+\\-@\t\r]"


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {relation})").fetchall()


def _export_view(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The temp view `export_<table>`: the columns its files carry, instants typed as UTC
    (TIMESTAMPTZ: the warehouse keeps naive UTC, and the session time zone is UTC, db.connect)."""
    cols = []
    for name, typ in _columns(con, table):
        if name == "billing_month" and table in MONTH_IN_FOLDER:
            continue
        quoted = f'"{name}"'
        cols.append(f"CAST({quoted} AS TIMESTAMPTZ) AS {quoted}" if typ == "TIMESTAMP" else quoted)
    view = f"export_{table}"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {', '.join(cols)} FROM {table}")
    return view


def _safe_select(con: duckdb.DuckDBPyConnection, view: str) -> str:
    """SELECT over `view` for its CSV: text cells cannot start a spreadsheet formula, and
    instants are written as ISO 8601 UTC."""
    cols = []
    for name, typ in _columns(con, view):
        quoted = f'"{name}"'
        if typ == "VARCHAR":
            cols.append(
                f"CASE WHEN regexp_matches({quoted}, '{_FORMULA_START}') "
                f"THEN '''' || {quoted} ELSE {quoted} END AS {quoted}"
            )
        elif typ == "TIMESTAMP WITH TIME ZONE":
            # as FOCUS 1.2 writes date-times: ISO 8601 in UTC with `Z`, plus the fraction of a
            # second of an instant that has one (a call's timestamp: milliseconds, or
            # microseconds when it came with them); Parquet keeps the typed value
            cols.append(
                f"CASE WHEN epoch_us({quoted}) % 1000000 = 0 THEN strftime({quoted}, '%Y-%m-%dT%H:%M:%SZ')"
                f" WHEN epoch_us({quoted}) % 1000 = 0 THEN strftime({quoted}, '%Y-%m-%dT%H:%M:%S.%gZ')"
                f" ELSE strftime({quoted}, '%Y-%m-%dT%H:%M:%S.%fZ') END AS {quoted}"
            )
        else:
            cols.append(quoted)
    return f"SELECT {', '.join(cols)} FROM {view}"


def spreadsheet_safe(value: Any) -> Any:
    """A cell value that a spreadsheet will not run as a formula (text gets a leading quote)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _json_default(value: Any) -> Any:
    """JSON for the run report: decimals as strings, so money stays exact."""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def run_report(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, Any]:
    """Totals and listed issues of the month's run (spec §3 run report); the ingest counts are
    those of the commit-log snapshot the month was rated from (`ingest_batches`)."""
    sums = con.execute(
        "SELECT " + ", ".join(f"coalesce(sum({key}), 0)::BIGINT" for key in INGEST_COUNTS) + " FROM ingest_batches"
    ).fetchone()
    totals = dict(zip(INGEST_COUNTS, (int(v) for v in sums), strict=True))
    issues: dict[str, list[dict[str, Any]]] = {}
    for kind, key, records, detail in con.execute(sql_text("report_issues")).fetchall():
        issues.setdefault(kind, []).append({"key": key, "records": int(records), "detail": detail})
    lines, amount = con.execute("SELECT count(*), coalesce(sum(amount), 0) FROM bill_lines").fetchone()
    accounts = con.execute("SELECT count(*) FROM bill_summary").fetchone()[0]
    return {
        "billing_month": month,
        "ingest": totals,
        "ingest_reconciles": totals["read"]
        == totals["accepted"] + totals["duplicates"] + totals["quarantined"],
        "bill": {"accounts": accounts, "lines": lines, "total_amount": amount},
        "issues": issues,
    }


def export_month(con: duckdb.DuckDBPyConnection, warehouse: Warehouse, month: str) -> Path:
    """Write the month's tables and run report; the folder is replaced whole or not at all,
    by one writer at a time (two `ocrbill bill` runs may overlap: they share the staging name)."""
    check_month(month)
    exports = warehouse.root / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    with open(exports / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        return _replace_export(con, warehouse, month)


def _replace_export(con: duckdb.DuckDBPyConnection, warehouse: Warehouse, month: str) -> Path:
    """Stage the month's files, then swap the folder in (under the exports lock)."""
    exports = warehouse.root / "exports"
    final = exports / month
    staging = exports / f".staging-{month}"
    old = exports / f".old-{month}"
    if old.exists():  # a crash between the two moves below: the previous export comes back first
        if final.exists():
            shutil.rmtree(old)
        else:
            os.replace(old, final)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        for table in EXPORT_TABLES:
            view = _export_view(con, table)
            con.execute(f"COPY ({_safe_select(con, view)}) TO ? (FORMAT csv, HEADER true)", [str(staging / f"{table}.csv")])
            con.execute(f"COPY (SELECT * FROM {view}) TO ? (FORMAT parquet)", [str(staging / f"{table}.parquet")])
        report = run_report(con, month)
        body = json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True, default=_json_default)
        write_atomic(staging / "run_report.json", (body + "\n").encode("utf-8"))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # a failed export leaves nothing half-written
        raise
    # Swap: the old folder is moved aside first, so a crash leaves either export whole, or the
    # old one aside as `.old-YYYY-MM`, which readers use (catalog.export_month_dirs) and the next
    # bill of the month moves back first.
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)
    return final


@dataclass
class BillResult:
    """What `ocrbill bill` did: where the exports are and the month's totals."""

    month: str
    export_dir: Path
    accounts: int
    lines: int
    total_amount: Decimal
    summary_rows: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "export_dir": str(self.export_dir),
            "accounts": self.accounts,
            "lines": self.lines,
            "total_amount": str(self.total_amount),
        }


def bill_month(warehouse: Path, month: str, progress: Callable[[str], None] | None = None) -> BillResult:
    """Rate `month` from the committed warehouse and export it."""
    wh = Warehouse(warehouse)
    con = rate_month(warehouse, month, progress)
    try:
        if progress:
            progress(f"exporting {month}")
        out = export_month(con, wh, month)
        lines, total = con.execute("SELECT count(*), coalesce(sum(amount), 0) FROM bill_lines").fetchone()
        summary = con.execute("SELECT * FROM bill_summary ORDER BY total_amount DESC, owner_uin").fetchall()
        names = [d[0] for d in con.description]
        rows = [{k: str(v) for k, v in zip(names, row, strict=True)} for row in summary]
    finally:
        con.close()
    return BillResult(month, out, len(rows), lines, Decimal(total), rows)
