"""`ocrbill ingest`: call logs (spec §1.1) → warehouse tables `calls`, `quarantine`, `duplicates`.

Exactly-once ingestion. Each input file is one batch (one commit of the warehouse log):

1. its sha256 names the batch (`ingest-<sha256[:32]>`), so the same bytes always make the same
   batch and the same file names;
2. `sql/stg_calls.sql` reads, parses and validates every line in one DuckDB pass into the temp
   table `ingest_stg` (JSONL through `ingest_jsonl_records.sql`, CSV through
   `ingest_csv_records.sql`, both over the raw lines of `ingest_raw_lines.sql`, or of
   `ingest_raw_lines_stream.sql` for a plain JSON Lines file; see `_ingest_file` for the passes);
3. `sql/ingest_duplicates.sql` finds the valid records whose request_id is already committed
   (anti-join against the committed `calls`) or appeared on an earlier line of the file;
4. the batch is staged (`calls/billing_month=YYYY-MM/<batch>.parquet`, `quarantine/<batch>.parquet`,
   `duplicates/<batch>.parquet`) and committed; a crash before the commit record leaves the
   warehouse as it was (warehouse.recover removes the leftovers).

A file whose sha256 is already committed writes nothing: it is reported with its earlier batch's
verdicts (what that batch accepted counts as duplicates now).

Choices the spec leaves open (documented here and in the SQL):
- blank (whitespace-only) lines are not records: they are neither read nor quarantined;
- tickets on an action that is not billed per ticket (R4a) → `bad_value`; an empty list there is
  ignored; string fields are trimmed and an empty string counts as absent (in CSV, so does the text
  `null`, any case: JSON's null);
- JSON numbers are accepted for ids (their text); a digit string is epoch milliseconds in JSON as
  in CSV; a timestamp outside 2000..2099 is `bad_timestamp` (catches epoch seconds);
- a JSON record with a call field given twice → `bad_value` (DuckDB's JSON reader refuses such
  files, which then take the line-splitting path, whose ingest_jsonl_records.sql looks for them);
- the first failing check names the reason (order in stg_calls.sql);
- CSV records are one per physical line; for CSV, `raw` is that line;
- within a file only valid records claim a request_id; a quarantined line does not;
- `unknown_error_codes` counts the accepted records whose error code is not in the reference.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from .db import connect
from .ingest_files import (
    FORMATS_TEXT,
    LINE_SCHEMA,
    FileScan,
    IngestError,
    NotPlain,
    UnreadableFile,
    collect_files,
    is_gz,
    lf_copy,
    line_batches,
    scan_file,
)
from .paths import REFERENCE_DIR, sql_text
from .reference import load_reference
from .warehouse import Warehouse

_MONTH = re.compile(r"^\d{4}-\d{2}$")
# every Parquet file ingestion writes: format version 2 encodings and light zstd write faster
# than the defaults (v1, snappy) and make files about half the size; same bytes for same rows
_PARQUET = "FORMAT parquet, PARQUET_VERSION V2, COMPRESSION zstd, COMPRESSION_LEVEL 1"
_COUNT_KEYS = ("read", "accepted", "duplicates", "conflicts", "quarantined")


@dataclass
class IngestResult:
    """What one `ingest_paths` run read and did; for every run and every file
    read = accepted + duplicates + quarantined (conflicts are among the duplicates)."""

    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    quarantined: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    unknown_error_codes: dict[str, int] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    # "<path>: cannot read: <why>" of each file that could not be read at all (nothing written)
    unreadable_files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-able, the five counts first."""
        data = asdict(self)
        ordered = {key: data.pop(key) for key in _COUNT_KEYS}
        ordered.update(data)
        return ordered

    def _add(self, counts: dict[str, Any]) -> None:
        for key in _COUNT_KEYS:
            setattr(self, key, getattr(self, key) + counts[key])
        for attr in ("quarantined_by_reason", "unknown_error_codes"):
            merged = getattr(self, attr)
            for key, value in counts[attr].items():
                merged[key] = merged.get(key, 0) + value
            setattr(self, attr, dict(sorted(merged.items())))


def batch_id_for(sha256: str) -> str:
    """The batch of a source file: named by its content, so re-runs write the same names."""
    return f"ingest-{sha256[:32]}"


# Bigger files skip the one-parse path (_stage_fast): its table holds every record, ~1.7x the
# file's bytes, in memory up to memory_limit and in the temp folder beyond it; the three
# streaming passes need neither, whatever the file's size.
_FAST_MAX_BYTES = 4 << 30


