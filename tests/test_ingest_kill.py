"""kill -9 in the middle of ingesting a large file leaves the warehouse as it was before that
file; the next run recovers and ends in the same state as a clean single run."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ocrbill.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
REF = FIXTURES / "reference"
FLOWS = Path(__file__).resolve().parents[1] / "flows"
LINES = 1_000_000

RUN = """
import sys
from pathlib import Path
from ocrbill.ingest import ingest_paths
ingest_paths(Path(sys.argv[1]), [Path(p) for p in sys.argv[3:]], reference_dir=Path(sys.argv[2]))
"""


def make_big_file(path: Path) -> None:
    """LINES JSONL records (some duplicates, some bad lines), written by DuckDB in a second."""
    con = duckdb.connect()
    con.execute(
        """
        COPY (
            SELECT CASE
                WHEN i % 1000 = 7 THEN 'not json'
                ELSE '{"request_id":"big-' || (CASE WHEN i % 5000 = 1 THEN i - 1 ELSE i END)
                    || '","timestamp":' || (1790000000000 + i * 1000)
                    || ',"owner_uin":"' || (i % 300) || '","action":"'
                    || (CASE WHEN i % 3 = 0 THEN 'IDCardOCR' ELSE 'GeneralBasicOCR' END)
                    || '","region":"ap-guangzhou"}'
            END
            FROM range(?) t(i)
        ) TO ? (FORMAT csv, HEADER false, QUOTE '', DELIMITER '\t')
        """,
        [LINES, str(path)],
    )


def snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "_lock"
    }


def run(wh: Path, *paths: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{FLOWS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.Popen(
        [sys.executable, "-c", RUN, str(wh), str(REF), *map(str, paths)],
        env=env,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_kill_9_mid_file_leaves_warehouse_as_before(tmp_path):
    small = FIXTURES / "calls_mixed.jsonl"
    big = tmp_path / "big.jsonl"
    make_big_file(big)
    wh = tmp_path / "wh"
    assert run(wh, small).wait() == 0
    before = snapshot(wh)
    commits_before = Warehouse(wh).commits()

    proc = run(wh, big)
    staging = wh / "_staging"
    deadline = time.monotonic() + 60
    # wait until the batch itself is being staged (its Parquet files are being written)
    while not any(p.name.startswith("ingest-") for p in staging.glob("*")) if staging.exists() else True:
        assert proc.poll() is None, "ingest finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL

    warehouse = Warehouse(wh)
    assert warehouse.commits() == commits_before  # nothing committed
    # readers list files through the commit log: nothing of the killed batch is visible
    assert [p.relative_to(wh) for p in warehouse.files("calls")] == [
        Path(rel) for c in commits_before for rel in c["files"] if rel.startswith("calls/")
    ]
    assert staging.exists()  # leftovers are there ...
    warehouse.recover()  # ... and recovery removes them
    assert snapshot(wh) == before
    assert not staging.exists()

    # run again: same state as a clean single run
    assert run(wh, big).wait() == 0
    clean = tmp_path / "clean"
    assert run(clean, small).wait() == 0
    assert run(clean, big).wait() == 0
    assert snapshot(wh) == snapshot(clean)
    counts = Warehouse(wh).commits()[-1]["counts"]
    assert counts["read"] == LINES
    assert counts["quarantined"] == LINES // 1000
    assert counts["read"] == counts["accepted"] + counts["duplicates"] + counts["quarantined"]
    assert counts["duplicates"] == LINES // 5000
