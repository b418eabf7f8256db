"""Prefect flows: a thin layer over the plain functions the CLI calls."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.schedules import Cron

from .events import load_events
from .export import bill_month
from .ingest import ingest_paths, unreadable_files_error
from .ingest_files import file_format

SHANGHAI = timezone(timedelta(hours=8))  # R1


# the seed: "每月1-3日统计上个月接口调用总量进行结算并生成对应账单" (a month is settled and billed on
# days 1-3 of the next)
CLOSING_DAYS = 3


def open_month(now: datetime | None = None) -> str:
    """The billing month that is open now, in Asia/Shanghai (R1)."""
    return (now or datetime.now(timezone.utc)).astimezone(SHANGHAI).strftime("%Y-%m")


def months_to_bill(now: datetime | None = None) -> list[str]:
    """What a nightly run bills: the open month and, on days 1-3 (Asia/Shanghai), the month that
    just closed, so that its bill takes the last calls that land after midnight."""
    now = now or datetime.now(timezone.utc)
    months = [open_month(now)]
    if now.astimezone(SHANGHAI).day <= CLOSING_DAYS:  # three days back is in the month before
        months.insert(0, open_month(now - timedelta(days=CLOSING_DAYS)))
    return months


@task(retries=2, retry_delay_seconds=5)
def ingest_task(warehouse: str, paths: list[str]) -> dict:
    """Ingest call logs (exactly once: re-runs accept nothing new)."""
    result = ingest_paths(Path(warehouse), [Path(p) for p in paths], progress=get_run_logger().info)
    return result.as_dict()


@task(retries=2, retry_delay_seconds=5)
def events_task(warehouse: str, paths: list[str]) -> dict:
    """Load account events (identical re-sent events are duplicates)."""
    result = load_events(Path(warehouse), [Path(p) for p in paths], progress=get_run_logger().info)
    return result.as_dict()


@task(retries=2, retry_delay_seconds=5)
def bill_task(warehouse: str, month: str) -> dict:
    """Rate the month and write its exports; the same inputs give byte-identical files."""
    result = bill_month(Path(warehouse), month, progress=get_run_logger().info)
    create_table_artifact(
        key=f"bill-summary-{month}",
        table=result.summary_rows,
        description=f"ocrbill bill summary for {month}",
    )
    return result.as_dict()


@flow(name="ingest")
def ingest_flow(warehouse: str, paths: list[str]) -> dict:
    """Ingest call logs into the warehouse."""
    return ingest_task(warehouse, paths)


@flow(name="monthly_bill")
def monthly_bill(warehouse: str, month: str) -> dict:
    """Rate one month and export its bill."""
    return bill_task(warehouse, month)


@flow(name="nightly")
def nightly(warehouse: str, landing: str, month: str | None = None) -> dict:
    """Ingest what is new in the landing folder, load its events, rate and export the open month
    (and on days 1-3 the month that just closed: `months_to_bill`), or `month` when given.

    Call logs are `landing/**/*.jsonl[.gz]` and `*.csv[.gz]` outside `landing/events/`;
    account events are `landing/events/*.jsonl[.gz]`. Files already ingested change nothing.
    """
    root = Path(landing)
    events_dir = root / "events"
    results: dict = {}
    if events_dir.is_dir():
        results["events"] = events_task(warehouse, [str(events_dir)])
    call_files = sorted(
        str(p)
        for p in root.rglob("*")
        if p.is_file() and events_dir not in p.parents and file_format(p) is not None
    )
    if call_files:
        results["ingest"] = ingest_task(warehouse, call_files)
    results["bills"] = {m: bill_task(warehouse, m) for m in ([month] if month else months_to_bill())}
    unreadable = results.get("ingest", {}).get("unreadable_files")
    if unreadable:  # billed with what could be read; the run fails so that someone looks
        raise unreadable_files_error(unreadable)
    return results


def nightly_deployment(warehouse: Path, landing: Path, cron: str = "0 2 * * *"):
    """The `nightly` flow as a deployment on a cron schedule in the billing time zone (R1)."""
    return nightly.to_deployment(
        name="ocrbill-nightly",
        schedule=Cron(cron, timezone="Asia/Shanghai"),
        parameters={"warehouse": str(warehouse.resolve()), "landing": str(landing.resolve())},
    )