def _use_stream(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    skip: np.ndarray | None = None,
    only: np.ndarray | None = None,
    starts: np.ndarray | None = None,
) -> None:
    """(Re)register `ingest_line_stream` (read by ingest_raw_lines_stream.sql) over `path`: an
    Arrow stream is read once, so before every query that reads the file."""
    reader = pa.RecordBatchReader.from_batches(LINE_SCHEMA, line_batches(path, skip, only, starts))
    con.register("ingest_line_stream", reader)


def _setup(con: duckdb.DuckDBPyConnection, ref_dir: Path) -> None:
    con.execute("SET enable_progress_bar = false")
    load_reference(con, ref_dir)
    con.execute(sql_text("ingest_dims"))
    con.execute(sql_text("macro_content_hash"))
    con.execute(sql_text("macro_ingest_values"))
    for name in ("ingest_path", "ingest_batch_id", "ingest_source_file", "ingest_month"):
        con.execute(f"SET VARIABLE {name} = NULL::VARCHAR")


def _lines_and_records(con: duckdb.DuckDBPyConnection, fmt: str, lines: str) -> None:
    """(Re)create the views `ingest_lines` (the lines to read, a query) and `ingest_records`
    (the format's adapter over them); views bind their file when created."""
    con.execute("CREATE OR REPLACE TEMP VIEW ingest_lines AS " + lines)
    adapter = "ingest_jsonl_records" if fmt == "jsonl" else "ingest_csv_records"
    con.execute("CREATE OR REPLACE TEMP VIEW ingest_records AS " + sql_text(adapter))


def _drop_rejects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE IF EXISTS reject_errors")
    con.execute("DROP TABLE IF EXISTS reject_scans")


def _has_rejects(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'reject_errors'"
        ).fetchone()[0]
        and con.execute("SELECT count(*) FROM reject_errors").fetchone()[0]
    )


def _stage(con: duckdb.DuckDBPyConnection, fmt: str) -> None:
    """Read and validate the whole file named by `ingest_path` into `ingest_stg` (one pass;
    the path for files with lines the reader cannot decode)."""
    _drop_rejects(con)
    con.execute("CREATE OR REPLACE TEMP VIEW ingest_raw_lines AS " + sql_text("ingest_raw_lines"))
    _lines_and_records(con, fmt, "SELECT * FROM ingest_raw_lines")
    con.execute("CREATE OR REPLACE TEMP VIEW ingest_dup_lines AS SELECT * FROM ingest_raw_lines")
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_stg AS " + sql_text("stg_calls"))
    if _has_rejects(con):
        _restore_rejected_lines(con)


def _restore_rejected_lines(con: duckdb.DuckDBPyConnection) -> None:
    """Lines the CSV reader could not decode are missing from the row numbering: renumber the
    lines after them and add them back as `unreadable` (rare path, all in SQL)."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE ingest_rejects AS
        SELECT line AS source_line, any_value(csv_line) AS raw,
               string_agg(DISTINCT error_type, ', ') AS detail
        FROM reject_errors GROUP BY line
        """
    )
    # reject j (1-based, by line) has `line - j` readable lines before it: a readable row k is
    # physical line k + (number of rejects with line - j < k)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE ingest_stg AS
        WITH gaps AS (
            SELECT source_line - row_number() OVER (ORDER BY source_line) AS gap,
                   row_number() OVER (ORDER BY source_line) AS j
            FROM ingest_rejects
        ), steps AS (SELECT gap, max(j) AS j FROM gaps GROUP BY gap)
        SELECT s.* REPLACE (s.source_row + coalesce(steps.j, 0) AS source_line)
        FROM ingest_stg AS s ASOF LEFT JOIN steps ON s.source_row > steps.gap
        UNION ALL BY NAME
        SELECT NULL::BIGINT AS source_row, source_line, 'unreadable' AS reason,
               'line cannot be decoded: ' || detail AS detail, raw, false AS error_code_known
        FROM ingest_rejects
        """
    )


def _committed_view(con: duckdb.DuckDBPyConnection, wh: Warehouse) -> None:
    """The view `ingest_committed_calls`: the dedup keys of every committed call."""
    committed = [str(p) for p in wh.files("calls")]
    if committed:
        con.execute("SET VARIABLE ingest_committed_files = ?", [committed])
        con.execute(
            "CREATE OR REPLACE TEMP VIEW ingest_committed_calls AS "
            + sql_text("ingest_committed_calls")
        )
    else:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW ingest_committed_calls AS "
            + sql_text("ingest_committed_calls_empty")
        )


def _classify(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Find duplicates (`ingest_dups`) and count the file's outcome (whole-file `ingest_stg`)."""
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_dups AS " + sql_text("ingest_duplicates"))
    read, valid, quarantined = con.execute(
        "SELECT count(*), count(*) FILTER (reason IS NULL), count(*) FILTER (reason IS NOT NULL)"
        " FROM ingest_stg"
    ).fetchone()
    duplicates, conflicts = con.execute(
        "SELECT count(*), count(*) FILTER (kind = 'conflict') FROM ingest_dups"
    ).fetchone()
    by_reason = dict(
        con.execute(
            "SELECT reason, count(*) FROM ingest_stg WHERE reason IS NOT NULL"
            " GROUP BY reason ORDER BY reason"
        ).fetchall()
    )
    unknown_codes = dict(
        con.execute(
            "SELECT error_code, count(*) FROM ingest_stg"
            " WHERE reason IS NULL AND NOT error_code_known"
            " AND source_row NOT IN (SELECT source_row FROM ingest_dups)"
            " GROUP BY error_code ORDER BY error_code"
        ).fetchall()
    )
    months = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT billing_month FROM ingest_stg WHERE reason IS NULL"
            " AND source_row NOT IN (SELECT source_row FROM ingest_dups) ORDER BY 1"
        ).fetchall()
    ]
    accepted = valid - duplicates
    assert read == accepted + duplicates + quarantined
    return {
        "read": read,
        "accepted": accepted,
        "duplicates": duplicates,
        "conflicts": conflicts,
        "quarantined": quarantined,
        "quarantined_by_reason": by_reason,
        "unknown_error_codes": unknown_codes,
        "_months": months,
    }


