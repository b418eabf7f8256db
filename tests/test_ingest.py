"""Ingestion (spec §1.1): field rules, timestamp shapes (R1), quarantine reasons with their lines,
exactly-once by request_id, conflicts, re-ingest writes nothing, determinism."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from ocrbill.catalog import attach_warehouse
from ocrbill.ingest import IngestError, IngestResult, ingest_paths
from ocrbill.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
REF = FIXTURES / "reference"

GOOD = {
    "request_id": "r1",
    "timestamp": "2026-10-05T13:45:12.345+08:00",
    "owner_uin": "100",
    "action": "GeneralBasicOCR",
    "region": "ap-guangzhou",
}


def ingest(wh: Path, *paths: Path, progress=None) -> IngestResult:
    return ingest_paths(wh, list(paths), progress=progress, reference_dir=REF)


def table(wh: Path, name: str) -> list[dict]:
    files = [str(p) for p in Warehouse(wh).files(name)]
    if not files:
        return []
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rel = con.execute(
        "SELECT * FROM read_parquet(?, hive_partitioning = ?) ORDER BY source_file, source_line",
        [files, name == "calls"],
    )
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, row)) for row in rel.fetchall()]


def write_jsonl(path: Path, records: list) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def snapshot(root: Path) -> dict[str, str]:
    """Every file under the warehouse (lock excepted) with its sha256."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "_lock"
    }


def check_invariant(result: IngestResult) -> None:
    assert result.read == result.accepted + result.duplicates + result.quarantined
    assert result.conflicts <= result.duplicates
    for f in result.files:
        assert f["read"] == f["accepted"] + f["duplicates"] + f["quarantined"]


# --- field rules ---------------------------------------------------------------------------

FIELD_CASES = [
    # (overrides, expected reason or None, detail fragment)
    ({}, None, None),
    ({"request_id": None}, "missing_field", "request_id"),
    ({"request_id": ""}, "missing_field", "request_id"),
    ({"timestamp": None}, "missing_field", "timestamp"),
    ({"owner_uin": None}, "missing_field", "owner_uin"),
    ({"action": None}, "missing_field", "action"),
    ({"region": None}, "missing_field", "region"),
    ({"request_id": {"a": 1}}, "bad_value", 'request_id {"a":1} is an object'),
    ({"owner_uin": 100}, None, None),  # a JSON number id is taken as its text
    # a float column's id, a boolean, NaN (as json.dumps writes a float NaN): not ids
    ({"owner_uin": 1.0e11}, "bad_value", "owner_uin 100000000000.0 is"),
    ({"owner_uin": 100.5}, "bad_value", "owner_uin 100.5 is"),
    ({"owner_uin": True}, "bad_value", "owner_uin true is"),
    ({"uin": False}, "bad_value", "uin false is"),
    ({"error_code": float("nan")}, "bad_value", "error_code NaN is"),
    ({"error_code": False}, "bad_value", "error_code false is"),
    ({"uin": "1.2.3"}, None, None),  # a string with points is still an id
    ({"owner_uin": 1e16}, "bad_value", "owner_uin 1e+16 is"),  # DuckDB writes a big float so
    ({"request_id": 12345678901234567.0}, "bad_value", "request_id 1.2345678901234568e+16 is"),
    ({"uin": "True"}, "bad_value", "uin True is"),  # pandas' boolean
    ({"uin": "nan"}, "bad_value", "uin nan is"),  # pandas' missing value
    ({"request_id": "3e8"}, None, None),  # an exponent without its sign: may be a hex id
    ({"uin": "\u3000"}, None, None),  # Unicode blank: absent, the owner
    ({"error_code": "\u000b"}, None, None),  # a vertical tab alone: blank, a success
    # blank text is absent, as empty text and null are
    ({"request_id": "   "}, "missing_field", "request_id"),
    ({"owner_uin": " \t"}, "missing_field", "owner_uin"),
    ({"uin": "  "}, None, None),  # absent: the owner (R2)
    ({"error_code": "  "}, None, None),  # absent: a success
    ({"action": "NoSuchOCR"}, "unknown_action", "NoSuchOCR"),
    ({"region": "ap-mars"}, "unknown_region", "ap-mars"),
    ({"error_code": ""}, None, None),
    ({"error_code": None}, None, None),
    ({"error_code": "FailedOperation.ImageBlur"}, None, None),
    ({"error_code": "Totally.Unknown"}, None, None),  # accepted, reported
    ({"images_total": 3, "images_recognized": 2}, None, None),
    ({"images_total": 3, "images_recognized": 3}, None, None),
    ({"images_total": 3, "images_recognized": 0}, None, None),
    ({"images_total": 3.0, "images_recognized": 2.0}, None, None),  # a float column's whole numbers
    ({"images_total": 0, "images_recognized": 0}, "bad_value", "images_total 0"),
    ({"images_total": 3, "images_recognized": 4}, "inconsistent_counts", "exceeds"),
    ({"images_total": 3}, "inconsistent_counts", "together"),
    ({"images_recognized": 1}, "inconsistent_counts", "together"),
    ({"images_total": "x", "images_recognized": 1}, "bad_value", "images_total"),
    ({"images_total": 2.5, "images_recognized": 1}, "bad_value", "images_total"),
    ({"images_total": 3, "images_recognized": -1}, "bad_value", "images_recognized"),
    ({"images_total": 10**10, "images_recognized": 1}, "bad_value", "at most 9 digits"),
    ({"action": "MixedInvoiceOCR", "tickets": [3, 1, 2, -1]}, None, None),
    ({"action": "MixedInvoiceOCR", "tickets": []}, None, None),
    ({"action": "MixedInvoiceOCR"}, None, None),
    ({"action": "MixedInvoiceOCR", "tickets": [3, 42]}, "unknown_ticket_type", "[42]"),
    ({"action": "MixedInvoiceOCR", "tickets": [1.5]}, "bad_value", "tickets"),
    ({"action": "MixedInvoiceOCR", "tickets": "3"}, "bad_value", "tickets"),
    ({"action": "MixedInvoiceOCR", "tickets": ["3", "1"]}, None, None),  # Types as digit strings
    ({"action": "MixedInvoiceOCR", "tickets": ["3", "42"]}, "unknown_ticket_type", "[42]"),
    ({"action": "MixedInvoiceOCR", "tickets": ["3x"]}, "bad_value", "tickets"),
    ({"action": "MixedInvoiceOCR", "tickets": ["3.0"]}, "bad_value", "tickets"),
    ({"action": "MixedInvoiceOCR", "tickets": [" 3"]}, "bad_value", "tickets"),
    ({"tickets": [3]}, "bad_value", "not billed per ticket"),
    ({"tickets": []}, None, None),  # an empty list on another action is ignored
    ({"timestamp": "yesterday"}, "bad_timestamp", "yesterday"),
    ({"timestamp": "2026-02-30T10:00:00Z"}, "bad_timestamp", "2026-02-30"),
    ({"timestamp": "2026-10-05"}, "bad_timestamp", None),
    ({"timestamp": 1759643112}, "bad_timestamp", "outside"),  # epoch seconds, not ms
    ({"timestamp": 1.5}, "bad_timestamp", None),
]


