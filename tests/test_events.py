"""Account events (spec §1.2) → `events` / `events_rejected` (flows/ocrbill/events.py)."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocrbill import events as ev
from ocrbill.catalog import attach_warehouse
from ocrbill.event_fields import FIELDS, EventError, parse_money, parse_timestamp
from ocrbill.events import EVENTS_COLUMNS, REJECTED_COLUMNS, load_events
from ocrbill.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures" / "events"
REF_DIR = FIXTURES / "reference"

T0 = "2026-10-01T10:00:00+08:00"  # = 2026-10-01 02:00 UTC
T0_UTC = datetime(2026, 10, 1, 2, 0)


# ---------------------------------------------------------------------------------------------
# helpers


def dumps(event: Any) -> str:
    """A JSON line; strings are taken verbatim, Decimals become JSON numbers."""
    if isinstance(event, str):
        return event
    return json.dumps(event, ensure_ascii=False, default=float)


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    """Write events one per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(dumps(x) + "\n" for x in lines)
    path.write_text(text, encoding="utf-8")
    return path


def load(wh: Path, *paths: Path) -> ev.EventsResult:
    return load_events(wh, list(paths), reference_dir=REF_DIR)


def table(wh: Path, name: str = "events") -> list[dict[str, Any]]:
    con = duckdb.connect()
    attach_warehouse(con, Warehouse(wh))
    rel = con.sql(f"SELECT * FROM {name}")
    cols = rel.columns
    order = {c["batch_id"]: i for i, c in enumerate(Warehouse(wh).commits())}  # commit order
    rows = [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]
    return sorted(rows, key=lambda r: (order[r["batch_id"]], r["source_line"]))


def snapshot(wh: Path) -> dict[str, bytes]:
    return {
        p.relative_to(wh).as_posix(): p.read_bytes()
        for p in sorted(wh.rglob("*"))
        if p.is_file() and p.name != "_lock"
    }


def purchase(**over: Any) -> dict[str, Any]:
    base = {
        "type": "pack_purchase",
        "pack_id": "P1",
        "owner_uin": "100001",
        "billing_item": "身份证识别",
        "size": 1000,
        "purchased_at": T0,
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not ...}


def one(tmp_path: Path, event: Any, *, before: list[Any] = ()) -> tuple[ev.EventsResult, list, list]:
    """Load `before` + [event] as one file; return result, accepted rows, rejected rows."""
    wh = tmp_path / "wh"
    res = load(wh, write_jsonl(tmp_path / "in.jsonl", [*before, event]))
    return res, table(wh), table(wh, "events_rejected")


def check_invariant(res: ev.EventsResult) -> None:
    assert res.read == res.accepted + res.duplicates + res.rejected
    assert sum(res.rejected_by_reason.values()) == res.rejected


# ---------------------------------------------------------------------------------------------
# every type accepted, normalised