def _copy(con: duckdb.DuckDBPyConnection, model: str, target: Path) -> None:
    con.execute(
        f"COPY ({sql_text(model)}) TO $target ({_PARQUET})",
        {"target": str(target)},
    )


def _write_batch(
    con: duckdb.DuckDBPyConnection,
    wh: Warehouse,
    batch_id: str,
    source: dict[str, Any],
    counts: dict[str, Any],
) -> None:
    batch = wh.begin(batch_id, "ingest")
    for month in counts["_months"]:
        if not _MONTH.match(month or ""):
            raise IngestError(f"unexpected billing month {month!r}")
        con.execute("SET VARIABLE ingest_month = ?", [month])
        _copy(con, "ingest_calls", batch.path(f"calls/billing_month={month}/{batch_id}.parquet"))
    if counts["quarantined"]:
        _copy(con, "ingest_quarantine", batch.path(f"quarantine/{batch_id}.parquet"))
    if counts["duplicates"]:
        _copy(con, "ingest_duplicates_out", batch.path(f"duplicates/{batch_id}.parquet"))
    record_counts = {k: v for k, v in counts.items() if not k.startswith("_")}
    wh.commit(batch, sources=[source], counts=record_counts)


def _find_candidates(con: duckdb.DuckDBPyConnection, fmt: str, stream: Path | None = None) -> bool:
    """Pass 1: `ingest_cand_rows`, the lines that may be duplicates (one cheap read of the file:
    the request_id only). False when the file has lines the reader cannot decode. `stream`: read
    the lines through ingest_raw_lines_stream.sql (raises when the file is not plain enough)."""
    _drop_rejects(con)
    if stream is not None:
        _use_stream(con, stream)
        con.execute(
            "CREATE OR REPLACE TEMP VIEW ingest_raw_lines AS " + sql_text("ingest_raw_lines_stream")
        )
    else:
        con.execute("CREATE OR REPLACE TEMP VIEW ingest_raw_lines AS " + sql_text("ingest_raw_lines"))
    _lines_and_records(con, fmt, "SELECT * FROM ingest_raw_lines")
    keys = "ingest_jsonl_keys" if fmt == "jsonl" else "ingest_csv_keys"
    con.execute("CREATE OR REPLACE TEMP VIEW ingest_keys AS " + sql_text(keys))
    _candidate_rows(con)
    return stream is not None or not _has_rejects(con)