@pytest.mark.parametrize(("overrides", "reason", "detail"), FIELD_CASES)
def test_field_rules(tmp_path, overrides, reason, detail):
    record = {**GOOD, **overrides}
    record = {k: v for k, v in record.items() if v is not None or k == "error_code"}
    src = write_jsonl(tmp_path / "in.jsonl", [record])
    result = ingest(tmp_path / "wh", src)
    check_invariant(result)
    assert result.read == 1
    if reason is None:
        assert result.accepted == 1, table(tmp_path / "wh", "quarantine")
        [call] = table(tmp_path / "wh", "calls")
        assert call["request_id"] == str(record["request_id"])
        assert call["uin"] == (str(record.get("uin") or "").strip() and record["uin"] or str(record["owner_uin"]))  # R2
        assert call["error_code"] == ((record.get("error_code") or "").strip() and record["error_code"] or None)
        if record.get("tickets") and record["action"] == "MixedInvoiceOCR":
            assert call["tickets"] == [int(t) for t in record["tickets"]]
    else:
        assert result.quarantined == 1
        assert result.quarantined_by_reason == {reason: 1}
        [row] = table(tmp_path / "wh", "quarantine")
        assert row["reason"] == reason
        assert row["source_line"] == 1
        assert row["source_file"] == str(src.resolve())
        assert row["raw"] == json.dumps(record)
        if detail:
            assert detail in row["detail"]


def test_accepted_call_columns(tmp_path):
    record = {**GOOD, "uin": "101", "action": "MixedInvoiceOCR", "tickets": [3, 1], "region": "ap-hongkong"}
    src = write_jsonl(tmp_path / "in.jsonl", [record])
    ingest(tmp_path / "wh", src)
    [call] = table(tmp_path / "wh", "calls")
    assert call["ts_utc"] == datetime(2026, 10, 5, 5, 45, 12, 345000)
    assert call["billing_month"] == "2026-10"
    assert call["uin"] == "101"
    assert call["site"] == "international"  # R3
    assert call["tickets"] == [3, 1]
    assert call["images_total"] is None
    assert call["source_line"] == 1
    assert call["batch_id"].startswith("ingest-")
    assert "content_hash" not in call  # worked out for duplicate candidates only, not stored


def test_unknown_error_codes_are_accepted_and_reported(tmp_path):
    records = [
        {**GOOD, "request_id": "a", "error_code": "Weird.Code"},
        {**GOOD, "request_id": "b", "error_code": "Weird.Code"},
        {**GOOD, "request_id": "c", "error_code": "FailedOperation.OcrFailed"},  # listed, not billable
        {**GOOD, "request_id": "d"},
    ]
    result = ingest(tmp_path / "wh", write_jsonl(tmp_path / "in.jsonl", records))
    assert result.accepted == 4
    assert result.unknown_error_codes == {"Weird.Code": 2}