ACCEPTED = [
    pytest.param(
        purchase(price=84, voucher=4.5, effective_at="2026-10-02T00:00:00Z", expires_at="2027-01-01T00:00:00Z"),
        {
            "event_key": "P1",
            "pack_id": "P1",
            "owner_uin": "100001",
            "billing_item": "身份证识别",
            "size": 1000,
            "price": Decimal("84.00"),
            "voucher": Decimal("4.50"),
            "purchased_at": T0_UTC,
            "effective_at": datetime(2026, 10, 2),
            "expires_at": datetime(2027, 1, 1),
        },
        id="pack_purchase",
    ),
    pytest.param(
        {"type": "postpaid", "owner_uin": "7", "enabled": False, "at": "2026-03-01T00:00:00Z"},
        {"owner_uin": "7", "enabled": False, "at": datetime(2026, 3, 1)},
        id="postpaid",
    ),
    pytest.param(
        {
            "type": "contract_price",
            "owner_uin": "7",
            "billing_item": "身份证识别",
            "unit_price": 0.035,
            "from_month": "2026-10",
        },
        {"billing_item": "身份证识别", "unit_price": Decimal("0.035000"), "from_month": "2026-10", "to_month": None},
        id="contract_price",
    ),
    pytest.param(
        {
            "type": "qps_purchase",
            "order_id": "Q1",
            "owner_uin": "7",
            "action": "IDCardOCR",
            "qps": 80,
            "start_date": "2026-10-01",
            "end_date": "2026-10-05",
            "period": "day",
            "purchased_at": T0,
        },
        {
            "event_key": "Q1",
            "order_id": "Q1",
            "action": "IDCardOCR",
            "qps": 80,
            "start_date": date(2026, 10, 1),
            "end_date": date(2026, 10, 5),
            "period": "day",
            "purchased_at": T0_UTC,
        },
        id="qps_purchase",
    ),
    pytest.param(
        {"type": "activation", "owner_uin": "7", "billing_item": "通用文字识别(高精度版)", "at": T0},
        {"billing_item": "通用印刷体识别（高精度版）", "at": T0_UTC},  # alias → canonical
        id="activation",
    ),
    pytest.param(
        {"type": "account", "owner_uin": 100002, "opened_at": "2021-12-13T23:59:59+08:00"},
        {"owner_uin": "100002", "opened_at": datetime(2021, 12, 13, 15, 59, 59)},  # uin → string
        id="account",
    ),
    pytest.param(
        {"type": "top_up", "owner_uin": "7", "amount": "1000.5", "at": T0},
        {"amount": Decimal("1000.50"), "at": T0_UTC},
        id="top_up",
    ),
    pytest.param(
        {"type": "suspension", "owner_uin": "7", "reason": "violation", "from": T0, "to": "2026-10-02T10:00:00+08:00"},
        {"reason": "violation", "from_ts": T0_UTC, "to_ts": datetime(2026, 10, 2, 2, 0)},
        id="suspension",
    ),
    pytest.param(
        {"type": "suspension", "owner_uin": "7", "reason": "violation", "from": T0, "to": None},
        {"from_ts": T0_UTC, "to_ts": None},
        id="suspension_open_ended",
    ),
    # numbers and booleans written as JSON strings, as money may be ("84.00")
    pytest.param(purchase(size=" 1000 ", price="84"), {"size": 1000, "price": Decimal("84.00")}, id="size_string"),
    pytest.param(
        {"type": "qps_purchase", "order_id": "Q1", "owner_uin": "7", "action": "IDCardOCR", "qps": "80",
         "start_date": "2026-10-01", "end_date": "2026-10-05", "period": "day", "purchased_at": T0},
        {"qps": 80},
        id="qps_string",
    ),
    pytest.param(
        {"type": "postpaid", "owner_uin": "7", "enabled": "false", "at": T0}, {"enabled": False}, id="enabled_string"
    ),
    pytest.param(
        {"type": "postpaid", "owner_uin": "7", "enabled": "True", "at": T0}, {"enabled": True}, id="enabled_python_str"
    ),
    # one table of every event type, written by pandas / polars (nulls) or csv.DictReader (empty
    # strings): another type's field that is null or empty is absent, as are the type's own
    pytest.param(
        {"type": "top_up", "owner_uin": "7", "amount": "100.00", "at": T0, "pack_id": None, "size": None,
         "enabled": None, "price": "", "reason": ""},
        {"amount": Decimal("100.00"), "at": T0_UTC},
        id="other_types_fields_null_or_empty",
    ),
    pytest.param(
        purchase(price="", voucher=None, effective_at="", expires_at=" "),
        {"price": None, "effective_at": T0_UTC, "expires_at": datetime(2027, 10, 1, 2, 0)},
        id="optional_fields_empty",
    ),
]


@pytest.mark.parametrize(("event", "expected"), ACCEPTED)
def test_each_type_accepted_and_normalised(tmp_path, event, expected):
    res, rows, rejected = one(tmp_path, event)
    assert (res.accepted, res.rejected, rejected) == (1, 0, [])
    (row,) = rows
    assert row["event_type"] == event["type"]
    for column, value in expected.items():
        assert row[column] == value, column
        assert type(row[column]) is type(value), column
    # columns a type does not have are NULL
    own = {column for _, column, _, _ in FIELDS[event["type"]]}
    own |= {"event_type", "event_key", "owner_uin", "source_file", "source_line", "batch_id"}
    assert all(row[c] is None for c in EVENTS_COLUMNS if c not in own), row
    assert row["source_line"] == 1
    assert row["source_file"] == str((tmp_path / "in.jsonl").resolve())


def test_R20_pack_refund_is_stored_as_given(tmp_path):
    """Its owner is the purchase's, looked up when the month is rated, not filled in at load."""
    refund = {"type": "pack_refund", "pack_id": "P1", "requested_at": "2026-10-03T09:00:00Z"}
    res, rows, _ = one(tmp_path, refund, before=[purchase()])
    assert res.accepted == 2
    row = rows[1]
    assert (row["event_type"], row["pack_id"], row["owner_uin"]) == ("pack_refund", "P1", None)
    assert row["event_key"] == ev.event_key(row, ev.content_of(row))  # a request: keyed by its content
    assert row["requested_at"] == datetime(2026, 10, 3, 9, 0)


def test_fixture_with_every_type(tmp_path):
    res = load(tmp_path / "wh", FIXTURES / "all_types.jsonl")
    check_invariant(res)
    assert (res.read, res.accepted, res.rejected) == (9, 9, 0)  # the blank line is not a record
    rows = table(tmp_path / "wh")
    assert [r["event_type"] for r in rows] == list(ev.EVENT_TYPES)
    assert [r["source_line"] for r in rows] == [1, 2, 3, 4, 5, 6, 7, 8, 10]


# ---------------------------------------------------------------------------------------------
# defaults (R7, R12)


@pytest.mark.parametrize(
    ("over", "effective", "expires"),
    [
        pytest.param({}, T0_UTC, datetime(2027, 10, 1, 2, 0), id="both_default"),
        pytest.param(
            {"effective_at": "2026-11-01T00:00:00+08:00"},
            datetime(2026, 10, 31, 16, 0),
            datetime(2027, 10, 31, 16, 0),
            id="expiry_from_effective",
        ),
        pytest.param(
            {"expires_at": "2026-12-31T23:59:59Z"}, T0_UTC, datetime(2026, 12, 31, 23, 59, 59), id="explicit_expiry"
        ),
        pytest.param(
            # 29 Feb (Shanghai) + 1 year → 28 Feb, same wall-clock time
            {"purchased_at": "2028-02-29T03:00:00+08:00"},
            datetime(2028, 2, 28, 19, 0),
            datetime(2029, 2, 27, 19, 0),
            id="leap_day",
        ),
    ],
)
def test_R7_pack_defaults(tmp_path, over, effective, expires):
    _, rows, _ = one(tmp_path, purchase(**over))
    assert rows[0]["effective_at"] == effective
    assert rows[0]["expires_at"] == expires