def _candidate_rows(con: duckdb.DuckDBPyConnection) -> None:
    """`ingest_key_rows` (each line's request_id, hashed; 16 bytes a line) from the view
    `ingest_keys`, then the candidate lines `ingest_cand_rows` from it."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ingest_key_rows AS SELECT source_row,"
        " CASE WHEN request_id IS NOT NULL THEN hash(request_id) END AS key_hash FROM ingest_keys"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_cand_rows AS " + sql_text("ingest_candidates"))


def _stage_fast(con: duckdb.DuckDBPyConnection) -> int | None:
    """Pass 1 of a plain JSON Lines file: every record read by DuckDB's JSON reader on every core
    and validated (stg_calls.sql over ingest_jsonl_fast_records.sql) into the table `ingest_fast`,
    in file order; returns the number of rows, or None when the reader refuses the file."""
    con.execute("CREATE OR REPLACE TEMP VIEW ingest_records AS " + sql_text("ingest_jsonl_fast_records"))
    try:
        # a table keeps the rows in file order (preserve_insertion_order), so rowid + 1 numbers
        # the lines (_fast_path_stands says when it may); the line numbers and content hashes
        # are added when read, so the table holds only what is written
        con.execute(
            "CREATE OR REPLACE TEMP TABLE ingest_fast AS SELECT * EXCLUDE"
            f" (source_row, source_line, content_hash) FROM ({sql_text('stg_calls')})"
        )
    except duckdb.Error:  # a line the reader refuses: the other paths record it as unreadable
        con.execute("DROP TABLE IF EXISTS ingest_fast")
        return None
    [(rows,)] = con.execute("SELECT count(*) FROM ingest_fast").fetchall()
    return rows


def _fast_path_stands(con: duckdb.DuckDBPyConnection, path: Path, scan: FileScan, rows: int | None) -> bool:
    """Whether pass 1 through the JSON reader (`rows` read, from _stage_fast) stands: the file is
    plain (no lone CR, long line, vertical tab or form feed) and the reader gave exactly one row
    per physical line, so that its row numbers are the line numbers. Then pass 2 reads the lines
    that may be duplicates or are quarantined again through the line splitter (for their raw
    text; `_find_duplicates`), and the fast path stands if both readers agree on them
    (`_merge_pass2_into_fast`). Else False, `ingest_fast` is dropped, and the file takes the
    other paths."""
    if (
        rows is None or scan.lone_cr or scan.long_line or scan.odd_space
        or not scan.lines or rows != scan.lines
    ):
        con.execute("DROP TABLE IF EXISTS ingest_fast")
        return False
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ingest_key_rows AS SELECT rowid + 1 AS source_row,"
        " CASE WHEN request_id IS NOT NULL THEN hash(request_id) END AS key_hash FROM ingest_fast"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ingest_cand_rows AS " + sql_text("ingest_candidates")
        + " UNION SELECT rowid + 1 FROM ingest_fast WHERE reason IS NOT NULL"
    )
    # pass 2 reads the split lines, numbered the same way
    _use_stream(con, path)
    con.execute("CREATE OR REPLACE TEMP VIEW ingest_raw_lines AS " + sql_text("ingest_raw_lines_stream"))
    try:
        _find_duplicates(con, "jsonl", path, scan.line_starts)
        agree = _merge_pass2_into_fast(con)
    except (duckdb.Error, NotPlain, pa.ArrowException):  # a line the splitter refuses
        agree = False
    if not agree:
        con.execute("DROP TABLE ingest_fast")
    return agree


def _merge_pass2_into_fast(con: duckdb.DuckDBPyConnection) -> bool:
    """False when a line that pass 2 read by number in Python is not what pass 1's reader gave
    that number (another request_id or another verdict: e.g. a line `null`, which the reader
    takes for an empty object). Else give the quarantined rows of `ingest_fast` their raw line,
    delete the duplicates from it (rowids stay: the line numbers hold) and return True."""
    [(bad,)] = con.execute(
        "SELECT count(*) FROM ingest_cand_rows AS c"
        " JOIN ingest_key_rows AS k USING (source_row)"
        " JOIN (SELECT rowid + 1 AS source_row, reason FROM ingest_fast) AS f USING (source_row)"
        " LEFT JOIN ingest_stg AS s USING (source_row)"
        " WHERE k.key_hash IS DISTINCT FROM CASE WHEN s.request_id IS NOT NULL THEN hash(s.request_id) END"
        " OR f.reason IS DISTINCT FROM s.reason"
    ).fetchall()
    if bad:
        return False
    con.execute(
        "UPDATE ingest_fast SET raw = s.raw FROM ingest_stg AS s"
        " WHERE s.reason IS NOT NULL AND ingest_fast.rowid + 1 = s.source_row"
    )
    con.execute("DELETE FROM ingest_fast WHERE rowid + 1 IN (SELECT source_row FROM ingest_dups)")
    return True


def _find_duplicates(
    con: duckdb.DuckDBPyConnection, fmt: str, stream: Path | None, starts: np.ndarray | None
) -> None:
    """Pass 2: read and validate the candidate lines only (`ingest_stg`, `ingest_cand_lines`)
    and find the duplicates among them (`ingest_dups`). `starts`: FileScan.line_starts."""
    _drop_rejects(con)
    (candidates,) = con.execute("SELECT count(*) FROM ingest_cand_rows").fetchone()
    if candidates:
        # a constant list, not `IN (SELECT ...)`: the optimizer cannot estimate the size of a
        # read_csv and may build the join's hash table on the whole file instead of the list
        con.execute(
            "SET VARIABLE ingest_cand_list = (SELECT list(source_row ORDER BY source_row)"
            " FROM ingest_cand_rows)"
        )
        if stream is not None:  # Python keeps the candidate lines only
            cand = con.execute("SELECT source_row FROM ingest_cand_rows ORDER BY 1").fetchnumpy()
            _use_stream(con, stream, only=np.asarray(cand["source_row"], dtype=np.int64), starts=starts)
            con.execute("CREATE OR REPLACE TEMP TABLE ingest_cand_lines AS SELECT * FROM ingest_raw_lines")
        else:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE ingest_cand_lines AS SELECT * FROM ingest_raw_lines"
                " WHERE list_contains(getvariable('ingest_cand_list'), source_row)"
            )
    else:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE ingest_cand_lines AS SELECT * FROM ingest_raw_lines LIMIT 0"
        )
    con.execute("CREATE OR REPLACE TEMP VIEW ingest_dup_lines AS SELECT * FROM ingest_cand_lines")
    if fmt == "jsonl":
        _lines_and_records(con, fmt, "SELECT * FROM ingest_cand_lines")
    else:  # the CSV adapter needs the header line: filter its records instead
        _lines_and_records(con, fmt, "SELECT * FROM ingest_raw_lines")
        con.execute(
            "CREATE OR REPLACE TEMP VIEW ingest_records AS SELECT * FROM ("
            + sql_text("ingest_csv_records")
            + ") WHERE source_row IN (SELECT source_row FROM ingest_cand_lines)"
        )
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_stg AS " + sql_text("stg_calls"))
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_dups AS " + sql_text("ingest_duplicates"))
    _drop_rejects(con)


def _write_main(
    con: duckdb.DuckDBPyConnection, fmt: str, work: Path, stream: Path | None, fast: bool
) -> dict[str, list[Path]]:
    """Pass 3: read, validate and write every record that is not a duplicate, in one streaming
    pass (`ingest_main.sql`), partitioned under `work`; returns the files by partition.
    `stream`: one ordered, parallel COPY, split by part afterwards (`_write_parts`); `fast`: the
    records are the rows of `ingest_fast` (validated in pass 1, duplicates deleted)."""
    if fast:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW ingest_all AS"
            " SELECT rowid + 1 AS source_row, rowid + 1 AS source_line, * FROM ingest_fast"
        )
    else:
        _lines_and_records(con, fmt, "SELECT * FROM ingest_raw_lines")
        con.execute("CREATE OR REPLACE TEMP VIEW ingest_all AS " + sql_text("stg_calls"))
    con.execute("CREATE OR REPLACE TEMP VIEW ingest_routed AS " + sql_text("ingest_routed"))
    shutil.rmtree(work, ignore_errors=True)
    if stream is not None:
        if not fast:  # the duplicates are left out of the stream (a join would lose the order)
            dups = con.execute("SELECT source_row FROM ingest_dups ORDER BY source_row").fetchnumpy()
            _use_stream(con, stream, np.asarray(dups["source_row"], dtype=np.int64))
        return _write_parts(con, work)
    # a partitioned write buffers rows per partition until this many (default 524,288): flush
    # every row group instead, so that its memory stays small
    con.execute("SET partitioned_write_flush_threshold = 122880")
    try:
        con.execute(
            f"COPY ({sql_text('ingest_main')}) TO $target ({_PARQUET}, PARTITION_BY (part))",
            {"target": str(work)},
        )
    finally:
        con.execute("RESET partitioned_write_flush_threshold")
    _drop_rejects(con)
    parts: dict[str, list[Path]] = {}
    if work.is_dir():
        for folder in sorted(work.iterdir()):
            key, _, value = folder.name.partition("=")
            if key != "part" or not (value == "quarantine" or _MONTH.match(value)):
                raise IngestError(f"unexpected partition {folder.name!r}")
            parts[value] = sorted(folder.glob("*.parquet"), key=lambda p: (len(p.name), p.name))
    return parts


def _write_parts(con: duckdb.DuckDBPyConnection, work: Path) -> dict[str, list[Path]]:
    """Pass 3 in parallel: every record of `ingest_routed` (the duplicates already left out), in
    file order, to one file in one COPY (a partitioned COPY does not keep the order of the file
    when it runs on several threads; nor does any join, so the duplicates are not anti-joined).
    That file is the month's calls file when every record is an accepted call of one month (the
    usual case); else it is split by part (a month, or 'quarantine': the rows whose site is
    NULL), each part in file order."""
    work.mkdir(parents=True, exist_ok=True)
    whole = work / "all.parquet"
    (written,) = con.execute(
        f"COPY (SELECT * EXCLUDE (source_row, part) FROM ingest_routed) TO $target ({_PARQUET})",
        {"target": str(whole)},
    ).fetchone()
    if not written:
        return {}
    con.execute("SET VARIABLE ingest_whole = ?", [str(whole)])
    # the usual case from the file's statistics alone: no NULL site (no quarantined
    # record) and the first and last ts_utc (+8 h, R1) in the same month
    (nulls, lo, hi) = con.execute(
        "SELECT sum(stats_null_count) FILTER (path_in_schema = 'site'),"
        " min(TRY_CAST(stats_min_value AS TIMESTAMP)) FILTER (path_in_schema = 'ts_utc'),"
        " max(TRY_CAST(stats_max_value AS TIMESTAMP)) FILTER (path_in_schema = 'ts_utc')"
        " FROM parquet_metadata(getvariable('ingest_whole'))"
    ).fetchone()
    if nulls == 0 and lo is not None and hi is not None:
        (lo_month, hi_month) = con.execute(
            "SELECT strftime(?::TIMESTAMP + INTERVAL 8 HOUR, '%Y-%m'),"
            " strftime(?::TIMESTAMP + INTERVAL 8 HOUR, '%Y-%m')",
            [lo, hi],
        ).fetchone()
        if lo_month == hi_month and _MONTH.match(lo_month or ""):
            return {lo_month: [whole]}
    found = con.execute(
        "SELECT CASE WHEN site IS NULL THEN 'quarantine'"
        " ELSE strftime(ts_utc + INTERVAL 8 HOUR, '%Y-%m') END AS part"  # as stg_calls.sql (R1)
        " FROM read_parquet(getvariable('ingest_whole')) GROUP BY ALL ORDER BY part"
    ).fetchall()
    values = [row[0] for row in found]
    for value in values:
        if value is None or not (value == "quarantine" or _MONTH.match(value)):
            raise IngestError(f"unexpected partition {value!r}")
    if len(values) == 1 and values[0] != "quarantine":
        return {values[0]: [whole]}
    parts: dict[str, list[Path]] = {}
    for value in values:
        target = work / f"part={value}" / "data_0.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        con.execute("SET VARIABLE ingest_part = ?", [value])
        con.execute(
            "COPY (SELECT * FROM read_parquet(getvariable('ingest_whole')) WHERE"
            " CASE WHEN site IS NULL THEN 'quarantine'"
            " ELSE strftime(ts_utc + INTERVAL 8 HOUR, '%Y-%m') END = getvariable('ingest_part'))"
            f" TO $target ({_PARQUET})",
            {"target": str(target)},
        )
        parts[value] = [target]
    whole.unlink()
    return parts


def _one_file(con: duckdb.DuckDBPyConnection, files: list[Path]) -> Path:
    """The partition as one file (DuckDB writes one per partition; if it ever wrote more, they
    are merged back in line order)."""
    if len(files) == 1:
        return files[0]
    merged = files[0].with_name("merged.parquet.tmp")
    con.execute(
        f"COPY (SELECT * FROM read_parquet($files) ORDER BY source_line) TO $target ({_PARQUET})",
        {"files": [str(f) for f in files], "target": str(merged)},
    )
    return merged


def _ingest_streaming(
    con: duckdb.DuckDBPyConnection,
    wh: Warehouse,
    fmt: str,
    batch_id: str,
    source: dict[str, Any],
    stream: Path | None,
    scan: FileScan,
    fast: bool = False,
) -> dict[str, Any]:
    """Passes 2 and 3 and the commit. `fast`: pass 1 read and validated every record through
    the JSON reader (`_stage_fast`)."""
    if not fast:  # the fast path's pass 2 ran in _fast_path_stands
        _find_duplicates(con, fmt, stream, scan.line_starts)
    batch = wh.begin(batch_id, "ingest")
    work = wh.root / "_staging" / f"_work-{batch_id}"  # under _staging: recover() removes it
    try:
        parts = _write_main(con, fmt, work, stream, fast)
        months = {m: _one_file(con, f) for m, f in parts.items() if m != "quarantine"}
        quarantine = _one_file(con, parts["quarantine"]) if "quarantine" in parts else None
        accepted = 0
        for file in months.values():
            accepted += con.execute("SELECT count(*) FROM read_parquet(?)", [str(file)]).fetchone()[0]
        by_reason: dict[str, int] = {}
        if quarantine is not None:
            by_reason = dict(
                con.execute(
                    "SELECT action AS reason, count(*) FROM read_parquet(?) GROUP BY 1 ORDER BY 1",
                    [str(quarantine)],
                ).fetchall()
            )
        unknown_codes: dict[str, int] = {}
        if months:
            unknown_codes = dict(
                con.execute(
                    "SELECT error_code, count(*) FROM read_parquet(?) WHERE error_code IS NOT NULL"
                    " AND error_code NOT IN (SELECT error_code FROM ingest_dim_error_codes)"
                    " GROUP BY error_code ORDER BY error_code",
                    [[str(f) for f in months.values()]],
                ).fetchall()
            )
        duplicates, conflicts = con.execute(
            "SELECT count(*), count(*) FILTER (kind = 'conflict') FROM ingest_dups"
        ).fetchone()
        quarantined = sum(by_reason.values())
        counts = {
            "read": accepted + duplicates + quarantined,
            "accepted": accepted,
            "duplicates": duplicates,
            "conflicts": conflicts,
            "quarantined": quarantined,
            "quarantined_by_reason": by_reason,
            "unknown_error_codes": unknown_codes,
        }
        for month, file in sorted(months.items()):
            os.replace(file, batch.path(f"calls/billing_month={month}/{batch_id}.parquet"))
        if quarantine is not None:
            con.execute("SET VARIABLE ingest_quarantine_part = ?", [str(quarantine)])
            _copy(con, "ingest_quarantine_main", batch.path(f"quarantine/{batch_id}.parquet"))
        if duplicates:
            _copy(con, "ingest_duplicates_out", batch.path(f"duplicates/{batch_id}.parquet"))
        shutil.rmtree(work, ignore_errors=True)
        wh.commit(batch, sources=[source], counts=counts)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return counts


def _ingest_file(con: duckdb.DuckDBPyConnection, wh: Warehouse, path: Path, fmt: str | None) -> dict[str, Any]:
    """One file, one batch.

    A JSON Lines file that DuckDB's JSON reader reads as exactly one object per line (the usual
    case) of at most _FAST_MAX_BYTES is read and validated once, on every core, into a table
    (`_stage_fast`); pass 2 reads again only the lines that may be duplicates or are quarantined
    (for their raw text); pass 3 writes the table, duplicates deleted, to Parquet in file order.
    Its memory is DuckDB's (`memory_limit`; the table spills to the temp folder beyond it).

    Other files take three streaming passes whose memory does not grow with the file: (1) the
    request_ids only, to find the few lines that may be duplicates; (2) those lines, validated,
    to find the duplicates; (3) every line, validated and written straight to Parquet in file
    order. A plain JSON Lines file (not compressed, UTF-8, no lone CR, NUL or 0x01 byte, no line
    over ~4 MB) is split into numbered lines by Python (`line_batches`) and read by DuckDB on
    every core; other files through read_csv WITH ORDINALITY (one core). A file with lines the
    reader cannot decode (invalid UTF-8, over-long lines) takes the whole-file path instead
    (`_stage`), which renumbers the lines after them."""
    source_file = str(path.resolve())
    info: dict[str, Any] = {"path": source_file, "sha256": None, "batch_id": None}
    if fmt is None:
        info.update({key: 0 for key in _COUNT_KEYS})
        info.update(
            quarantined_by_reason={},
            unknown_error_codes={},
            skipped_reason=f"not a call log ({FORMATS_TEXT}): ignored",
        )
        return info
    con.execute("SET VARIABLE ingest_path = ?", [source_file])
    con.execute("SET VARIABLE ingest_source_file = ?", [source_file])
    _committed_view(con, wh)
    # plain JSON Lines: lines split and numbered in Python, read by DuckDB on every core; else
    # (compressed, CSV, or bytes the splitter leaves to it) lines from read_csv WITH ORDINALITY
    stream = path if fmt == "jsonl" and not is_gz(path) else None
    staged = None
    if stream is not None and path.stat().st_size <= _FAST_MAX_BYTES:
        # plainer still (no lone CR, no long line, one JSON object on every line): every record
        # read and validated once, by DuckDB's JSON reader alone, while the file is hashed
        with ThreadPoolExecutor(max_workers=1) as pool:
            scanning = pool.submit(scan_file, path)
            staged = _stage_fast(con)
            scan = scanning.result()
    else:
        scan = scan_file(path)
    sha256, size = scan.sha256, scan.size
    batch_id = batch_id_for(sha256)
    info.update(sha256=sha256, batch_id=batch_id)
    con.execute("SET VARIABLE ingest_batch_id = ?", [batch_id])
    earlier = wh.committed_sources().get(sha256)
    if earlier is not None:
        # the same bytes were committed: nothing is written, and the earlier batch's verdicts
        # stand (what it accepted is a duplicate now), whatever the rules have become since
        _drop_file_tables(con)
        prior = earlier["counts"]
        info.update(
            read=prior["read"], accepted=0, duplicates=prior["accepted"] + prior["duplicates"],
            conflicts=prior["conflicts"], quarantined=prior["quarantined"],
            quarantined_by_reason=dict(prior.get("quarantined_by_reason", {})), unknown_error_codes={},
            skipped_reason=f"already ingested (batch {earlier['batch_id']}, {earlier['path']}): nothing written",
        )
        return info
    source = {"path": source_file, "sha256": sha256, "bytes": size}
    fast = _fast_path_stands(con, path, scan, staged)
    lf_path = wh.root / "_staging" / f"_lines-{batch_id}"  # under _staging: recover() removes it
    try:
        try:
            if fast:
                streaming = True
            elif stream is not None:
                try:
                    streaming = _find_candidates(con, fmt, stream)
                except (duckdb.Error, NotPlain, pa.ArrowException):
                    stream = None
            if stream is None:
                if scan.mixed_ends:  # the CSV reader reads the same lines, LF-ended, from a copy
                    lf_path.parent.mkdir(parents=True, exist_ok=True)
                    lf_copy(path, lf_path)
                    con.execute("SET VARIABLE ingest_path = ?", [str(lf_path)])
                streaming = _find_candidates(con, fmt)
            if not streaming:
                _stage(con, fmt)
        except duckdb.Error as exc:  # (out of memory, disk full, …: the run stops here)
            raise IngestError(f"{source_file}: cannot read: {exc}") from exc
        if streaming:
            counts = _ingest_streaming(con, wh, fmt, batch_id, source, stream, scan, fast)
        else:
            counts = _classify(con)
            _write_batch(con, wh, batch_id, source, counts)
    finally:
        lf_path.unlink(missing_ok=True)
    info.update({k: v for k, v in counts.items() if not k.startswith("_")})
    info["skipped_reason"] = None
    _drop_file_tables(con)
    return info


def unreadable_files_error(unreadable_files: list[str]) -> IngestError:
    """The one-line failure of a run that could not read some files (the others went ahead)."""
    return IngestError(f"{len(unreadable_files)} file(s) not ingested: " + "; ".join(unreadable_files))


def _drop_file_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the tables one file's ingest builds, so that the next file starts clean."""
    for table in ("ingest_fast", "ingest_stg", "ingest_dups", "ingest_cand_rows", "ingest_cand_lines", "ingest_key_rows"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _unreadable_info(path: Path, exc: UnreadableFile) -> dict[str, Any]:
    """The per-file entry of a file that could not be read: nothing of it is written."""
    return {
        "path": str(path.resolve()), "sha256": None, "batch_id": None,
        **{key: 0 for key in _COUNT_KEYS}, "quarantined_by_reason": {}, "unknown_error_codes": {},
        "skipped_reason": f"{exc}; nothing of it was ingested",
    }


def ingest_paths(
    warehouse: Path,
    paths: list[Path],
    *,
    progress: Callable[[str], None] | None = None,
    reference_dir: Path | None = None,
) -> IngestResult:
    """Ingest call-log files and folders into `warehouse`, one committed batch per file.

    Raises IngestError when a path does not exist. A file that cannot be read at all (a broken
    gzip stream) is listed in `unreadable_files` and the other files go ahead. Records that
    cannot be accepted never raise: they are quarantined or counted as duplicates.
    """
    files = collect_files([Path(p) for p in paths])
    wh = Warehouse(warehouse)
    result = IngestResult()
    with wh.writer():
        tmp = wh.root / "_staging" / "_duckdb_tmp"
        con = connect(temp_dir=tmp)
        try:
            _setup(con, Path(reference_dir) if reference_dir is not None else REFERENCE_DIR)
            for index, (path, fmt) in enumerate(files, 1):
                try:
                    info = _ingest_file(con, wh, path, fmt)
                except UnreadableFile as exc:
                    # nothing of the file was written (it fails before its batch is staged): the
                    # other files go ahead, and the run reports it (the CLI then exits non-zero)
                    _drop_file_tables(con)
                    info = _unreadable_info(path, exc)
                    result.unreadable_files.append(str(exc))
                if info["sha256"] is not None:
                    result._add(info)
                per_file = {
                    key: info[key]
                    for key in ("path", "sha256", "batch_id", *_COUNT_KEYS, "skipped_reason")
                }
                result.files.append(per_file)
                if progress is not None:
                    note = f" ({info['skipped_reason']})" if info["skipped_reason"] else ""
                    progress(
                        f"[{index}/{len(files)}] {info['path']}: read {info['read']}, "
                        f"accepted {info['accepted']}, duplicates {info['duplicates']} "
                        f"(conflicts {info['conflicts']}), quarantined {info['quarantined']}{note}"
                    )
        finally:
            con.close()
            shutil.rmtree(tmp, ignore_errors=True)
    return result
