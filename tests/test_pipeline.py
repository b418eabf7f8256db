"""The Prefect flows and the README quickstart, end to end (slow: real processes and flows)."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def quickstart(marker: str) -> str:
    """The fenced command after a README quickstart marker (what .ci/run executes)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- quickstart:{marker} -->\s*```bash\n(.+?)\n```", text, re.S)
    assert match, f"README has no quickstart:{marker} block"
    return match.group(1).strip()


def test_readme_quickstart_is_two_commands_that_ci_runs():
    setup, test = quickstart("setup"), quickstart("test")
    assert setup.endswith("ocrbill demo --warehouse warehouse")
    assert "pip install" in setup and "pytest" in test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "quickstart setup" in ci and "quickstart test" in ci


@pytest.mark.slow
def test_demo_command_bills_the_sample_month(tmp_path):
    """The demo part of the README's setup command, as a real process."""
    wh = tmp_path / "warehouse"
    proc = subprocess.run([sys.executable, "-m", "ocrbill", "demo", "--warehouse", str(wh)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    # every flag on the bill is explained to the newcomer, with its number of accounts
    assert "  unpriced (" in proc.stdout and "R11" in proc.stdout
    out = wh / "exports" / "2026-10"
    report = json.loads((out / "run_report.json").read_text(encoding="utf-8"))
    counts = report["ingest"]
    assert counts["read"] == counts["accepted"] + counts["duplicates"] + counts["quarantined"]
    assert counts["quarantined"] > 0 and counts["duplicates"] > 0
    with open(out / "bill_lines.csv", encoding="utf-8") as fh:
        lines = list(csv.DictReader(fh))
    assert {line["charge_type"] for line in lines} >= {"usage", "pack_purchase"}
    assert any(line["site"] == "international" for line in lines)
    for line in lines:
        split = int(line["free_units"]) + int(line["prepaid_units"]) + int(line["postpaid_units"])
        assert split == int(line["billable_units"])


@pytest.fixture(scope="module")
def prefect_harness(tmp_path_factory):
    """A throwaway Prefect API with PREFECT_HOME in a temp dir."""
    import os

    home = tmp_path_factory.mktemp("prefect-home")
    old = os.environ.get("PREFECT_HOME")
    os.environ["PREFECT_HOME"] = str(home)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield
    if old is None:
        os.environ.pop("PREFECT_HOME", None)
    else:
        os.environ["PREFECT_HOME"] = old


def _write_logs(folder: Path) -> None:
    from ocrbill.samples import write_sample_logs

    sample = write_sample_logs(folder, calls=600, accounts=8, month="2026-10")
    events = folder / "events"
    events.mkdir()
    sample["events_file"].rename(events / "events.jsonl")


@pytest.mark.slow
def test_nightly_flow_ingests_landing_and_bills_the_month(tmp_path, prefect_harness):
    from ocrbill.pipeline import nightly

    landing, wh = tmp_path / "landing", tmp_path / "wh"
    _write_logs(landing)
    first = nightly(str(wh), str(landing), month="2026-10")
    assert first["ingest"]["accepted"] > 0 and first["events"]["accepted"] > 0
    assert (wh / "exports" / "2026-10" / "bill_summary.parquet").is_file()
    again = nightly(str(wh), str(landing), month="2026-10")
    assert again["ingest"]["accepted"] == 0  # already ingested: exactly once
    assert again["bills"]["2026-10"]["total_amount"] == first["bills"]["2026-10"]["total_amount"]
    # a broken file in the landing folder: the rest is ingested and billed, and the run fails
    import gzip

    from ocrbill.ingest import IngestError

    (landing / "late").mkdir()
    (landing / "late" / "broken.jsonl.gz").write_bytes(gzip.compress(b'{"request_id":"x"}\n' * 5000)[:100])
    exports = wh / "exports" / "2026-10" / "bill_summary.parquet"
    exports.unlink()
    with pytest.raises(IngestError, match="broken.jsonl.gz: cannot read"):
        nightly(str(wh), str(landing), month="2026-10")
    assert exports.is_file()


@pytest.mark.slow
def test_monthly_bill_flow_publishes_a_summary_artifact(tmp_path, prefect_harness):
    from ocrbill.pipeline import ingest_flow, monthly_bill
    from prefect.client.orchestration import get_client

    landing, wh = tmp_path / "landing", tmp_path / "wh"
    _write_logs(landing)
    ingest_flow(str(wh), [str(landing / "calls_2026-10.jsonl")])
    result = monthly_bill(str(wh), "2026-10")
    assert result["accounts"] > 0

    async def artifact_keys():
        async with get_client() as client:
            return [a.key for a in await client.read_artifacts()]

    import asyncio

    assert "bill-summary-2026-10" in asyncio.run(artifact_keys())


def test_nightly_deployment_runs_on_a_shanghai_cron(tmp_path):
    from ocrbill.pipeline import nightly_deployment

    deployment = nightly_deployment(tmp_path / "wh", tmp_path / "landing", "30 1 * * *")
    (schedule,) = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 1 * * *", "Asia/Shanghai")
    assert deployment.parameters == {"warehouse": str((tmp_path / "wh").resolve()),
                                     "landing": str((tmp_path / "landing").resolve())}


@pytest.mark.parametrize(("now", "month"), [("2026-10-31T15:59:59+00:00", "2026-10"), ("2026-10-31T16:00:00+00:00", "2026-11")])
def test_R1_open_month_is_the_shanghai_month(now, month):
    from datetime import datetime

    from ocrbill.pipeline import open_month

    assert open_month(datetime.fromisoformat(now)) == month


@pytest.mark.parametrize(
    ("now", "months"),
    [
        ("2026-10-31T15:59:59+00:00", ["2026-10"]),  # Oct 31 23:59:59 in Shanghai
        ("2026-10-31T16:00:00+00:00", ["2026-10", "2026-11"]),  # Nov 1 00:00: October closes
        ("2026-11-03T15:59:59+00:00", ["2026-10", "2026-11"]),  # through Nov 3
        ("2026-11-03T16:00:00+00:00", ["2026-11"]),  # Nov 4: October's bill is out
        ("2026-12-31T16:00:00+00:00", ["2026-12", "2027-01"]),  # across the year
    ],
)
def test_nightly_bills_the_closed_month_on_days_1_to_3(now, months):
    """The seed bills a month on days 1-3 of the next ("每月1-3日...生成对应账单"): the nightly run
    re-rates it then, with the calls that landed after midnight."""
    from datetime import datetime

    from ocrbill.pipeline import months_to_bill

    assert months_to_bill(datetime.fromisoformat(now)) == months
