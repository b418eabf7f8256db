"""End to end through the command line: logs and events in, exported bills out."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
from ocrbill.cli import app
from typer.testing import CliRunner

runner = CliRunner()
CST = timezone(timedelta(hours=8))
OCT = datetime(2026, 10, 2, 9, 0, tzinfo=CST)


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def write_calls(path: Path, rows: list[dict]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def calls(n: int, action: str, owner: str = "100001", prefix: str = "r", start: datetime = OCT) -> list[dict]:
    return [
        {"request_id": f"{prefix}{i:07d}", "timestamp": (start + timedelta(seconds=i)).isoformat(),
         "owner_uin": owner, "action": action, "region": "ap-guangzhou"}
        for i in range(n)
    ]


def summary(warehouse: Path, month: str = "2026-10") -> dict[str, dict]:
    with open(warehouse / "exports" / month / "bill_summary.csv", encoding="utf-8") as fh:
        return {row["owner_uin"]: row for row in csv.DictReader(fh)}


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("action", "n", "total"),
    [
        ("IDCardOCR", 900, "0.00"),
        ("DriverLicenseOCR", 9000, "1200.00"),
        ("GeneralBasicOCR", 90000, "8900.00"),
        ("BankCardOCR", 900000, "53940.00"),
    ],
)
def test_seed_postpaid_examples_through_the_cli(tmp_path, action, n, total):
    wh = tmp_path / "wh"
    log = tmp_path / "calls.jsonl"
    # DuckDB writes the large logs fast; one call per second from 2026-10-02 09:00 (UTC+8)
    duckdb.execute(
        """
        COPY (
            SELECT 'r' || lpad(i::VARCHAR, 7, '0') AS request_id,
                   strftime(TIMESTAMP '2026-10-02 01:00:00' + to_seconds(i), '%Y-%m-%dT%H:%M:%SZ') AS timestamp,
                   '100001' AS owner_uin, ? AS action, 'ap-guangzhou' AS region
            FROM range(?) AS t(i)
        ) TO ? (FORMAT json)
        """,
        [action, n, str(log)],
    )
    counts = json.loads(invoke("ingest", "--warehouse", str(wh), "--json", str(log)))
    assert counts["accepted"] == n
    invoke("bill", "--warehouse", str(wh), "--month", "2026-10")
    rows = summary(wh)
    assert rows.get("100001", {"total_amount": "0.00"})["total_amount"] == total


def test_seed_prepaid_examples_through_the_cli(tmp_path):
    wh = tmp_path / "wh"
    log = write_calls(tmp_path / "calls.jsonl.gz", calls(2500, "BankCardOCR"))
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in [
        {"type": "pack_purchase", "pack_id": "bank-1", "owner_uin": "100001", "billing_item": "银行卡识别",
         "size": 1000, "price": 84, "purchased_at": "2026-10-01T10:00:00+08:00"},
        *[{"type": "pack_purchase", "pack_id": f"id-{i}", "owner_uin": "100002", "billing_item": "身份证识别",
           "size": 100000, "price": 3500, "purchased_at": "2026-10-01T10:00:00+08:00"} for i in range(3)],
    ]) + "\n", encoding="utf-8")
    invoke("ingest", "--warehouse", str(wh), str(log))
    assert "accepted 4" in invoke("events", "--warehouse", str(wh), str(events))
    invoke("bill", "--warehouse", str(wh), "--month", "2026-10")
    rows = summary(wh)
    assert rows["100001"]["total_amount"] == "159.00"
    assert rows["100002"]["total_amount"] == "10500.00"


def test_mixed_invoice_one_large_two_small_through_the_cli(tmp_path):
    wh = tmp_path / "wh"
    log = write_calls(tmp_path / "calls.jsonl", [
        {"request_id": "m1", "timestamp": "2026-10-05T13:45:12.345+08:00", "owner_uin": "100001",
         "action": "MixedInvoiceOCR", "region": "ap-guangzhou", "tickets": [3, 8, 2]}])
    invoke("ingest", "--warehouse", str(wh), str(log))
    invoke("bill", "--warehouse", str(wh), "--month", "2026-10")
    out = invoke("sql", "--warehouse", str(wh), "--csv",
                 "select billing_item, billable_units from usage order by billing_item")
    assert out.splitlines() == ["billing_item,billable_units", "通用票据识别（大票）,1", "通用票据识别（小票）,2"]


def test_bill_is_byte_identical_when_rerun_and_unchanged_by_file_split_and_order(tmp_path):
    rows = calls(1500, "IDCardOCR") + calls(300, "MixedInvoiceOCR", prefix="m") + calls(200, "IDCardOCR", owner="100002", prefix="x")
    for row in rows[1500:1800]:
        row["tickets"] = [3, 9]
    one = tmp_path / "one"
    write_calls(tmp_path / "all.jsonl", rows)
    invoke("ingest", "--warehouse", str(one), str(tmp_path / "all.jsonl"))
    invoke("bill", "--warehouse", str(one), "--month", "2026-10")
    first = digest(one / "exports" / "2026-10")
    invoke("bill", "--warehouse", str(one), "--month", "2026-10")
    assert digest(one / "exports" / "2026-10") == first

    split = tmp_path / "split"
    parts = tmp_path / "parts"
    parts.mkdir()
    reversed_rows = list(reversed(rows))
    write_calls(parts / "a.jsonl", reversed_rows[:700])
    write_calls(parts / "b.jsonl.gz", reversed_rows[700:])
    invoke("ingest", "--warehouse", str(split), str(parts))
    invoke("bill", "--warehouse", str(split), "--month", "2026-10")
    got = digest(split / "exports" / "2026-10")
    for name in ("bill_lines.csv", "bill_summary.csv", "pack_balances.csv", "focus.csv", "alerts.csv"):
        assert got[name] == first[name], name


def test_exports_have_csv_and_parquet_and_a_report_that_reconciles(tmp_path):
    wh = tmp_path / "wh"
    log = tmp_path / "calls.jsonl"
    rows = calls(20, "IDCardOCR")
    lines = [json.dumps(r) for r in rows] + [json.dumps(rows[0]), "{broken", json.dumps({**rows[1], "request_id": "q", "action": "Nope"})]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    invoke("ingest", "--warehouse", str(wh), str(log))
    invoke("bill", "--warehouse", str(wh), "--month", "2026-10")
    out = wh / "exports" / "2026-10"
    for table in ("bill_lines", "bill_summary", "pack_balances", "alerts", "focus"):
        assert (out / f"{table}.csv").is_file() and (out / f"{table}.parquet").is_file()
    report = json.loads((out / "run_report.json").read_text(encoding="utf-8"))
    assert report["ingest"] == {"read": 23, "accepted": 20, "duplicates": 1, "conflicts": 0, "quarantined": 2}
    assert report["ingest_reconciles"] is True
    assert {i["key"] for i in report["issues"]["quarantine_reason"]} == {"unreadable", "unknown_action"}


def test_csv_exports_are_safe_to_open_in_a_spreadsheet(tmp_path):
    wh = tmp_path / "wh"
    log = write_calls(tmp_path / "calls.jsonl", calls(3, "IDCardOCR", owner="=HYPERLINK(\"http://x\")"))
    invoke("ingest", "--warehouse", str(wh), str(log))
    invoke("bill", "--warehouse", str(wh), "--month", "2026-10")
    text = (wh / "exports" / "2026-10" / "bill_lines.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text
    assert not any(cell.startswith(("=", "+", "@")) for row in csv.reader(text.splitlines()) for cell in row)
    out = invoke("sql", "--warehouse", str(wh), "--csv", "select owner_uin from calls limit 1")
    assert list(csv.reader(out.splitlines()))[1] == ["'=HYPERLINK(\"http://x\")"]


@pytest.mark.parametrize(
    "query",
    [
        "copy (select 1) to 'x.csv'",
        "create table t as select 1",
        "select * from read_csv('/etc/passwd')",
        "attach 'other.db'",
        "set enable_external_access = true",
        "select 1; drop view calls",
    ],
)
def test_sql_is_read_only(tmp_path, query):
    wh = tmp_path / "wh"
    write_calls(tmp_path / "c.jsonl", calls(1, "IDCardOCR"))
    invoke("ingest", "--warehouse", str(wh), str(tmp_path / "c.jsonl"))
    before = digest(wh)
    result = runner.invoke(app, ["sql", "--warehouse", str(wh), query])
    assert result.exit_code != 0
    assert "ocrbill: error:" in result.stderr
    assert digest(wh) == before


def test_errors_are_one_line_and_non_zero(tmp_path):
    result = runner.invoke(app, ["bill", "--warehouse", str(tmp_path), "--month", "2026-13"])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "YYYY-MM" in result.stderr
    missing = runner.invoke(app, ["ingest", "--warehouse", str(tmp_path), str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 1 and "nope.jsonl" in missing.stderr
    # a long reason stays on one line, also when stderr is not a terminal (no folding at 80)
    deep = tmp_path / ("a-folder-with-a-long-name-" * 6) / "calls.jsonl"
    long = runner.invoke(app, ["ingest", "--warehouse", str(tmp_path), str(deep)])
    assert long.exit_code == 1 and len(long.stderr.strip()) > 150
    assert long.stderr.strip().count("\n") == 0 and str(deep) in long.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bill"], "Missing option '--month'. (see ocrbill bill --help)"),
        (["sql", "select 1", "extra"], "Got unexpected extra argument(s) (extra) (see ocrbill sql --help)"),
        (["nope"], "No such command 'nope'. (see ocrbill --help)"),
    ],
)
def test_usage_errors_are_one_line_too(args, message):
    """Spec §4: non-zero with a one-line reason, also for a usage error (the `ocrbill` script)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "ocrbill", *args], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr == f"ocrbill: error: {message}\n"


