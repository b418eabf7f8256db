"""DuckDB connections configured the same way for every stage."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

BILLING_TZ = "Asia/Shanghai"  # R1: the billing time zone (UTC+8, no DST since 1991)


def connect(
    database: str | Path = ":memory:",
    *,
    read_only: bool = False,
    temp_dir: Path | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with a memory cap, spill folder and UTC session time zone."""
    con = duckdb.connect(str(database), read_only=read_only)
    con.execute(f"SET memory_limit = '{os.environ.get('OCRBILL_MEMORY_LIMIT', '4GB')}'")
    # Timestamps are stored as naive UTC; local-time logic converts explicitly. A session
    # setting: a cursor of this connection would have the machine's time zone again.
    con.execute("SET TimeZone = 'UTC'")
    if temp_dir is not None:
        temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute("SET temp_directory = ?", [str(temp_dir)])
    return con