def test_R12_price_absent_stays_null(tmp_path):
    _, rows, _ = one(tmp_path, purchase(size=100000))
    assert rows[0]["price"] is None and rows[0]["voucher"] is None


# ---------------------------------------------------------------------------------------------
# times


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        ("2026-10-05T13:45:12.345+08:00", datetime(2026, 10, 5, 5, 45, 12, 345000)),
        ("2026-10-05T05:45:12.345Z", datetime(2026, 10, 5, 5, 45, 12, 345000)),
        ("2026-10-05T13:45:12.345", datetime(2026, 10, 5, 5, 45, 12, 345000)),  # no offset = Shanghai
        ("2026-10-05 13:45:12", datetime(2026, 10, 5, 5, 45, 12)),
        ("2026-10-05T00:00:00-05:00", datetime(2026, 10, 5, 5, 0)),
        ("2026-10-05T05:45:12.123456789Z", datetime(2026, 10, 5, 5, 45, 12, 123456)),
        (1791179112345, datetime(2026, 10, 5, 5, 45, 12, 345000)),  # epoch milliseconds
        (946684800000, datetime(2000, 1, 1)),  # the first instant accepted
        (4102444799999, datetime(2099, 12, 31, 23, 59, 59, 999000)),  # the last
        ("1791179112345", datetime(2026, 10, 5, 5, 45, 12, 345000)),  # epoch milliseconds as CSV logs write them
        ("2027-10-01", datetime(2027, 9, 30, 16, 0)),  # a date alone: its 00:00 in Shanghai
    ],
)
def test_timestamps(value, utc):
    assert parse_timestamp(value) == utc


@pytest.mark.parametrize(
    "value",
    ["yesterday", "2026-10-5", "2026-10-05Z", "2026-13-01", "2026-13-01T00:00:00Z", "2026-10-05T25:00:00Z",
     "1759643112", "0001791179112345", " 1.5e12", "-1", 1.5e12, True, -1,
     Decimal("1791179112345.5"), "2026-10-05T00:00:00+25:00", None,
     0, 1759643112, 946684799999, 4102444800000,  # epoch ms outside 2000..2099 (1759643112: seconds)
     "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z", "2000-01-01T07:59:59+08:00"],
)
def test_bad_timestamps(value):
    with pytest.raises(EventError) as err:
        parse_timestamp(value)
    assert err.value.reason == "bad_timestamp"


def test_epoch_ms_and_no_offset_in_a_file(tmp_path):
    lines = [
        {"type": "top_up", "owner_uin": "1", "amount": 1, "at": 1791179112345},
        {"type": "top_up", "owner_uin": "1", "amount": 2, "at": "2026-10-05T13:45:12.345"},
    ]
    wh = tmp_path / "wh"
    load(wh, write_jsonl(tmp_path / "t.jsonl", lines))
    assert [r["at"] for r in table(wh)] == [datetime(2026, 10, 5, 5, 45, 12, 345000)] * 2


# ---------------------------------------------------------------------------------------------
# billing-item spellings


@pytest.mark.parametrize(
    "spelling",
    ["通用票据识别（小票）", "通用票据识别(小票)", "通用票据识别 (小票)", " 通用票据识别（ 小票 ）", "通用票据识别(小票）"],
)
def test_billing_item_spellings(tmp_path, spelling):
    _, rows, rejected = one(tmp_path, purchase(billing_item=spelling))
    assert rejected == []
    assert rows[0]["billing_item"] == "通用票据识别（小票）"


# ---------------------------------------------------------------------------------------------
# rejections


