"""R22 balance alerts: `low` below 20% and `exhausted` at 0, only when the pack is the item's
only usable pack; free packs count as packs. On the SQL model `sql/alerts.sql`."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from ratingkit import CST, add_bulk_calls, add_calls, add_events, bill, new_con, utc_naive

from ocrbill.paths import sql_text
from ocrbill.rate import MODELS

ID = "身份证识别"
OCT = datetime(2026, 10, 2, 9, 0, tzinfo=CST)
NOV = datetime(2026, 11, 2, 9, 0, tzinfo=CST)
FREE_OCT = f"free_monthly:u1:{ID}:2026-10"
FREE_NOV = f"free_monthly:u1:{ID}:2026-11"


def new_small_con(free_units: int = 10):
    """A test DB whose monthly free pack of 身份证识别 holds `free_units` units."""
    con = new_con()
    con.execute("UPDATE ref_billing_items SET free_units = ? WHERE billing_item = ?", [free_units, ID])
    return con


def alerts(con, month: str = "2026-10") -> list[tuple]:
    """Build `month` and return its alerts as (pack_id, kind, request_id), in the model's order."""
    bill(con, month)
    if "alerts" not in MODELS:  # not wired into rate.MODELS yet: build it here
        con.execute(f"CREATE OR REPLACE TABLE alerts AS {sql_text('alerts')}")
    rows = con.execute("SELECT billing_month, pack_id, kind, request_id FROM alerts").fetchall()
    assert all(r[0] == month for r in rows)
    keys = [(r[1], r[2]) for r in rows]
    assert len(keys) == len(set(keys)), f"each kind at most once per pack: {rows}"
    return [r[1:] for r in rows]


def image_calls(images: list[int], start=OCT, prefix="r", owner="u1"):
    """One legacy multi-image IDCardOCR call per entry, a minute apart (R4b: recognised images)."""
    return [{"request_id": f"{prefix}{i}", "ts": start + timedelta(minutes=i), "owner_uin": owner,
             "action": "IDCardOCR", "images_total": n, "images_recognized": n}
            for i, n in enumerate(images)]


def paid(pack_id, size, effective_at, expires_at=None, owner="u1"):
    row = {"event_type": "pack_purchase", "pack_id": pack_id, "owner_uin": owner, "billing_item": ID,
           "size": size, "price": Decimal("1"), "purchased_at": effective_at - timedelta(days=1),
           "effective_at": effective_at}
    if expires_at is not None:
        row["expires_at"] = expires_at
    return row


def bulk_id(i: int, prefix: str = "c") -> str:
    return f"{prefix}{i:09d}"


# --- a lone free pack -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("n_calls", "expected"),
    [
        (800, []),                                                    # 200 left = 20%: not low
        (801, [(FREE_OCT, "low", bulk_id(800))]),                     # 199 left: low at call 801
        (999, [(FREE_OCT, "low", bulk_id(800))]),
        (1000, [(FREE_OCT, "exhausted", bulk_id(999)), (FREE_OCT, "low", bulk_id(800))]),
        (1200, [(FREE_OCT, "exhausted", bulk_id(999)), (FREE_OCT, "low", bulk_id(800))]),  # once each
    ],
)
def test_R22_lone_monthly_free_pack_of_1000(n_calls, expected):
    con = new_con()
    add_bulk_calls(con, prefix="c", count=n_calls, owner="u1", action="IDCardOCR", start=OCT)
    assert alerts(con) == expected


@pytest.mark.parametrize(
    ("n_calls", "expected"),
    [
        (8, []),                                                      # 2 of 10 left = 20%: not low
        (9, [(FREE_OCT, "low", bulk_id(8))]),                         # 1 of 10 left
        (10, [(FREE_OCT, "exhausted", bulk_id(9)), (FREE_OCT, "low", bulk_id(8))]),
    ],
)
def test_R22_exact_20_percent_boundary_on_a_tiny_pack(n_calls, expected):
    con = new_small_con(10)
    add_bulk_calls(con, prefix="c", count=n_calls, owner="u1", action="IDCardOCR", start=OCT)
    assert alerts(con) == expected


def test_R22_alert_carries_the_triggering_call():
    con = new_small_con(10)
    add_bulk_calls(con, prefix="c", count=10, owner="u1", action="IDCardOCR", start=OCT)
    alerts(con)
    rows = con.execute(
        "SELECT billing_month, owner_uin, billing_item, pack_id, kind, triggered_at, request_id FROM alerts"
    ).fetchall()
    assert rows == [
        ("2026-10", "u1", ID, FREE_OCT, "exhausted", utc_naive(OCT + timedelta(seconds=9)), bulk_id(9)),
        ("2026-10", "u1", ID, FREE_OCT, "low", utc_naive(OCT + timedelta(seconds=8)), bulk_id(8)),
    ]


# --- calls of several units (R4b images_recognized) ----------------------------------------------