# A key is known from its first valid_from on, on the call's Asia/Shanghai date (R1): the
# rating would find no version in force for an earlier call. Added rows start on 2026-11-01.
LATER_REFERENCE_ROWS = {
    "interfaces.csv": "新接口,LaterOCR,per_call,身份证识别,A,2026-11-01\n",
    "regions.csv": "ap-later,新地域,domestic,2026-11-01\n",
    "ticket_types.csv": "99,新票,small,通用票据识别（小票）,2026-11-01\n",
}


@pytest.mark.parametrize(
    ("change", "reason", "detail"),
    [
        ({"action": "LaterOCR"}, "unknown_action", "action LaterOCR is in reference/interfaces.csv only from 2026-11-01"),
        ({"region": "ap-later"}, "unknown_region", "region ap-later is in reference/regions.csv only from 2026-11-01"),
        ({"action": "MixedInvoiceOCR", "tickets": [2, 99]}, "unknown_ticket_type",
         "ticket Type not in reference/ticket_types.csv on 2026-10-31: [99]"),
    ],
)
def test_R4_R5_a_call_before_its_keys_first_version_is_quarantined(tmp_path, change, reason, detail):
    ref = tmp_path / "reference"
    shutil.copytree(REF, ref)
    for name, row in LATER_REFERENCE_ROWS.items():
        with open(ref / name, "a", encoding="utf-8") as fh:
            fh.write(row)
    before = {**GOOD, **change, "request_id": "before", "timestamp": "2026-10-31T23:59:59+08:00"}
    on_the_day = {**GOOD, **change, "request_id": "on", "timestamp": "2026-10-31T16:00:00Z"}  # 11-01 00:00 Shanghai
    src = write_jsonl(tmp_path / "in.jsonl", [before, on_the_day])
    result = ingest_paths(tmp_path / "wh", [src], reference_dir=ref)
    assert (result.accepted, result.quarantined_by_reason) == (1, {reason: 1})
    (bad,) = table(tmp_path / "wh", "quarantine")
    assert (bad["source_line"], bad["detail"]) == (1, detail)
    assert [call["request_id"] for call in table(tmp_path / "wh", "calls")] == ["on"]


# --- timestamps (R1) -----------------------------------------------------------------------

TIMESTAMP_CASES = [
    ("2026-10-05T13:45:12.345+08:00", datetime(2026, 10, 5, 5, 45, 12, 345000), "2026-10"),
    ("2026-10-05T05:45:12.345Z", datetime(2026, 10, 5, 5, 45, 12, 345000), "2026-10"),
    ("2026-10-05T05:45:12Z", datetime(2026, 10, 5, 5, 45, 12), "2026-10"),
    ("2026-10-05T00:45:12-05:00", datetime(2026, 10, 5, 5, 45, 12), "2026-10"),
    ("2026-10-05T13:45:12+0800", datetime(2026, 10, 5, 5, 45, 12), "2026-10"),
    ("2026-10-05T13:45:12", datetime(2026, 10, 5, 5, 45, 12), "2026-10"),  # no offset: Shanghai
    ("2026-10-05 13:45:12.5", datetime(2026, 10, 5, 5, 45, 12, 500000), "2026-10"),
    ("2026-10-05T05:45:12.123456789Z", datetime(2026, 10, 5, 5, 45, 12, 123456), "2026-10"),
    (1759643112345, datetime(2025, 10, 5, 5, 45, 12, 345000), "2025-10"),  # epoch ms, JSON int
    ("1759643112345", datetime(2025, 10, 5, 5, 45, 12, 345000), "2025-10"),  # digit string
    ("2026-09-30T16:30:00Z", datetime(2026, 9, 30, 16, 30), "2026-10"),  # month boundary
    ("2026-09-30T15:59:59.999999Z", datetime(2026, 9, 30, 15, 59, 59, 999999), "2026-09"),
    ("2026-10-01T00:00:00", datetime(2026, 9, 30, 16, 0), "2026-10"),
    ("2026-12-31T16:00:00Z", datetime(2026, 12, 31, 16, 0), "2027-01"),
    ("2026-10-05t05:45:12z", datetime(2026, 10, 5, 5, 45, 12), "2026-10"),  # RFC 3339 lower case
    ("2026-10-05t13:45:12", datetime(2026, 10, 5, 5, 45, 12), "2026-10"),
    ("2026-10-05T13:45+08:00", datetime(2026, 10, 5, 5, 45), "2026-10"),  # seconds optional
    ("2026-10-05 13:45", datetime(2026, 10, 5, 5, 45), "2026-10"),
    ("2026-10-05T13:45:12,5+08:00", datetime(2026, 10, 5, 5, 45, 12, 500000), "2026-10"),  # ISO comma
    (1759643112345.0, datetime(2025, 10, 5, 5, 45, 12, 345000), "2025-10"),  # a float column's epoch ms
]


