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
    _session(con)
    if temp_dir is not None:
        temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute("SET temp_directory = ?", [str(temp_dir)])
    return con


def _session(con: duckdb.DuckDBPyConnection) -> None:
    # Timestamps are stored as naive UTC; local-time logic converts explicitly. A session
    # setting: every connection and cursor needs it (TIMESTAMPTZ columns print in it).
    con.execute("SET TimeZone = 'UTC'")


def session_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor on `con`'s database with the session settings `connect` gives (a bare
    `cursor()` has the machine's time zone)."""
    cur = con.cursor()
    _session(cur)
    return cur