@pytest.mark.parametrize(
    ("images", "expected"),
    [
        ([7, 2, 5], [(FREE_OCT, "exhausted", "r2"), (FREE_OCT, "low", "r1")]),  # 3 → 1 spans the 2
        ([3, 5, 1], [(FREE_OCT, "low", "r2")]),                                 # 2 (=20%) → 1
        ([8, 2], [(FREE_OCT, "exhausted", "r1"), (FREE_OCT, "low", "r1")]),     # 2 → 0: both, same call
        ([10], [(FREE_OCT, "exhausted", "r0"), (FREE_OCT, "low", "r0")]),       # full → 0
        ([7, 9], [(FREE_OCT, "exhausted", "r1"), (FREE_OCT, "low", "r1")]),     # above 20% → 0, rest postpaid
        ([5, 3], []),                                                           # stops at 20%
    ],
)
def test_R22_a_call_of_several_units_crosses_once(images, expected):
    con = new_small_con(10)
    add_calls(con, image_calls(images))
    assert alerts(con) == expected


# --- free + paid: only the item's last usable pack alerts ---------------------------------------

@pytest.mark.parametrize(
    ("paid_from", "expected"),
    [
        # paid pack usable all along: the free pack never alerts, the paid pack does once alone
        (OCT - timedelta(days=1), [("p1", "exhausted", bulk_id(19)), ("p1", "low", bulk_id(18))]),
        # paid pack effective between the free pack's low (call 8) and its last unit (call 9)
        (OCT + timedelta(seconds=8, milliseconds=500),
         [(FREE_OCT, "low", bulk_id(8)), ("p1", "exhausted", bulk_id(19)), ("p1", "low", bulk_id(18))]),
        # effective exactly at call 9's instant: usable then (effective_at <= t)
        (OCT + timedelta(seconds=9),
         [(FREE_OCT, "low", bulk_id(8)), ("p1", "exhausted", bulk_id(19)), ("p1", "low", bulk_id(18))]),
        # paid pack effective only after the free pack ran out
        (OCT + timedelta(seconds=9, milliseconds=500),
         [(FREE_OCT, "exhausted", bulk_id(9)), (FREE_OCT, "low", bulk_id(8)),
          ("p1", "exhausted", bulk_id(19)), ("p1", "low", bulk_id(18))]),
        # paid pack effective after every call: the free pack was alone throughout
        (OCT + timedelta(days=1), [(FREE_OCT, "exhausted", bulk_id(9)), (FREE_OCT, "low", bulk_id(8))]),
    ],
)
def test_R22_free_and_paid_no_alert_while_another_pack_has_units(paid_from, expected):
    con = new_small_con(10)
    add_events(con, [paid("p1", 10, paid_from)])
    add_bulk_calls(con, prefix="c", count=20, owner="u1", action="IDCardOCR", start=OCT)
    assert alerts(con) == expected


@pytest.mark.parametrize(
    ("images", "expected"),
    [
        # call r1 empties the free pack (paid still full then: no free alert), then takes the paid
        # pack 10 → 1: when that unit is drawn the free pack is empty, so the paid pack is alone
        ([9, 10, 1], [("p1", "exhausted", "r2"), ("p1", "low", "r1")]),
        # one call drains both: the free pack had the paid pack behind it; the paid pack was alone
        ([20], [("p1", "exhausted", "r0"), ("p1", "low", "r0")]),
        ([25], [("p1", "exhausted", "r0"), ("p1", "low", "r0")]),
    ],
)
def test_R22_a_call_spanning_two_packs_follows_the_R8_order(images, expected):
    con = new_small_con(10)
    add_events(con, [paid("p1", 10, OCT - timedelta(days=1))])
    add_calls(con, image_calls(images))
    assert alerts(con) == expected


def test_R22_two_paid_packs_the_second_alerts_once_the_first_is_used_up():
    con = new_small_con(10)
    add_events(con, [paid("p1", 10, OCT - timedelta(days=2)), paid("p2", 10, OCT - timedelta(days=1))])
    add_bulk_calls(con, prefix="c", count=30, owner="u1", action="IDCardOCR", start=OCT)
    # free: calls 0-9 (p1, p2 behind it); p1: calls 10-19 (p2 behind it); p2: calls 20-29, alone
    assert alerts(con) == [("p2", "exhausted", bulk_id(29)), ("p2", "low", bulk_id(28))]


def test_R22_packs_of_other_accounts_and_items_do_not_count():
    con = new_small_con(10)
    add_events(con, [paid("q1", 10, OCT - timedelta(days=1), owner="u2"),
                     {**paid("q2", 1000, OCT - timedelta(days=1)), "billing_item": "银行卡识别"}])
    add_bulk_calls(con, prefix="c", count=10, owner="u1", action="IDCardOCR", start=OCT)
    assert alerts(con) == [(FREE_OCT, "exhausted", bulk_id(9)), (FREE_OCT, "low", bulk_id(8))]


# --- a pack becomes alone because the other stopped serving -------------------------------------

LATE = OCT + timedelta(days=3)  # call c000000019 is at LATE