def test_reading_commands_need_an_existing_warehouse(tmp_path):
    for args in (["bill", "--month", "2026-10"], ["sql", "select 1"], ["alerts"]):
        result = runner.invoke(app, [*args, "--warehouse", str(tmp_path / "typo")])
        assert result.exit_code == 1 and "no warehouse at" in result.stderr
        assert not (tmp_path / "typo").exists()  # nothing created for a mistyped path
    bad_month = runner.invoke(app, ["alerts", "--warehouse", str(tmp_path), "--month", "x"])
    assert bad_month.exit_code == 1 and "YYYY-MM" in bad_month.stderr


def test_a_broken_gzip_fails_the_run_after_the_other_files(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    data = gzip.compress(b"".join(b'{"request_id":"g%d"}\n' % i for i in range(5000)), mtime=0)
    (logs / "a.jsonl.gz").write_bytes(data[: len(data) // 2])
    write_calls(logs / "b.jsonl", calls(1, "IDCardOCR", prefix="b"))
    result = runner.invoke(app, ["ingest", "--warehouse", str(tmp_path / "wh"), "--json", str(logs)])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["accepted"] == 1  # b.jsonl went ahead
    assert result.stderr.strip().count("\n") == 0
    assert "1 file(s) not ingested" in result.stderr and "a.jsonl.gz: cannot read" in result.stderr


def test_warehouse_defaults_to_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("OCRBILL_WAREHOUSE", str(tmp_path / "from-env"))
    write_calls(tmp_path / "c.jsonl", calls(2, "IDCardOCR"))
    invoke("ingest", str(tmp_path / "c.jsonl"))
    assert (tmp_path / "from-env" / "_commits").is_dir()


def test_help_explains_every_command():
    out = invoke("--help")
    for command in ("ingest", "events", "bill", "sql", "demo", "alerts", "serve"):
        assert command in out
    assert "--month" in invoke("bill", "--help")


def test_alerts_command_lists_the_month_alerts(tmp_path):
    wh = tmp_path / "wh"
    write_calls(tmp_path / "c.jsonl", calls(1000, "IDCardOCR"))
    invoke("ingest", "--warehouse", str(wh), str(tmp_path / "c.jsonl"))
    invoke("bill", "--warehouse", str(wh), "--month", "2026-10")
    out = invoke("alerts", "--warehouse", str(wh), "--month", "2026-10", "--owner", "100001", "--csv")
    rows = list(csv.DictReader(out.splitlines()))
    assert [(r["kind"], r["request_id"]) for r in rows] == [("exhausted", "r0000999"), ("low", "r0000800")]
    # the instants read as the exported alerts.csv writes them
    with open(wh / "exports" / "2026-10" / "alerts.csv", encoding="utf-8") as fh:
        exported = {r["request_id"]: r["triggered_at"] for r in csv.DictReader(fh)}
    assert {r["request_id"]: r["triggered_at"] for r in rows} == exported
    assert all(r["triggered_at"].endswith("Z") for r in rows)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2026, 10, 1, 16, 0, tzinfo=timezone.utc), "2026-10-01T16:00:00Z"),
        (datetime(2026, 10, 2, 0, 0, 0, 5000, tzinfo=timezone(timedelta(hours=8))), "2026-10-01T16:00:00.005Z"),
        (datetime(2026, 10, 1, 16, 0, 0, 123456), "2026-10-01T16:00:00.123456"),  # naive: no zone claimed
        ("=1+1", "=1+1"),  # (made safe by spreadsheet_safe afterwards)
        (None, None),
    ],
)
def test_sql_prints_instants_as_the_exports_write_them(value, text):
    from ocrbill.cli import _cell

    assert _cell(value) == text


