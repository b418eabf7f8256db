"""QPS add-on packs (R21): price every `qps_purchase` event and check it against the class cap.

Builds table `int_qps_orders`, one row per qps_purchase event (every month: a cap check needs
the orders before the rated month too), with status `accepted` or `rejected` and the reason.

- class: the action's `qps_class` in `ref_interfaces` as of the purchase date; none → rejected.
- unit price: `ref_qps_prices` row of that class whose [qps_from, qps_to) holds the order's qps,
  per QPS per day (`day`) or per QPS per month (`month`), from the latest valid_from on or
  before the purchase date (Asia/Shanghai calendar date of purchased_at).
- quantity: days (end_date − start_date + 1) or calendar months from start_date's month to
  end_date's month, inclusive; amount = unit_price × qps × quantity (accepted orders only).
- cap: orders are judged in (purchased_at, order_id) order; on every day of the order, the QPS
  of the already accepted orders of the same (owner_uin, action) plus this order's qps may not
  exceed the class cap (`ref_qps_classes`, as of the purchase date). An order that would
  exceed it on any day is rejected whole and does not count for later orders.

Orders are few (account events), so this is a Python loop; money stays `Decimal`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import duckdb
import pyarrow as pa

TABLE = "int_qps_orders"

# R1: the billing time zone is Asia/Shanghai, UTC+8 without DST since 1991.
_UTC_OFFSET = timedelta(hours=8)

SCHEMA = pa.schema([
    ("order_id", pa.string()),
    ("owner_uin", pa.string()),
    ("action", pa.string()),
    ("qps_class", pa.string()),
    ("qps", pa.int32()),
    ("period", pa.string()),
    ("start_date", pa.date32()),
    ("end_date", pa.date32()),
    ("purchased_at", pa.timestamp("us")),
    ("billing_month", pa.string()),
    ("quantity", pa.int64()),
    ("unit_price", pa.decimal128(18, 2)),
    ("amount", pa.decimal128(18, 2)),
    ("status", pa.string()),
    ("reason", pa.string()),
])


@dataclass
class Order:
    """One qps_purchase event and what R21 decides about it."""

    order_id: str
    owner_uin: str
    action: str
    qps: int | None
    period: str | None
    start_date: date | None
    end_date: date | None
    purchased_at: datetime | None
    qps_class: str | None = None
    quantity: int | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    status: str = "accepted"
    reason: str | None = None

    def row(self) -> tuple:
        """The order as a row of SCHEMA."""
        month = local_date(self.purchased_at).strftime("%Y-%m") if self.purchased_at else None
        return (
            self.order_id, self.owner_uin, self.action, self.qps_class, self.qps, self.period,
            self.start_date, self.end_date, self.purchased_at, month, self.quantity,
            self.unit_price, self.amount, self.status, self.reason,
        )


# Versioned reference rows: key → [(valid_from, value)] sorted by valid_from.
Versions = dict[object, list[tuple[date, object]]]


def local_date(utc: datetime) -> date:
    """The Asia/Shanghai calendar date of a naive UTC timestamp (R1)."""
    return (utc + _UTC_OFFSET).date()


def as_of(versions: list[tuple[date, object]], on: date) -> object | None:
    """The value of the latest version with valid_from on or before `on`, else None."""
    current = None
    for valid_from, value in versions:
        if valid_from <= on:
            current = value
    return current


def quantity(period: str, start: date, end: date) -> int:
    """Days (`day`) or calendar months touched (`month`) from start to end, both inclusive."""
    if period == "day":
        return (end - start).days + 1
    return (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1


def tier_price(tiers: list[tuple[int, int | None, Decimal, Decimal]], qps: int, period: str) -> Decimal | None:
    """The unit price of the tier [qps_from, qps_to) holding `qps`; None when no tier has it."""
    for qps_from, qps_to, per_day, per_month in tiers:
        if qps_from <= qps and (qps_to is None or qps < qps_to):
            return per_day if period == "day" else per_month
    return None


def load_classes(con: duckdb.DuckDBPyConnection) -> Versions:
    """action → [(valid_from, qps_class or None)] from ref_interfaces."""
    out: Versions = defaultdict(list)
    # An action can appear on several interface rows of one version; the reference check makes
    # them agree on the class, so DISTINCT leaves one row per (action, valid_from).
    for action, valid_from, qps_class in con.execute(
        "SELECT DISTINCT action, valid_from, nullif(trim(qps_class), '') FROM ref_interfaces "
        "WHERE action IS NOT NULL ORDER BY action, valid_from"
    ).fetchall():
        out[action].append((valid_from or date.min, qps_class))
    return out


def load_prices(con: duckdb.DuckDBPyConnection) -> Versions:
    """qps_class → [(valid_from, [(qps_from, qps_to, per_day, per_month)])] from ref_qps_prices."""
    grouped: dict[tuple[str, date], list[tuple]] = defaultdict(list)
    for qps_class, valid_from, qps_from, qps_to, per_day, per_month in con.execute(
        "SELECT qps_class, valid_from, qps_from, qps_to, price_per_day, price_per_month "
        "FROM ref_qps_prices ORDER BY qps_class, valid_from, qps_from"
    ).fetchall():
        grouped[(qps_class, valid_from or date.min)].append((qps_from, qps_to, per_day, per_month))
    out: Versions = defaultdict(list)
    for (qps_class, valid_from), tiers in sorted(grouped.items()):
        out[qps_class].append((valid_from, tiers))
    return out


def load_caps(con: duckdb.DuckDBPyConnection) -> Versions:
    """qps_class → [(valid_from, cap)] from ref_qps_classes."""
    out: Versions = defaultdict(list)
    for qps_class, valid_from, cap in con.execute(
        "SELECT qps_class, valid_from, cap FROM ref_qps_classes ORDER BY qps_class, valid_from"
    ).fetchall():
        out[qps_class].append((valid_from or date.min, cap))
    return out


def load_orders(con: duckdb.DuckDBPyConnection) -> list[Order]:
    """Every qps_purchase event, in the order R21 judges them: purchased_at, then order_id."""
    rows = con.execute(
        "SELECT order_id, owner_uin, action, qps, period, start_date, end_date, purchased_at "
        "FROM events WHERE event_type = 'qps_purchase' "
        "ORDER BY purchased_at NULLS LAST, order_id"
    ).fetchall()
    return [Order(*row) for row in rows]


def shape_problem(order: Order) -> str | None:
    """Why the order cannot be judged at all (events.py already rejects these; kept as a guard)."""
    for name in ("order_id", "owner_uin", "action", "qps", "period", "start_date", "end_date", "purchased_at"):
        if getattr(order, name) is None:
            return f"missing_field: {name}"
    if order.period not in ("day", "month"):
        return f"bad_period: {order.period!r}"
    if order.qps <= 0:
        return f"bad_qps: {order.qps}"
    if order.end_date < order.start_date:
        return "end_before_start"
    return None


def cap_problem(order: Order, accepted: list[Order], cap: int) -> str | None:
    """The first day the order would take the pair's QPS above `cap`, as a reason; else None."""
    overlapping = [a for a in accepted if a.start_date <= order.end_date and a.end_date >= order.start_date]
    # The load only rises where an order starts, so the first day over the cap is the order's
    # own first day or the first day of an overlapping accepted order inside its range.
    days = sorted({order.start_date} | {a.start_date for a in overlapping if a.start_date > order.start_date})
    for day in days:
        load = order.qps + sum(a.qps for a in overlapping if a.start_date <= day <= a.end_date)
        if load > cap:
            return f"cap_exceeded: {day.isoformat()} would reach {load} > {cap} (class {order.qps_class})"
    return None