REJECTED = [
    pytest.param('{"type": "top_up", ', "unreadable", id="not_json"),
    pytest.param("[1, 2]", "unreadable", id="not_object"),
    pytest.param('"top_up"', "unreadable", id="json_string"),
    pytest.param({"type": "gift"}, "unknown_type", id="unknown_type"),
    pytest.param({"type": 3, "owner_uin": "1"}, "unknown_type", id="type_not_string"),
    pytest.param({"owner_uin": "1"}, "missing_field", id="no_type"),
    pytest.param({"type": "", "owner_uin": "1"}, "missing_field", id="empty_type"),
    pytest.param(purchase(size=...), "missing_field", id="no_size"),
    pytest.param(purchase(owner_uin=None), "missing_field", id="null_required"),
    pytest.param({"type": "pack_refund", "pack_id": "P1"}, "missing_field", id="refund_no_time"),
    pytest.param(purchase(expire_at="2027-01-01T00:00:00Z"), "unknown_field", id="typo_field"),
    pytest.param(purchase(pack_id="free_monthly:u1:身份证识别:2026-10"), "bad_value", id="pack_id_of_a_free_pack"),
    pytest.param(purchase(pack_id="free_once:u1:公式识别"), "bad_value", id="pack_id_of_a_one_time_pack"),
    pytest.param(purchase(price=Decimal("84.123")), "bad_value", id="price_3_decimals"),
    pytest.param(purchase(price=-1), "bad_value", id="negative_price"),
    pytest.param(purchase(price="84,00"), "bad_value", id="price_bad_string"),
    pytest.param(purchase(price=True), "bad_value", id="price_bool"),
    pytest.param(purchase(voucher=200), "bad_value", id="voucher_above_list_price"),
    pytest.param(purchase(price=84, voucher=85), "bad_value", id="voucher_above_price"),
    pytest.param(purchase(size=0), "bad_value", id="size_zero"),
    pytest.param(purchase(size=Decimal("1000.5")), "bad_value", id="size_fraction"),
    pytest.param(purchase(size="10万"), "bad_value", id="size_not_digits"),
    pytest.param(purchase(size="1e3"), "bad_value", id="size_exponent_string"),
    pytest.param(purchase(size="-5"), "bad_value", id="size_negative_string"),
    pytest.param(purchase(size="１０００"), "bad_value", id="size_fullwidth_digits"),
    pytest.param(purchase(size="9" * 20), "bad_value", id="size_20_digits"),
    pytest.param(purchase(size="9" * 5000), "bad_value", id="size_digits_beyond_int_conversion"),
    pytest.param(purchase(purchased_at="9" * 5000), "bad_timestamp", id="time_digits_beyond_int_conversion"),
    pytest.param(purchase(purchased_at="٢٠٢٦-١٠-٠١"), "bad_timestamp", id="time_arabic_indic_digits"),
    pytest.param(purchase(pack_id=""), "missing_field", id="empty_pack_id"),  # empty = absent
    pytest.param(purchase(owner_uin="  "), "missing_field", id="blank_owner_uin"),
    pytest.param(purchase(size=""), "missing_field", id="empty_required_field"),
    pytest.param({"type": "postpaid", "owner_uin": "1", "enabled": 1, "at": T0}, "bad_value", id="enabled_number"),
    pytest.param(purchase(owner_uin=1.5), "bad_value", id="uin_float"),
    pytest.param(purchase(expires_at=T0), "bad_value", id="expires_not_after_effective"),
    pytest.param(purchase(billing_item=12), "bad_value", id="billing_item_not_string"),
    pytest.param({"type": "top_up", "owner_uin": "1", "amount": -5, "at": T0}, "bad_value", id="negative_amount"),
    pytest.param({"type": "top_up", "owner_uin": "1", "amount": 0, "at": T0}, "bad_value", id="zero_top_up"),
    pytest.param({"type": "top_up", "owner_uin": "1", "amount": 0.001, "at": T0}, "bad_value", id="amount_3dp"),
    pytest.param({"type": "postpaid", "owner_uin": "1", "enabled": "yes", "at": T0}, "bad_value", id="enabled_str"),
    pytest.param(
        {"type": "contract_price", "owner_uin": "1", "billing_item": "身份证识别", "unit_price": 0.0000001,
         "from_month": "2026-10"},
        "bad_value",
        id="unit_price_7dp",
    ),
    pytest.param(
        {"type": "contract_price", "owner_uin": "1", "billing_item": "身份证识别", "unit_price": 0.03,
         "from_month": "2026-13"},
        "bad_value",
        id="bad_month",
    ),
    pytest.param(
        {"type": "contract_price", "owner_uin": "1", "billing_item": "身份证识别", "unit_price": 0.03,
         "from_month": "2026-10", "to_month": "2026-09"},
        "bad_value",
        id="to_month_before_from",
    ),
    pytest.param(
        {"type": "qps_purchase", "order_id": "Q", "owner_uin": "1", "action": "IDCardOCR", "qps": 10,
         "start_date": "2026-10-05", "end_date": "2026-10-04", "period": "day", "purchased_at": T0},
        "bad_value",
        id="end_before_start",
    ),
    pytest.param(
        {"type": "qps_purchase", "order_id": "Q", "owner_uin": "1", "action": "IDCardOCR", "qps": 10,
         "start_date": "2026-10-05", "end_date": "2026-10-06", "period": "week", "purchased_at": T0},
        "bad_value",
        id="bad_period",
    ),
    pytest.param(
        {"type": "qps_purchase", "order_id": "Q", "owner_uin": "1", "action": "IDCardOCR", "qps": 10,
         "start_date": "2026-10-05T00:00:00", "end_date": "2026-10-06", "period": "day", "purchased_at": T0},
        "bad_value",
        id="date_with_time",
    ),
    pytest.param(
        {"type": "suspension", "owner_uin": "1", "reason": "arrears", "from": T0}, "bad_value", id="reason_not_violation"
    ),
    pytest.param(
        {"type": "suspension", "owner_uin": "1", "reason": "violation", "from": T0, "to": T0},
        "bad_value",
        id="suspension_to_not_after_from",
    ),
    pytest.param('{"type": "top_up", "type": "account", "owner_uin": "1"}', "bad_value", id="duplicate_json_key"),
    pytest.param('{"type": "top_up", "owner_uin": "1", "amount": NaN, "at": 0}', "bad_value", id="nan"),
    pytest.param(purchase(purchased_at="2026-02-30T00:00:00Z"), "bad_timestamp", id="bad_purchased_at"),
    pytest.param(purchase(effective_at=1.7e12), "bad_timestamp", id="float_epoch"),
    pytest.param({"type": "account", "owner_uin": "1", "opened_at": "soon"}, "bad_timestamp", id="bad_opened_at"),
    pytest.param(purchase(billing_item="票据识别"), "unknown_billing_item", id="unknown_item"),
    pytest.param(
        {"type": "activation", "owner_uin": "1", "billing_item": "通用票据识别【小票】", "at": T0},
        "unknown_billing_item",
        id="unknown_item_brackets",
    ),
    pytest.param(
        {"type": "qps_purchase", "order_id": "Q", "owner_uin": "1", "action": "NoSuchOCR", "qps": 10,
         "start_date": "2026-10-05", "end_date": "2026-10-06", "period": "day", "purchased_at": T0},
        "unknown_action",
        id="unknown_action",
    ),
    pytest.param(
        {"type": "qps_purchase", "order_id": "Q", "owner_uin": "1", "action": "TaxPaymentOCR", "qps": 10,
         "start_date": "2026-10-05", "end_date": "2026-10-06", "period": "day", "purchased_at": T0},
        "unknown_action",
        id="action_without_qps_class",
    ),
    pytest.param(purchase(size=3000), "no_list_price", id="size_not_on_list"),
    pytest.param(purchase(billing_item="通用卡证鉴伪", size=100000), "no_list_price", id="contact_sales_size"),
    pytest.param(
        purchase(purchased_at="2019-12-31T00:00:00+08:00"), "no_list_price", id="before_price_valid_from"
    ),
]


