"""Helpers for rating tests: an in-memory warehouse, rows in, bill tables out."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import duckdb

from ocrbill.catalog import CALLS_COLUMNS, TABLES, derived_views, files_view
from ocrbill.db import connect
from ocrbill.events import EVENTS_COLUMNS
from ocrbill.rate import build_month
from ocrbill.reference import load_reference

CST = timezone(timedelta(hours=8))


def utc_naive(value: datetime) -> datetime:
    """A naive-UTC datetime, as the warehouse stores it."""
    if value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def new_con() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the real reference tables and empty warehouse tables."""
    con = connect()
    load_reference(con)
    for name, (columns, _hive) in TABLES.items():
        files_view(con, f"_empty_{name}", [], columns, hive=False)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _empty_{name}")
    derived_views(con)
    return con


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str], rows: list[dict[str, Any]]) -> None:
    """Insert dict rows; missing columns are NULL, datetimes become naive UTC."""
    if not rows:
        return
    names = list(columns)
    values = [[utc_naive(r[n]) if isinstance(r.get(n), datetime) else r.get(n) for n in names] for r in rows]
    marks = ", ".join("?" for _ in names)
    con.executemany(f'INSERT INTO {table} ({", ".join(f"{chr(34)}{n}{chr(34)}" for n in names)}) VALUES ({marks})', values)


def add_calls(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    """Insert calls: request_id, ts (datetime), owner_uin, action; optional site, error_code, …"""
    full = []
    for r in rows:
        ts = utc_naive(r["ts"])
        full.append(
            {
                "site": "domestic",
                "region": "ap-guangzhou" if r.get("site", "domestic") == "domestic" else "ap-singapore",
                "uin": r["owner_uin"],
                **r,
                "ts_utc": ts,
                "billing_month": (ts + timedelta(hours=8)).strftime("%Y-%m"),
            }
        )
    _insert(con, "calls", CALLS_COLUMNS, full)


def add_bulk_calls(con: duckdb.DuckDBPyConnection, *, prefix: str, count: int, owner: str, action: str, start: datetime, step_seconds: float = 1.0, site: str = "domestic") -> None:
    """Insert `count` successful calls fast (SQL range), `step_seconds` apart from `start`."""
    con.execute(
        """
        INSERT INTO calls (request_id, ts_utc, billing_month, owner_uin, uin, action, region, site)
        SELECT ? || lpad(i::varchar, 9, '0'), ts, strftime(ts + INTERVAL 8 HOUR, '%Y-%m'), ?, ?, ?,
               CASE WHEN ? = 'domestic' THEN 'ap-guangzhou' ELSE 'ap-singapore' END, ?
        FROM (SELECT i, ?::TIMESTAMP + to_microseconds(CAST(i * ? * 1000000 AS BIGINT)) AS ts FROM range(?) t(i))
        """,
        [prefix, owner, owner, action, site, site, utc_naive(start), step_seconds, count],
    )


def add_events(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    """Insert account events (already normalised, as `events.py` stores them)."""
    full = []
    for r in rows:
        row = dict(r)
        row.setdefault("event_key", row.get("pack_id") or row.get("order_id") or f"k{len(full)}")
        if row["event_type"] == "pack_purchase":
            row.setdefault("effective_at", row["purchased_at"])
            eff = row["effective_at"]
            row.setdefault("expires_at", eff.replace(year=eff.year + 1))
        full.append(row)
    _insert(con, "events", EVENTS_COLUMNS, full)


def bill(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, list[dict[str, Any]]]:
    """Build `month` and return its bill lines, summary, pack balances and alerts as dict rows."""
    build_month(con, month)
    out = {}
    for table in ("bill_lines", "bill_summary", "pack_balances", "alerts"):
        rel = con.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in rel.description]
        out[table] = [dict(zip(names, row, strict=True)) for row in rel.fetchall()]
    return out


def usage(result: dict, owner: str, item: str, site: str = "domestic") -> dict[str, Any]:
    """The one usage line of (owner, site, item)."""
    lines = [
        line
        for line in result["bill_lines"]
        if line["charge_type"] == "usage" and line["owner_uin"] == owner and line["billing_item"] == item and line["site"] == site
    ]
    assert len(lines) == 1, f"expected one usage line for {owner} {site} {item}, got {lines}"
    return lines[0]


def total(result: dict, owner: str) -> Decimal:
    """The account's bill total."""
    rows = [r for r in result["bill_summary"] if r["owner_uin"] == owner]
    return rows[0]["total_amount"] if rows else Decimal("0.00")
