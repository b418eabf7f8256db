"""Arrears and suspension (R23, R24): the balance ledger and when an account is stopped.

Month M's postpaid usage settles at 00:00 (UTC+8) on day 1 of M+1. An account with top-ups has a
balance: top-ups − pack and QPS charges + approved refunds − settled bills. Negative right after a
settlement → suspended from settlement + 24 h until the first top-up that brings it back to ≥ 0.
While suspended its calls are not billed, so a month's bill depends on the settlements before it:
months are settled in order, each rated with the suspensions known so far. The walk is over
ledger movements (a few per account and month), never over calls.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import duckdb
import pyarrow as pa

from .paths import sql_text

SETTLEMENT_GRACE = timedelta(hours=24)

SUSPENSIONS_SCHEMA = pa.schema(
    [
        ("owner_uin", pa.string()),
        ("reason", pa.string()),
        ("suspended_from", pa.timestamp("us")),
        ("suspended_until", pa.timestamp("us")),
    ]
)
SETTLEMENTS_SCHEMA = pa.schema(
    [
        ("owner_uin", pa.string()),
        ("billing_month", pa.string()),
        ("settled_at", pa.timestamp("us")),
        ("amount", pa.decimal128(18, 2)),
    ]
)


def _replace_table(con: duckdb.DuckDBPyConnection, name: str, rows: list[dict], schema: pa.Schema) -> None:
    """Create table `name` from dict rows with an explicit schema (typed even when empty)."""
    con.register("_rows", pa.Table.from_pylist(rows, schema=schema))
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _rows")
    con.unregister("_rows")


def arrears_intervals(ledger: list[tuple[str, datetime, Decimal, str]]) -> list[dict]:
    """Suspensions for arrears from ledger rows (owner, at, amount, kind), any order.

    Within one instant, movements apply before a settlement of the same instant is judged.
    """
    by_owner: dict[str, list] = defaultdict(list)
    for owner, at, amount, kind in ledger:
        by_owner[owner].append((at, kind == "settlement", amount, kind))
    out = []
    for owner in sorted(by_owner):
        balance = Decimal(0)
        start: datetime | None = None  # suspension (pending or running) starts here
        for at, _is_settlement, amount, kind in sorted(by_owner[owner]):
            balance += amount
            if kind == "settlement" and balance < 0 and start is None:
                start = at + SETTLEMENT_GRACE
            elif kind == "top_up" and start is not None and balance >= 0:
                if at > start:  # restored before the 24 h passed: never stopped
                    out.append({"owner_uin": owner, "reason": "arrears", "suspended_from": start, "suspended_until": at})
                start = None
        if start is not None:
            out.append({"owner_uin": owner, "reason": "arrears", "suspended_from": start, "suspended_until": None})
    return out


def _violations(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Suspensions for violations, as the events say (R24)."""
    rows = con.execute(
        "SELECT owner_uin, from_ts, to_ts FROM events WHERE event_type = 'suspension' ORDER BY owner_uin, from_ts"
    ).fetchall()
    return [{"owner_uin": o, "reason": "violation", "suspended_from": f, "suspended_until": t} for o, f, t in rows]


def _months_between(first: str, last: str) -> list[str]:
    """YYYY-MM months from `first` to `last` inclusive."""
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


def settle_history(
    con: duckdb.DuckDBPyConnection, month: str, build_models: Callable[[str], None]
) -> None:
    """Create `int_suspensions` and `int_settlements` as they stand when `month` is rated.

    For accounts with top-ups, every earlier month (from their first call or event) is rated in
    order with `build_models` and its usage settled; other accounts never enter arrears.
    """
    violations = _violations(con)
    _replace_table(con, "int_settlements", [], SETTLEMENTS_SCHEMA)
    _replace_table(con, "int_suspensions", violations, SUSPENSIONS_SCHEMA)
    first = con.execute(
        """
        WITH tracked AS (SELECT DISTINCT owner_uin FROM events WHERE event_type = 'top_up')
        SELECT least(
            (SELECT min(billing_month) FROM calls WHERE owner_uin IN (SELECT owner_uin FROM tracked)),
            (SELECT strftime(min("at") + INTERVAL 8 HOUR, '%Y-%m') FROM events
             WHERE event_type = 'top_up')
        )
        """
    ).fetchone()[0]
    if first is None or first >= month:
        return
    settlements: list[dict] = []
    for past in _months_between(first, _previous_month(month)):
        build_models(past)
        rows = con.execute(
            """
            SELECT lines.owner_uin, params.billing_month, params.month_end, sum(lines.amount)
            FROM bill_lines AS lines, stg_run_params AS params
            WHERE lines.charge_type = 'usage'
              AND lines.owner_uin IN (SELECT owner_uin FROM events WHERE event_type = 'top_up')
            GROUP BY ALL
            """
        ).fetchall()
        settlements += [
            {"owner_uin": o, "billing_month": m, "settled_at": at, "amount": amount} for o, m, at, amount in rows
        ]
        _replace_table(con, "int_settlements", settlements, SETTLEMENTS_SCHEMA)
        con.execute(f"CREATE OR REPLACE TABLE int_balance_ledger AS {sql_text('int_balance_ledger')}")
        ledger = con.execute("SELECT owner_uin, \"at\", amount, kind FROM int_balance_ledger").fetchall()
        _replace_table(con, "int_suspensions", violations + arrears_intervals(ledger), SUSPENSIONS_SCHEMA)