@pytest.mark.parametrize(("event", "reason"), REJECTED)
def test_rejections(tmp_path, event, reason):
    res, rows, rejected = one(tmp_path, event)
    check_invariant(res)
    assert rows == []
    assert (res.read, res.accepted, res.rejected, res.rejected_by_reason) == (1, 0, 1, {reason: 1})
    (rej,) = rejected
    assert (rej["reason"], rej["source_line"]) == (reason, 1)
    assert rej["detail"]
    assert rej["raw"] == dumps(event)
    assert set(rej) == set(REJECTED_COLUMNS)


def test_every_reason_is_tested():
    tested = {p.values[1] for p in REJECTED} | {"conflict"}
    assert tested == set(ev.REJECT_REASONS)


def test_explicit_price_needs_no_list_price(tmp_path):
    _, rows, rejected = one(tmp_path, purchase(billing_item="通用卡证鉴伪", size=100000, price=25000))
    assert rejected == [] and rows[0]["price"] == Decimal("25000.00")


def test_refund_before_its_purchase_in_the_same_load_is_accepted(tmp_path):
    """Events need not come in time order: a refund read before its purchase (an earlier line,
    or an earlier file of the same load) is stored as given; R20 decides it at rating."""
    refund = {"type": "pack_refund", "pack_id": "P1", "requested_at": T0}
    wh = tmp_path / "wh"
    res = load(wh, write_jsonl(tmp_path / "a.jsonl", [refund, purchase()]))
    assert (res.accepted, res.rejected) == (2, 0)
    refund2 = {"type": "pack_refund", "pack_id": "P2", "requested_at": T0}
    files = [write_jsonl(tmp_path / "b_refunds.jsonl", [refund2]), write_jsonl(tmp_path / "c_packs.jsonl", [purchase(pack_id="P2")])]
    res = load(wh, *files)
    assert (res.accepted, res.rejected) == (2, 0)
    owners = {r["pack_id"]: r["owner_uin"] for r in table(wh) if r["event_type"] == "pack_refund"}
    assert owners == {"P1": None, "P2": None}


@pytest.mark.parametrize("given_owner", [None, "100001", "9"])
def test_refund_loaded_before_any_load_of_its_purchase_is_kept_as_given(tmp_path, given_owner):
    """Its purchase may come in a later run: the refund is stored with the owner it gives (R20
    decides it at rating), and loading it again once the purchase is in is a duplicate."""
    wh = tmp_path / "wh"
    refund = {"type": "pack_refund", "pack_id": "P1", "requested_at": T0, "owner_uin": given_owner}
    res = load(wh, write_jsonl(tmp_path / "a.jsonl", [refund]))
    assert (res.accepted, res.rejected) == (1, 0)
    load(wh, write_jsonl(tmp_path / "b.jsonl", [purchase()]))
    again = load(wh, write_jsonl(tmp_path / "c.jsonl", [refund]))
    assert (again.accepted, again.duplicates, again.rejected) == (0, 1, 0)
    refunds = [r for r in table(wh) if r["event_type"] == "pack_refund"]
    assert [(r["pack_id"], r["owner_uin"]) for r in refunds] == [("P1", given_owner)]


def test_refund_of_rejected_purchase_is_kept_for_the_rating_to_deny(tmp_path):
    refund = {"type": "pack_refund", "pack_id": "P1", "requested_at": T0}
    res, rows, rejected = one(tmp_path, refund, before=[purchase(size=3000)])
    assert [r["reason"] for r in rejected] == ["no_list_price"]
    assert [(r["event_type"], r["owner_uin"]) for r in rows] == [("pack_refund", None)]