@pytest.mark.parametrize(
    ("p2_expires", "expected"),
    [
        # p2 expired before call 19: p1 is alone with 1 unit left, so call 19 raises both
        (OCT + timedelta(days=2), [("p1", "exhausted", bulk_id(19)), ("p1", "low", bulk_id(19))]),
        (LATE, [("p1", "exhausted", bulk_id(19)), ("p1", "low", bulk_id(19))]),  # expires_at = t
        (LATE + timedelta(microseconds=1), []),                         # still usable at call 19
        (OCT + timedelta(days=30), []),
    ],
)
def test_R22_a_pack_alone_because_the_other_expired(p2_expires, expected):
    con = new_small_con(10)
    start = OCT - timedelta(days=1)
    # p1 comes first in R8 order (same effective_at, pack_id); p2 (100 units) is never drawn
    add_events(con, [paid("p1", 10, start, OCT + timedelta(days=60)), paid("p2", 100, start, p2_expires)])
    add_bulk_calls(con, prefix="c", count=19, owner="u1", action="IDCardOCR", start=OCT)
    add_calls(con, [{"request_id": bulk_id(19), "ts": LATE, "owner_uin": "u1", "action": "IDCardOCR"}])
    # the free pack (calls 0-9) and p1's crossing of 20% (call 18, 1 left) happen while p2 has
    # units: no alert then; `low` is a state, so it is raised when p1 is first drawn alone
    assert alerts(con) == expected


def test_R22_a_pack_alone_because_the_other_was_refunded():
    con = new_small_con(10)
    start = OCT - timedelta(days=1)
    add_events(con, [
        paid("p1", 10, start),
        paid("p2", 100, start),
        {"event_type": "pack_refund", "pack_id": "p2", "owner_uin": "u1",
         "requested_at": OCT + timedelta(days=2), "event_key": "refund-p2"},
    ])
    add_bulk_calls(con, prefix="c", count=19, owner="u1", action="IDCardOCR", start=OCT)
    add_calls(con, [{"request_id": bulk_id(19), "ts": LATE, "owner_uin": "u1", "action": "IDCardOCR"}])
    assert alerts(con) == [("p1", "exhausted", bulk_id(19)), ("p1", "low", bulk_id(19))]


def test_R22_low_when_a_pack_already_below_20_percent_becomes_the_only_one():
    """The helper audit's case: p1 drops to 10% while p2 is usable; p2 expires; p1's next call
    (1 unit, not emptying it) raises `low`, and the last unit `exhausted`."""
    con = new_small_con(0)
    start = OCT - timedelta(days=1)
    add_events(con, [paid("p1", 100, start, OCT + timedelta(days=60)),
                     paid("p2", 100, start + timedelta(hours=1), OCT + timedelta(days=13))])
    add_calls(con, image_calls([90]) + [
        {"request_id": "s1", "ts": OCT + timedelta(days=14), "owner_uin": "u1", "action": "IDCardOCR"},
        {"request_id": "s2", "ts": OCT + timedelta(days=15), "owner_uin": "u1", "action": "IDCardOCR",
         "images_total": 9, "images_recognized": 9},
    ])
    assert alerts(con) == [("p1", "exhausted", "s2"), ("p1", "low", "s1")]


def test_R22_low_in_a_later_month_once_the_other_pack_expired():
    """September: p1 crosses 20% while p2 is usable (no alert). October: the new free pack goes
    first, p2 has expired, so p1's next unit (its last) raises `low` and `exhausted` together."""
    con = new_small_con(10)
    sep = OCT - timedelta(days=31)
    add_events(con, [paid("p1", 10, sep - timedelta(days=1), OCT + timedelta(days=60)),
                     paid("p2", 100, sep - timedelta(days=1), OCT + timedelta(days=5))])
    add_bulk_calls(con, prefix="s", count=19, owner="u1", action="IDCardOCR", start=sep)
    add_bulk_calls(con, prefix="o", count=11, owner="u1", action="IDCardOCR", start=OCT + timedelta(days=6))
    assert alerts(con, "2026-09") == []  # the free pack and p1 were never alone
    assert alerts(con, "2026-10") == [("p1", "exhausted", bulk_id(10, "o")), ("p1", "low", bulk_id(10, "o"))]


# --- months ---------------------------------------------------------------------------------------

def test_R22_only_the_rated_months_alerts_are_listed():
    con = new_small_con(10)
    add_events(con, [paid("p1", 10, OCT - timedelta(days=1))])
    # October: free pack 0-9 (p1 behind it), p1 10-18 → 1 left: low, p1 alone
    add_bulk_calls(con, prefix="o", count=19, owner="u1", action="IDCardOCR", start=OCT)
    # November: a new free pack 0-9 (p1's last unit behind it), then p1 → 0 at call 10, alone
    add_bulk_calls(con, prefix="n", count=11, owner="u1", action="IDCardOCR", start=NOV)
    assert alerts(con, "2026-10") == [("p1", "low", bulk_id(18, "o"))]
    assert alerts(con, "2026-11") == [("p1", "exhausted", bulk_id(10, "n"))]


def test_R22_nothing_without_pack_draws():
    con = new_small_con(10)
    add_bulk_calls(con, prefix="c", count=20, owner="u1", action="IDCardOCR", start=OCT, site="international")
    add_events(con, [paid("p1", 10, NOV)])
    assert alerts(con) == []
