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
from .warehouse import Warehouse

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

# The models of one month, in build order; "allocate" is the segment allocator (Python).
MODELS = (
    "stg_run_params",
    "cur_billing_items",
    "cur_price_ladders",
    "int_call_units",
    "int_free_packs",
    "int_free_draws",
    "int_paid_packs",
    "int_paid_demand",
    "int_paid_segments",
    "allocate",
    "int_pack_draws",
    "int_call_rating",
    "int_usage",
    "bill_lines",
    "bill_summary",
    "pack_balances",
    "focus",
)


class RatingError(RuntimeError):
    """A month that cannot be rated; the message says which model or audit failed."""


def check_month(month: str) -> str:
    """`month` if it is a YYYY-MM month, else a clear error (it also names export folders)."""
    if not MONTH_RE.match(month or ""):
        raise RatingError(f"month must look like YYYY-MM, got {month!r}")
    return month


def allocate_segments(segments: Iterable[tuple], packs: Iterable[tuple]) -> list[tuple]:
    """Spread each segment's units over the packs usable in it, in R8 order.

    `segments`: (owner, item, seg_start, units) sorted by seg_start within a pair.
    `packs`: (owner, item, pack_id, size, effective_at, serves_until).
    Returns (owner, item, seg_start, pack_id, alloc_from, alloc_to): the pack takes units
    [alloc_from, alloc_to) of the segment's running total. Loops over segments, not calls.
    """
    by_pair: dict[tuple, list[list]] = defaultdict(list)
    for owner, item, pack_id, size, effective_at, serves_until in packs:
        by_pair[(owner, item)].append([effective_at, pack_id, serves_until, size])
    for pair_packs in by_pair.values():
        pair_packs.sort(key=lambda p: (p[0], p[1]))  # R8: effective_at, then pack_id
    out = []
    for owner, item, seg_start, units in segments:
        taken = 0
        for pack in by_pair[(owner, item)]:
            effective_at, pack_id, serves_until, remaining = pack
            if taken == units:
                break
            if effective_at <= seg_start < serves_until and remaining > 0:
                take = min(remaining, units - taken)
                out.append((owner, item, seg_start, pack_id, taken, taken + take))
                pack[3] -= take
                taken += take
    return out


def _run_allocator(con: duckdb.DuckDBPyConnection) -> None:
    """Build `int_paid_allocations` from `int_paid_segments` and `int_paid_packs`."""
    segments = con.execute(
        "SELECT owner_uin, billing_item, seg_start, seg_units FROM int_paid_segments "
        "ORDER BY owner_uin, billing_item, seg_start"
    ).fetchall()
    packs = con.execute(
        "SELECT owner_uin, billing_item, pack_id, size, effective_at, serves_until FROM int_paid_packs"
    ).fetchall()
    rows = allocate_segments(segments, packs)
    names = ["owner_uin", "billing_item", "seg_start", "pack_id", "alloc_from", "alloc_to"]
    table = pa.Table.from_pylist(
        [dict(zip(names, r, strict=True)) for r in rows],
        schema=pa.schema(
            [
                ("owner_uin", pa.string()),
                ("billing_item", pa.string()),
                ("seg_start", pa.timestamp("us")),
                ("pack_id", pa.string()),
                ("alloc_from", pa.int64()),
                ("alloc_to", pa.int64()),
            ]
        ),
    )
    con.register("_allocations", table)
    con.execute("CREATE OR REPLACE TABLE int_paid_allocations AS SELECT * FROM _allocations")
    con.unregister("_allocations")


def run_audits(con: duckdb.DuckDBPyConnection) -> None:
    """Run every `sql/audit_*.sql`; each returns the bad rows, so any row fails the build."""
    for path in sorted(SQL_DIR.glob("audit_*.sql")):
        bad = con.execute(path.read_text(encoding="utf-8")).fetchmany(5)
        if bad:
            raise RatingError(f"audit {path.stem} failed, e.g. {bad}")


def build_month(
    con: duckdb.DuckDBPyConnection,
    month: str,
    progress: Callable[[str], None] | None = None,
) -> None:
    """Build every model of `month` as a table in `con` (after `attach_warehouse`)."""
    check_month(month)
    for model in MODELS:
        if progress:
            progress(f"building {model}")
        if model == "allocate":
            _run_allocator(con)
            continue
        params = {"month": month} if model == "stg_run_params" else None
        try:
            con.execute(f"CREATE OR REPLACE TABLE {model} AS {sql_text(model)}", params)
        except duckdb.Error as exc:
            raise RatingError(f"model {model} failed: {exc}") from exc
    run_audits(con)


def rate_month(warehouse: Path, month: str, progress: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse and build `month`; returns the connection holding the tables."""
    wh = Warehouse(warehouse)
    con = connect(temp_dir=wh.root / "_tmp" / "duckdb")
    attach_warehouse(con, wh)
    build_month(con, month, progress)
    return con