@pytest.mark.parametrize("purchase_first", [True, False])
@pytest.mark.parametrize(
    ("first", "second", "verdict"),
    [
        ({"owner_uin": 100001}, {"owner_uin": "100001"}, "duplicate"),
        ({"requested_at": T0}, {"requested_at": "2026-10-01T02:00:00Z"}, "duplicate"),  # the same instant
        ({}, {"owner_uin": "100001"}, "another request"),  # stored as given: an owner added is other content
        ({"owner_uin": "9"}, {}, "another request"),  # not the owner's: it must not block the owner's own
        ({}, {"requested_at": "2026-10-02T00:00:00Z"}, "another request"),
    ],
)
def test_refund_sent_again_is_judged_the_same_before_or_after_its_purchase(tmp_path, purchase_first, first, second, verdict):
    """A refund request is stored as given and keyed by its content: a second one for the pack
    is a duplicate or another request (R20 decides each), whichever run brought the purchase."""
    wh = tmp_path / "wh"
    base = {"type": "pack_refund", "pack_id": "P1", "requested_at": "2026-10-01T08:00:00Z"}
    files = [write_jsonl(tmp_path / "r1.jsonl", [{**base, **first}]), write_jsonl(tmp_path / "r2.jsonl", [{**base, **second}])]
    bought = write_jsonl(tmp_path / "p.jsonl", [purchase()])
    for path in ([bought, *files] if purchase_first else [files[0], bought, files[1]]):
        res = load(wh, path)
    assert (res.accepted, res.duplicates, res.rejected) == ((0, 1, 0) if verdict == "duplicate" else (1, 0, 0))


def test_fixture_with_every_reason(tmp_path):
    wh = tmp_path / "wh"
    res = load(wh, FIXTURES / "rejects.jsonl")
    check_invariant(res)
    assert (res.read, res.accepted, res.duplicates) == (15, 2, 1)  # line 12: a refund kept for R20
    assert set(res.rejected_by_reason) == set(ev.REJECT_REASONS)
    assert [r["source_line"] for r in table(wh, "events_rejected")] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14]


def test_unreadable_bytes_and_corrupt_gzip(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'\xff\xfe{"type": "account"}\n' + json.dumps(purchase()).encode() + b"\n")
    res = load(tmp_path / "wh", path)
    assert (res.accepted, res.rejected_by_reason) == (1, {"unreadable": 1})
    good = gzip.compress((json.dumps(purchase()) + "\n").encode() * 50, mtime=0)
    (tmp_path / "trunc.jsonl.gz").write_bytes(good[: len(good) - 10])
    res = load(tmp_path / "wh2", tmp_path / "trunc.jsonl.gz")
    check_invariant(res)
    assert res.rejected_by_reason == {"unreadable": 1}


# ---------------------------------------------------------------------------------------------
# duplicates and conflicts


def test_identical_event_resent_is_duplicate(tmp_path):
    res, rows, _ = one(tmp_path, purchase(), before=[purchase()])
    check_invariant(res)
    assert (res.read, res.accepted, res.duplicates, res.rejected) == (2, 1, 1, 0)
    assert len(rows) == 1


@pytest.mark.parametrize(
    "same",
    [
        pytest.param(purchase(purchased_at="2026-10-01T02:00:00Z"), id="same_instant_other_offset"),
        pytest.param(purchase(effective_at=T0, expires_at="2027-10-01T10:00:00+08:00"), id="defaults_spelled_out"),
        pytest.param(purchase(billing_item="身份证识别 "), id="other_spelling"),
        pytest.param(purchase(owner_uin=100001, size=Decimal("1000.0")), id="numbers_as_other_json"),
    ],
)
def test_same_normalised_content_is_duplicate(tmp_path, same):
    res, _, _ = one(tmp_path, same, before=[purchase()])
    assert (res.accepted, res.duplicates) == (1, 1)


def test_hash_keyed_duplicates(tmp_path):
    top = {"type": "top_up", "owner_uin": "1", "amount": 10, "at": T0}
    other = {**top, "amount": "10.01"}
    res, rows, _ = one(tmp_path, top, before=[top, other])
    assert (res.accepted, res.duplicates, res.rejected) == (2, 1, 0)
    assert rows[0]["event_key"] != rows[1]["event_key"]
    assert rows[0]["event_key"] == ev.event_key(rows[0], ev.content_of(rows[0]))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (purchase(), purchase(size=100000)),
        (purchase(), purchase(price=120)),  # explicit list price is not the same content as absent
        (
            {"type": "qps_purchase", "order_id": "Q1", "owner_uin": "1", "action": "IDCardOCR", "qps": 10,
             "start_date": "2026-10-05", "end_date": "2026-10-06", "period": "day", "purchased_at": T0},
            {"type": "qps_purchase", "order_id": "Q1", "owner_uin": "1", "action": "IDCardOCR", "qps": 20,
             "start_date": "2026-10-05", "end_date": "2026-10-06", "period": "day", "purchased_at": T0},
        ),
    ],
)
def test_conflict_keeps_first(tmp_path, first, second):
    res, rows, rejected = one(tmp_path, second, before=[first])
    check_invariant(res)
    assert (res.accepted, res.duplicates, res.rejected_by_reason) == (1, 0, {"conflict": 1})
    assert rows[0]["source_line"] == 1 and rejected[0]["source_line"] == 2