def test_exports_do_not_depend_on_the_machines_time_zone(tmp_path):
    """Exports print times in UTC whatever the machine's zone (focus has TIMESTAMPTZ columns;
    a connection or cursor without db.connect's session setting would use the machine's), and
    the FOCUS CSV writes them as FOCUS 1.2 does."""
    import os
    import subprocess
    import sys

    src = write_calls(tmp_path / "calls.jsonl", calls(1200, "IDCardOCR"))
    outputs = {}
    for zone in ("UTC", "Asia/Tokyo"):
        wh = tmp_path / zone.replace("/", "_")
        env = {**os.environ, "TZ": zone}
        for args in (["ingest", "--warehouse", str(wh), str(src)], ["bill", "--warehouse", str(wh), "--month", "2026-10"]):
            done = subprocess.run([sys.executable, "-m", "ocrbill", *args], env=env, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
        outputs[zone] = digest(wh / "exports" / "2026-10")
    assert outputs["UTC"] == outputs["Asia/Tokyo"]
    # FOCUS 1.2 date-times: ISO 8601 in UTC with the `Z` designator
    with open(tmp_path / "Asia_Tokyo" / "exports" / "2026-10" / "focus.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["BillingPeriodStart"], r["BillingPeriodEnd"], r["ChargePeriodStart"], r["ChargePeriodEnd"])
            for r in rows} == {("2026-09-30T16:00:00Z", "2026-10-31T16:00:00Z") * 2}


# spec §3: the columns of each export (bill_lines: "at least" these, first)
SPEC_COLUMNS = {
    "bill_lines": ["billing_month", "owner_uin", "site", "billing_item", "charge_type", "ref_id", "calls",
                   "billable_units", "free_units", "prepaid_units", "postpaid_units", "tier_from",
                   "unit_price", "amount", "flags"],
    "pack_balances": ["pack_id", "owner_uin", "billing_item", "kind", "size", "effective_at", "expires_at",
                      "used_in_month", "used_total", "remaining", "status"],
    "alerts": ["owner_uin", "billing_item", "pack_id", "kind", "triggered_at", "request_id"],
}


def test_exports_carry_the_spec_columns_and_utc_instants(tmp_path):
    """pack_balances and alerts carry exactly spec §3's columns (the folder names the month; the
    `sql` views add billing_month back); instants are ISO 8601 UTC with `Z` in CSV, with the
    call's milliseconds, and TIMESTAMPTZ in Parquet."""
    wh = tmp_path / "wh"
    rows = calls(1000, "IDCardOCR")
    rows[-1]["timestamp"] = "2026-10-05T13:45:12.345+08:00"  # the call that empties the free pack
    invoke("ingest", "--warehouse", str(wh), str(write_calls(tmp_path / "c.jsonl", rows)))
    invoke("bill", "--warehouse", str(wh), "--month", "2026-10")
    out = wh / "exports" / "2026-10"
    for table, columns in SPEC_COLUMNS.items():
        with open(out / f"{table}.csv", encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        parquet = [c[0] for c in duckdb.sql(f"DESCRIBE SELECT * FROM '{out / table}.parquet'").fetchall()]
        assert header == parquet
        assert (header[: len(columns)] if table == "bill_lines" else header) == columns, table
    with open(out / "pack_balances.csv", encoding="utf-8") as fh:
        [pack] = list(csv.DictReader(fh))
    assert (pack["effective_at"], pack["expires_at"], pack["remaining"]) == ("2026-09-30T16:00:00Z", "2026-10-31T16:00:00Z", "0")
    with open(out / "alerts.csv", encoding="utf-8") as fh:
        alerts = {row["kind"]: row["triggered_at"] for row in csv.DictReader(fh)}
    assert alerts["exhausted"] == "2026-10-05T05:45:12.345Z"
    types = dict(duckdb.sql(f"DESCRIBE SELECT * FROM '{out}/alerts.parquet'").fetchall()[i][:2] for i in range(6))
    assert types["triggered_at"] == "TIMESTAMP WITH TIME ZONE"
    listed = invoke("sql", "--warehouse", str(wh), "--csv", "select billing_month, kind from alerts order by kind")
    assert listed.splitlines() == ["billing_month,kind", "2026-10,exhausted", "2026-10,low"]


def pack_charges_and_denied_refunds(wh: Path, month: str) -> tuple[list[tuple], list[tuple]]:
    """Bill `month`; its pack charge lines (charge_type, ref_id, amount) and denied refunds."""
    invoke("bill", "--warehouse", str(wh), "--month", month)
    out = wh / "exports" / month
    with open(out / "bill_lines.csv", encoding="utf-8") as fh:
        lines = sorted((r["charge_type"], r["ref_id"], r["amount"]) for r in csv.DictReader(fh))
    report = json.loads((out / "run_report.json").read_text(encoding="utf-8"))
    return lines, [(i["key"], i["detail"]) for i in report["issues"].get("refund_denied", [])]


def test_R20_refund_lines_before_their_purchase_lines_are_decided_not_lost(tmp_path):
    """An events file in time order may list a refund before its purchase: requested before the
    purchase, it is denied (before_purchase, in the run report); listed first but requested
    after, it is approved (-price)."""
    wh = tmp_path / "wh"
    pack = {"type": "pack_purchase", "owner_uin": "100001", "billing_item": "身份证识别", "size": 1000,
            "price": 120, "purchased_at": "2026-10-02T10:00:00+08:00"}
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in [
        {"type": "pack_refund", "pack_id": "early", "requested_at": "2026-10-01T10:00:00+08:00"},
        {"type": "pack_refund", "pack_id": "late", "requested_at": "2026-10-03T10:00:00+08:00"},
        {**pack, "pack_id": "early"},
        {**pack, "pack_id": "late"},
    ]), encoding="utf-8")
    invoke("events", "--warehouse", str(wh), str(events))
    charges, denied = pack_charges_and_denied_refunds(wh, "2026-10")
    assert charges == [("pack_purchase", "early", "120.00"), ("pack_purchase", "late", "120.00"),
                       ("pack_refund", "late", "-120.00")]
    assert denied == [("early", "before_purchase")]


