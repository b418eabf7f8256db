"""What a crash, a failure or hostile data must not do to the exports and to `ocrbill sql`."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from ocrbill import export
from ocrbill.cli import app
from ocrbill.export import bill_month, export_month
from ocrbill.ingest import ingest_paths
from ocrbill.rate import RatingError, check_month, rate_month
from ocrbill.warehouse import Warehouse
from typer.testing import CliRunner

runner = CliRunner()
OCT = datetime(2026, 10, 2, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def write_calls(path: Path, owners: list[str], prefix: str = "r") -> Path:
    """One IDCardOCR call per owner, a second apart."""
    with open(path, "w", encoding="utf-8") as fh:
        for i, owner in enumerate(owners):
            call = {"request_id": f"{prefix}{i}", "timestamp": (OCT + timedelta(seconds=i)).isoformat(),
                    "owner_uin": owner, "action": "IDCardOCR", "region": "ap-guangzhou"}
            fh.write(json.dumps(call, ensure_ascii=False) + "\n")
    return path


@pytest.fixture
def billed(tmp_path) -> Path:
    """A warehouse with October billed once."""
    wh = tmp_path / "wh"
    ingest_paths(wh, [write_calls(tmp_path / "a.jsonl", ["100", "200"])])
    bill_month(wh, "2026-10")
    return wh


def sql(wh: Path, query: str) -> list[str]:
    result = runner.invoke(app, ["sql", "--warehouse", str(wh), "--csv", query])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_a_failed_export_leaves_the_previous_one_whole(billed, monkeypatch):
    before = {p.name: p.read_bytes() for p in (billed / "exports" / "2026-10").iterdir()}

    def broken(con, month):
        raise RuntimeError("disk full")

    monkeypatch.setattr(export, "run_report", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        bill_month(billed, "2026-10")
    assert {p.name: p.read_bytes() for p in (billed / "exports" / "2026-10").iterdir()} == before
    assert sorted(p.name for p in (billed / "exports").iterdir()) == [".lock", "2026-10"]  # no staging left
    assert sql(billed, "select count(*) from usage") == ["count_star()", "2"]


def test_a_first_bill_killed_mid_export_leaves_sql_working(tmp_path):
    """A staging folder left by a killed first bill is not a month: the views do not see it."""
    wh = tmp_path / "wh"
    ingest_paths(wh, [write_calls(tmp_path / "a.jsonl", ["100"])])
    staging = wh / "exports" / ".staging-2026-10"
    staging.mkdir(parents=True)
    (staging / "bill_lines.parquet").write_bytes(b"half")
    assert sql(wh, "select count(*) from calls") == ["count_star()", "1"]


def test_a_crash_between_the_two_moves_loses_no_month(billed):
    """The instant after `exports/M` moved aside and before the new one moved in: readers use the
    aside copy, and the next bill moves it back before anything else."""
    exports = billed / "exports"
    os.replace(exports / "2026-10", exports / ".old-2026-10")
    assert sql(billed, "select owner_uin from bill_summary order by 1") == ["owner_uin", "100", "200"]
    assert sql(billed, "select count(*) from alerts where billing_month = '2026-10'")[0] == "count_star()"
    bill_month(billed, "2026-10")
    assert sorted(p.name for p in exports.iterdir()) == [".lock", "2026-10"]


def test_the_run_report_counts_the_snapshot_it_rated(tmp_path):
    """A batch committed while a month is rated is in neither its bill nor its run report."""
    wh = tmp_path / "wh"
    ingest_paths(wh, [write_calls(tmp_path / "a.jsonl", ["100", "200"])])
    con = rate_month(wh, "2026-10")
    try:
        ingest_paths(wh, [write_calls(tmp_path / "b.jsonl", ["300"], prefix="b")])  # lands meanwhile
        out = export_month(con, Warehouse(wh), "2026-10")
    finally:
        con.close()
    report = json.loads((out / "run_report.json").read_text(encoding="utf-8"))
    assert report["ingest"]["read"] == report["ingest"]["accepted"] == 2
    assert report["bill"]["accounts"] == 2


def test_sql_cannot_read_the_working_directory_temp_folder(billed, tmp_path, monkeypatch):
    """DuckDB allows its temp folder, by default `.tmp` in the working directory: `ocrbill sql`
    spills into a private folder instead, so `.tmp` stays out of reach."""
    (tmp_path / ".tmp").mkdir()
    (tmp_path / ".tmp" / "secret.txt").write_text("secret")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["sql", "--warehouse", str(billed), "select content from read_text('.tmp/secret.txt')"])
    assert result.exit_code == 1 and "secret" not in result.stdout


@pytest.mark.parametrize(
    ("owner", "shown"),
    [
        ("1[/x]", "1[/x]"),  # markup-like text is data, not a crash
        ("a[link=http://evil]click[/link]", "a[link=http://evil]click[/link]"),
        ("\x1b]8;;http://evil\x1b\\100\x1b[8m", "\\x1b]8;;http://evil\\x1b\\100\\x1b[8m"),  # escapes shown
        ("100\u202e002", "100\\u202e002"),  # a bidi override would show the id reversed
    ],
)
def test_sql_table_shows_values_as_they_are_and_escapes_control_characters(tmp_path, owner, shown):
    wh = tmp_path / "wh"
    ingest_paths(wh, [write_calls(tmp_path / "a.jsonl", [owner])])
    result = runner.invoke(
        app, ["sql", "--warehouse", str(wh), "select owner_uin from calls"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert shown in result.stdout
    assert "\x1b" not in result.stdout


def test_a_path_that_looks_like_markup_is_ingested(tmp_path):
    (tmp_path / "a[").mkdir()
    src = write_calls(tmp_path / "a[" / "q].jsonl", ["100"])  # its progress line holds `[/q]`
    other = write_calls(tmp_path / "b.jsonl", ["200"], prefix="b")
    result = runner.invoke(app, ["ingest", "--warehouse", str(tmp_path / "wh"), str(src), str(other)])
    assert result.exit_code == 0, result.output
    assert "accepted 2" in result.stdout


def test_sql_runs_one_select_at_a_time(billed):
    result = runner.invoke(app, ["sql", "--warehouse", str(billed), "select 1; select 2"])
    assert result.exit_code == 1 and "one SELECT at a time" in result.stderr


@pytest.mark.parametrize("month", ["2026-10\n", "٢٠٢٦-10", "2026-1", "2026-13", " 2026-10"])
def test_a_month_is_exactly_yyyy_mm(month):
    with pytest.raises(RatingError, match="YYYY-MM"):
        check_month(month)