def contract(**over: Any) -> dict[str, Any]:
    return {"type": "contract_price", "owner_uin": "1", "billing_item": "通用印刷体识别（高精度版）", "unit_price": "0.04",
            "from_month": "2026-10", **over}


@pytest.mark.parametrize(
    ("second", "accepted", "duplicates", "rejected"),
    [
        (contract(), 1, 1, {}),
        (contract(billing_item="通用印刷体识别 (高精度版)"), 1, 1, {}),  # the same terms spelled otherwise
        (contract(unit_price="0.03"), 1, 0, {"conflict": 1}),  # same month: which price holds?
        (contract(to_month="2026-12"), 1, 0, {"conflict": 1}),
        (contract(from_month="2026-11", unit_price="0.03"), 2, 0, {}),  # a new price from a later month
        (contract(owner_uin="2"), 2, 0, {}),
        (contract(billing_item="通用卡证鉴伪"), 2, 0, {}),
    ],
)
def test_R10_a_second_contract_price_from_the_same_month_is_a_conflict(tmp_path, second, accepted, duplicates, rejected):
    res, rows, _ = one(tmp_path, second, before=[contract()])
    check_invariant(res)
    assert (res.accepted, res.duplicates, res.rejected_by_reason) == (accepted, duplicates, rejected)
    assert rows[0]["unit_price"] == Decimal("0.04")


def test_R10_contract_price_conflict_across_loads(tmp_path):
    wh = tmp_path / "wh"
    load(wh, write_jsonl(tmp_path / "a.jsonl", [contract()]))
    res = load(wh, write_jsonl(tmp_path / "b.jsonl", [contract(unit_price="0.011")]))
    assert res.rejected_by_reason == {"conflict": 1}
    assert [r["unit_price"] for r in table(wh)] == [Decimal("0.04")]


def test_conflict_and_duplicate_across_files(tmp_path):
    wh = tmp_path / "wh"
    load(wh, write_jsonl(tmp_path / "a.jsonl", [purchase()]))
    res = load(wh, write_jsonl(tmp_path / "b.jsonl", [purchase(), purchase(size=100000), purchase(pack_id="P2")]))
    assert (res.read, res.accepted, res.duplicates, res.rejected_by_reason) == (3, 1, 1, {"conflict": 1})
    assert [r["pack_id"] for r in table(wh)] == ["P1", "P2"]


def test_second_refund_with_other_time_is_another_request(tmp_path):
    """R20 decides each request at its instant (a later one is `already_refunded` after an approval)."""
    r1 = {"type": "pack_refund", "pack_id": "P1", "requested_at": T0}
    r2 = {"type": "pack_refund", "pack_id": "P1", "requested_at": "2026-10-02T00:00:00Z"}
    res, _, _ = one(tmp_path, r2, before=[purchase(), r1, r1])
    assert (res.accepted, res.duplicates, res.rejected_by_reason) == (3, 1, {})


# ---------------------------------------------------------------------------------------------
# batches, re-load, determinism, inputs


def test_reload_writes_nothing(tmp_path):
    wh = tmp_path / "wh"
    src = FIXTURES / "rejects.jsonl"
    first = load(wh, src)
    before = snapshot(wh)
    again = load(wh, src)
    assert snapshot(wh) == before
    check_invariant(again)
    (entry,) = again.files
    assert entry["status"] == "already_loaded"
    assert entry["batch_id"] == first.files[0]["batch_id"]
    assert entry["committed_counts"]["accepted"] == first.accepted
    # nothing is accepted again; the rejected lines stay rejected, for the same reasons
    assert (again.read, again.accepted, again.duplicates, again.rejected) == (
        first.read, 0, first.accepted + first.duplicates, first.rejected
    )
    assert first.rejected > 0 and again.rejected_by_reason == first.rejected_by_reason


def test_same_file_twice_in_one_run_and_copy_elsewhere(tmp_path):
    wh = tmp_path / "wh"
    src = FIXTURES / "all_types.jsonl"
    copy = tmp_path / "sub" / "copy.jsonl"
    copy.parent.mkdir()
    copy.write_bytes(src.read_bytes())
    res = load(wh, src, src, copy)
    assert [f["status"] for f in res.files] == ["loaded", "already_loaded", "already_loaded"]
    assert len(table(wh)) == 9
    assert len(list((wh / "_commits").glob("*.json"))) == 1


def test_batch_layout_and_commit_record(tmp_path):
    wh = tmp_path / "wh"
    res = load(wh, FIXTURES / "rejects.jsonl")
    (entry,) = res.files
    bid = entry["batch_id"]
    assert bid == ev.batch_id_for(entry["sha256"])
    assert (wh / "events" / f"{bid}.parquet").is_file()
    assert (wh / "events_rejected" / f"{bid}.parquet").is_file()
    (record,) = [json.loads(p.read_text()) for p in (wh / "_commits").glob("*.json")]
    assert record["kind"] == "events"
    assert record["counts"]["read"] == res.read
    assert record["sources"][0]["sha256"] == entry["sha256"]
    assert not (wh / "_staging" / bid).exists()
    lines = pq.read_table(wh / "events_rejected" / f"{bid}.parquet").column("source_line").to_pylist()
    assert lines == sorted(lines)  # rows in line order


