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
    """Suspensions for violations, as the events say (R24; `sql/suspensions.sql`)."""
    rows = con.execute("SELECT owner_uin, from_ts, to_ts FROM suspensions ORDER BY owner_uin, from_ts").fetchall()
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


# Building a month decides its refunds (R20), and an approved refund raises the balance (R23), so
# it can end a suspension at a later top-up, which lets later calls draw, which can deny a later
# refund. A refund only moves suspensions after its own request, and its decision depends only
# on draws before it, so rebuilding until the suspensions stop moving settles at least one more
# refund each pass; a month with more refunds in such a chain than this is an error.
_MAX_PASSES = 8


class ArrearsError(RuntimeError):
    """The suspensions of a month did not settle (see _MAX_PASSES)."""


def _within(suspensions: list[dict], month_end: datetime) -> list[tuple]:
    """The suspensions as they act on the calls before `month_end`, comparable."""
    return sorted(
        (s["owner_uin"], s["reason"], s["suspended_from"],
         month_end if s["suspended_until"] is None else min(s["suspended_until"], month_end))
        for s in suspensions
        if s["suspended_from"] < month_end
    )  # fmt: skip


def _suspensions_now(con: duckdb.DuckDBPyConnection, violations: list[dict]) -> list[dict]:
    """`int_suspensions` from the violations and the current `int_balance_ledger`; returned."""
    ledger = con.execute('SELECT owner_uin, "at", amount, kind FROM int_balance_ledger').fetchall()
    suspensions = violations + arrears_intervals(ledger)
    _replace_table(con, "int_suspensions", suspensions, SUSPENSIONS_SCHEMA)
    return suspensions


def _build_settled(
    con: duckdb.DuckDBPyConnection,
    month: str,
    build_models: Callable[[str], None],
    violations: list[dict],
    suspensions: list[dict],
) -> None:
    """Build `month` with `suspensions`, again while the month's own refund decisions move them;
    leaves the suspensions its ledger gives in `int_suspensions`."""
    for _ in range(_MAX_PASSES):
        build_models(month)
        month_end = con.execute("SELECT month_end FROM stg_run_params").fetchone()[0]
        found = _suspensions_now(con, violations)
        if _within(found, month_end) == _within(suspensions, month_end):
            return
        suspensions = found
    raise ArrearsError(f"{month}: the arrears suspensions still move after {_MAX_PASSES} builds")


def build_in_order(
    con: duckdb.DuckDBPyConnection, month: str, build_models: Callable[[str], None]
) -> None:
    """Build `month` with `int_suspensions` and `int_settlements` as they stand then.

    For accounts with top-ups, every earlier month (from their first call, top-up or purchase)
    is built in order with `build_models` and settled: every such account's bill, 0.00 when it
    had no usage, settles on day 1 of the next month (R23). Other accounts never enter arrears.
    """
    violations = _violations(con)
    _replace_table(con, "int_settlements", [], SETTLEMENTS_SCHEMA)
    _replace_table(con, "int_suspensions", violations, SUSPENSIONS_SCHEMA)
    # From the first month in which a tracked account's balance can move (a call, a top-up, a
    # pack or QPS charge): an account settled before any of its own movements settles 0.00 on a
    # zero balance, so one start for all gives each account the bill it has alone.
    first = con.execute(
        """
        WITH tracked AS (SELECT DISTINCT owner_uin FROM events WHERE event_type = 'top_up')
        SELECT least(
            (SELECT min(billing_month) FROM calls WHERE owner_uin IN (SELECT owner_uin FROM tracked)),
            (SELECT strftime(min(coalesce("at", purchased_at)) + INTERVAL 8 HOUR, '%Y-%m') FROM events
             WHERE event_type IN ('top_up', 'pack_purchase', 'qps_purchase')
               AND owner_uin IN (SELECT owner_uin FROM tracked))
        )
        """
    ).fetchone()[0]
    settlements: list[dict] = []
    suspensions = violations
    for past in _months_between(first, _previous_month(month)) if first is not None else []:
        _build_settled(con, past, build_models, violations, suspensions)
        rows = con.execute(
            """
            WITH tracked AS (SELECT DISTINCT owner_uin FROM events WHERE event_type = 'top_up')
            SELECT tracked.owner_uin, params.billing_month, params.month_end,
                   coalesce(sum(lines.amount), 0)
            FROM tracked
            CROSS JOIN stg_run_params AS params
            LEFT JOIN bill_lines AS lines
                ON lines.owner_uin = tracked.owner_uin AND lines.charge_type = 'usage'
            GROUP BY ALL
            ORDER BY tracked.owner_uin
            """
        ).fetchall()
        settlements += [
            {"owner_uin": o, "billing_month": m, "settled_at": at, "amount": amount} for o, m, at, amount in rows
        ]
        _replace_table(con, "int_settlements", settlements, SETTLEMENTS_SCHEMA)
        con.execute(f"CREATE OR REPLACE TABLE int_balance_ledger AS {sql_text('int_balance_ledger')}")
        suspensions = _suspensions_now(con, violations)
    _build_settled(con, month, build_models, violations, suspensions)