def test_R20_refunds_loaded_in_a_run_before_their_purchases_are_decided_when_billed(tmp_path):
    """Events split over runs in any order give the same bill: refunds loaded before any run
    holds their purchase wait for the rating. One whose purchase never comes, or that names
    another account, is denied in the run report."""
    wh = tmp_path / "wh"
    pack = {"type": "pack_purchase", "owner_uin": "100001", "billing_item": "身份证识别", "size": 1000,
            "price": 120, "purchased_at": "2026-10-02T10:00:00+08:00"}
    refunds, packs = tmp_path / "refunds.jsonl", tmp_path / "packs.jsonl"
    refunds.write_text("".join(json.dumps(e) + "\n" for e in [
        {"type": "pack_refund", "pack_id": "mine", "requested_at": "2026-10-03T10:00:00+08:00"},
        {"type": "pack_refund", "pack_id": "theirs", "owner_uin": "9", "requested_at": "2026-10-03T10:00:00+08:00"},
        {"type": "pack_refund", "pack_id": "ghost", "requested_at": "2026-10-03T10:00:00+08:00"},
    ]), encoding="utf-8")
    packs.write_text("".join(json.dumps({**pack, "pack_id": p}) + "\n" for p in ("mine", "theirs")), encoding="utf-8")
    invoke("events", "--warehouse", str(wh), str(refunds))
    invoke("events", "--warehouse", str(wh), str(packs))
    charges, denied = pack_charges_and_denied_refunds(wh, "2026-10")
    assert charges == [("pack_purchase", "mine", "120.00"), ("pack_purchase", "theirs", "120.00"),
                       ("pack_refund", "mine", "-120.00")]
    assert denied == [("ghost", "unknown_pack"), ("theirs", "not_pack_owner")]
    one_run = tmp_path / "one_run"
    invoke("events", "--warehouse", str(one_run), str(packs), str(refunds))
    assert pack_charges_and_denied_refunds(one_run, "2026-10") == (charges, denied)