def test_all_accepted_file_writes_no_rejected_table(tmp_path):
    wh = tmp_path / "wh"
    load(wh, FIXTURES / "all_types.jsonl")
    assert not (wh / "events_rejected").exists() or not any((wh / "events_rejected").iterdir())
    assert table(wh, "events_rejected") == []


def test_deterministic_output(tmp_path):
    for name in ("wh1", "wh2"):
        load(tmp_path / name, FIXTURES / "all_types.jsonl", FIXTURES / "rejects.jsonl")
    assert snapshot(tmp_path / "wh1") == snapshot(tmp_path / "wh2")


def test_directory_and_gzip(tmp_path):
    d = tmp_path / "in"
    write_jsonl(d / "b" / "2.jsonl", [purchase(pack_id="P2")])
    (d / "a").mkdir(parents=True)
    (d / "a" / "1.jsonl.gz").write_bytes(gzip.compress((json.dumps(purchase()) + "\n").encode(), mtime=0))
    (d / "notes.txt").write_text("not events")
    write_jsonl(d / "c" / "3.JSONL", [purchase(pack_id="P3")])  # extensions in any case
    res = load(tmp_path / "wh", d)
    assert [(Path(f["path"]).name, f["status"]) for f in res.files] == [
        ("notes.txt", "skipped"), ("1.jsonl.gz", "loaded"), ("2.jsonl", "loaded"), ("3.JSONL", "loaded")
    ]
    check_invariant(res)
    assert [r["pack_id"] for r in table(tmp_path / "wh")] == ["P1", "P2", "P3"]


def test_named_files_json_lines_only(tmp_path):
    src = write_jsonl(tmp_path / "events.json", [purchase()])
    assert load(tmp_path / "wh", src).accepted == 1  # .json named: JSON Lines
    notes = tmp_path / "README.md"
    notes.write_text("# notes\n")
    with pytest.raises(ValueError, match="README.md: not an events file"):
        load(tmp_path / "wh", notes)


def test_missing_path_fails(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "wh", tmp_path / "nope.jsonl")


def test_progress_called_per_file(tmp_path):
    seen = []
    load_events(tmp_path / "wh", [FIXTURES / "all_types.jsonl"], reference_dir=REF_DIR, progress=seen.append)
    load_events(tmp_path / "wh", [FIXTURES / "all_types.jsonl"], reference_dir=REF_DIR, progress=seen.append)
    assert len(seen) == 2 and all(isinstance(m, str) for m in seen)
    assert "accepted 9" in seen[0] and "already loaded" in seen[1]


def test_as_dict(tmp_path):
    res = load(tmp_path / "wh", FIXTURES / "rejects.jsonl")
    d = res.as_dict()
    assert set(d) == {"read", "accepted", "duplicates", "rejected", "rejected_by_reason", "files"}
    json.dumps(d)


# ---------------------------------------------------------------------------------------------
# schema for the rest of the pipeline


def test_parquet_types_match_events_columns(tmp_path):
    wh = tmp_path / "wh"
    load(wh, FIXTURES / "all_types.jsonl", FIXTURES / "rejects.jsonl")
    con = duckdb.connect()
    for name, columns in (("events", EVENTS_COLUMNS), ("events_rejected", REJECTED_COLUMNS)):
        path = next((wh / name).glob("*.parquet"))
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        assert {r[0]: r[1] for r in described} == columns


def test_empty_views_are_typed(tmp_path):
    con = duckdb.connect()
    attach_warehouse(con, Warehouse(tmp_path / "empty"))
    for name, columns in (("events", EVENTS_COLUMNS), ("events_rejected", REJECTED_COLUMNS)):
        assert {r[0]: r[1] for r in con.execute(f"DESCRIBE {name}").fetchall()} == columns
        assert con.execute(f"SELECT count(*) FROM {name}").fetchone() == (0,)


# ---------------------------------------------------------------------------------------------
# money is exact


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cents=st.integers(min_value=0, max_value=10**15))
def test_money_parsed_exactly(cents):
    text = f"{cents // 100}.{cents % 100:02d}"
    obj = json.loads(f'{{"v": {text}}}', parse_float=Decimal)
    assert parse_money(obj["v"], "v") == Decimal(cents).scaleb(-2)
    assert parse_money(text, "v") == Decimal(cents).scaleb(-2)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=9))
def test_money_with_a_third_decimal_is_rejected(cents, third):
    with pytest.raises(EventError) as err:
        parse_money(Decimal(f"{cents // 100}.{cents % 100:02d}{third}"), "price")
    assert err.value.reason == "bad_value"


def test_money_survives_the_warehouse(tmp_path):
    _, rows, _ = one(tmp_path, purchase(price=Decimal("0.30"), voucher=Decimal("0.10")))
    assert rows[0]["price"] - rows[0]["voucher"] == Decimal("0.20")
