"""Rating: build one month's bill tables from the warehouse with the SQL models in `sql/`."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from .db import connect
from .catalog import attach_warehouse
from .paths import SQL_DIR, sql_text
from .reference import check_reference
from .arrears import build_in_order
from .qps import build_qps_orders
from .warehouse import Warehouse

MONTH_RE = re.compile(r"\d{4}-(0[1-9]|1[0-2])", re.ASCII)  # fullmatch: no trailing newline

# The models of one month, in build order; "allocate" (segment allocator, R8/R20) and "qps"
# (R21 cap check) are small Python steps over packs and orders, never over calls.
MODELS = (
    "stg_run_params",
    "cur_price_ladders",
    "int_call_units",
    "int_unit_days",
    "int_free_packs",
    "int_paid_packs",
    "int_refund_requests",
    "int_time_edges",
    "int_unit_parts",
    "int_free_draws",
    "int_paid_demand",
    "int_paid_segments",
    "allocate",
    "int_paid_draws",
    "qps",
    "int_packs",
    "int_balance_ledger",
    "int_pack_draws",
    "int_pack_usage",
    "int_postpaid_off_parts",
    "int_usage",
    "bill_lines",
    "bill_summary",
    "pack_balances",
    "alerts",
    "focus",
)

# Models built as views, not tables: a union of two tables that its readers (int_pack_usage,
# alerts) filter or sum right away, so a copy of it would only cost a write.
VIEW_MODELS = frozenset({"int_pack_draws"})


class RatingError(RuntimeError):
    """A month that cannot be rated; the message says which model or audit failed."""


def check_month(month: str) -> str:
    """`month` if it is a YYYY-MM month, else a clear error (it also names export folders)."""
    if not MONTH_RE.fullmatch(month or ""):
        raise RatingError(f"month must look like YYYY-MM, got {month!r}")
    return month


def allocate_segments(
    segments: Iterable[tuple], packs: Iterable[tuple], refunds: Iterable[tuple] = ()
) -> tuple[list[tuple], list[tuple]]:
    """Spread each segment's units over the packs usable in it, in R8 order; decide refunds (R20).

    `segments`: (owner, item, seg_start, units), one per segment with demand.
    `packs`: (owner, item, pack_id, size, effective_at, serves_until).
    `refunds`: (owner, item, pack_id, requested_at, denied_reason, request_key) where
    denied_reason is the usage-free check's verdict (None = may be approved).
    Returns the allocations (owner, item, seg_start, pack_id, alloc_from, alloc_to): the pack
    takes units [alloc_from, alloc_to) of the segment's running total; and the refund decisions
    (request_key, pack_id, status, reason): a pack's requests in time order, the first that
    passes is approved, later ones are `already_refunded`. Loops over segments and refunds,
    never over calls.
    """
    by_pair: dict[tuple, list[dict]] = defaultdict(list)
    for owner, item, pack_id, size, effective_at, serves_until in packs:
        by_pair[(owner, item)].append(
            {"effective_at": effective_at, "pack_id": pack_id, "until": serves_until, "size": size, "left": size}
        )
    for pair_packs in by_pair.values():
        pair_packs.sort(key=lambda p: (p["effective_at"], p["pack_id"]))  # R8 order
    # Refunds are decided at their instant, before the segment that starts then is drawn:
    # a call at exactly requested_at is not "before" it, and the pack no longer serves it.
    timeline: list[tuple] = [
        (ts, 0, owner, item, key, (pack_id, reason)) for owner, item, pack_id, ts, reason, key in refunds
    ]
    timeline += [(seg_start, 1, owner, item, "", units) for owner, item, seg_start, units in segments]
    timeline.sort(key=lambda e: (e[2], e[3], e[0], e[1], e[4]))  # owner, item, instant, kind, key
    allocations, decisions = [], []
    refunded: set[str] = set()
    for ts, kind, owner, item, key, payload in timeline:
        pair_packs = by_pair[(owner, item)]
        if kind == 0:
            pack_id, reason = payload
            pack = next(p for p in pair_packs if p["pack_id"] == pack_id)
            if reason is None and pack_id in refunded:
                reason = "already_refunded"
            elif reason is None and pack["left"] < pack["size"]:
                reason = "units_drawn"
            if reason is None:
                pack["until"] = min(pack["until"], ts)
                refunded.add(pack_id)
            decisions.append((key, pack_id, "denied" if reason else "approved", reason))
            continue
        units, taken = payload, 0
        for pack in pair_packs:
            if taken == units:
                break
            if pack["effective_at"] <= ts < pack["until"] and pack["left"] > 0:
                take = min(pack["left"], units - taken)
                allocations.append((owner, item, ts, pack["pack_id"], taken, taken + take))
                pack["left"] -= take
                taken += take
    return allocations, decisions


def _table(con: duckdb.DuckDBPyConnection, name: str, rows: list[tuple], schema: pa.Schema) -> None:
    """Create table `name` from Python rows with an explicit Arrow schema."""
    arrow = pa.Table.from_pylist([dict(zip(schema.names, r, strict=True)) for r in rows], schema=schema)
    con.register("_rows", arrow)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _rows")
    con.unregister("_rows")


def _run_allocator(con: duckdb.DuckDBPyConnection) -> None:
    """Build `int_paid_allocations` and `int_refund_decisions` from the segments and packs."""
    segments = con.execute(
        "SELECT owner_uin, billing_item, seg_start, seg_units FROM int_paid_segments"
    ).fetchall()
    packs = con.execute(
        "SELECT owner_uin, billing_item, pack_id, size, effective_at, serves_until FROM int_paid_packs"
    ).fetchall()
    refunds = con.execute(
        "SELECT owner_uin, billing_item, pack_id, requested_at, denied_before_usage, event_key FROM int_refund_requests"
    ).fetchall()
    allocations, decisions = allocate_segments(segments, packs, refunds)
    _table(con, "int_paid_allocations", allocations, pa.schema([
        ("owner_uin", pa.string()), ("billing_item", pa.string()), ("seg_start", pa.timestamp("us")),
        ("pack_id", pa.string()), ("alloc_from", pa.int64()), ("alloc_to", pa.int64()),
    ]))
    _table(con, "int_refund_decisions", decisions, pa.schema([
        ("event_key", pa.string()), ("pack_id", pa.string()), ("status", pa.string()), ("reason", pa.string()),
    ]))


def run_audits(con: duckdb.DuckDBPyConnection) -> None:
    """Run every `sql/audit_*.sql`; each returns the bad rows, so any row fails the build."""
    for path in sorted(SQL_DIR.glob("audit_*.sql")):
        bad = con.execute(path.read_text(encoding="utf-8")).fetchmany(5)
        if bad:
            raise RatingError(f"audit {path.stem} failed, e.g. {bad}")


def _build_models(
    con: duckdb.DuckDBPyConnection, month: str, progress: Callable[[str], None] | None = None
) -> None:
    """Build every model of `month` as a table in `con`, in MODELS order."""
    # a session variable, not a bound parameter: stg_run_params reads it, and int_call_units
    # filters the calls on it as a constant, so only the month's partitions are read
    con.execute("SET VARIABLE rated_month = ?", [month])
    for model in MODELS:
        if progress:
            progress(f"{month}: building {model}")
        if model == "allocate":
            _run_allocator(con)
            continue
        if model == "qps":
            build_qps_orders(con)  # R21: int_qps_orders, cap checked in purchase order
            continue
        try:
            kind = "VIEW" if model in VIEW_MODELS else "TABLE"
            con.execute(f"CREATE OR REPLACE {kind} {model} AS {sql_text(model)}")
        except duckdb.Error as exc:
            raise RatingError(f"model {model} failed for {month}: {exc}") from exc


def build_month(
    con: duckdb.DuckDBPyConnection,
    month: str,
    progress: Callable[[str], None] | None = None,
) -> None:
    """Build every model of `month` (after `attach_warehouse`), then run the audits.

    Accounts with a tracked balance (R23) first have their earlier months settled in order,
    because a suspension decided by an earlier settlement changes what this month bills.
    """
    check_month(month)
    build_in_order(con, month, lambda rated: _build_models(con, rated, progress))
    run_audits(con)


def rate_month(warehouse: Path, month: str, progress: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse and build `month`; returns the connection holding the tables."""
    wh = Warehouse(warehouse)
    con = connect(temp_dir=wh.root / "_tmp" / "duckdb")
    attach_warehouse(con, wh)
    problems = check_reference(con)
    if problems:  # a slip in a reviewed table must stop billing, not change bills silently
        raise RatingError("reference tables are inconsistent: " + "; ".join(problems[:5]))
    build_month(con, month, progress)
    return con