@pytest.mark.parametrize(("value", "ts_utc", "month"), TIMESTAMP_CASES)
def test_R1_timestamp_shapes_jsonl(tmp_path, value, ts_utc, month):
    src = write_jsonl(tmp_path / "in.jsonl", [{**GOOD, "timestamp": value}])
    result = ingest(tmp_path / "wh", src)
    assert result.accepted == 1, table(tmp_path / "wh", "quarantine")
    [call] = table(tmp_path / "wh", "calls")
    assert call["ts_utc"] == ts_utc
    assert call["billing_month"] == month
    month_dir = tmp_path / "wh" / "calls" / f"billing_month={month}"
    assert [p.name for p in month_dir.iterdir()] == [f"{call['batch_id']}.parquet"]


@pytest.mark.parametrize(("value", "ts_utc", "month"), TIMESTAMP_CASES)
def test_R1_timestamp_shapes_csv(tmp_path, value, ts_utc, month):
    src = tmp_path / "in.csv"
    cell = f'"{value}"' if "," in str(value) else value  # CSV quotes a field with a comma
    src.write_text(
        "request_id,timestamp,owner_uin,action,region\n"
        f"r1,{cell},100,GeneralBasicOCR,ap-guangzhou\n",
        encoding="utf-8",
    )
    result = ingest(tmp_path / "wh", src)
    assert result.accepted == 1, table(tmp_path / "wh", "quarantine")
    [call] = table(tmp_path / "wh", "calls")
    assert (call["ts_utc"], call["billing_month"]) == (ts_utc, month)


# --- quarantine reasons with their lines, JSONL and CSV -----------------------------------


def test_jsonl_fixture_reasons_lines_and_duplicates(tmp_path):
    src = FIXTURES / "calls_mixed.jsonl"
    messages: list[str] = []
    result = ingest(tmp_path / "wh", src, progress=messages.append)
    check_invariant(result)
    # line 3 is blank: not a record
    assert (result.read, result.accepted, result.duplicates, result.conflicts, result.quarantined) == (
        9, 4, 2, 1, 3,
    )
    assert result.quarantined_by_reason == {"unknown_action": 1, "unknown_region": 1, "unreadable": 1}
    assert result.unknown_error_codes == {"Weird.Code": 1}
    quarantine = {(r["source_line"], r["reason"]) for r in table(tmp_path / "wh", "quarantine")}
    assert quarantine == {(4, "unreadable"), (6, "unknown_action"), (9, "unknown_region")}
    dups = table(tmp_path / "wh", "duplicates")
    assert [(d["request_id"], d["kind"], d["source_line"], d["first_source_line"]) for d in dups] == [
        ("r1", "duplicate", 7, 1),  # same instant, other timestamp shape: same content
        ("r2", "conflict", 8, 2),  # no uin, no error code: different content
    ]
    assert dups[1]["content_hash"] != dups[1]["first_content_hash"]
    assert dups[0]["first_batch_id"] == dups[0]["batch_id"]
    assert dups[0]["raw"].startswith('{"request_id":"r1"')
    calls = table(tmp_path / "wh", "calls")
    assert [c["source_line"] for c in calls] == [1, 2, 5, 10]
    assert [c["request_id"] for c in calls] == ["r1", "r2", "r3", "r6"]
    assert len(messages) == 1 and "calls_mixed.jsonl" in messages[0]
    record = Warehouse(tmp_path / "wh").commits()[0]
    assert record["counts"]["accepted"] == 4
    assert record["sources"] == [
        {
            "path": str(src.resolve()),
            "sha256": hashlib.sha256(src.read_bytes()).hexdigest(),
            "bytes": src.stat().st_size,
        }
    ]


def test_csv_fixture_reasons_and_lines(tmp_path):
    result = ingest(tmp_path / "wh", FIXTURES / "calls_mixed.csv")
    check_invariant(result)
    quarantine = {(r["source_line"], r["reason"]) for r in table(tmp_path / "wh", "quarantine")}
    assert quarantine == {
        (5, "inconsistent_counts"),
        (6, "unknown_ticket_type"),
        (7, "unreadable"),  # 3 fields, header has 10
        (8, "unreadable"),  # broken quoting
        (9, "bad_timestamp"),
    }
    calls = table(tmp_path / "wh", "calls")
    assert [(c["request_id"], c["source_line"]) for c in calls] == [("c1", 2), ("c2", 3), ("c3", 4)]
    c1, c2, c3 = calls
    assert (c1["images_total"], c1["images_recognized"], c1["uin"]) == (3, 2, "100")
    assert c2["tickets"] == [3, 1, 2] and c2["uin"] == "101"
    assert c3["error_code"] == "FailedOperation.ImageBlur" and c3["action"] == "IDCardOCR"
    raws = {r["source_line"]: r["raw"] for r in table(tmp_path / "wh", "quarantine")}
    assert raws[7] == "c6,2026-10-05T13:45:12Z,100"


ROW1 = "r1,2026-10-05T13:45:12Z,100,GeneralBasicOCR,ap-guangzhou"
ROW2 = "r2,2026-10-05T13:45:12Z,100,GeneralBasicOCR,ap-guangzhou"