def judge(orders: list[Order], classes: Versions, prices: Versions, caps: Versions) -> list[Order]:
    """Price each order and accept or reject it against the caps, in the given order (R21)."""
    accepted: dict[tuple[str, str], list[Order]] = defaultdict(list)
    for order in orders:
        reason = shape_problem(order)
        if reason is None:
            on = local_date(order.purchased_at)  # reference versions apply by the purchase date
            order.qps_class = as_of(classes.get(order.action, []), on)
            order.quantity = quantity(order.period, order.start_date, order.end_date)
            if order.qps_class is None:
                reason = "no_qps_class"
            else:
                tiers = as_of(prices.get(order.qps_class, []), on)
                order.unit_price = tier_price(tiers, order.qps, order.period) if tiers else None
                cap = as_of(caps.get(order.qps_class, []), on)
                if order.unit_price is None:
                    reason = f"no_qps_price: class {order.qps_class}, qps {order.qps}, {on.isoformat()}"
                elif cap is None:
                    reason = f"no_qps_cap: class {order.qps_class}, {on.isoformat()}"
                else:
                    reason = cap_problem(order, accepted[(order.owner_uin, order.action)], cap)
        if reason is None:
            order.amount = order.unit_price * order.qps * order.quantity
            accepted[(order.owner_uin, order.action)].append(order)
        else:
            # A rejected order is not charged: amount stays NULL so no bill line can pick it up.
            order.status, order.reason = "rejected", reason
    return orders


def build_qps_orders(con: duckdb.DuckDBPyConnection) -> None:
    """Create table `int_qps_orders` from the `events` qps_purchase rows and the ref_* tables."""
    orders = judge(load_orders(con), load_classes(con), load_prices(con), load_caps(con))
    rows = sorted((o.row() for o in orders), key=lambda r: (r[0] is None, r[0] or ""))
    arrow = pa.Table.from_pylist([dict(zip(SCHEMA.names, r, strict=True)) for r in rows], schema=SCHEMA)
    con.register("_qps_rows", arrow)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {TABLE} AS SELECT * FROM _qps_rows ORDER BY order_id")
    finally:
        con.unregister("_qps_rows")