def test_overlapping_bills_of_one_month_leave_a_whole_export(tmp_path):
    """Runs of `ocrbill bill` that overlap share the staging folder's name: one writes at a time,
    and the export is whole, the same bytes as a run alone."""
    import subprocess
    import sys

    wh = tmp_path / "wh"
    invoke("ingest", "--warehouse", str(wh), str(write_calls(tmp_path / "c.jsonl", calls(1500, "IDCardOCR"))))
    invoke("bill", "--warehouse", str(wh), "--month", "2026-10")
    alone = digest(wh / "exports" / "2026-10")
    runs = [subprocess.Popen([sys.executable, "-m", "ocrbill", "bill", "--warehouse", str(wh), "--month", "2026-10"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(4)]
    assert [run.wait() for run in runs] == [0, 0, 0, 0], [run.stderr.read() for run in runs]
    assert digest(wh / "exports" / "2026-10") == alone
    assert sorted(p.name for p in (wh / "exports").iterdir()) == [".lock", "2026-10"]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ([""], {}),
        (["unpriced", "", "unpriced"], {"unpriced": 2}),
        (["postpaid_not_enabled;unpriced", "needs_contract_price"],
         {"needs_contract_price": 1, "postpaid_not_enabled": 1, "unpriced": 1}),
    ],
)
def test_demo_flag_legend_counts_accounts_per_flag(flags, expected):
    from ocrbill.cli import flag_counts

    assert flag_counts([{"flags": f} for f in flags]) == expected


def test_the_demo_legend_explains_flags_the_sql_sets():
    from ocrbill.cli import FLAG_MEANINGS
    from ocrbill.paths import SQL_DIR

    sql = " ".join(p.read_text(encoding="utf-8") for p in SQL_DIR.glob("*.sql"))
    assert [flag for flag in FLAG_MEANINGS if f"'{flag}'" not in sql] == []