@pytest.mark.parametrize(
    ("first_line", "read", "quarantine"),
    [
        # no header: the first line is a record, quarantined with why, never dropped
        (ROW1, 2, [(1, "unreadable", "no header: the first line names none of the call fields"),
                   (2, "missing_field", "request_id is missing")]),
        ('"r1,2026-10-05T13:45:12Z,100', 2, [(1, "unreadable", "broken CSV quoting, in the first line: no header"),
                                             (2, "unreadable", "no header: the first line is unreadable")]),
        # a header without `region`: still the header; its records miss the field
        ("request_id,timestamp,owner_uin,action,extra", 1, [(2, "missing_field", "region is missing")]),
    ],
)
def test_csv_first_line_is_a_header_or_a_record(tmp_path, first_line, read, quarantine):
    """read = accepted + duplicates + quarantined, whatever the first line is."""
    src = tmp_path / "in.csv"
    src.write_text(f"{first_line}\n{ROW2}\n", encoding="utf-8")
    result = ingest(tmp_path / "wh", src)
    check_invariant(result)
    assert (result.read, result.accepted) == (read, 0)
    got = [(r["source_line"], r["reason"], r["detail"]) for r in table(tmp_path / "wh", "quarantine")]
    assert [(line, reason) for line, reason, _ in got] == [(line, reason) for line, reason, _ in quarantine]
    for (_, _, detail), (_, _, expected) in zip(got, quarantine, strict=True):
        assert detail.startswith(expected)


@pytest.mark.parametrize(
    ("cell", "tickets"),
    [("3;1", [3, 1]), ('"[3, 1, 2]"', [3, 1, 2]), ("[3;1]", [3, 1]), ("[]", None), ("3", [3]),
     ('"[\'3\', \'2\']"', [3, 2])],  # pandas: a list of strings
)
def test_csv_tickets_with_or_without_brackets(tmp_path, cell, tickets):
    """`;`-separated (spec §1.1), or a list in brackets as pandas writes a list column."""
    src = tmp_path / "in.csv"
    src.write_text(
        f"request_id,timestamp,owner_uin,action,region,tickets\nt1,2026-10-05T13:45:12Z,100,MixedInvoiceOCR,ap-guangzhou,{cell}\n",
        encoding="utf-8",
    )
    result = ingest(tmp_path / "wh", src)
    assert result.accepted == 1, table(tmp_path / "wh", "quarantine")
    [call] = table(tmp_path / "wh", "calls")
    assert (call["tickets"] or None) == tickets


@pytest.mark.parametrize("cell", ["[[3]]", "]3[", "[3", "3;;5"])
def test_csv_tickets_that_are_not_a_list(tmp_path, cell):
    src = tmp_path / "in.csv"
    src.write_text(
        f"request_id,timestamp,owner_uin,action,region,tickets\nt1,2026-10-05T13:45:12Z,100,MixedInvoiceOCR,ap-guangzhou,{cell}\n",
        encoding="utf-8",
    )
    assert ingest(tmp_path / "wh", src).quarantined_by_reason == {"bad_value": 1}


def test_csv_null_text_is_an_absent_value(tmp_path):
    """spec §1.1 error_code "null or empty = success": in CSV the text `null` (any case) is
    absent, as JSON's null; a required field given as `null` is missing."""
    src = tmp_path / "in.csv"
    src.write_text(
        "request_id,timestamp,owner_uin,uin,action,region,error_code\n"
        "r1,2026-10-05T13:45:12Z,100,null,GeneralBasicOCR,ap-guangzhou,null\n"
        "r2,2026-10-05T13:45:12Z,100,, GeneralBasicOCR,ap-guangzhou, NULL \n"
        "r3,2026-10-05T13:45:12Z,Null,101,GeneralBasicOCR,ap-guangzhou,\n"
        "r4,2026-10-05T13:45:12Z,100,101,GeneralBasicOCR,ap-guangzhou,nullable\n",
        encoding="utf-8",
    )
    result = ingest(tmp_path / "wh", src)
    assert (result.accepted, result.quarantined) == (3, 1)
    assert result.unknown_error_codes == {"nullable": 1}
    calls = {c["request_id"]: (c["uin"], c["error_code"]) for c in table(tmp_path / "wh", "calls")}
    assert calls == {"r1": ("100", None), "r2": ("100", None), "r4": ("101", "nullable")}
    [bad] = table(tmp_path / "wh", "quarantine")
    assert (bad["source_line"], bad["reason"]) == (4, "missing_field")


