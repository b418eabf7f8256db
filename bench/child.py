"""One measured step, run in its own process so that its peak RSS is its own.

Usage (by the bench scripts): python bench/child.py OP JSON_ARGS
Prints one JSON object: {"seconds": <time of the step alone>, ...step result}.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable


def bare(file: str, out: str) -> dict[str, Any]:
    """DuckDB reads the JSONL file and writes it to Parquet, nothing else (same memory_limit)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{os.environ.get('OCRBILL_MEMORY_LIMIT', '4GB')}'")
    quoted = file.replace("'", "''")
    t0 = time.perf_counter()
    con.execute(
        f"COPY (SELECT * FROM read_json('{quoted}', format='newline_delimited')) "
        f"TO '{out.replace(chr(39), chr(39) * 2)}' (FORMAT parquet)"
    )
    seconds = time.perf_counter() - t0
    rows = con.execute("SELECT count(*) FROM read_parquet(?)", [out]).fetchone()[0]
    return {"seconds": seconds, "rows": rows}


def floor(file: str, out: str) -> dict[str, Any]:
    """What no ingest that validates like ocrbill's can go below: DuckDB's JSON reader on every
    core, the validation of stg_calls.sql and the Parquet write, but no line numbers (they keep
    the reader on one core) and no duplicate search."""
    try:
        from ocrbill.db import connect
        from ocrbill.ingest import _PARQUET, _setup
        from ocrbill.paths import REFERENCE_DIR, sql_text
    except ImportError as exc:
        return {"unavailable": f"ocrbill.ingest: {exc}"}
    con = connect(temp_dir=Path(out).with_suffix(".tmp"))
    _setup(con, REFERENCE_DIR)
    for name in ("ingest_path", "ingest_source_file"):
        con.execute(f"SET VARIABLE {name} = ?", [file])
    con.execute("SET VARIABLE ingest_batch_id = 'floor'")
    fields = ("request_id", "timestamp", "owner_uin", "uin", "action", "region", "error_code",
              "images_total", "images_recognized", "tickets")  # fmt: skip
    columns = ", ".join(f"'{f}': 'VARCHAR'" for f in fields)
    # the shape of ingest_jsonl_records.sql, every line readable, all numbered 0
    con.execute(
        "CREATE TEMP VIEW ingest_records AS SELECT 0::BIGINT AS source_row, NULL::VARCHAR AS raw,"
        f" true AS readable, NULL::VARCHAR AS unreadable_detail, NULL::VARCHAR AS repeated_field, {', '.join(fields)}"
        f" FROM read_json(getvariable('ingest_path'), format = 'newline_delimited', columns = {{{columns}}})"
    )
    con.execute("CREATE TEMP VIEW ingest_all AS " + sql_text("stg_calls"))
    con.execute("CREATE TEMP VIEW ingest_routed AS " + sql_text("ingest_routed"))
    t0 = time.perf_counter()
    [(rows,)] = con.execute(
        f"COPY (SELECT * EXCLUDE (source_row, part) FROM ingest_routed) TO $out ({_PARQUET})", {"out": out}
    ).fetchall()
    return {"seconds": time.perf_counter() - t0, "rows": rows}


def _timed(fn: Callable[[], Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "result": result.as_dict() if hasattr(result, "as_dict") else str(result)}


def ingest(warehouse: str, file: str) -> dict[str, Any]:
    try:
        from ocrbill.ingest import ingest_paths
    except ImportError as exc:
        return {"unavailable": f"ocrbill.ingest.ingest_paths: {exc}"}
    return _timed(lambda: ingest_paths(Path(warehouse), [Path(file)]))


def events(warehouse: str, file: str) -> dict[str, Any]:
    try:
        from ocrbill.events import load_events
    except ImportError as exc:
        return {"unavailable": f"ocrbill.events.load_events: {exc}"}
    return _timed(lambda: load_events(Path(warehouse), [Path(file)]))


def bill(warehouse: str, month: str) -> dict[str, Any]:
    fn = None
    for module in ("ocrbill.rate", "ocrbill.export"):
        try:
            fn = getattr(__import__(module, fromlist=["bill_month"]), "bill_month")
            break
        except (ImportError, AttributeError):
            continue
    if fn is None:
        return {"unavailable": "bill_month not found in ocrbill.rate or ocrbill.export"}
    stages: list[list[Any]] = []  # [progress message, seconds until the next one]
    last = [time.perf_counter()]

    def progress(message: str) -> None:
        now = time.perf_counter()
        if stages:
            stages[-1][1] = round(now - last[0], 3)
        stages.append([message, None])
        last[0] = now

    result = _timed(lambda: fn(Path(warehouse), month, progress=progress))
    if stages:
        stages[-1][1] = round(time.perf_counter() - last[0], 3)
    return {"function": f"{fn.__module__}.bill_month", **result, "stages": stages}


def generate(file: str, events_file: str | None, calls: int, accounts: int, pack_accounts: int, month: str, seed: int) -> dict[str, Any]:
    from ocrbill.bench_samples import write_bench_events, write_bench_logs

    t0 = time.perf_counter()
    write_bench_logs(Path(file), calls=calls, accounts=accounts, month=month, seed=seed)
    seconds = time.perf_counter() - t0
    if events_file:
        write_bench_events(Path(events_file), accounts=accounts, pack_accounts=pack_accounts, month=month, seed=seed)
    return {"seconds": seconds, "bytes": Path(file).stat().st_size}


def peak_rss_kb() -> int | None:
    """VmHWM of this process image (after exec; ru_maxrss would include the parent's pages)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


OPS: dict[str, Callable[..., dict[str, Any]]] = {
    "generate": generate, "bare": bare, "floor": floor, "ingest": ingest, "events": events, "bill": bill,
}  # fmt: skip

if __name__ == "__main__":
    op, args = sys.argv[1], json.loads(sys.argv[2])
    result = OPS[op](**args)
    print(json.dumps({**result, "peak_rss_kb": peak_rss_kb()}, default=str, ensure_ascii=False))
