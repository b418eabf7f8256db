"""Edge cases of the fast paths in the rating SQL (R6, R8): the free draw only orders the calls of
the day in which a pack's running total passes its size, and reference versions are joined as
[valid_from, next valid_from) ranges instead of ASOF joins."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from ratingkit import CST, add_calls, bill, new_con, usage

ID = "身份证识别"
GENERAL = "通用印刷体识别"
DAY1 = datetime(2026, 10, 2, 9, 0, tzinfo=CST)


def _calls(n, start, prefix, owner="u1", action="IDCardOCR", step=timedelta(seconds=10), **kw):
    return [
        {"request_id": f"{prefix}{i:06d}", "ts": start + i * step, "owner_uin": owner, "action": action, **kw}
        for i in range(n)
    ]


def _split(line):
    return line["free_units"], line["prepaid_units"], line["postpaid_units"]


def test_R6a_pack_filled_exactly_at_a_day_end_gives_nothing_the_next_days():
    con = new_con()
    add_calls(con, _calls(1000, DAY1, "a"))  # exactly the free 1000 on the first day
    add_calls(con, _calls(7, DAY1 + timedelta(days=1), "b"))
    add_calls(con, _calls(3, DAY1 + timedelta(days=5), "c"))
    line = usage(bill(con, "2026-10"), "u1", ID)
    assert _split(line) == (1000, 0, 10)


def test_R6a_R8_cut_inside_a_day_follows_ts_then_request_id_and_splits_a_multi_image_call():
    con = new_con()
    add_calls(con, _calls(998, DAY1, "a"))  # 998 units on day 1
    day2 = DAY1 + timedelta(days=1)
    # day 2: three calls at the same instant; request_id order is m0 (1 image), m1 (5 images), m2
    add_calls(con, [
        {"request_id": "m2", "ts": day2, "owner_uin": "u1", "action": "IDCardOCR"},
        {"request_id": "m1", "ts": day2, "owner_uin": "u1", "action": "IDCardOCR",
         "images_total": 5, "images_recognized": 5},
        {"request_id": "m0", "ts": day2, "owner_uin": "u1", "action": "IDCardOCR"},
    ])
    add_calls(con, _calls(4, day2 + timedelta(hours=1), "z"))
    rating = bill(con, "2026-10")
    line = usage(rating, "u1", ID)
    # 998 + m0 (1) = 999, m1 takes 1 free and 4 postpaid, m2 and the 4 later calls are postpaid
    assert _split(line) == (1000, 0, 4 + 1 + 4)
    drawn = dict(con.execute(
        "SELECT request_id, free_units FROM int_free_draws WHERE request_id IN ('m0', 'm1', 'm2')"
    ).fetchall())
    assert drawn == {"m0": 1, "m1": 1, "m2": 0}


def test_R6a_pack_under_its_size_needs_no_order_and_is_all_free():
    con = new_con()
    add_calls(con, _calls(400, DAY1, "a", step=timedelta(hours=1)))  # spread over many days
    line = usage(bill(con, "2026-10"), "u1", ID)
    assert _split(line) == (400, 0, 0)
    assert line["amount"] == Decimal("0.00")


def test_R6a_each_owner_and_item_is_cut_on_its_own():
    con = new_con()
    add_calls(con, _calls(1200, DAY1, "a", owner="u1"))
    add_calls(con, _calls(1001, DAY1, "b", owner="u2"))
    add_calls(con, _calls(1000, DAY1, "c", owner="u2", action="GeneralBasicOCR"))
    rating = bill(con, "2026-10")
    assert _split(usage(rating, "u1", ID)) == (1000, 0, 200)
    assert _split(usage(rating, "u2", ID)) == (1000, 0, 1)
    assert _split(usage(rating, "u2", GENERAL)) == (1000, 0, 0)