def test_csv_header_order_and_case_and_crlf(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(
        b"\xef\xbb\xbfRegion, Action ,timestamp,owner_uin,request_id,extra\r\n"
        b"ap-guangzhou,GeneralBasicOCR,2026-10-05T13:45:12Z,100,r1,x\r\n"
        b"\r\n"
        b"ap-guangzhou,GeneralBasicOCR,2026-10-05T13:45:12Z,100,,x\r\n"
    )
    result = ingest(tmp_path / "wh", src)
    assert (result.read, result.accepted, result.quarantined) == (2, 1, 1)
    [row] = table(tmp_path / "wh", "quarantine")
    assert (row["source_line"], row["reason"]) == (4, "missing_field")


def test_crlf_and_invalid_utf8_keep_line_numbers(tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({**GOOD, "request_id": f"r{i}"}).encode() for i in range(1, 7)]
    lines[1] = b'{"request_id": "\xff\xfe"}'
    lines[3] = b"[1, 2]"
    src.write_bytes(b"\r\n".join(lines) + b"\r\n")
    result = ingest(tmp_path / "wh", src)
    check_invariant(result)
    assert (result.read, result.accepted, result.quarantined) == (6, 4, 2)
    assert {(r["source_line"], r["reason"]) for r in table(tmp_path / "wh", "quarantine")} == {
        (2, "unreadable"),
        (4, "unreadable"),
    }
    assert [(c["request_id"], c["source_line"]) for c in table(tmp_path / "wh", "calls")] == [
        ("r1", 1), ("r3", 3), ("r5", 5), ("r6", 6),
    ]



# (line, its end): "" lines are blank; r3 has an unknown region
MIXED_ENDS = {
    "lf_first": [("r1", "\n"), ("r2", "\r\n"), ("r3", "\r\n"), ("r4", "\n"), ("r5", "\n")],
    "crlf_first": [("r1", "\r\n"), ("r2", "\n"), ("r3", "\r\n"), ("r4", "\n"), ("r5", "\r\n")],
    "empty_crlf_after_lf": [("r1", "\n"), ("r2", "\n"), ("", "\r\n"), ("r3", "\n"), ("", "\r\n"), ("r4", "\r\n"), ("r5", "")],
}


def _mixed_file(tmp_path: Path, suffix: str, ends: list[tuple[str, str]]) -> tuple[Path, dict[str, int]]:
    """A call log whose lines end as `ends` say; returns it and each request_id's line number."""
    rows, lines = [], {}
    if suffix.startswith(".csv"):
        rows.append(("request_id,timestamp,owner_uin,action,region", "\n" if ends[0][1] == "\n" else "\r\n"))
    for rid, end in ends:
        if rid:
            region = "mars-1" if rid == "r3" else "ap-guangzhou"
            if suffix.startswith(".csv"):
                text = f"{rid},2026-10-05T13:45:12Z,100,GeneralBasicOCR,{region}"
            else:  # a line over 4 MB keeps a plain file off the line splitter (read_csv reads it)
                pad = {"pad": "x" * 4_000_000} if suffix == ".jsonl" and rid == "r1" else {}
                text = json.dumps({**GOOD, "request_id": rid, "region": region, **pad})
            lines[rid] = len(rows) + 1
        rows.append((text if rid else "", end))
    data = "".join(text + end for text, end in rows).encode()
    src = tmp_path / f"in{suffix}"
    src.write_bytes(gzip.compress(data, mtime=0) if suffix.endswith(".gz") else data)
    return src, lines


@pytest.mark.parametrize("shape", sorted(MIXED_ENDS))
@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".csv", ".csv.gz"])
def test_mixed_line_ends_keep_line_numbers(tmp_path, suffix, shape):
    """CR LF and LF ends in one file: every record keeps its physical line number (DuckDB's CSV
    reader, which gz, CSV and irregular files take, would count a line per CR after an LF first
    line; ingestion reads such files from an LF copy)."""
    src, lines = _mixed_file(tmp_path, suffix, MIXED_ENDS[shape])
    result = ingest(tmp_path / "wh", src)
    check_invariant(result)
    assert (result.read, result.accepted, result.quarantined) == (5, 4, 1)
    [bad] = table(tmp_path / "wh", "quarantine")
    assert (bad["source_line"], bad["reason"]) == (lines["r3"], "unknown_region")
    assert "mars-1" in bad["raw"] and not bad["raw"].endswith("\r")
    calls = table(tmp_path / "wh", "calls")
    assert {c["request_id"]: c["source_line"] for c in calls} == {k: v for k, v in lines.items() if k != "r3"}
    assert not any((tmp_path / "wh" / "_staging").glob("_lines-*"))  # the copy is gone

# --- formats, folders ----------------------------------------------------------------------


def test_gz_and_directories(tmp_path):
    logs = tmp_path / "logs"
    (logs / "b").mkdir(parents=True)
    write_jsonl(logs / "a.jsonl", [{**GOOD, "request_id": "a"}])
    with gzip.open(logs / "b" / "c.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({**GOOD, "request_id": "c"}) + "\n")
    with gzip.open(logs / "b" / "d.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write("request_id,timestamp,owner_uin,action,region\nd,2026-10-05T13:45:12Z,1,IDCardOCR,ap-shanghai\n")
    (logs / "b" / "notes.txt").write_text("not a log")
    result = ingest(tmp_path / "wh", logs)
    check_invariant(result)
    assert result.accepted == 3
    names = [Path(f["path"]).name for f in result.files]
    assert names == ["a.jsonl", "c.jsonl.gz", "d.csv.gz", "notes.txt"]  # sorted by path
    assert "ignored" in result.files[-1]["skipped_reason"]
    assert result.files[-1]["read"] == 0
    assert len(Warehouse(tmp_path / "wh").commits()) == 3  # one batch per file
    assert sorted(c["request_id"] for c in table(tmp_path / "wh", "calls")) == ["a", "c", "d"]


def truncated_gz(path: Path, records: list[dict]) -> Path:
    """A .gz file cut in the middle of its stream, as a failed copy leaves it."""
    data = gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode(), mtime=0)
    path.write_bytes(data[: len(data) // 2])
    return path


def test_an_unreadable_gzip_is_reported_and_the_other_files_go_ahead(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    truncated_gz(logs / "a.jsonl.gz", [{**GOOD, "request_id": f"g{i}"} for i in range(3000)])
    write_jsonl(logs / "b.jsonl", [{**GOOD, "request_id": "b"}])
    result = ingest(tmp_path / "wh", logs)
    check_invariant(result)
    (reason,) = result.unreadable_files
    assert reason.startswith(f"{(logs / 'a.jsonl.gz').resolve()}: cannot read: ")
    assert [(Path(f["path"]).name, f["read"], f["batch_id"]) for f in result.files][0] == ("a.jsonl.gz", 0, None)
    assert "nothing of it was ingested" in result.files[0]["skipped_reason"]
    assert [c["request_id"] for c in table(tmp_path / "wh", "calls")] == ["b"]
    assert len(Warehouse(tmp_path / "wh").commits()) == 1  # the broken file left nothing behind
    assert not any((tmp_path / "wh" / "_staging").iterdir())


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(IngestError, match="nope.jsonl"):
        ingest(tmp_path / "wh", tmp_path / "nope.jsonl")


@pytest.mark.parametrize("name", ["calls.ndjson", "calls.NDJSON.gz", "calls.json", "calls.json.gz"])
def test_json_lines_under_other_names(tmp_path, name):
    """`.ndjson` anywhere; `.json` when the file is named (in a folder it is skipped: manifests)."""
    src = tmp_path / name
    data = (json.dumps({**GOOD, "request_id": "n1"}) + "\n").encode()
    src.write_bytes(gzip.compress(data, mtime=0) if name.lower().endswith(".gz") else data)
    assert ingest(tmp_path / "wh", src).accepted == 1
    in_folder = ingest(tmp_path / "wh2", tmp_path)
    assert in_folder.accepted == (1 if ".ndjson" in name.lower() else 0)


def test_a_named_file_that_is_not_a_call_log_is_an_error(tmp_path):
    (tmp_path / "README.md").write_text("# notes\n")
    with pytest.raises(IngestError, match=r"README.md: not a call log: expected .jsonl, .ndjson or .csv"):
        ingest(tmp_path / "wh", tmp_path / "README.md")
    assert not (tmp_path / "wh" / "calls").exists()


# --- exactly once --------------------------------------------------------------------------


def test_duplicates_across_files_and_conflicts(tmp_path):
    first = write_jsonl(tmp_path / "1.jsonl", [{**GOOD, "request_id": "a"}, {**GOOD, "request_id": "b"}])
    second = write_jsonl(
        tmp_path / "2.jsonl",
        [
            {**GOOD, "request_id": "a"},  # duplicate of 1.jsonl:1
            {**GOOD, "request_id": "b", "error_code": "FailedOperation.ImageBlur"},  # conflict
            {**GOOD, "request_id": "c"},
            {**GOOD, "request_id": "c"},  # duplicate within the file
            {**GOOD, "request_id": "b", "action": "Nope"},  # quarantined first: not a duplicate
        ],
    )
    wh = tmp_path / "wh"
    r1 = ingest(wh, first)
    r2 = ingest(wh, second)
    for r in (r1, r2):
        check_invariant(r)
    assert (r2.read, r2.accepted, r2.duplicates, r2.conflicts, r2.quarantined) == (5, 1, 3, 1, 1)
    dups = table(wh, "duplicates")
    batch1 = r1.files[0]["batch_id"]
    batch2 = r2.files[0]["batch_id"]
    got = [
        (d["request_id"], d["kind"], d["source_line"], d["first_batch_id"], d["first_source_line"])
        for d in dups
    ]
    assert got == [("a", "duplicate", 1, batch1, 1), ("b", "conflict", 2, batch1, 2), ("c", "duplicate", 4, batch2, 3)]
    assert dups[0]["first_source_file"] == str(first.resolve())
    assert sorted(c["request_id"] for c in table(wh, "calls")) == ["a", "b", "c"]
    # the kept version of b is the first one
    assert [c["error_code"] for c in table(wh, "calls") if c["request_id"] == "b"] == [None]
    # spec §1.1: a conflict is listed with both versions (the `conflicts` view)
    con = duckdb.connect()
    attach_warehouse(con, Warehouse(wh))
    [(rid, kept_line, kept, other_line, other)] = con.execute(
        "SELECT request_id, kept_source_line, kept_version, other_source_line, other_version FROM conflicts"
    ).fetchall()
    assert (rid, kept_line, other_line) == ("b", 2, 2)
    assert json.loads(kept)["error_code"] is None and json.loads(kept)["action"] == "GeneralBasicOCR"
    assert json.loads(other)["error_code"] == "FailedOperation.ImageBlur"


def test_reingest_reports_the_earlier_verdicts_even_after_a_rule_change(tmp_path, monkeypatch):
    """The same bytes again: the committed batch's counts stand, not a new classification that
    could call records accepted that were never written."""
    wh = tmp_path / "wh"
    src = write_jsonl(tmp_path / "in.jsonl", [GOOD, {**GOOD, "request_id": "r2", "action": "NoSuchOCR"}])
    first = ingest(wh, src)
    assert (first.accepted, first.quarantined) == (1, 1)
    record = Warehouse(wh).commits()[0]
    record["counts"]["quarantined_by_reason"] = {"unknown_action": 1, "note": 0}  # as if other rules
    (wh / "_commits").joinpath(next(p.name for p in (wh / "_commits").glob("*.json"))).write_text(json.dumps(record))
    again = ingest(wh, src)
    assert (again.read, again.accepted, again.duplicates, again.quarantined) == (2, 0, 1, 1)
    assert again.quarantined_by_reason == {"unknown_action": 1, "note": 0}


def test_reingest_writes_nothing(tmp_path):
    wh = tmp_path / "wh"
    src = FIXTURES / "calls_mixed.jsonl"
    first = ingest(wh, src)
    before = snapshot(wh)
    again = ingest(wh, src)
    check_invariant(again)
    assert snapshot(wh) == before
    assert again.accepted == 0
    assert again.read == first.read
    assert again.quarantined == first.quarantined  # bad records classified as before
    assert again.duplicates == first.accepted + first.duplicates
    assert again.quarantined_by_reason == first.quarantined_by_reason
    assert "already ingested" in again.files[0]["skipped_reason"]
    # a copy under another name has the same bytes: also nothing written
    copy = tmp_path / "copy.jsonl"
    shutil.copy(src, copy)
    third = ingest(wh, copy)
    assert third.accepted == 0 and snapshot(wh) == before


def test_same_inputs_give_byte_identical_warehouses(tmp_path):
    inputs = [FIXTURES / "calls_mixed.jsonl", FIXTURES / "calls_mixed.csv"]
    ingest(tmp_path / "wh1", *inputs)
    ingest(tmp_path / "wh2", *inputs)
    assert snapshot(tmp_path / "wh1") == snapshot(tmp_path / "wh2")
    assert not (tmp_path / "wh1" / "_staging").exists() or not any((tmp_path / "wh1" / "_staging").iterdir())


def test_calls_are_written_in_source_line_order(tmp_path):
    records = [
        {**GOOD, "request_id": f"r{i:05d}", "timestamp": 1759643112345 + (i * 7919) % 100000 * 60000}
        for i in range(20000)
    ]
    src = write_jsonl(tmp_path / "in.jsonl", records)
    ingest(tmp_path / "wh", src)
    con = duckdb.connect()
    for path in Warehouse(tmp_path / "wh").files("calls"):
        lines = [r[0] for r in con.execute("SELECT source_line FROM read_parquet(?)", [str(path)]).fetchall()]
        assert lines == sorted(lines)


def test_as_dict_is_json_with_counts_first(tmp_path):
    result = ingest(tmp_path / "wh", FIXTURES / "calls_mixed.jsonl")
    data = result.as_dict()
    assert list(data)[:5] == ["read", "accepted", "duplicates", "conflicts", "quarantined"]
    assert json.loads(json.dumps(data)) == data
    assert set(data["files"][0]) >= {
        "path", "sha256", "read", "accepted", "duplicates", "conflicts", "quarantined", "skipped_reason",
    }


@pytest.mark.parametrize("plain", [True, False], ids=["plain_file", "blank_line"])
@pytest.mark.parametrize("field", ["request_id", "action", "tickets"])
def test_a_field_given_twice_is_quarantined(tmp_path, plain, field):
    """Which of two values counts is anybody's guess (DuckDB takes the first, Python the last):
    the record is quarantined, on every ingest path; a repeated field we do not read is fine."""
    good = json.dumps({**GOOD, "request_id": "ok", "extra": 1})[:-1] + ', "extra": 2}'
    value = {"request_id": '"r2"', "action": '"IDCardOCR"', "tickets": "[3]"}[field]
    base = {**GOOD, "request_id": "r1", "action": "MixedInvoiceOCR", "tickets": [3]}
    twice = json.dumps(base)[:-1] + f', "{field}": {value}}}'
    # a blank line makes the JSON reader's row count differ from the line count: no fast pass 1
    src = tmp_path / "in.jsonl"
    src.write_text(good + "\n" + twice + "\n" + ("" if plain else "\n"), encoding="utf-8")
    result = ingest(tmp_path / "wh", src)
    check_invariant(result)
    assert (result.read, result.accepted, result.quarantined_by_reason) == (2, 1, {"bad_value": 1})
    [row] = table(tmp_path / "wh", "quarantine")
    assert (row["source_line"], row["raw"]) == (2, twice)
    assert f"field {field} is given more than once" == row["detail"]
